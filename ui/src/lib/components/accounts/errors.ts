// Field-specific sentences for the accounts forms, in the `accounts.invalid`
// namespace; anything else falls back to the shared `errorText`.

import { toIpcFailure } from '../../ipc-failure'
import { errorText } from '../../i18n/errors'
import { has, translate } from '../../i18n/i18n.svelte'

/** One field the backend refused, worded for the user. */
export interface RefusedField {
  /** The backend's field name (`name`, `name_taken`, `appkey`, `base_url`, `api_secret`, …). */
  field: string
  /** The broken rule (`too_short`, `exists`, …), when the backend named one. */
  rule: string | null
  text: string
}

/**
 * The sentence for one refused field: the broken rule's own sentence when
 * there is one (`accounts.invalid.base_url_scheme`), else the field's.
 */
export function fieldText(field: string, rule?: unknown): string | null {
  const base = `accounts.invalid.${field.replace(/^(api_|callback_)secret$/, 'secret')}`
  if (typeof rule === 'string' && has(`${base}_${rule}`)) return translate(`${base}_${rule}`)
  return has(base) ? translate(base) : null
}

/**
 * Every field an `invalid_input` refusal names, in the backend's order:
 * `details.fields` (all refused fields at once), else `details.field`.
 * Empty for any other failure.
 */
export function refusedFields(thrown: unknown): RefusedField[] {
  const failure = toIpcFailure(thrown)
  const details = failure.error.details
  if (failure.code !== 'invalid_input' || typeof details !== 'object' || details === null || Array.isArray(details)) {
    return []
  }
  const { field, rule, fields } = details as { field?: unknown; rule?: unknown; fields?: unknown }
  const list: { field?: unknown; rule?: unknown }[] = Array.isArray(fields) ? fields : [{ field, rule }]
  const out: RefusedField[] = []
  for (const item of list) {
    if (typeof item !== 'object' || item === null || typeof item.field !== 'string') continue
    const rule = typeof item.rule === 'string' ? item.rule : null
    out.push({ field: item.field, rule, text: fieldText(item.field, rule) ?? translate('error.invalid_input') })
  }
  return out
}

export function accountsErrorText(thrown: unknown): string {
  const [first] = refusedFields(thrown)
  if (first && fieldText(first.field) !== null) return first.text
  return errorText(thrown)
}

export function isKeychainFailure(thrown: unknown): boolean {
  return toIpcFailure(thrown).code === 'keychain_unavailable'
}
