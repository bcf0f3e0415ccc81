import { fireEvent, render, screen, within } from '@testing-library/svelte'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { tick } from 'svelte'
import { IpcFailure } from '../../ipc-failure'
import { setLocale } from '../../i18n/i18n.svelte'
import type { OrderDetail } from '../../ipc'
import { resetAppState } from '../../../test/reset'
import { resetBackend } from '../../../test/ipc-mock'
import OrderDetailPanel from './OrderDetailPanel.svelte'
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
  exportOrdersProgress: vi.fn(),
  orderDetail: vi.fn(),
  lookupOrder: vi.fn(),
}))
vi.mock('../../ipc', async () => ({ ...(await import('../../../test/ipc-mock')), ...orders }))

const detail = (over: Partial<OrderDetail> = {}): OrderDetail => ({
  order: {
    order_id: '3300000000000123',
    pay_time: 1_772_294_400,
    mod_time: 1_772_294_400,
    sid: 'wx01',
    status: 'paid',
    raw_status: 2,
    business_line: 1,
    platform: 2,
    sub_business_line: null,
    line_key: 'media:2:1',
    act_id: null,
    product_name: '某某烤肉双人套餐',
    pay_price_cents: 8800,
    profit_cents: 264,
    cpa_profit_cents: 0,
    refund_price_cents: 0,
    refund_profit_cents: 0,
  },
  sid_name: '微信群一',
  line: {
    key: 'media:2:1',
    platform: 2,
    code: 1,
    sub: null,
    name_zh: '到餐',
    name_en: 'Dining in store',
    platform_zh: '到店',
    platform_en: 'In store',
    orders: 0,
  },
  risk: false,
  trade: 'cps',
  status_known: true,
  status_code: '2',
  refund_time: null,
  refund_profit_cents: null,
  cpa_refund_profit_cents: null,
  product_id: null,
  specification: '双人餐',
  sku_count: null,
  city: '北京',
  category: null,
  category_id: null,
  commission_rate: 300,
  coupons: [
    { status: 'completed', status_code: '2', item_order_id: '01', basic_amount_cents: 4400, fee_cents: 132, refund_amount_cents: null, refund_fee_cents: null, finish_time: 1_772_300_000, refund_time: null, settle_time: null, update_time: null },
    { status: 'paid', status_code: '1', item_order_id: '02', basic_amount_cents: 4400, fee_cents: 132, refund_amount_cents: null, refund_fee_cents: null, finish_time: null, refund_time: null, settle_time: null, update_time: null },
    { status: 'unknown', status_code: '9', item_order_id: null, basic_amount_cents: null, fee_cents: null, refund_amount_cents: null, refund_fee_cents: null, finish_time: null, refund_time: null, settle_time: null, update_time: null },
  ],
  stored: true,
  calls: 0,
  ...over,
})

const none = { key: '', orders: 0, pay_price_cents: 0, commission_cents: 0, valid_commission_cents: 0, refund_price_cents: 0 }

beforeEach(() => {
  setLocale('zh-CN')
  resetAppState()
  resetBackend({}, [{ id: 'p1', name: '主账号' }])
  for (const f of Object.values(orders)) f.mockReset()
  orders.planSync.mockResolvedValue({ from: 0, to: 0, resumes: false, windows: 1, min_calls: 1, estimated_calls: 1, remaining_today: 2000, reserve: 400, usable: 1600, fits: true })
  orders.syncStatus.mockResolvedValue({ synced_until: null, interrupted: false, pages_done: 0, pages_left_min: 0, windows: 0, windows_done: 0 })
  orders.listSids.mockResolvedValue([])
  orders.orderStats.mockResolvedValue({ total: none, by_sid: [], by_day: [] })
  orders.orderLines.mockResolvedValue([])
  orders.tierReport.mockResolvedValue({ history_complete: true, history_days_needed: 97 })
  orders.listOrders.mockResolvedValue({ rows: [] })
})

