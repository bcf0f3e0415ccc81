// Small pure helpers about a search result.

import type { Generation, SearchItem, TargetKind } from '../../ipc'

/**
 * What a link or a 小程序码 for this result is made for: the product
 * (skuViewId) on the media API, the activity (actId) on the legacy API,
 * whose link and mini-program code endpoints take an actId. Null when the
 * result carries no such id.
 */
export function promotionTarget(generation: Generation, item: SearchItem): { kind: TargetKind; id: string } | null {
  if (generation === 'media') {
    if (item.sku_view_id) return { kind: 'sku', id: item.sku_view_id }
    if (item.act_id) return { kind: 'act', id: item.act_id }
    return null
  }
  // A legacy product is linked as that product of its activity (actId:skuId).
  if (!item.act_id) return null
  return { kind: 'act', id: item.sku_id ? `${item.act_id}:${item.sku_id}` : item.act_id }
}

/** A commission rate as the promoter reads it: `4%`, `4.5%`, `12.25%`. */
export function percent(value: number): string {
  const rounded = Math.round(value * 100) / 100
  return `${rounded}%`
}
