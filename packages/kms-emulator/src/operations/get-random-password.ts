import { optionalBoolean, optionalInteger, optionalString } from '../internal/params.js'
import { generateRandomPassword } from '../random-password.js'
import type { Operation } from './operation-context.js'

/** `GetRandomPassword`. */
export const getRandomPassword: Operation = (params) => {
  const length = optionalInteger(params, 'PasswordLength', 8, 128)
  const excludeCharacters = optionalString(params, 'ExcludeCharacters')
  const password = generateRandomPassword({
    ...(length !== undefined ? { length } : {}),
    ...(excludeCharacters !== undefined ? { excludeCharacters } : {}),
    excludeLowercase: optionalBoolean(params, 'ExcludeLowercase') ?? false,
    excludeUppercase: optionalBoolean(params, 'ExcludeUppercase') ?? false,
    excludeNumbers: optionalBoolean(params, 'ExcludeNumbers') ?? false,
    excludePunctuation: optionalBoolean(params, 'ExcludePunctuation') ?? false,
    requireEachIncludedType: optionalBoolean(params, 'RequireEachIncludedType') ?? true,
  })
  return { RandomPassword: password }
}
