import { render, screen } from '@testing-library/svelte'
import { beforeEach, describe, expect, it } from 'vitest'
import { setLocale } from '../../i18n/i18n.svelte'
import ExportProgress from './ExportProgress.svelte'

beforeEach(() => setLocale('zh-CN'))

describe('export progress', () => {
  it('draws rows written of rows to write, in both languages', () => {
    const { unmount } = render(ExportProgress, { progress: { done: 250_000, total: 1_000_000 } })
    const bar = screen.getByRole('progressbar') as HTMLProgressElement
    expect([bar.value, bar.max]).toEqual([250_000, 1_000_000])
    expect(bar.getAttribute('aria-label')).toBe('导出进度')
    expect(screen.getByRole('status').textContent).toBe('已导出 250000 / 1000000 条')
    unmount()
    setLocale('en')
    render(ExportProgress, { progress: { done: 3, total: 7 } })
    expect(screen.getByRole('status').textContent).toBe('3 of 7 orders exported')
  })

  it('has no value before the orders are counted', () => {
    for (const progress of [null, { done: 0, total: 0 }]) {
      const { unmount } = render(ExportProgress, { progress })
      expect((screen.getByRole('progressbar') as HTMLProgressElement).hasAttribute('value')).toBe(false)
      expect(screen.getByRole('status').textContent).toBe('正在统计要导出的订单…')
      unmount()
    }
  })
})
