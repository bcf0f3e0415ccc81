import { describe, expect, it } from 'vitest'
import { beijingTime, yuan } from './format'

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
})
