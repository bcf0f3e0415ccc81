// Field-specific sentences for the accounts forms, in the `accounts.invalid`
// namespace; anything else falls back to the shared `errorText`.

import { toIpcFailure } from '../../ipc-failure'
import { errorText } from '../../i18n/errors'
import { has, translate } from '../../i18n/i18n.svelte'

export function accountsErrorText(thrown: unknown): string {
  const failure = toIpcFailure(thrown)
  const details = failure.error.details
  const field =
    typeof details === 'object' && details !== null && !Array.isArray(details)
      ? (details as { field?: unknown }).field
      : undefined
  if (failure.code === 'invalid_input' && typeof field === 'string') {
    const key = `accounts.invalid.${field.replace(/^(api_|callback_)secret$/, 'secret')}`
    if (has(key)) return translate(key)
  }
  return errorText(thrown)
}

export function isKeychainFailure(thrown: unknown): boolean {
  return toIpcFailure(thrown).code === 'keychain_unavailable'
}
