import { fireEvent, render, screen, waitFor } from '@testing-library/svelte'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import Callback from '../../../screens/Callback.svelte'
import { IpcFailure } from '../../ipc-failure'
import { resetAppState } from '../../../test/reset'
import { setLocale } from '../../i18n/i18n.svelte'
import {
  callbackConfig,
  callbackFeed,
  callbackReceiverStatus,
  callbackTestPush,
  callbackValidateUrl,
  authorizationView,
  openConsole,
  quotaStatus,
  requestsHistory,
  resetBackend,
  setConsoleAverage,
  specialCaseDraft,
  tierReport,
  TEST_TIER_REPORT,
  testProfile,
  testQuota,
} from '../../../test/ipc-mock'
import Quota from '../../../screens/Quota.svelte'
import { profiles } from '../../profiles.svelte'
import RequestTracker from './RequestTracker.svelte'
import TierAdvisor from './TierAdvisor.svelte'

vi.mock('../../ipc', () => import('../../../test/ipc-mock'))

beforeEach(() => {
  resetAppState()
  resetBackend({}, [{ id: 'p1', name: '主账号' }])
})

describe('tier advisor', () => {
  it('shows the monthly average, the months and the gap to the next tier', async () => {
    render(TierAdvisor, { profile: testProfile() })
    const next = await screen.findByTestId('tier-next')
    expect(tierReport).toHaveBeenCalledWith('p1')
    expect(next.textContent).toContain('312')
    expect(next.textContent).toContain('3000 次/天')
    expect(screen.getByTestId('tier-average').textContent).toContain('688')
    const rows = screen.getByTestId('tier-months').querySelectorAll('tbody tr')
    expect(rows.length).toBe(TEST_TIER_REPORT.months.length)
    expect(rows[3].textContent).toContain('不计入')
  })
})

describe('monthly average, told honestly', () => {
  it('labels the estimate, says what it counted, and warns when the synced history misses months', async () => {
    tierReport.mockResolvedValueOnce({
      ...TEST_TIER_REPORT,
      history_from: Date.UTC(2026, 8, 15, 16) / 1000,
      history_complete: false,
      history_days_needed: 97,
      months: TEST_TIER_REPORT.months.map((m, i) => ({ ...m, complete: i > 1 })),
    })
    render(TierAdvisor, { profile: testProfile() })
    const history = await screen.findByTestId('tier-history')
    expect(screen.getByTestId('tier-average-label').textContent).toContain('估算')
    expect(screen.getByTestId('tier-basis').textContent).toContain('2026-08 至 2026-10 三个完整月已同步的 2065 单估算')
    expect(history.textContent).toContain('从 2026-09-16 开始')
    expect(history.textContent).toContain('97 天')
    expect(screen.getAllByTestId('tier-month-incomplete').length).toBe(2)
  })

  it('uses the figure typed in from the console, says so, and can go back to the estimate', async () => {
    render(TierAdvisor, { profile: testProfile() })
    const input = await screen.findByTestId('tier-console-input')
    await fireEvent.input(input, { target: { value: '12x' } })
    await fireEvent.click(screen.getByTestId('tier-console-save'))
    expect(input.getAttribute('aria-invalid')).toBe('true')
    expect(setConsoleAverage).not.toHaveBeenCalled()
    await fireEvent.input(input, { target: { value: '2300' } })
    await fireEvent.click(screen.getByTestId('tier-console-save'))
    await waitFor(() => expect(screen.getByTestId('tier-average-label').textContent).toContain('联盟后台'))
    expect(setConsoleAverage).toHaveBeenCalledWith('p1', 2300)
    expect(screen.getByTestId('tier-average').textContent).toContain('2300')
    expect(screen.getByTestId('tier-basis').textContent).toContain('估算为 688 单')
    await fireEvent.click(screen.getByTestId('tier-console-clear'))
    expect(setConsoleAverage).toHaveBeenLastCalledWith('p1', null)
    await waitFor(() => expect(screen.getByTestId('tier-average-label').textContent).toContain('估算'))
  })
})

