import { fireEvent, render, screen, within } from '@testing-library/svelte'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { BatchCounts, BatchPlan, BatchRow, BatchSummary } from '../../ipc'
import { resetAppState } from '../../../test/reset'
import BatchPanel from './BatchPanel.svelte'

// Only what the batch panel calls: a small in-memory batch of three rows.
const api = vi.hoisted(() => ({
  createBatch: vi.fn(),
  planBatch: vi.fn(),
  runBatch: vi.fn(),
  batchSummary: vi.fn(),
  batchRows: vi.fn(),
  exportBatch: vi.fn(),
  retryBatchErrors: vi.fn(),
  listBatches: vi.fn(),
  linkQr: vi.fn(),
  revealExport: vi.fn(),
}))
vi.mock('../../ipc', () => api)

const counts = (c: Partial<BatchCounts>): BatchCounts => ({ rows: 3, pending: 0, done: 0, library: 0, error: 0, ...c })
const summary = (c: Partial<BatchCounts>): BatchSummary => ({ id: 7, created_at: '2026-11-30T10:00:00+08:00', source: 'paste', counts: counts(c) })
const row = (row_no: number, status: BatchRow['status']): BatchRow => ({
  row_no,
  target_kind: 'act',
  target: '33',
  sid: `s${row_no}`,
  link_types: [1],
  short_link: false,
  status,
  url: status === 'done' ? `https://sandbox.invalid/${row_no}` : null,
  error_code: status === 'error' ? 'http' : null,
  error: status === 'error' ? 'the server answered HTTP 503' : null,
  problem: null,
})
const plan = (pending: number, calls: number, remaining = 100): BatchPlan => ({
  counts: counts({ pending }),
  from_library: pending - calls,
  calls_needed: calls,
  remaining_today: remaining,
  fits: calls <= remaining,
})

const writeText = vi.fn(async (_text: string) => {})

beforeEach(() => {
  resetAppState()
  for (const f of Object.values(api)) f.mockReset()
  api.createBatch.mockResolvedValue(summary({ pending: 3 }))
  api.batchSummary.mockResolvedValue(summary({ pending: 3 }))
  api.listBatches.mockResolvedValue([])
  writeText.mockClear()
  Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true })
})

afterEach(() => vi.useRealTimers())

async function planned(text = '33,s1,1\n33,s2,1\n33,s3,1') {
  render(BatchPanel, { profileId: 'p1', generation: 'legacy' })
  await fireEvent.input(screen.getByTestId('batch-input'), { target: { value: text } })
  await fireEvent.click(screen.getByTestId('batch-plan'))
  return screen.findByTestId('batch-plan-text')
}

