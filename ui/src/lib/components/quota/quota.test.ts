import { fireEvent, render, screen } from '@testing-library/svelte'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { IpcFailure } from '../../ipc-failure'
import { setLocale } from '../../i18n/i18n.svelte'
import { quotaStatus, resetBackend, testQuota } from '../../../test/ipc-mock'
import { resetAppState } from '../../../test/reset'
import Quota from '../../../screens/Quota.svelte'
import HistoryChart from './HistoryChart.svelte'
import QuotaToday from './QuotaToday.svelte'

vi.mock('../../ipc', () => import('../../../test/ipc-mock'))

beforeEach(() => {
  resetAppState()
  resetBackend({}, [{ id: 'p1', name: '主账号' }])
})

afterEach(() => {
  vi.useRealTimers()
})

describe('today', () => {
  it('shows used, limit, remaining and the tier', async () => {
    render(Quota)
    const today = await screen.findByTestId('quota-today')
    expect(quotaStatus).toHaveBeenCalledWith('p1')
    expect(screen.getByTestId('quota-used').textContent).toBe('120')
    expect(screen.getByTestId('quota-limit').textContent).toBe('2,000')
    expect(screen.getByTestId('quota-remaining').textContent).toBe('1,880')
    expect(screen.getByTestId('quota-tier').textContent).toContain('2,000 次/天')
    expect(today.textContent).toContain('2026-11-30')
    const bar = screen.getByRole('progressbar')
    expect(bar.getAttribute('aria-valuenow')).toBe('120')
    expect(bar.getAttribute('aria-valuemax')).toBe('2000')
    expect(bar.getAttribute('aria-valuetext')).toBe('已用 6%')
    expect(screen.queryByTestId('quota-warning')).toBeNull()
    expect(today.dataset.level).toBe('normal')
  })

  it.each([
    [1599, 'normal', null],
    [1600, 'warning', '超过 80%'],
    [1899, 'warning', '超过 80%'],
    [1900, 'critical', '超过 95%'],
    [2000, 'exhausted', '已用完'],
  ] as const)('at %i of 2000 calls the backend says %s, and the screen warns accordingly', (used, level, words) => {
    // The backend owns the thresholds (80/95/100 %); the mock applies the same ones.
    const status = testQuota(used).status
    expect(status.level).toBe(level)
    render(QuotaToday, { status })
    const today = screen.getByTestId('quota-today')
    expect(today.dataset.level).toBe(level)
    expect(today.classList.contains(`level-${level}`)).toBe(true)
    const warning = screen.queryByTestId('quota-warning')
    if (words === null) expect(warning).toBeNull()
    else expect(warning?.textContent).toContain(words)
  })

  it('says what an early quota refusal from Meituan suggests: a lower limit, or a later reset', () => {
    const base = testQuota(1800, 3000).status
    const { unmount } = render(QuotaToday, {
      status: { ...base, server_exhausted: true, level: 'exhausted', remaining: 0, early_refusal: { at: '2026-11-30T16:42:05+08:00', used: 1800, limit: 3000 } },
    })
    const early = screen.getByTestId('quota-early').textContent ?? ''
    expect(early).toContain('16:42')
    expect(early).toContain('1,800')
    expect(early).toContain('实际的每日调用上限可能更低')
    unmount()
    render(QuotaToday, {
      status: { ...base, used: 4, server_exhausted: true, level: 'exhausted', remaining: 0, early_refusal: { at: '2026-11-30T00:03:00+08:00', used: 4, limit: 3000 } },
    })
    expect(screen.getByTestId('quota-early').textContent).toContain('重置时间可能晚于 0 点')
  })

  it('says nothing of the kind without an early refusal', () => {
    render(QuotaToday, { status: testQuota(1800, 3000).status })
    expect(screen.queryByTestId('quota-early')).toBeNull()
  })

  it('shows no bar and 不限 for an unlimited tier', () => {
    render(QuotaToday, { status: testQuota(40_000, null).status })
    expect(screen.queryByRole('progressbar')).toBeNull()
    expect(screen.getByTestId('quota-limit').textContent).toBe('不限')
    expect(screen.getByTestId('quota-remaining').textContent).toBe('不限')
  })

  it('counts down to midnight Beijing time and reloads at the reset', async () => {
    vi.useFakeTimers()
    // 23:59:50 in Beijing is 15:59:50 UTC.
    vi.setSystemTime(new Date('2026-11-30T15:59:50Z'))
    const onreset = vi.fn()
    render(QuotaToday, { status: testQuota(10).status, onreset })
    expect(screen.getByTestId('quota-reset').textContent).toContain('0 小时 0 分 10 秒')
    await vi.advanceTimersByTimeAsync(4_000)
    expect(screen.getByTestId('quota-reset').textContent).toContain('0 小时 0 分 6 秒')
    expect(onreset).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(6_000)
    expect(onreset).toHaveBeenCalledOnce()
  })

  it('counts hours and minutes in English', () => {
    setLocale('en')
    vi.useFakeTimers()
    vi.setSystemTime(new Date('2026-11-30T02:30:05Z')) // 10:30:05 Beijing
    render(QuotaToday, { status: testQuota(1900).status })
    expect(screen.getByTestId('quota-reset').textContent).toContain('13 h 29 min 55 s')
    expect(screen.getByTestId('quota-warning').textContent).toContain('More than 95%')
  })
})

