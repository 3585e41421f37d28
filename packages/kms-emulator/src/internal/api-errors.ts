import { KmsApiError } from '../errors.js'

// Factories for the KMS error codes the emulator answers with, so codes, statuses and message
// wording stay consistent across operations.

/** `MissingParameter` (400) for an absent required parameter. */
export function missingParameter(name: string): KmsApiError {
  return new KmsApiError(
    'MissingParameter',
    400,
    `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
  )
}

/** `InvalidParameter` (400); `why` never contains a parameter value. */
export function invalidParameter(name: string, why: string): KmsApiError {
  return new KmsApiError('InvalidParameter', 400, `The parameter "${name}" is invalid: ${why}`)
}

/** `Forbidden.ResourceNotFound` (404). */
export function resourceNotFound(what: string): KmsApiError {
  return new KmsApiError('Forbidden.ResourceNotFound', 404, `The resource cannot be found: ${what}`)
}

/** `Rejected.ResourceExist` (409). */
export function resourceExists(what: string): KmsApiError {
  return new KmsApiError('Rejected.ResourceExist', 409, `The resource already exists: ${what}`)
}

/** `Rejected.ResourceInDeleteWindow` (409) for a secret scheduled for deletion. */
export function inDeleteWindow(secretName: string): KmsApiError {
  return new KmsApiError(
    'Rejected.ResourceInDeleteWindow',
    409,
    `The secret "${secretName}" is scheduled for deletion and cannot be used until it is restored.`,
  )
}

/** `Rejected.UnsupportedOperation` (400), e.g. rotating a Generic secret. */
export function unsupportedOperation(why: string): KmsApiError {
  return new KmsApiError('Rejected.UnsupportedOperation', 400, why)
}

/** `Rejected.LimitExceeded` (400). */
export function limitExceeded(why: string): KmsApiError {
  return new KmsApiError('Rejected.LimitExceeded', 400, why)
}

/** `InternalFailure` (500); never carries a driver message. */
export function internalFailure(why = 'Internal Failure'): KmsApiError {
  return new KmsApiError('InternalFailure', 500, why)
}
