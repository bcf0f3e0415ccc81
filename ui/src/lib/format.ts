// Small helpers shared by the links and orders screens.

/** Cents as yuan with two decimals (exact: integer arithmetic). */
export function yuan(cents: number): string {
  const sign = cents < 0 ? '-' : ''
  const c = Math.abs(Math.trunc(cents))
  return `${sign}${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`
}

/** Cents as an amount a promoter reads as money: `¥30.50`, `-¥1.50`. */
export function money(cents: number): string {
  const text = yuan(cents)
  return text.startsWith('-') ? `-¥${text.slice(1)}` : `¥${text}`
}

/** Epoch seconds as a Beijing date and time, `YYYY-MM-DD HH:MM`. */
export function beijingTime(epochS: number): string {
  const d = new Date((epochS + 8 * 3600) * 1000)
  return d.toISOString().slice(0, 16).replace('T', ' ')
}

/** The date presets of the orders filter, in the order they are offered. */
export const DATE_PRESETS = ['today', 'yesterday', 'thisMonth', 'lastMonth', 'last30'] as const
export type DatePreset = (typeof DATE_PRESETS)[number]

/**
 * The Beijing-calendar range (`YYYY-MM-DD`, both ends included) a preset
 * means at `nowMs` (epoch milliseconds), whatever the computer's own zone:
 * order days are Beijing days everywhere else in the app.
 */
export function presetRange(preset: DatePreset, nowMs: number): { from: string; to: string } {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)
  const bj = nowMs + 8 * 3600 * 1000
  const today = day(bj)
  const dayMs = 24 * 3600 * 1000
  const d = new Date(bj)
  const y = d.getUTCFullYear()
  const m = d.getUTCMonth()
  switch (preset) {
    case 'today':
      return { from: today, to: today }
    case 'yesterday': {
      const y1 = day(bj - dayMs)
      return { from: y1, to: y1 }
    }
    case 'thisMonth':
      return { from: day(Date.UTC(y, m, 1)), to: today }
    case 'lastMonth':
      return { from: day(Date.UTC(y, m - 1, 1)), to: day(Date.UTC(y, m, 0)) }
    case 'last30':
      return { from: day(bj - 29 * dayMs), to: today }
  }
}

export const LEGACY_TYPES = [1, 2, 3, 4, 5, 6, 7, 8] as const
export const MEDIA_TYPES = [1, 2, 3, 4, 5, 6] as const

/**
 * A day typed by hand as `YYYY-MM-DD`: also `2026/12/5`, `2026.12.05`,
 * `2026年12月5日` and `20261205`. `''` for an empty field, `null` when it is
 * not a real date.
 */
export function parseDay(text: string): string | null {
  const s = text.trim()
  if (!s) return ''
  const m = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$/.exec(s) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(s)
  if (!m) return null
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const date = new Date(Date.UTC(y, mo - 1, d))
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null
  return `${m[1]}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`
}
