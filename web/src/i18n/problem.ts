import { ApiError } from '../api/client'
import { i18n } from '.'

export interface ErrorText {
  /** A short summary in the user's language. */
  title: string
  /** What the server said, when it said more than the summary. */
  detail: string
}

/** Describes a failed call for the user: a summary in their language and the server's detail. */
export function describeError(err: unknown): ErrorText {
  const { t } = i18n.global
  if (!(err instanceof ApiError)) return { title: t('errors.unknown'), detail: err instanceof Error ? err.message : '' }
  if (err.status === 0) return { title: t('errors.network'), detail: '' }
  const code = err.knownCode
  const title = code ? t(`errors.${code}`) : err.title || t('errors.unknown')
  return { title, detail: err.detail === title ? '' : err.detail }
}
