import { describe, expect, it } from 'vitest'
import type { SearchItem } from '../../ipc'
import { promotionTarget } from './item'

const base: SearchItem = {
  key: '',
  sku_view_id: null,
  act_id: null,
  sku_id: null,
  name: 'x',
  brand: null,
  image_url: null,
  price_cents: null,
  original_price_cents: null,
  commission_percent: null,
  commission_cents: null,
  platform: null,
  sales: null,
}

describe('promotionTarget', () => {
  it('links a media product by its skuViewId, else its activity', () => {
    expect(promotionTarget('media', { ...base, sku_view_id: 'Ab1', act_id: '33' })).toEqual({ kind: 'sku', id: 'Ab1' })
    expect(promotionTarget('media', { ...base, act_id: '33' })).toEqual({ kind: 'act', id: '33' })
    expect(promotionTarget('media', base)).toBeNull()
  })

  it('links a legacy product as that product of its activity (actId:skuId)', () => {
    expect(promotionTarget('legacy', { ...base, act_id: '42', sku_id: '1234' })).toEqual({ kind: 'act', id: '42:1234' })
    expect(promotionTarget('legacy', { ...base, act_id: '42' })).toEqual({ kind: 'act', id: '42' })
    expect(promotionTarget('legacy', { ...base, sku_id: '1234' })).toBeNull()
  })
})