describe('order detail', () => {
  it('says everything a promoter needs: status in words, sid name, line, and each coupon line', () => {
    render(OrderDetailPanel, { detail: detail(), onclose: () => {} })
    expect(screen.getByTestId('order-detail-status').textContent).toBe('已付款')
    expect(screen.queryByTestId('order-detail-risk')).toBeNull()
    expect(screen.getByTestId('order-detail-sid').textContent).toBe('微信群一（wx01）')
    expect(screen.getByTestId('order-detail-line').textContent).toBe('到餐')
    expect(screen.getByTestId('order-detail-commission').textContent).toBe('¥2.64')
    expect(screen.getByText('3.00%')).toBeTruthy()
    const statuses = within(screen.getByTestId('order-detail-coupons'))
      .getAllByTestId('order-detail-coupon-status')
      .map((c) => c.textContent)
    expect(statuses).toEqual(['已完成/已核销', '已付款', '状态 9（未知）'])
    expect(screen.getByText(/以每张券的状态为准/)).toBeTruthy()
    // Nothing refunded or settled: no empty columns or rows for them.
    expect(screen.queryByTestId('order-detail-coupon-refund-fee')).toBeNull()
    expect(screen.queryByTestId('order-detail-coupon-settle')).toBeNull()
    expect(screen.queryByTestId('order-detail-refund-profit')).toBeNull()
    expect(screen.queryByTestId('order-detail-category')).toBeNull()
  })

  it('shows the category with its id, the commission refunds took back, and each coupon line\'s refund and settlement', () => {
    const none = { item_order_id: null, finish_time: null, update_time: null }
    render(OrderDetailPanel, {
      detail: detail({
        order: { ...detail().order, status: 'cancelled', raw_status: 4, refund_price_cents: 12000, refund_profit_cents: 650 },
        status_code: '4',
        category: '水果',
        category_id: '15',
        refund_time: 1_772_298_000,
        refund_profit_cents: 600,
        cpa_refund_profit_cents: 50,
        coupons: [
          { ...none, status: 'invalid', status_code: '4', basic_amount_cents: 6000, fee_cents: 0, refund_amount_cents: 6000, refund_fee_cents: 301, refund_time: 1_772_298_000, settle_time: null },
          { ...none, status: 'settled', status_code: '3', basic_amount_cents: 6000, fee_cents: 299, refund_amount_cents: null, refund_fee_cents: null, refund_time: null, settle_time: 1_772_900_000 },
        ],
      }),
      onclose: () => {},
    })
    expect(screen.getByTestId('order-detail-status').textContent).toBe('已取消')
    expect(screen.getByTestId('order-detail-category').textContent).toBe('水果（ID 15）')
    expect(screen.getByTestId('order-detail-refund-profit').textContent).toBe('¥6.00')
    expect(screen.getByTestId('order-detail-cpa-refund-profit').textContent).toBe('¥0.50')
    const table = within(screen.getByTestId('order-detail-coupons'))
    expect(table.getByText('退款扣回的佣金')).toBeTruthy()
    expect(table.getAllByTestId('order-detail-coupon-refund-fee').map((c) => c.textContent)).toEqual(['¥3.01', '—'])
    // 1_772_298_000 is 2026-03-01 01:00 in Beijing; 1_772_900_000 is 2026-03-08 00:13:20.
    const refundTimes = table.getAllByTestId('order-detail-coupon-refund-time').map((c) => c.textContent)
    expect(refundTimes[0]).toContain('2026-03-01 01:00')
    expect(refundTimes[1]).toBe('—')
    const settled = table.getAllByTestId('order-detail-coupon-settle').map((c) => c.textContent)
    expect(settled[0]).toBe('—')
    expect(settled[1]).toContain('2026-03-08 00:13')
  })

  it('shows a parent status no source names as its raw code, never as paid', async () => {
    render(OrderDetailPanel, { detail: detail({ status_known: false, status_code: '7' }), onclose: () => {} })
    expect(screen.getByTestId('order-detail-status').textContent).toBe('状态 7（未知）')
    setLocale('en')
    await tick()
    expect(screen.getByTestId('order-detail-status').textContent).toBe('Status 7 (unknown)')
    const statuses = screen.getAllByTestId('order-detail-coupon-status').map((c) => c.textContent)
    expect(statuses[2]).toBe('Status 9 (unknown)')
  })

  it('says when no status was sent at all', () => {
    render(OrderDetailPanel, { detail: detail({ status_known: false, status_code: null }), onclose: () => {} })
    expect(screen.getByTestId('order-detail-status').textContent).toBe('未返回状态（未知）')
  })

  it('flags risk control and speaks English', () => {
    setLocale('en')
    render(OrderDetailPanel, { detail: detail({ risk: true, coupons: [], order: { ...detail().order, status: 'risk' } }), onclose: () => {} })
    expect(screen.getByTestId('order-detail-risk').textContent).toBe('Under risk control')
    expect(screen.getByTestId('order-detail-line').textContent).toBe('Dining in store')
    expect(screen.queryByTestId('order-detail-coupons')).toBeNull()
  })
})

