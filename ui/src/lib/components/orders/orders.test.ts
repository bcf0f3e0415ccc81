import { fireEvent, render, screen, within } from '@testing-library/svelte'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { setLocale } from '../../i18n/i18n.svelte'
import type { OrderFilter, OrderRow } from '../../ipc'
import OrderTable from './OrderTable.svelte'

const rows: OrderRow[] = [
  {
    order_id: '1200300400500',
    pay_time: 1_772_294_400,
    mod_time: 1_772_294_400,
    sid: 'wx01',
    status: 'paid',
    raw_status: 1,
    business_line: 4,
    platform: 1,
    sub_business_line: null,
    line_key: 'media:1:4',
    act_id: '33',
    product_name: '某某烤肉双人套餐（周末可用，含饮品两杯，赠送甜品一份）',
    pay_price_cents: 12800,
    profit_cents: 640,
    cpa_profit_cents: 0,
    refund_price_cents: 0,
    refund_profit_cents: 0,
  },
  {
    order_id: '1200300400501',
    pay_time: 1_772_294_500,
    mod_time: 1_772_294_500,
    sid: 'unnamed',
    status: 'refunded',
    raw_status: 9,
    business_line: 10,
    platform: 1,
    sub_business_line: null,
    line_key: 'media:1:10',
    act_id: null,
    product_name: null,
    pay_price_cents: 990,
    profit_cents: -50,
    cpa_profit_cents: 0,
    refund_price_cents: 990,
    refund_profit_cents: 50,
  },
  // A media parent status no source names (7), and a legacy order that sent none.
  {
    order_id: '1200300400502',
    pay_time: 1_772_294_600,
    mod_time: 1_772_294_600,
    sid: 'wx01',
    status: 'unknown',
    raw_status: 7,
    business_line: 1,
    platform: 2,
    sub_business_line: null,
    line_key: 'media:2:1',
    act_id: null,
    product_name: '到店套餐',
    pay_price_cents: 5000,
    profit_cents: 250,
    cpa_profit_cents: 0,
    refund_price_cents: 0,
    refund_profit_cents: 0,
  },
  {
    order_id: '1200300400503',
    pay_time: 1_772_294_700,
    mod_time: 1_772_294_700,
    sid: 'wx01',
    status: 'unknown',
    raw_status: 0,
    business_line: 2,
    platform: null,
    sub_business_line: null,
    line_key: 'legacy:2',
    act_id: null,
    product_name: '外卖',
    pay_price_cents: 2000,
    profit_cents: 100,
    cpa_profit_cents: 0,
    refund_price_cents: 0,
    refund_profit_cents: 0,
  },
]

const listOrders = vi.fn(async (_profile: string, _filter: OrderFilter, offset: number, limit: number) => ({
  rows: rows.slice(offset, offset + limit),
}))
vi.mock('../../ipc', () => ({ listOrders: (...args: Parameters<typeof listOrders>) => listOrders(...args) }))

const filter: OrderFilter = { from: null, to: null, sid: null, status: null, business_line: null, line: null }

beforeEach(() => {
  setLocale('zh-CN')
  listOrders.mockClear()
})