describe('batch panel', () => {
  it('shows the calls a batch needs before it starts, and refuses one larger than what remains', async () => {
    api.planBatch.mockResolvedValue(plan(3, 3, 2))
    api.batchRows.mockResolvedValue([row(1, 'pending'), row(2, 'pending'), row(3, 'pending')])
    const text = await planned()
    expect(text.textContent).toContain('需要 3 次调用')
    expect(text.textContent).toContain('今天还剩 2 次')
    expect(screen.getByText(/这批需要 3 次调用，但今天只剩 2 次/)).toBeTruthy()
    expect((screen.getByTestId('batch-run') as HTMLButtonElement).disabled).toBe(true)
    expect(api.runBatch).not.toHaveBeenCalled()
  })

  it('retries only the failed rows, showing the new cost first', async () => {
    api.planBatch.mockResolvedValueOnce(plan(3, 3))
    api.batchRows.mockResolvedValueOnce([row(1, 'pending'), row(2, 'pending'), row(3, 'pending')])
    await planned()
    expect(screen.queryByTestId('batch-retry')).toBeNull()

    // The run: one row fails with a server error.
    api.runBatch.mockResolvedValue({ counts: counts({ done: 2, error: 1 }), calls: 3, interrupted: false })
    api.batchSummary.mockResolvedValue(summary({ done: 2, error: 1 }))
    api.batchRows.mockResolvedValue([row(1, 'done'), row(2, 'error'), row(3, 'done')])
    api.planBatch.mockResolvedValue(plan(0, 0))
    await fireEvent.click(screen.getByTestId('batch-run'))
    const report = await screen.findByTestId('batch-report')
    expect(report.textContent).toContain('出错 1 行')
    const retry = await screen.findByTestId('batch-retry')

    // Retry: the row is pending again and the plan says it costs one call.
    api.retryBatchErrors.mockResolvedValue(1)
    api.planBatch.mockResolvedValue(plan(1, 1))
    api.batchRows.mockResolvedValue([row(1, 'done'), row(2, 'pending'), row(3, 'done')])
    await fireEvent.click(retry)
    expect(api.retryBatchErrors).toHaveBeenCalledWith(7)
    expect(await screen.findByText(/1 行出错的行已放回待处理/)).toBeTruthy()
    expect(screen.getByTestId('batch-plan-text').textContent).toContain('需要 1 次调用')
    expect(screen.queryByTestId('batch-retry')).toBeNull()
    expect((screen.getByTestId('batch-run') as HTMLButtonElement).disabled).toBe(false)
  })

  it('words every row error from its code in both languages, never the English detail', async () => {
    api.planBatch.mockResolvedValue(plan(0, 0))
    const failed = (over: Partial<BatchRow>): BatchRow => ({ ...row(1, 'error'), error: 'line 2: no sid (and no default sid)', ...over })
    const problem = (kind: NonNullable<BatchRow['problem']>['kind'], p: Partial<NonNullable<BatchRow['problem']>> = {}) => ({
      kind,
      line: null,
      field: null,
      value: null,
      message: null,
      ...p,
    })
    api.batchRows.mockResolvedValue([
      failed({ row_no: 1, error_code: 'invalid_input', problem: problem('no_sid', { line: 2 }) }),
      failed({ row_no: 2, error_code: 'invalid_input', problem: problem('invalid', { field: 'target_kind' }) }),
      failed({ row_no: 3, error_code: 'invalid_input', problem: problem('bad_link_type', { line: 4, value: 'x' }) }),
      failed({ row_no: 4, error_code: 'api', problem: problem('api', { value: '1005', message: '参数错误' }) }),
      failed({ row_no: 5, error_code: 'http', problem: null }),
    ])
    await planned()
    const cells = (await screen.findAllByTestId('batch-row-result')).map((c) => c.textContent ?? '')
    expect(cells).toEqual([
      '第 2 行：没有填写推广位（sid），也没有设置默认 sid。',
      '联盟 API 只能为活动（actId）生成链接；商品（skuViewId）和文本需要媒体 API 账号。',
      '第 4 行：“x” 不是链接类型。请填写数字，例如 1，多个用 | 分开。',
      '美团拒绝了这一行（代码 1005）：参数错误',
      expect.stringMatching(/[\u4e00-\u9fff]/),
    ])
    for (const c of cells) expect(c).not.toMatch(/no sid|HTTP 503/)
  })

  it('labels the default sid and offers the link types of the generation by name', async () => {
    api.planBatch.mockResolvedValue(plan(3, 3))
    api.batchRows.mockResolvedValue([])
    const { unmount } = render(BatchPanel, { profileId: 'p1', generation: 'media' })
    expect(screen.getByLabelText('默认 sid')).toBe(screen.getByTestId('batch-sid'))
    const type = screen.getByLabelText('默认链接类型') as HTMLSelectElement
    expect(type.tagName).toBe('SELECT')
    expect([...type.options].map((o) => o.textContent)).toEqual([
      'H5 长链接（类型 1）',
      'H5 短链接（类型 2）',
      'App 直达链接（deeplink）（类型 3）',
      '小程序路径（类型 4）',
      '团口令（类型 5）',
      '小程序码（类型 6）',
    ])
    expect(type.getAttribute('aria-describedby')).toBeTruthy()
    await fireEvent.input(screen.getByTestId('batch-input'), { target: { value: '33' } })
    await fireEvent.input(screen.getByLabelText('默认 sid'), { target: { value: ' wx01 ' } })
    await fireEvent.change(type, { target: { value: '3' } })
    await fireEvent.click(screen.getByTestId('batch-plan'))
    await vi.waitFor(() =>
      expect(api.createBatch).toHaveBeenCalledWith('p1', '33', { sid: 'wx01', link_types: [3], short_link: false }),
    )
    unmount()

    render(BatchPanel, { profileId: 'p1', generation: 'legacy' })
    const legacy = screen.getByLabelText('默认链接类型') as HTMLSelectElement
    expect(legacy.options).toHaveLength(8)
    expect(legacy.options[0].textContent).toBe('H5 网页链接（类型 1）')
    expect(legacy.value).toBe('1')
  })

  it('opens a CSV with its own translated button and shows the chosen file name', async () => {
    render(BatchPanel, { profileId: 'p1', generation: 'legacy' })
    const input = screen.getByLabelText('打开 CSV 文件') as HTMLInputElement
    expect(input.type).toBe('file')
    expect(input.classList.contains('visually-hidden')).toBe(true)
    expect(input.tabIndex).not.toBe(-1)
    expect(screen.getByText('打开 CSV 文件').tagName).toBe('LABEL')
    expect(screen.getByTestId('batch-file-name').textContent).toBe('未选择文件')
    // jsdom's File has no text(): the panel needs only its name and text.
    const file = { name: '活动列表.csv', text: async () => '33,wx01,1\n' }
    await fireEvent.change(input, { target: { files: [file] } })
    await vi.waitFor(() => expect((screen.getByTestId('batch-input') as HTMLTextAreaElement).value).toBe('33,wx01,1\n'))
    expect(screen.getByTestId('batch-file-name').textContent).toBe('活动列表.csv')
  })

  it('heads the result columns, copies every link or one, and shows a row QR code', async () => {
    api.planBatch.mockResolvedValue(plan(0, 0))
    api.batchRows.mockResolvedValue([row(1, 'done'), row(2, 'error'), { ...row(3, 'library'), url: 'https://sandbox.invalid/3' }])
    await planned()
    const table = await screen.findByTestId('batch-rows')
    const heads = within(table).getAllByRole('columnheader')
    expect(heads.map((h) => h.textContent)).toEqual(['行', '目标', 'sid', '状态', '链接/原因', '操作'])
    for (const h of heads) expect(h.getAttribute('scope')).toBe('col')

    await fireEvent.click(screen.getByTestId('batch-copy-all'))
    await vi.waitFor(() => expect(writeText).toHaveBeenCalledWith('https://sandbox.invalid/1\nhttps://sandbox.invalid/3'))
    expect((await screen.findByTestId('batch-note')).textContent).toBe('已复制 2 条')

    // Only rows with a link have copy and QR buttons, named by their row.
    const copies = screen.getAllByTestId('batch-row-copy')
    expect(copies.map((b) => b.getAttribute('aria-label'))).toEqual(['复制第 1 行的链接', '复制第 3 行的链接'])
    vi.useFakeTimers()
    await fireEvent.click(copies[1])
    await vi.waitFor(() => expect(writeText).toHaveBeenLastCalledWith('https://sandbox.invalid/3'))
    await vi.waitFor(() => expect(copies[1].textContent?.trim()).toBe('已复制'))
    await vi.advanceTimersByTimeAsync(2100)
    expect(copies[1].textContent?.trim()).toBe('复制')
    vi.useRealTimers()

    api.linkQr.mockResolvedValue('data:image/png;base64,QR')
    const qr = screen.getAllByTestId('batch-row-qr')[0]
    expect(qr.getAttribute('aria-label')).toBe('第 1 行的二维码')
    await fireEvent.click(qr)
    const image = (await screen.findByTestId('batch-row-qr-image')) as HTMLImageElement
    expect(api.linkQr).toHaveBeenCalledWith('https://sandbox.invalid/1')
    expect(image.src).toBe('data:image/png;base64,QR')
    expect(qr.getAttribute('aria-expanded')).toBe('true')
    await fireEvent.click(qr)
    expect(screen.queryByTestId('batch-row-qr-image')).toBeNull()
  })

  it('shows the last batch and its rows again when the panel comes back', async () => {
    api.listBatches.mockResolvedValue([summary({ done: 2, error: 1 }), { ...summary({ done: 1 }), id: 3 }])
    api.batchRows.mockResolvedValue([row(1, 'done'), row(2, 'error'), row(3, 'done')])
    api.planBatch.mockResolvedValue(plan(0, 0))
    render(BatchPanel, { profileId: 'p1', generation: 'legacy' })
    expect(await screen.findAllByTestId('batch-row-result')).toHaveLength(3)
    expect(api.listBatches).toHaveBeenCalledWith('p1')
    expect(api.batchRows).toHaveBeenCalledWith(7, 0, 1000)
    expect(screen.getByTestId('batch-restored').textContent).toContain('2026-11-30 10:00')
    expect(screen.getByTestId('batch-retry')).toBeTruthy()
    expect(screen.getByTestId('batch-copy-all')).toBeTruthy()
    // Nothing is pending: there is nothing to start.
    expect((screen.getByTestId('batch-run') as HTMLButtonElement).disabled).toBe(true)
  })

  it('offers to open the folder of an export, and says so when it cannot', async () => {
    api.planBatch.mockResolvedValue(plan(0, 0))
    api.batchRows.mockResolvedValue([row(1, 'done')])
    api.exportBatch.mockResolvedValue('/data/exports/batch-7.csv')
    await planned()
    await fireEvent.click(screen.getByTestId('batch-export'))
    expect((await screen.findByTestId('links-saved-path')).textContent).toBe('已写入 /data/exports/batch-7.csv')
    api.revealExport.mockResolvedValueOnce(null).mockRejectedValueOnce(new Error('no file manager'))
    const reveal = screen.getByRole('button', { name: '打开所在文件夹' })
    await fireEvent.click(reveal)
    expect(api.revealExport).toHaveBeenCalledWith('/data/exports/batch-7.csv')
    expect(screen.queryByRole('alert')).toBeNull()
    await fireEvent.click(reveal)
    expect((await screen.findByRole('alert')).textContent).toContain('无法打开文件夹')
  })
})
