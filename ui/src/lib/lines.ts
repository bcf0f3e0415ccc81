// Names of business lines. The backend says which lines the stored orders
// belong to and gives Meituan's name (zh) and ours (en) when a public source
// documents the code; an undocumented code is shown as the code itself.
import { i18n, t } from './i18n/i18n.svelte'
import type { LineOption } from './ipc'

export function lineLabel(line: LineOption): string {
  const en = i18n.locale === 'en'
  const name = en ? line.name_en : line.name_zh
  if (name) return name
  const code = line.sub !== null ? `${line.code}-${line.sub}` : String(line.code)
  const platform = en ? line.platform_en : line.platform_zh
  return platform ? t('orders.lineName.unknownIn', { platform, code }) : t('orders.lineName.unknown', { code })
}

/** Lines grouped by media platform (one group, unnamed, for legacy lines). */
export function groupByPlatform(lines: LineOption[]): { label: string | null; lines: LineOption[] }[] {
  const groups = new Map<string, { label: string | null; lines: LineOption[] }>()
  for (const l of lines) {
    const label = (i18n.locale === 'en' ? l.platform_en : l.platform_zh) ?? (l.platform !== null ? String(l.platform) : null)
    const key = label ?? ''
    if (!groups.has(key)) groups.set(key, { label, lines: [] })
    groups.get(key)!.lines.push(l)
  }
  return [...groups.values()]
}
