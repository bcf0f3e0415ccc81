import { fireEvent, render, screen } from '@testing-library/svelte'
import { beforeEach, describe, expect, it, vi } from 'vitest'
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

beforeEach(() => {
  resetAppState()
  for (const f of Object.values(api)) f.mockReset()
  api.createBatch.mockResolvedValue(summary({ pending: 3 }))
  api.batchSummary.mockResolvedValue(summary({ pending: 3 }))
})

async function planned(text = '33,s1,1\n33,s2,1\n33,s3,1') {
  render(BatchPanel, { profileId: 'p1' })
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
      '老版接口只能为活动（actId）生成链接；商品（skuViewId）和文本需要新版（媒体）账号。',
      '第 4 行：“x” 不是链接类型。请填写数字，例如 1，多个用 | 分开。',
      '美团拒绝了这一行（代码 1005）：参数错误',
      expect.stringMatching(/[\u4e00-\u9fff]/),
    ])
    for (const c of cells) expect(c).not.toMatch(/no sid|HTTP 503/)
  })
})
