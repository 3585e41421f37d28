/**
 * tedious's `config.authentication.options` for a login whose credentials come from a secret:
 * tedious reads `userName` and `password` from it when it sends LOGIN7. The password sits behind
 * an accessor of the class, not an own property, so `util.inspect(connection)` and
 * `JSON.stringify(connection.config)` never show it (tedious's own options object shows a static
 * password), at no cost per login.
 */
export class LoginOptions {
  /** The login's user name (the secret's account). */
  userName: string | undefined = undefined
  #password: string | undefined = undefined

  /** The login's password, as tedious reads it. */
  get password(): string | undefined {
    return this.#password
  }

  set password(value: string | undefined) {
    this.#password = value
  }
}
