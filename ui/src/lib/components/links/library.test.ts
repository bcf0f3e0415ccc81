import { fireEvent, render, screen } from '@testing-library/svelte'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { LinkEntry } from '../../ipc'
import { resetAppState } from '../../../test/reset'
import LinkLibrary from './LinkLibrary.svelte'

const api = vi.hoisted(() => ({ linkLibrary: vi.fn(), linkQr: vi.fn(), exportLinks: vi.fn(), revealExport: vi.fn() }))
vi.mock('../../ipc', () => api)

const entry: LinkEntry = {
  id: 7,
  target_kind: 'act',
  target: '33',
  sid: 'wx01',
  link_types: [1],
  short_link: false,
  url: 'https://example.test/link/7',
  links: {},
  label: null,
  created_at: '2026-12-05T10:00:00+08:00',
  library_hits: 0,
}

const writeText = vi.fn(async (_text: string) => {})

beforeEach(() => {
  resetAppState()
  for (const f of Object.values(api)) f.mockReset()
  api.linkLibrary.mockResolvedValue({ entries: [entry], total: 1 })
  writeText.mockClear()
  Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true })
})

afterEach(() => vi.useRealTimers())

describe('link library', () => {
  it('copies a link and says so on its button, then goes back', async () => {
    render(LinkLibrary, { profileId: 'p1', sids: [], refresh: 0 })
    const button = await screen.findByTestId('links-library-copy')
    expect(button.textContent?.trim()).toBe('复制')
    vi.useFakeTimers()
    await fireEvent.click(button)
    await vi.waitFor(() => expect(writeText).toHaveBeenCalledWith('https://example.test/link/7'))
    await vi.waitFor(() => expect(button.textContent?.trim()).toBe('已复制'))
    expect(screen.getByRole('status').textContent).toBe('已复制')
    await vi.advanceTimersByTimeAsync(2100)
    expect(button.textContent?.trim()).toBe('复制')
  })

  it('labels its search and offers to open the folder of an export', async () => {
    render(LinkLibrary, { profileId: 'p1', sids: [], refresh: 0 })
    expect(screen.getByLabelText('搜索链接库')).toBe(screen.getByTestId('links-library-search'))
    api.exportLinks.mockResolvedValue('/data/exports/links-20261205-100000.csv')
    api.revealExport.mockResolvedValue(null)
    await fireEvent.click(screen.getByTestId('links-export'))
    expect((await screen.findByTestId('links-saved-path')).textContent).toBe(
      '已写入 /data/exports/links-20261205-100000.csv',
    )
    await fireEvent.click(screen.getByRole('button', { name: '打开所在文件夹' }))
    expect(api.revealExport).toHaveBeenCalledWith('/data/exports/links-20261205-100000.csv')
  })
})
