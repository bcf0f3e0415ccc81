// The orders screen's date presets (今天, 昨天, 本月, 上月, 近 30 天): each
// fills both date fields with Beijing days and asks the backend with that
// range (issue 19); the status filter offers 其他/未知 apart from 已付款.
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { OrderFilter, OrderStats } from '../../ipc'
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
  listOrders: vi.fn(),
}))
vi.mock('../../ipc', async () => ({ ...(await import('../../../test/ipc-mock')), ...orders }))

const none = { key: '', orders: 0, pay_price_cents: 0, commission_cents: 0, valid_commission_cents: 0, refund_price_cents: 0 }
// Some orders, so the order list asks for its first page.
const stats: OrderStats = { total: { ...none, orders: 3 }, by_sid: [], by_day: [] }

beforeEach(() => {
  resetAppState()
  resetBackend({}, [{ id: 'p1', name: '主账号' }])
  for (const f of Object.values(orders)) f.mockReset()
  orders.planSync.mockResolvedValue({
    from: 0,
    to: 0,
    resumes: false,
    windows: 1,
    min_calls: 1,
    estimated_calls: 1,
    remaining_today: 2000,
    reserve: 400,
    usable: 1600,
    fits: true,
  })
  orders.syncStatus.mockResolvedValue({ synced_until: null, interrupted: false, pages_done: 0, pages_left_min: 0, windows: 0, windows_done: 0 })
  orders.listSids.mockResolvedValue([])
  orders.orderStats.mockResolvedValue(stats)
  orders.orderLines.mockResolvedValue([])
  orders.tierReport.mockResolvedValue({ history_complete: true, history_days_needed: 0 })
  orders.listOrders.mockResolvedValue({ rows: [], total: 0 })
})

afterEach(() => {
  vi.useRealTimers()
})

const range = (from: string, to: string): OrderFilter => ({ from, to, sid: null, status: null, business_line: null, line: null })

async function clickEach(expected: [string, string, string][]) {
  render(Orders)
  const from = (await screen.findByTestId('orders-from')) as HTMLInputElement
  const to = screen.getByTestId('orders-to') as HTMLInputElement
  // Nothing asked with a range before a preset is clicked.
  await waitFor(() => expect(orders.orderStats).toHaveBeenCalledWith('p1', expect.objectContaining({ from: null, to: null })))
  expect([from.value, to.value]).toEqual(['', ''])
  for (const [label, day1, day2] of expected) {
    await fireEvent.click(screen.getByRole('button', { name: label }))
    await waitFor(() => expect(orders.orderStats).toHaveBeenLastCalledWith('p1', range(day1, day2)))
    expect([label, from.value, to.value]).toEqual([label, day1, day2])
    // The order list is asked with the same range.
    await waitFor(() => expect(orders.listOrders).toHaveBeenLastCalledWith('p1', range(day1, day2), 0, expect.any(Number)))
  }
}

describe('orders date presets', () => {
  it('fill both date fields with Beijing days and filter by them, across a month and year end', async () => {
    // 01:30 on 1 January 2027 in Beijing, still 31 December in UTC: the
    // days are Beijing's, not the computer's or UTC's.
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2026-12-31T17:30:00Z'))
    await clickEach([
      ['今天', '2027-01-01', '2027-01-01'],
      ['昨天', '2026-12-31', '2026-12-31'],
      ['本月', '2027-01-01', '2027-01-01'],
      ['上月', '2026-12-01', '2026-12-31'],
      ['近 30 天', '2026-12-03', '2027-01-01'],
    ])
  })

  it('fill both date fields with Beijing days mid-month, February included', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2026-03-15T04:00:00Z')) // 12:00 Beijing
    await clickEach([
      ['今天', '2026-03-15', '2026-03-15'],
      ['昨天', '2026-03-14', '2026-03-14'],
      ['本月', '2026-03-01', '2026-03-15'],
      ['上月', '2026-02-01', '2026-02-28'],
      ['近 30 天', '2026-02-14', '2026-03-15'],
    ])
  })
})

describe('orders status filter', () => {
  it('offers 其他/未知 after 已付款 and asks for the unknown statuses apart from paid (issue 18)', async () => {
    render(Orders)
    const select = (await screen.findByTestId('orders-status')) as HTMLSelectElement
    const options = [...select.options].map((o) => [o.value, o.textContent])
    expect(options[1]).toEqual(['paid', '已付款'])
    expect(options.at(-1)).toEqual(['unknown', '其他/未知'])
    for (const status of ['unknown', 'paid'] as const) {
      await fireEvent.change(select, { target: { value: status } })
      await fireEvent.click(screen.getByTestId('orders-apply'))
      const asked = { from: null, to: null, sid: null, status, business_line: null, line: null }
      await waitFor(() => expect(orders.orderStats).toHaveBeenLastCalledWith('p1', asked))
      await waitFor(() => expect(orders.listOrders).toHaveBeenLastCalledWith('p1', asked, 0, expect.any(Number)))
    }
  })
})
