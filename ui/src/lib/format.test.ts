import { describe, expect, it } from 'vitest'
import { beijingTime, money, presetRange, yuan } from './format'

describe('links/orders formatting', () => {
  it('formats cents exactly, negative amounts too', () => {
    expect(yuan(3050)).toBe('30.50')
    expect(yuan(7)).toBe('0.07')
    expect(yuan(-150)).toBe('-1.50')
    expect(yuan(0)).toBe('0.00')
    expect(yuan(9_999_999_999)).toBe('99999999.99')
  })

  it('shows epoch seconds in Beijing time whatever the local zone', () => {
    // 2026-03-01 00:00 +08:00 is 2026-02-28 16:00 UTC.
    expect(beijingTime(1_772_294_400)).toBe('2026-03-01 00:00')
    expect(beijingTime(1_772_294_399)).toBe('2026-02-28 23:59')
  })

  it('shows money with the yuan sign, the sign of a refund in front', () => {
    expect(money(3050)).toBe('¥30.50')
    expect(money(0)).toBe('¥0.00')
    expect(money(-150)).toBe('-¥1.50')
  })

  it('turns date presets into Beijing-calendar ranges', () => {
    // 2026-03-01 01:30 +08:00 (still 2026-02-28 in UTC): Beijing says March.
    const now = Date.UTC(2026, 1, 28, 17, 30)
    expect(presetRange('today', now)).toEqual({ from: '2026-03-01', to: '2026-03-01' })
    expect(presetRange('yesterday', now)).toEqual({ from: '2026-02-28', to: '2026-02-28' })
    expect(presetRange('thisMonth', now)).toEqual({ from: '2026-03-01', to: '2026-03-01' })
    expect(presetRange('lastMonth', now)).toEqual({ from: '2026-02-01', to: '2026-02-28' })
    expect(presetRange('last30', now)).toEqual({ from: '2026-01-31', to: '2026-03-01' })
    // January: last month is December of the year before.
    const jan = Date.UTC(2027, 0, 15, 4)
    expect(presetRange('lastMonth', jan)).toEqual({ from: '2026-12-01', to: '2026-12-31' })
    expect(presetRange('thisMonth', jan)).toEqual({ from: '2027-01-01', to: '2027-01-15' })
  })
})
