// Small helpers shared by the links and orders screens.

/** Cents as yuan with two decimals (exact: integer arithmetic). */
export function yuan(cents: number): string {
  const sign = cents < 0 ? '-' : ''
  const c = Math.abs(Math.trunc(cents))
  return `${sign}${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`
}

/** Epoch seconds as a Beijing date and time, `YYYY-MM-DD HH:MM`. */
export function beijingTime(epochS: number): string {
  const d = new Date((epochS + 8 * 3600) * 1000)
  return d.toISOString().slice(0, 16).replace('T', ' ')
}

export const LEGACY_TYPES = [1, 2, 3, 4, 5, 6, 7, 8] as const
export const MEDIA_TYPES = [1, 2, 3, 4, 5, 6] as const
