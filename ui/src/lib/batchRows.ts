// The sentence for a failed batch row, in the current language: from the
// row's problem code and parameters, else from its error code. The row's
// English `error` is for the terminal; the core's export words rows the
// same way (desk_core::links::batch::row_error_text).
import { has, t, translate } from './i18n/i18n.svelte'
import type { BatchRow } from './ipc'

export function rowErrorText(row: BatchRow): string {
  const p = row.problem
  if (p) {
    const line = p.line ?? '?'
    switch (p.kind) {
      case 'no_target':
        return t('links.batch.problem.no_target', { line })
      case 'no_sid':
        return t('links.batch.problem.no_sid', { line })
      case 'bad_link_type':
        return t('links.batch.problem.bad_link_type', { line, value: p.value ?? '' })
      case 'invalid':
        return p.field && has(`invalid.${p.field}`)
          ? translate(`invalid.${p.field}`)
          : t('links.batch.problem.invalid', { field: p.field ?? '' })
      case 'api':
        return t('links.batch.problem.api', { code: p.value ?? '', message: p.message || '—' })
    }
  }
  if (row.error_code) {
    const key = `error.${row.error_code}`
    return translate(has(key) ? key : 'error.internal')
  }
  return ''
}
