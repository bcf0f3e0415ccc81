import { render, screen } from '@testing-library/svelte'
import { beforeEach, describe, expect, it } from 'vitest'
import { setLocale } from '../../i18n/i18n.svelte'
import type { SyncStatus } from '../../ipc'
import SyncProgress from './SyncProgress.svelte'

const status = (over: Partial<SyncStatus>): SyncStatus => ({
  synced_until: null,
  interrupted: true,
  pages_done: 0,
  pages_left_min: 0,
  windows: 30,
  windows_done: 0,
  ...over,
})

beforeEach(() => setLocale('zh-CN'))

describe('sync progress', () => {
  it('draws pages done of pages planned, days, calls spent and time left', () => {
    // A resumed run: 10 pages were done before; 20 more in 40 s, 60 left.
    render(SyncProgress, {
      status: status({ pages_done: 30, pages_left_min: 60, windows_done: 10 }),
      startedAt: 0,
      pagesAtStart: 10,
      now: 40_000,
    })
    const bar = screen.getByRole('progressbar') as HTMLProgressElement
    expect([bar.value, bar.max]).toEqual([30, 90])
    const text = screen.getByRole('status').textContent ?? ''
    expect(text).toContain('已取 30 / 约 90 页')
    expect(text).toContain('10 / 30 天')
    expect(text).toContain('本次用了 20 次调用')
    // 2 s a page × 60 pages = 120 s → 2 分钟.
    expect(text).toContain('约还需 2 分钟')
  })

  it('says it is starting before the run has figures, and speaks English', () => {
    const { unmount } = render(SyncProgress, { status: status({ windows: 0, interrupted: false }), startedAt: 0, pagesAtStart: 0, now: 0 })
    expect(screen.getByRole('status').textContent).toBe('正在开始同步…')
    expect((screen.getByRole('progressbar') as HTMLProgressElement).hasAttribute('value')).toBe(false)
    unmount()
    setLocale('en')
    render(SyncProgress, { status: status({ pages_done: 3, pages_left_min: 1, windows_done: 2, windows: 3 }), startedAt: 0, pagesAtStart: 0, now: 3000 })
    const text = screen.getByRole('status').textContent ?? ''
    expect(text).toContain('3 of about 4 pages')
    expect(text).toContain('about 1 s left')
  })
})
