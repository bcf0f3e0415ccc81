// Turns any failure into one sentence the user can act on, in the current
// language. The backend's English `message` is for logs, never shown.

import { toIpcFailure } from '../ipc-failure'
import { has, translate } from './i18n.svelte'

export function errorKey(thrown: unknown): string {
  const failure = toIpcFailure(thrown)
  const field = fieldOf(failure.error.details)
  if (failure.code === 'invalid_input' && field && has(`invalid.${field}`)) {
    return `invalid.${field}`
  }
  // A code newer than this UI falls back to the generic sentence.
  const key = `error.${failure.code}`
  return has(key) ? key : 'error.internal'
}

export function errorText(thrown: unknown): string {
  return translate(errorKey(thrown))
}

function fieldOf(details: unknown): string | null {
  if (typeof details !== 'object' || details === null) return null
  const field = (details as { field?: unknown }).field
  return typeof field === 'string' ? field : null
}
