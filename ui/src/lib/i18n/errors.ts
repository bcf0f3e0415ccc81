// Turns any failure into one sentence the user can act on, in the current
// language. The backend's English `message` is for logs, never shown.

import { toIpcFailure } from '../ipc-failure'
import { has, translate } from './i18n.svelte'

export function errorKey(thrown: unknown): string {
  const failure = toIpcFailure(thrown)
  if (failure.code === 'invalid_input') {
    const key = invalidKey(fieldOf(failure.error.details), ruleOf(failure.error.details))
    if (key) return key
  }
  // A code newer than this UI falls back to the generic sentence.
  const key = `error.${failure.code}`
  return has(key) ? key : 'error.internal'
}

/**
 * The sentence key for one refused field: the broken rule's own when there
 * is one (`invalid.sid_exists`), else the field's; `null` when neither.
 */
function invalidKey(field: string | null, rule: string | null): string | null {
  if (field && rule && has(`invalid.${field}_${rule}`)) return `invalid.${field}_${rule}`
  if (field && has(`invalid.${field}`)) return `invalid.${field}`
  return null
}

/** One refused field's sentence, for a form that shows it next to the field. */
export function invalidText(field: string, rule: string | null): string {
  return translate(invalidKey(field, rule) ?? 'error.invalid_input')
}

export function errorText(thrown: unknown): string {
  const failure = toIpcFailure(thrown)
  // Meituan's own refusal: its code and words, as it sent them (issue 18:
  // an unknown code is shown raw, never guessed at).
  const api = apiRefusal(failure.code, failure.error.details)
  if (api) return translate('error.api_with_code', api)
  return translate(errorKey(thrown))
}

/** Meituan's code and message from an `api` failure's details, made safe to show. */
function apiRefusal(code: string, details: unknown): { code: string; message: string } | null {
  if (code !== 'api' || typeof details !== 'object' || details === null) return null
  const { api_code, api_message } = details as { api_code?: unknown; api_message?: unknown }
  if (typeof api_code !== 'string' && typeof api_code !== 'number') return null
  const clean = (text: string, max: number) => {
    // eslint-disable-next-line no-control-regex
    const plain = text.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, ' ').trim()
    return plain.length > max ? `${plain.slice(0, max)}…` : plain
  }
  const message = typeof api_message === 'string' ? clean(api_message, 200) : ''
  return { code: clean(String(api_code), 32), message: message || '—' }
}

function fieldOf(details: unknown): string | null {
  if (typeof details !== 'object' || details === null) return null
  const field = (details as { field?: unknown }).field
  return typeof field === 'string' ? field : null
}

function ruleOf(details: unknown): string | null {
  if (typeof details !== 'object' || details === null) return null
  const rule = (details as { rule?: unknown }).rule
  return typeof rule === 'string' ? rule : null
}