describe('查单 on the orders screen', () => {
  it('refuses a bad id with a translated sentence, then shows a found order with the calls it cost', async () => {
    render(Orders)
    const input = await screen.findByTestId('orders-lookup-id')
    orders.lookupOrder.mockRejectedValueOnce(
      new IpcFailure({ code: 'invalid_input', message: 'invalid order_id: an order id is 1 to 32 digits', details: { field: 'order_id' } }),
    )
    await fireEvent.input(input, { target: { value: '12ab' } })
    await fireEvent.click(screen.getByTestId('orders-lookup-go'))
    const failed = await screen.findByTestId('orders-lookup-failed')
    expect(failed.textContent).toContain('订单号只能是 1 到 32 位数字')
    expect(input.getAttribute('aria-invalid')).toBe('true')

    orders.lookupOrder.mockResolvedValueOnce(detail({ calls: 2 }))
    await fireEvent.input(input, { target: { value: '3300000000000123' } })
    await fireEvent.click(screen.getByTestId('orders-lookup-go'))
    const panel = await screen.findByTestId('order-detail')
    expect(orders.lookupOrder).toHaveBeenLastCalledWith('p1', '3300000000000123')
    expect(panel.textContent).toContain('查单用了 2 次调用')
    expect(screen.queryByTestId('orders-lookup-failed')).toBeNull()
    await fireEvent.click(screen.getByTestId('order-detail-close'))
    expect(screen.queryByTestId('order-detail')).toBeNull()
  })
})

describe('commission per sid', () => {
  it('is a bar per sid, named as the user named it, scaled to the largest', async () => {
    orders.listSids.mockResolvedValue([{ id: 1, sid: 'wx01', name: '微信群一', archived: false }])
    orders.orderStats.mockResolvedValue({
      total: { ...none, orders: 3, commission_cents: 1500 },
      by_sid: [
        { ...none, key: 'wx01', orders: 2, commission_cents: 1000 },
        { ...none, key: 'qq02', orders: 1, commission_cents: 500 },
      ],
      by_day: [],
    })
    render(Orders)
    const names = await screen.findAllByTestId('orders-by-sid-name')
    expect(names[0].textContent).toContain('微信群一')
    const bars = screen.getAllByTestId('orders-by-sid-bar') as HTMLElement[]
    expect(bars.map((b) => b.style.width)).toEqual(['100%', '50%'])
    expect(bars[0].getAttribute('aria-hidden')).toBe('true')
  })
})

describe('the orders screen before any order', () => {
  it('shows the zero totals, but no empty chart, sid table or export buttons', async () => {
    render(Orders)
    expect((await screen.findByTestId('orders-total-orders')).textContent).toBe('0')
    expect(await screen.findByTestId('orders-empty')).toBeTruthy()
    expect(screen.queryByTestId('orders-chart')).toBeNull()
    expect(screen.queryByTestId('orders-by-sid')).toBeNull()
    expect(screen.queryByTestId('orders-export-csv')).toBeNull()
    expect(screen.queryByTestId('orders-export-xlsx')).toBeNull()
  })
})

describe('export of orders', () => {
  it('shows its progress while it runs, then where the file is with a way to open its folder', async () => {
    orders.orderStats.mockResolvedValue({ total: { ...none, orders: 1000 }, by_sid: [], by_day: [] })
    let finish: (path: string) => void = () => {}
    orders.exportOrders.mockImplementation(() => new Promise<string>((resolve) => (finish = resolve)))
    orders.exportOrdersProgress.mockResolvedValue({ done: 400, total: 1000 })
    vi.useFakeTimers({ shouldAdvanceTime: true })
    try {
      render(Orders)
      await fireEvent.click(await screen.findByTestId('orders-export-csv'))
      expect((screen.getByTestId('orders-export-csv') as HTMLButtonElement).disabled).toBe(true)
      await vi.advanceTimersByTimeAsync(350)
      const progress = await screen.findByTestId('orders-export-progress')
      expect(progress.textContent).toContain('400')
      finish('/data/exports/orders-1.csv')
      await vi.waitFor(() => expect(screen.queryByTestId('orders-export-progress')).toBeNull())
      expect(screen.getByTestId('links-saved-path').textContent).toContain('/data/exports/orders-1.csv')
      expect(screen.getByTestId('links-reveal')).toBeTruthy()
    } finally {
      vi.useRealTimers()
    }
  })
})
