// The errors of one form, each shown next to its field (issue 19 item 7):
// all at once, the field marked `aria-invalid` and described by its error,
// focus on the first one. Shared by the accounts forms and the link, sid and
// 选品 forms so the attributes are written once.

import { flushSync } from 'svelte'
import { refusedFields } from './errors'
import type { RefusedField } from './errors'

export type Errors<F extends string> = Partial<Record<F, string>>

export class FieldErrors<F extends string> {
  #errors: Errors<F> = $state({})
  readonly #order: readonly F[]
  readonly #idOf: (field: F) => string

  /** `order`: the fields as they appear in the form; `idOf`: each input's id. */
  constructor(order: readonly F[], idOf: (field: F) => string) {
    this.#order = order
    this.#idOf = idOf
  }

  /** The error shown next to `field`, if any. */
  text(field: F): string | undefined {
    return this.#errors[field]
  }

  /** The id of the element holding `field`'s error. */
  errorId(field: F): string {
    return `${this.#idOf(field)}-error`
  }

  /**
   * The input's id and its `aria-invalid` / `aria-describedby` (its help
   * text, then its error), to spread on the input: `{...errors.attrs('name', helpId)}`.
   */
  attrs(field: F, help: string | null = null) {
    const error = this.#errors[field] ? this.errorId(field) : null
    return {
      id: this.#idOf(field),
      'aria-invalid': error ? ('true' as const) : undefined,
      'aria-describedby': [help, error].filter(Boolean).join(' ') || undefined,
    }
  }

  /**
   * Shows exactly these errors (fixed fields lose their mark) and moves
   * focus to the first marked field. Returns whether there is any.
   */
  show(errors: Errors<F>): boolean {
    // Rendered before focusing, so the field is announced with its error.
    flushSync(() => (this.#errors = errors))
    const first = this.#order.find((f) => errors[f])
    if (first) document.getElementById(this.#idOf(first))?.focus()
    return first !== undefined
  }

  clear() {
    this.#errors = {}
  }

  /**
   * Shows every field a backend refusal names, mapped to this form's fields
   * by `fieldOf` (`null`: not one of this form's). Returns false when the
   * refusal names none of them; the caller then shows it as a whole.
   * `textOf` words a refused field; by default the accounts sentences.
   */
  showRefusal(
    thrown: unknown,
    fieldOf: (backendField: string) => F | null,
    textOf: (refused: RefusedField) => string = (r) => r.text,
  ): boolean {
    const errors: Errors<F> = {}
    for (const refused of refusedFields(thrown)) {
      const mine = fieldOf(refused.field)
      if (mine && !errors[mine]) errors[mine] = textOf(refused)
    }
    return this.show(errors)
  }
}
