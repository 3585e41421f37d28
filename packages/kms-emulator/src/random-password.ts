import { randomInt } from 'node:crypto'
import { invalidParameter } from './internal/api-errors.js'

/** Options of {@link generateRandomPassword}, mirroring `GetRandomPassword`. */
export interface RandomPasswordOptions {
  /** @default 32 */
  length?: number
  /** Characters never used. @default '' */
  excludeCharacters?: string
  /** @default false */
  excludeLowercase?: boolean
  /** @default false */
  excludeUppercase?: boolean
  /** @default false */
  excludeNumbers?: boolean
  /** @default false */
  excludePunctuation?: boolean
  /** Whether the result holds at least one character of each included type. @default true */
  requireEachIncludedType?: boolean
  /** Punctuation set to draw from. @default the 32 ASCII punctuation characters */
  punctuation?: string
}

const LOWER = 'abcdefghijklmnopqrstuvwxyz'
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
const DIGITS = '0123456789'
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'

/**
 * A cryptographically random password, as `GetRandomPassword` returns. Throws
 * `InvalidParameter` when the options leave no character to draw from.
 */
export function generateRandomPassword(options: RandomPasswordOptions = {}): string {
  const length = options.length ?? 32
  if (!Number.isInteger(length) || length < 8 || length > 128) {
    throw invalidParameter('PasswordLength', 'must be between 8 and 128')
  }
  const excluded = new Set(options.excludeCharacters ?? '')
  const keep = (set: string) => [...set].filter((c) => !excluded.has(c)).join('')
  const classes = [
    options.excludeLowercase ? '' : keep(LOWER),
    options.excludeUppercase ? '' : keep(UPPER),
    options.excludeNumbers ? '' : keep(DIGITS),
    options.excludePunctuation ? '' : keep(options.punctuation ?? PUNCTUATION),
  ].filter((c) => c.length > 0)
  if (classes.length === 0) {
    throw invalidParameter('ExcludeCharacters', 'no character type is left to build a password')
  }
  const all = classes.join('')
  const chars: string[] = []
  if (options.requireEachIncludedType ?? true) {
    for (const c of classes) chars.push(c[randomInt(c.length)] as string)
  }
  while (chars.length < length) chars.push(all[randomInt(all.length)] as string)
  // Fisher–Yates so the guaranteed characters are not always first.
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1)
    const tmp = chars[i] as string
    chars[i] = chars[j] as string
    chars[j] = tmp
  }
  return chars.join('')
}

/** Passwords for database accounts: letters, digits and punctuation every SQL dialect accepts. */
export function generateDatabasePassword(): string {
  return generateRandomPassword({ length: 32, punctuation: '-_.!#%+' })
}
