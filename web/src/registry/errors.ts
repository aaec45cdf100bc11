// Field errors of a refused save, as the form shows them.
import { ApiError } from '../api/client'

/** The server's reasons by field name ("name", "houses[0].house_code", …), several joined. */
export function fieldErrorMap(err: unknown): Record<string, string> {
  if (!(err instanceof ApiError)) return {}
  const out: Record<string, string> = {}
  for (const { field, reason } of err.errors) out[field] = out[field] ? `${out[field]}; ${reason}` : reason
  return out
}

/** The errors no input of the form shows: those for fields it does not place. */
export function unplacedErrors(errors: Record<string, string>, placed: (field: string) => boolean): string[] {
  return Object.entries(errors)
    .filter(([field]) => !placed(field))
    .map(([field, reason]) => `${field}: ${reason}`)
}
