import { recordLoginError } from './login-errors.js'

/** The events of a tedious connection a login watch listens to. */
interface LoginEvents {
  on(event: 'errorMessage', listener: (token: { number: number }) => void): unknown
  once(event: 'connect', listener: (error?: unknown) => void): unknown
  removeListener(event: 'errorMessage', listener: (token: { number: number }) => void): unknown
}

/**
 * Records the server error numbers of a failed login on the error tedious reports for it (see
 * `recordLoginError`), for a tedious connection this package did not create (node-mssql's).
 * Listens until the login completes.
 */
export function watchLogin(connection: LoginEvents): void {
  const errors: number[] = []
  const onErrorMessage = (token: { number: number }) => {
    errors.push(token.number)
  }
  connection.on('errorMessage', onErrorMessage)
  connection.once('connect', (error) => {
    connection.removeListener('errorMessage', onErrorMessage)
    if (error !== undefined && error !== null && errors.length > 0) recordLoginError(error, errors)
  })
}