describe('after a grant above the average', () => {
  it('does not offer a lower tier, and speaks of the tier above the current one', async () => {
    tierReport.mockResolvedValueOnce({
      ...TEST_TIER_REPORT,
      monthly_average: 98,
      current_limit: 3000,
      current_tier: '3000',
      next: { tier: '6000', limit: 6000, min_monthly_orders: 2000, orders_needed: 1902 },
    })
    render(TierAdvisor, { profile: testProfile() })
    const next = await screen.findByTestId('tier-next')
    expect(next.textContent).toContain('1902')
    expect(next.textContent).toContain('6000 次/天')
    expect(screen.getByTestId('tier-current').textContent).toContain('3000')
    expect(screen.getByTestId('tier-eligible').textContent).toContain('不高于当前档位')
    expect(screen.getByTestId('tier-eligible').textContent).not.toContain('2000')
  })

  it('reloads today\'s limit on the quota screen as soon as a tier changes', async () => {
    render(Quota)
    expect((await screen.findByTestId('quota-limit')).textContent).toBe('2,000')
    quotaStatus.mockResolvedValue(testQuota(120, 3000))
    profiles.tierChanged()
    await waitFor(() => expect(screen.getByTestId('quota-limit').textContent).toBe('3,000'))
  })
})

describe('request tracker', () => {
  it('for a real account, says it records what the user did in the console, and waits before calling an answer due', async () => {
    requestsHistory.mockResolvedValueOnce([
      {
        id: 9,
        profile_id: 'p1',
        kind: 'frequency',
        status: 'filed',
        attempt: 1,
        tier_before: '2000',
        requested_tier: '2000',
        tier_after: null,
        monthly_average: 688,
        justification: null,
        filed_at: '2026-12-04T16:00:00+08:00',
        due_at: '2026-12-08T16:00:00+08:00',
        answered_at: null,
        note: null,
        via: 'manual',
        answer_due: false,
      },
    ])
    render(RequestTracker, { profile: testProfile() })
    const file = await screen.findByTestId('frequency-file')
    expect(file.textContent).toContain('我已在联盟后台提交频次申请')
    // The average (688) does not qualify for more: the button is not the highlighted step.
    expect(file.classList.contains('primary')).toBe(false)
    const history = await screen.findByTestId('request-history')
    expect(history.textContent).toContain('我们估计 2026-12-08 16:00:00 前有结果')
    expect(history.textContent).not.toContain('应已')
    expect(screen.getByTestId('auth-panel').textContent).not.toContain('去开通】')
  })

  it('after a refusal offers the special-case path, and a filed one waits for Meituan to contact the user', async () => {
    const base = {
      profile_id: 'p1',
      attempt: 1,
      tier_before: '2000' as const,
      tier_after: null,
      monthly_average: 688,
      answered_at: null,
      note: null,
      via: 'sandbox' as const,
      answer_due: false,
    }
    requestsHistory.mockResolvedValueOnce([
      {
        ...base,
        id: 2,
        kind: 'special_case',
        status: 'filed',
        requested_tier: '3000',
        justification: '大促',
        filed_at: '2026-12-04T16:00:00+08:00',
        due_at: '2026-12-08T16:00:00+08:00',
      },
      {
        ...base,
        id: 1,
        kind: 'frequency',
        status: 'refused',
        requested_tier: '2000',
        justification: null,
        filed_at: '2026-12-04T15:00:00+08:00',
        due_at: '2026-12-04T15:00:00+08:00',
      },
    ])
    render(RequestTracker, { profile: testProfile({ sandbox: true }) })
    const offer = await screen.findByTestId('special-offer')
    expect(offer.textContent).toContain('非常抱歉，您的频次申请暂时没有通过')
    expect(offer.textContent).toContain('【问号图标】>【特殊情况申请】')
    expect(screen.getByTestId('special-draft').classList.contains('primary')).toBe(true)
    const special = screen.getByTestId('request-history').querySelector('[data-kind="special_case"]')!
    expect(special.textContent).toContain('待美团联系')
    expect(special.textContent).toContain('美团会在 2026-12-08 16:00:00 前跟你联系')
    expect(special.textContent).not.toContain('应已答复')
    // The last answer in one line, with the Chinese colon.
    expect(screen.getByTestId('frequency-last').textContent!.trim()).toBe('频次申请：未通过')
  })

  it('words a granted frequency request with its new limit, in English too', async () => {
    setLocale('en')
    requestsHistory.mockResolvedValueOnce([
      {
        profile_id: 'p1',
        attempt: 1,
        tier_before: '2000',
        tier_after: '3000',
        monthly_average: 1200,
        answered_at: '2026-12-04T15:00:00+08:00',
        note: null,
        via: 'sandbox',
        answer_due: false,
        id: 1,
        kind: 'frequency',
        status: 'granted',
        requested_tier: '3000',
        justification: null,
        filed_at: '2026-12-04T15:00:00+08:00',
        due_at: '2026-12-04T15:00:00+08:00',
      },
    ])
    render(RequestTracker, { profile: testProfile({ sandbox: true }) })
    const last = await screen.findByTestId('frequency-last')
    expect(last.textContent!.trim()).toMatch(/^Frequency request: Granted \(3,?000 \/ day\)$/)
  })

  it('before any refusal, says when a special-case request applies', async () => {
    render(RequestTracker, { profile: testProfile() })
    expect((await screen.findByTestId('special-when')).textContent).toContain('未通过后')
    expect(screen.queryByTestId('special-offer')).toBeNull()
    expect(screen.getByTestId('special-draft').classList.contains('primary')).toBe(false)
  })

  it('highlights filing a frequency request when the average qualifies for more', async () => {
    tierReport.mockResolvedValueOnce({ ...TEST_TIER_REPORT, monthly_average: 1200, eligible_tier: '3000', eligible_limit: 3000, can_request: true })
    resetBackend({}, [{ id: 'p1', name: '主账号', sandbox: true }])
    tierReport.mockClear()
    render(Quota)
    const file = await screen.findByTestId('frequency-file')
    // The quota screen reads the tier report once and hands it on.
    await waitFor(() => expect(tierReport).toHaveBeenCalledTimes(1))
    await waitFor(() => expect(file.classList.contains('primary')).toBe(true))
    expect(file.textContent?.trim()).toBe('提交频次申请')
  })

  it('drafts an editable special-case justification from the figures', async () => {
    specialCaseDraft.mockResolvedValue({
      text: '您好，近三个完整自然月订单量持续增长',
      figures: {
        tier: TEST_TIER_REPORT,
        days_limit_hit: 4,
        days_considered: 30,
        peak_calls: 2000,
        average_calls: 1500,
        current_limit: 2000,
        requested_tier: '3000',
      },
    })
    render(RequestTracker, { profile: testProfile() })
    await fireEvent.click(await screen.findByTestId('special-draft'))
    const text = (await screen.findByTestId('special-text')) as HTMLTextAreaElement
    expect(text.value).toContain('持续增长')
    expect(screen.getByText(/4 天用满了每日调用上限/)).toBeTruthy()
    // A real account: no word about automatic answers.
    expect(screen.queryByTestId('special-sandbox-note')).toBeNull()
  })

  it('says the sandbox\'s automatic answer is the sandbox\'s, not Meituan\'s', async () => {
    specialCaseDraft.mockResolvedValueOnce({
      text: '您好，……',
      figures: {
        tier: TEST_TIER_REPORT,
        days_limit_hit: 0,
        days_considered: 30,
        peak_calls: 10,
        average_calls: 5,
        current_limit: 2000,
        requested_tier: '3000',
      },
    })
    render(RequestTracker, { profile: testProfile({ sandbox: true }) })
    await fireEvent.click(await screen.findByTestId('special-draft'))
    const note = await screen.findByTestId('special-sandbox-note')
    expect(note.textContent).toContain('仅沙盒')
    expect(note.textContent).toContain('两个工作日内联系你')
  })

  it('opens the console in the browser for a real account, and says so when it cannot', async () => {
    render(RequestTracker, { profile: testProfile() })
    await fireEvent.click(await screen.findByTestId('open-console'))
    expect(openConsole).toHaveBeenCalledTimes(1)
    expect(openConsole).toHaveBeenCalledWith()
    openConsole.mockRejectedValueOnce(
      new IpcFailure({ code: 'browser_unavailable', message: 'the system browser could not be opened' }),
    )
    await fireEvent.click(screen.getByTestId('open-console'))
    expect(await screen.findByText(/无法打开浏览器/)).toBeTruthy()
  })

  it('offers no browser button for a sandbox account: the sandbox console is built in', async () => {
    authorizationView.mockResolvedValueOnce({ ...(await authorizationView('p1')), sandbox: true })
    render(RequestTracker, { profile: testProfile() })
    await screen.findByTestId('auth-status')
    expect(screen.queryByTestId('open-console')).toBeNull()
  })
})

