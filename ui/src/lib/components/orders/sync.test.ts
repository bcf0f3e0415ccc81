import { fireEvent, render, screen, waitFor } from '@testing-library/svelte'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { IpcFailure } from '../../ipc-failure'
import type { OrderStats, SyncPlan } from '../../ipc'
import { resetAppState } from '../../../test/reset'
import { resetBackend } from '../../../test/ipc-mock'
import Orders from '../../../screens/Orders.svelte'

const orders = vi.hoisted(() => ({
  planSync: vi.fn(),
  syncStatus: vi.fn(),
  listSids: vi.fn(),
  orderStats: vi.fn(),
  orderLines: vi.fn(),
  tierReport: vi.fn(),
  syncOrders: vi.fn(),
  listOrders: vi.fn(),
  exportOrders: vi.fn(),
}))
vi.mock('../../ipc', async () => ({ ...(await import('../../../test/ipc-mock')), ...orders }))

const plan = (resumes: boolean): SyncPlan => ({
  from: 0,
  to: 0,
  resumes,
  windows: 30,
  min_calls: 30,
  estimated_calls: 210,
  remaining_today: 2000,
  reserve: 400,
  usable: 1600,
  fits: true,
})
const none = { key: '', orders: 0, pay_price_cents: 0, commission_cents: 0, valid_commission_cents: 0, refund_price_cents: 0 }
const stats: OrderStats = { total: none, by_sid: [], by_day: [] }

beforeEach(() => {
  resetAppState()
  resetBackend({}, [{ id: 'p1', name: '主账号' }])
  for (const f of Object.values(orders)) f.mockReset()
  orders.planSync.mockResolvedValue(plan(false))
  orders.syncStatus.mockResolvedValue({ synced_until: null, interrupted: false, pages_done: 0, pages_left_min: 0, windows: 0, windows_done: 0 })
  orders.listSids.mockResolvedValue([])
  orders.orderStats.mockResolvedValue(stats)
  orders.orderLines.mockResolvedValue([])
  orders.tierReport.mockResolvedValue({ history_complete: true, history_days_needed: 97 })
  orders.listOrders.mockResolvedValue({ rows: [] })
})

describe('orders sync', () => {
  it('titles a failed sync 同步失败 with the reason and one way on, not as a failed page', async () => {
    render(Orders)
    const go = await screen.findByTestId('orders-sync')
    orders.syncOrders.mockRejectedValueOnce(new IpcFailure({ code: 'network', message: 'connection refused' }))
    // After the failure the plan says the interrupted sync resumes.
    orders.planSync.mockResolvedValue(plan(true))
    await fireEvent.click(go)
    const failed = await screen.findByTestId('orders-sync-failed')
    expect(failed.textContent).toContain('同步失败')
    expect(failed.textContent).not.toContain('加载失败')
    expect(failed.textContent).toContain('继续同步会从中断处接着取')
    const resume = screen.getByTestId('orders-sync-resume')
    expect(resume.textContent?.trim()).toBe('从中断处继续同步')

    orders.syncOrders.mockResolvedValueOnce({
      pages: 3,
      calls: 3,
      new: 10,
      updated: 0,
      unchanged: 0,
      skipped: 0,
      complete: true,
      stopped: null,
      synced_until: null,
    })
    await fireEvent.click(resume)
    expect(await screen.findByTestId('orders-sync-result')).toBeTruthy()
    expect(screen.queryByTestId('orders-sync-failed')).toBeNull()
    expect(orders.syncOrders).toHaveBeenCalledTimes(2)
  })

  it('offers to fetch the history the monthly-average estimate needs, with its cost first', async () => {
    orders.tierReport.mockResolvedValue({ history_complete: false, history_days_needed: 97 })
    render(Orders)
    const range = await screen.findByTestId('orders-sync-range')
    expect(range.textContent).toContain('取回估算月均订单量所需的 97 天')
    expect(orders.planSync).toHaveBeenLastCalledWith('p1', expect.objectContaining({ initial_days: null }))
    await fireEvent.click(screen.getByTestId('orders-sync-history'))
    await waitFor(() =>
      expect(orders.planSync).toHaveBeenLastCalledWith('p1', expect.objectContaining({ initial_days: 97 })),
    )
    orders.syncOrders.mockResolvedValueOnce({
      pages: 1,
      calls: 1,
      new: 0,
      updated: 0,
      unchanged: 0,
      skipped: 0,
      complete: true,
      stopped: null,
      synced_until: null,
    })
    await fireEvent.click(screen.getByTestId('orders-sync'))
    await waitFor(() => expect(orders.syncOrders).toHaveBeenCalledWith('p1', expect.objectContaining({ initial_days: 97 })))
  })
})
