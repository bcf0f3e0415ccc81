// The sentence for each search field the backend refused (issue 20 item 7):
// `details.fields` (or `details.field`) with its `rule`, worded from the
// `search.invalid` namespace, so each error stands next to its own field.

import { toIpcFailure } from '../../ipc-failure'
import { has, translate } from '../../i18n/i18n.svelte'

/** The search form's fields, as the backend names them in `details`. */
export const SEARCH_FIELDS = ['keyword', 'platform', 'city_id', 'category_id', 'list_id', 'page'] as const
export type SearchField = (typeof SEARCH_FIELDS)[number]

/** The rule's own sentence (`search.invalid.city_id_unknown`), else the field's, else null. */
export function searchFieldText(field: string, rule?: unknown): string | null {
  const base = `search.invalid.${field}`
  if (typeof rule === 'string' && has(`${base}_${rule}`)) return translate(`${base}_${rule}`)
  return has(base) ? translate(base) : null
}

/**
 * Every search field an `invalid_input` refusal names, each with its
 * sentence, in the backend's order; empty for any other failure or for
 * fields this form does not have.
 */
export function searchFieldErrors(thrown: unknown): Partial<Record<SearchField, string>> {
  const failure = toIpcFailure(thrown)
  const details = failure.error.details
  if (failure.code !== 'invalid_input' || typeof details !== 'object' || details === null || Array.isArray(details)) {
    return {}
  }
  const { field, rule, fields } = details as { field?: unknown; rule?: unknown; fields?: unknown }
  const list: { field?: unknown; rule?: unknown }[] = Array.isArray(fields) ? fields : [{ field, rule }]
  const out: Partial<Record<SearchField, string>> = {}
  for (const item of list) {
    if (typeof item !== 'object' || item === null || typeof item.field !== 'string') continue
    const known = (SEARCH_FIELDS as readonly string[]).includes(item.field)
    const text = searchFieldText(item.field, item.rule)
    if (known && text && !out[item.field as SearchField]) out[item.field as SearchField] = text
  }
  return out
}