describe('order table', () => {
  it('shows amounts in yuan with ¥, sid names the user gave, and the full product name on hover', async () => {
    render(OrderTable, { profileId: 'p1', filter, total: 2, version: 1, sidNames: { wx01: '微信群一' }, synced: true })
    const found = await screen.findAllByTestId('orders-row-commission')
    expect(found.map((c) => c.textContent)).toEqual(['¥6.40', '-¥0.50'])
    const [first, second] = screen.getAllByTestId('orders-row')
    expect(within(first).getByText('¥128.00')).toBeTruthy()
    expect(within(first).getByTestId('orders-row-sid').textContent).toBe('微信群一')
    // A sid without a name shows its code.
    expect(within(second).getByTestId('orders-row-sid').textContent).toBe('unnamed')
    // The row's tooltip keeps what the cell may cut or the narrow layout hides.
    expect(first.getAttribute('title')).toContain(rows[0].product_name)
    expect(first.getAttribute('title')).toContain('1200300400500')
    expect(first.getAttribute('title')).toContain('sid wx01')
    expect(listOrders).toHaveBeenCalledWith('p1', filter, 0, 200)
  })

  it('names each row\'s business line by its key, and shows an unnamed one as its code', async () => {
    render(OrderTable, {
      profileId: 'p1',
      filter,
      total: 2,
      version: 1,
      lineNames: { 'media:1:4': '团好货' },
      synced: true,
    })
    const lines = await screen.findAllByTestId('orders-row-line')
    // Media 1/4 is 团好货, never the legacy name 优选 for code 4.
    expect(lines.map((c) => c.textContent)).toEqual(['团好货', '业务线 10'])
  })

  it('says to sync first when nothing was ever synced, and "no match" after a sync, with no empty table frame', () => {
    const { unmount } = render(OrderTable, { profileId: 'p1', filter, total: 0, version: 1, synced: false })
    expect(screen.getByTestId('orders-empty').textContent).toContain('立即同步')
    // Only the sentence: no header row and no empty scrolling frame.
    expect(screen.queryByTestId('orders-table')).toBeNull()
    expect(document.querySelector('.head')).toBeNull()
    unmount()
    render(OrderTable, { profileId: 'p1', filter, total: 0, version: 1, synced: true })
    expect(screen.getByTestId('orders-empty').textContent).toBe('没有符合条件的订单。')
    expect(screen.queryByTestId('orders-table')).toBeNull()
    expect(listOrders).not.toHaveBeenCalled()
  })

  it('labels its columns and the empty state in English too', async () => {
    setLocale('en')
    const { unmount } = render(OrderTable, { profileId: 'p1', filter, total: 2, version: 1, synced: true })
    await screen.findAllByTestId('orders-row-line')
    const head = document.querySelector('.head')?.textContent ?? ''
    expect(head).toContain('Product')
    expect(head).toContain('Commission')
    expect(screen.queryByTestId('orders-empty')).toBeNull()
    unmount()
    render(OrderTable, { profileId: 'p1', filter, total: 0, version: 1, synced: false })
    expect(screen.getByTestId('orders-empty').textContent).toContain('Sync now')
  })

  it('rewords the row tooltip when the language changes', async () => {
    render(OrderTable, { profileId: 'p1', filter, total: 1, version: 1, synced: true })
    const [row] = await screen.findAllByTestId('orders-row')
    await vi.waitFor(() => expect(row.getAttribute('title')).toContain('已付款'))
    setLocale('en')
    await vi.waitFor(() => expect(row.getAttribute('title')).toContain('Paid'))
    expect(row.getAttribute('title')).not.toContain('已付款')
  })

  it('shows a status no source names as sent, as the details do, never as 已付款', async () => {
    const { unmount } = render(OrderTable, { profileId: 'p1', filter, total: 4, version: 1, synced: true })
    let cells = await screen.findAllByTestId('orders-row-status')
    expect(cells.map((c) => c.textContent)).toEqual(['已付款', '已退款', '状态 7（未知）', '未返回状态（未知）'])
    expect(cells[2].className).toContain('unknown')
    expect(screen.getAllByTestId('orders-row')[2].getAttribute('title')).toContain('状态 7（未知）')
    unmount()
    setLocale('en')
    render(OrderTable, { profileId: 'p1', filter, total: 4, version: 1, synced: true })
    cells = await screen.findAllByTestId('orders-row-status')
    expect(cells.map((c) => c.textContent)).toEqual(['Paid', 'Refunded', 'Status 7 (unknown)', 'No status sent (unknown)'])
  })

  it('opens an order from its product cell, by mouse or keyboard', async () => {
    const onopen = vi.fn()
    render(OrderTable, { profileId: 'p1', filter, total: 2, version: 1, synced: true, onopen })
    const [first] = await screen.findAllByTestId('orders-row-product')
    expect(first.tagName).toBe('BUTTON')
    expect(first.getAttribute('aria-label')).toBe(`查看订单详情：${rows[0].product_name}`)
    await fireEvent.click(first)
    expect(onopen).toHaveBeenCalledWith('1200300400500')
    // The second row has no product name: the button shows the order id.
    const second = screen.getAllByTestId('orders-row-product')[1]
    expect(second.textContent).toBe('1200300400501')
  })
})