describe('callback screen', () => {
  it('explains a refused URL and shows the diagnosis of a test push', async () => {
    callbackValidateUrl.mockRejectedValueOnce(
      new IpcFailure({ code: 'invalid_input', message: 'x', details: { field: 'url', reason: 'https' } }),
    )
    callbackConfig.mockResolvedValue({
      profile_id: 'p1',
      url: 'https://example.com/cb',
      registered_at: '2026-11-30T10:00:00+08:00',
      via: 'manual',
      has_secret: true,
      secret_masked: '••••cdef',
      url_warnings: [],
    })
    callbackTestPush.mockResolvedValue({
      url: 'https://example.com/cb',
      ok: false,
      diagnosis: 'wrong_secret',
      detail: '',
      http_status: 400,
      reply: '{"errcode":"1","errmsg":"err"}',
      elapsed_ms: 12,
      order_id: '9000',
      forged_accepted: null,
    })
    render(Callback)
    const url = (await screen.findByTestId('callback-url')) as HTMLInputElement
    await screen.findByTestId('callback-registered')
    await fireEvent.input(url, { target: { value: 'ftp://example.com/cb' } })
    await fireEvent.click(screen.getByTestId('callback-check'))
    const hint = await screen.findByTestId('callback-url-hint')
    expect(hint.className).toContain('bad')
    await fireEvent.click(screen.getByTestId('callback-test'))
    const report = await screen.findByTestId('callback-report')
    expect(report.getAttribute('data-diagnosis')).toBe('wrong_secret')
    expect(report.textContent).toContain('回调密钥与后台下发的不一致')
    // The masked secret in the Latin face (the CJK face draws • full-width).
    const secret = screen.getByTestId('callback-secret-stored')
    expect(secret.textContent!.trim()).toBe('钥匙串中的回调密钥：••••cdef')
    expect(secret.querySelector('.ud-masked')?.textContent).toBe('••••cdef')
    // Meituan-style reply shown as sent, after a Chinese colon.
    expect(screen.getByTestId('callback-reply').textContent).toBe('应答内容：{"errcode":"1","errmsg":"err"}')
  })

  it('accepts an http or unreachable URL with warnings, and never shows an unreachable one as working for a real account', async () => {
    callbackValidateUrl.mockResolvedValueOnce({ url: 'http://192.168.1.20/cb', warnings: ['plain_http', 'private_network'] })
    callbackConfig.mockResolvedValue({
      profile_id: 'p1',
      url: 'http://127.0.0.1:8080/cb',
      registered_at: '2026-11-30T10:00:00+08:00',
      via: 'manual',
      has_secret: true,
      secret_masked: '••••cdef',
      url_warnings: ['plain_http', 'this_computer'],
    })
    render(Callback)
    const registered = await screen.findByTestId('callback-registered')
    expect(registered.dataset.reachable).toBe('false')
    expect(registered.textContent).toContain('访问不到')
    expect(registered.textContent).not.toMatch(/已于 .* 提交/)
    const url = (await screen.findByTestId('callback-url')) as HTMLInputElement
    await fireEvent.input(url, { target: { value: 'http://192.168.1.20/cb' } })
    await fireEvent.click(screen.getByTestId('callback-check'))
    await screen.findByTestId('callback-url-ok')
    const warnings = screen.getAllByTestId('callback-url-warning').map((w) => w.dataset.warning)
    expect(warnings).toEqual(['plain_http', 'private_network'])
    expect(screen.getAllByTestId('callback-url-warning')[0].textContent).toContain('明文')
  })

  it('says what each pushed order status means, and shows an unknown one as sent', async () => {
    const item = (seq: number, status: string, refund_type: string | null = null) => ({
      seq,
      received_at: '2026-12-05T10:00:00+08:00',
      outcome: 'stored' as const,
      reason: null,
      reason_code: null,
      order_id: `90${seq}`,
      status,
      refund_type,
      pay_price: '88.00',
      sid: 'wx01',
      event_id: seq,
      bytes: 300,
    })
    callbackReceiverStatus.mockResolvedValue({ running: true, url: 'http://127.0.0.1:9/callback', port: 9, last_seq: 4 })
    const forged = {
      ...item(5, ''),
      outcome: 'rejected' as const,
      reason: 'sign mismatch',
      reason_code: 'sign_mismatch' as const,
      order_id: null,
      status: null,
    }
    callbackFeed.mockResolvedValue([item(1, '1'), item(2, '8'), item(3, '9'), item(4, '42'), forged])
    render(Callback)
    await waitFor(() => expect(screen.getAllByTestId('feed-status').length).toBe(4), { timeout: 5000 })
    // A refusal is worded, never the receiver's English.
    const reason = screen.getByTestId('feed-reason')
    expect(reason.textContent).toContain('签名不符')
    expect(screen.getByTestId('callback-feed').textContent).not.toContain('sign mismatch')
    const shown = screen.getAllByTestId('feed-status').map((e) => e.textContent?.trim())
    // Newest first.
    expect(shown).toEqual(['状态 42', '状态 9（已退款或风控）', '状态 8（已完成）', '状态 1（已付款）'])
    // No refundType pushed, none shown.
    expect(screen.queryByTestId('feed-refund-type')).toBeNull()
  })

  it('names each pushed refund type, and shows an unknown one as sent', async () => {
    callbackReceiverStatus.mockResolvedValue({ running: true, url: 'http://127.0.0.1:9/callback', port: 9, last_seq: 4 })
    const refunded = (seq: number, refundType: string) => ({
      seq,
      received_at: '2026-12-05T10:00:00+08:00',
      outcome: 'stored' as const,
      reason: null,
      reason_code: null,
      order_id: `91${seq}`,
      status: '9',
      refund_type: refundType,
      pay_price: '88.00',
      sid: 'wx01',
      event_id: seq,
      bytes: 300,
    })
    callbackFeed.mockResolvedValue([refunded(1, '1'), refunded(2, '2'), refunded(3, '3'), refunded(4, '7')])
    render(Callback)
    await waitFor(() => expect(screen.getAllByTestId('feed-refund-type').length).toBe(4), { timeout: 5000 })
    const shown = screen.getAllByTestId('feed-refund-type').map((e) => e.textContent?.trim())
    // Newest first.
    expect(shown).toEqual(['退款类型 7', '退款类型 3（风控）', '退款类型 2（部分退）', '退款类型 1（全部退）'])
  })
})
