import { beforeEach, describe, expect, it } from 'vitest'
import { setLocale } from './i18n/i18n.svelte'
import type { LineOption } from './ipc'
import { groupByPlatform, lineLabel } from './lines'

const line = (over: Partial<LineOption>): LineOption => ({
  key: 'media:1:1',
  platform: 1,
  code: 1,
  sub: null,
  name_zh: '外卖',
  name_en: 'Takeaway',
  platform_zh: '到家及其他',
  platform_en: 'Delivery & other',
  orders: 3,
  ...over,
})

beforeEach(() => setLocale('zh-CN'))

describe('business line names', () => {
  it('uses Meituan\'s name in Chinese and ours in English', () => {
    expect(lineLabel(line({}))).toBe('外卖')
    setLocale('en')
    expect(lineLabel(line({}))).toBe('Takeaway')
  })

  it('shows a line no source names as its code, with its platform', () => {
    const unnamed = line({ key: 'media:2:40', platform: 2, code: 40, name_zh: null, name_en: null, platform_zh: '到店', platform_en: 'In store' })
    expect(lineLabel(unnamed)).toBe('到店 · 业务线 40')
    const legacy = line({ key: 'legacy:9', platform: null, code: 9, name_zh: null, name_en: null, platform_zh: null, platform_en: null })
    expect(lineLabel(legacy)).toBe('业务线 9')
    const sub = line({ key: 'legacy:8:2', platform: null, code: 8, sub: 2, name_zh: null, name_en: null, platform_zh: null, platform_en: null })
    setLocale('en')
    expect(lineLabel(sub)).toBe('Line 8-2')
  })

  it('groups lines by platform in the order given', () => {
    const groups = groupByPlatform([
      line({}),
      line({ key: 'media:1:7', code: 7, name_zh: '商品超值券包' }),
      line({ key: 'media:2:1', platform: 2, platform_zh: '到店', platform_en: 'In store', name_zh: '到餐' }),
    ])
    expect(groups.map((g) => [g.label, g.lines.length])).toEqual([
      ['到家及其他', 2],
      ['到店', 1],
    ])
    const legacy = groupByPlatform([line({ key: 'legacy:3', platform: null, platform_zh: null, platform_en: null })])
    expect(legacy).toEqual([{ label: null, lines: [expect.objectContaining({ key: 'legacy:3' })] }])
  })
})