describe('history', () => {
  it('draws one SVG bar per day, taller for busier days', () => {
    const { history } = testQuota(300)
    render(HistoryChart, { days: history, limit: 2000 })
    const bars = screen.getAllByTestId('history-bar')
    expect(bars).toHaveLength(30)
    const height = (i: number) => Number(bars[i].getAttribute('height'))
    const busiest = history.reduce((best, d, i) => (d.used > history[best].used ? i : best), 0)
    const quietest = history.reduce((best, d, i) => (d.used < history[best].used ? i : best), 0)
    expect(height(busiest)).toBeGreaterThan(height(quietest))
    expect(bars[29].querySelector('title')?.textContent).toContain('2026-11-30：300 次')
    expect(screen.getByRole('img').getAttribute('aria-label')).toContain('最多一天')
  })

  it('says so when there were no calls', () => {
    const days = testQuota(0).history.map((d) => ({ ...d, used: 0 }))
    render(HistoryChart, { days, limit: 2000 })
    expect(screen.getByTestId('history-empty').textContent).toContain('还没有调用')
    expect(screen.getAllByTestId('history-bar').every((b) => b.getAttribute('height') === '0')).toBe(true)
  })
})

describe('the quota screen', () => {
  it('asks for an account first when there is none', async () => {
    resetBackend()
    render(Quota)
    expect((await screen.findByTestId('quota-no-profile')).textContent).toContain('账号与密钥')
    expect(quotaStatus).not.toHaveBeenCalled()
  })

  it('switches between profiles', async () => {
    resetBackend({}, [
      { id: 'p1', name: '主账号' },
      { id: 'p2', name: '外卖' },
    ])
    quotaStatus.mockImplementation(async (id) => testQuota(id === 'p2' ? 1950 : 5))
    render(Quota)
    await screen.findByTestId('quota-today')
    const select = screen.getByLabelText('账号') as HTMLSelectElement
    await fireEvent.change(select, { target: { value: 'p2' } })
    await vi.waitFor(() => expect(screen.getByTestId('quota-today').dataset.level).toBe('critical'))
    expect(quotaStatus).toHaveBeenLastCalledWith('p2')
  })

  it('shows a translated error when the quota cannot be read', async () => {
    quotaStatus.mockRejectedValue(new IpcFailure({ code: 'storage', message: 'db locked' }))
    render(Quota)
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('无法读取调用次数')
    expect(alert.textContent).not.toContain('db locked')
  })
})
