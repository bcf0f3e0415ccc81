import { fireEvent, render, screen, within } from '@testing-library/svelte'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { IpcFailure } from '../../ipc-failure'
import type { BatchRow, BatchSummary, LinkEntry, MiniCode as MiniCodeData } from '../../ipc'
import { resetAppState } from '../../../test/reset'
import BatchPanel from './BatchPanel.svelte'
import LinkLibrary from './LinkLibrary.svelte'
import MiniCode from './MiniCode.svelte'

const api = vi.hoisted(() => ({
  miniCode: vi.fn(),
  saveMiniCode: vi.fn(),
  copyMiniCode: vi.fn(),
  revealExport: vi.fn(),
  linkQr: vi.fn(),
  linkLibrary: vi.fn(),
  exportLinks: vi.fn(),
  listBatches: vi.fn(),
  batchRows: vi.fn(),
  planBatch: vi.fn(),
  createBatch: vi.fn(),
  runBatch: vi.fn(),
  batchSummary: vi.fn(),
  exportBatch: vi.fn(),
  retryBatchErrors: vi.fn(),
}))
vi.mock('../../ipc', () => api)

const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg=='

const code = (partial: Partial<MiniCodeData> = {}): MiniCodeData => ({
  link_id: 9,
  target_kind: 'act',
  target: '33',
  sid: 'wx01',
  image_url: 'http://127.0.0.1:9/img/mini-33.png',
  png_path: '/data/minicodes/9.png',
  data_url: PNG,
  from_library: false,
  calls_spent: 1,
  ...partial,
})

beforeEach(() => {
  resetAppState()
  for (const f of Object.values(api)) f.mockReset()
})

describe('mini-program code', () => {
  it('shows the image, says a repeat costs nothing, saves it as PNG and copies it', async () => {
    api.miniCode.mockResolvedValueOnce(code()).mockResolvedValueOnce(code({ from_library: true, calls_spent: 0 }))
    api.saveMiniCode.mockResolvedValue('/data/exports/minicode-9.png')
    api.copyMiniCode.mockResolvedValue(null)
    const view = render(MiniCode, { props: { profileId: 'p1', targetKind: 'act', target: '33', sid: 'wx01', label: '活动 33' } })
    const img = await screen.findByTestId('minicode-image')
    expect(img.getAttribute('src')).toBe(PNG)
    expect(img.getAttribute('alt')).toBe('活动 33 的微信小程序码')
    expect(api.miniCode).toHaveBeenCalledWith('p1', 'act', '33', 'wx01')
    expect(screen.getByTestId('minicode-source').textContent).toContain('已获取（1 次调用）')

    await fireEvent.click(screen.getByRole('button', { name: '保存为 PNG' }))
    expect((await screen.findByTestId('links-saved-path')).textContent).toBe('已保存到 /data/exports/minicode-9.png')
    expect(api.saveMiniCode).toHaveBeenCalledWith(9)
    await fireEvent.click(screen.getByRole('button', { name: '复制图片' }))
    expect(await screen.findByText(/已把小程序码图片复制到剪贴板/)).toBeTruthy()
    expect(api.copyMiniCode).toHaveBeenCalledWith(9)

    view.unmount()
    render(MiniCode, { props: { profileId: 'p1', targetKind: 'act', target: '33', sid: 'wx01', label: '活动 33' } })
    expect((await screen.findByTestId('minicode-source')).textContent).toBe('来自链接库，0 次调用')
  })

  it('says why there is no code, translated', async () => {
    api.miniCode.mockRejectedValue(
      new IpcFailure({ code: 'invalid_input', message: 'bad sid', details: { field: 'sid', reason: 'empty' } }),
    )
    render(MiniCode, { props: { profileId: 'p1', targetKind: 'act', target: '33', sid: '', label: '活动 33' } })
    expect((await screen.findByRole('alert')).textContent).toMatch(/推广位（sid）/)
    expect(screen.queryByTestId('minicode-image')).toBeNull()
  })

  it('is offered per row in batch results for acts on the legacy API', async () => {
    const row = (row_no: number, target_kind: BatchRow['target_kind']): BatchRow => ({
      row_no,
      target_kind,
      target: String(30 + row_no),
      sid: 'wx01',
      link_types: [1],
      short_link: false,
      status: 'done',
      url: `https://sandbox.invalid/${row_no}`,
      error_code: null,
      error: null,
      problem: null,
    })
    const summary: BatchSummary = {
      id: 7,
      created_at: '2026-12-05T10:00:00+08:00',
      source: 'paste',
      counts: { rows: 2, pending: 0, done: 2, library: 0, error: 0 },
    }
    api.listBatches.mockResolvedValue([summary])
    api.batchRows.mockResolvedValue([row(1, 'act'), row(2, 'text')])
    api.planBatch.mockResolvedValue(null)
    api.miniCode.mockResolvedValue(code({ target: '31' }))
    render(BatchPanel, { profileId: 'p1', generation: 'legacy' })
    await screen.findAllByTestId('batch-row-result')
    const buttons = screen.getAllByTestId('batch-row-minicode')
    expect(buttons.length).toBe(1)
    expect(buttons[0].getAttribute('aria-label')).toBe('第 1 行的小程序码')
    await fireEvent.click(buttons[0])
    expect((await screen.findByTestId('minicode-image')).getAttribute('src')).toBe(PNG)
    expect(api.miniCode).toHaveBeenCalledWith('p1', 'act', '31', 'wx01')
    expect(buttons[0].getAttribute('aria-expanded')).toBe('true')
  })

  it('is offered per row in the link library for skus on the media API', async () => {
    const entry = (id: number, target_kind: LinkEntry['target_kind']): LinkEntry => ({
      id,
      target_kind,
      target: `t${id}`,
      sid: 'wx01',
      link_types: [1],
      short_link: false,
      url: `https://sandbox.invalid/${id}`,
      links: {},
      label: null,
      created_at: '2026-12-05T10:00:00+08:00',
      library_hits: 0,
    })
    api.linkLibrary.mockResolvedValue({ entries: [entry(1, 'sku'), entry(2, 'act')], total: 2 })
    api.miniCode.mockResolvedValue(code({ target_kind: 'sku', target: 't1' }))
    render(LinkLibrary, { profileId: 'p1', sids: [], refresh: 0, generation: 'media' })
    const rows = await screen.findAllByTestId('links-library-row')
    expect(within(rows[0]).queryByTestId('links-library-minicode')).toBeTruthy()
    expect(within(rows[1]).queryByTestId('links-library-minicode')).toBeNull()
    await fireEvent.click(within(rows[0]).getByTestId('links-library-minicode'))
    await within(rows[0]).findByTestId('minicode-image')
    expect(api.miniCode).toHaveBeenCalledWith('p1', 'sku', 't1', 'wx01')
  })
})
