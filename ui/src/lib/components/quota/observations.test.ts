import { fireEvent, render, screen, waitFor } from '@testing-library/svelte'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { setLocale } from '../../i18n/i18n.svelte'
import { IpcFailure } from '../../ipc-failure'
import type { QuotaObservations as Observations } from '../../ipc'
import {
  quotaObservations,
  quotaProbe,
  quotaSetLearnedLimit,
  quotaStatus,
  resetBackend,
  TEST_QUOTA_OBSERVATIONS,
  testQuota,
} from '../../../test/ipc-mock'
import { resetAppState } from '../../../test/reset'
import Quota from '../../../screens/Quota.svelte'
import QuotaObservations from './QuotaObservations.svelte'
import QuotaToday from './QuotaToday.svelte'

vi.mock('../../ipc', () => import('../../../test/ipc-mock'))

beforeEach(() => {
  resetAppState()
  resetBackend({}, [{ id: 'p1', name: '主账号' }])
})

const KEPT: Observations = {
  ...TEST_QUOTA_OBSERVATIONS,
  entries: [
    { observed_at: '2026-11-30T23:10:00+08:00', day: '2026-11-30', kind: 'refused_above_limit', used: 2650, assumed_limit: 2000 },
    { observed_at: '2026-11-30T21:10:00+08:00', day: '2026-11-30', kind: 'accepted_after_used_up', used: 2001, assumed_limit: 2000 },
    { observed_at: '2026-11-29T20:05:00+08:00', day: '2026-11-29', kind: 'probe_refused', used: 1602, assumed_limit: 2000 },
    { observed_at: '2026-11-28T19:42:00+08:00', day: '2026-11-28', kind: 'early_refusal', used: 1601, assumed_limit: 2000 },
  ],
}

describe('the observations card', () => {
  it('lists what was observed with the date, what happened and the count, as our observation', async () => {
    quotaObservations.mockResolvedValue(KEPT)
    render(QuotaObservations, { profileId: 'p1', status: testQuota(120).status })
    const list = await screen.findByTestId('quota-observations-list')
    expect(quotaObservations).toHaveBeenCalledWith('p1')
    const rows = list.querySelectorAll('tbody tr')
    expect(rows).toHaveLength(4)
    expect(rows[0].textContent).toContain('超过每日调用上限（2,000 次）之后才提示用完')
    expect(rows[0].textContent).toContain('2,650')
    expect(rows[1].textContent).toContain('2026-11-30 21:10')
    expect(rows[1].textContent).toContain('美团接受了')
    expect(rows[1].textContent).toContain('2,001')
    expect(rows[2].textContent).toContain('当天确实用完')
    expect(rows[3].textContent).toContain('本机还没到每日调用上限（2,000 次），美团就提示次数用完')
    expect(rows[3].textContent).toContain('1,601')
    const card = screen.getByTestId('quota-observations').textContent ?? ''
    expect(card).toContain('都是我们的估计')
    expect(card).toContain('不是美团的说明')
  })

  it('says when nothing was observed, and offers no probe before the day is used up', async () => {
    render(QuotaObservations, { profileId: 'p1', status: testQuota(1999).status })
    expect((await screen.findByTestId('quota-observations-empty')).textContent).toContain('还没有观察到')
    expect(screen.queryByTestId('quota-probe')).toBeNull()
  })

  it('offers one probe on a used-up day, says it costs a call and may be refused, and says what Meituan answered', async () => {
    const onchange = vi.fn()
    const used = testQuota(2000).status
    quotaProbe.mockResolvedValue({
      outcome: 'accepted',
      error: null,
      status: { ...used, used: 2001, reopened: true, level: 'critical', remaining: null },
    })
    render(QuotaObservations, { profileId: 'p1', status: used, onchange })
    const offer = await screen.findByTestId('quota-probe')
    expect(offer.textContent).toContain('用掉 1 次调用')
    expect(offer.textContent).toContain('美团也可能拒绝')
    await fireEvent.click(screen.getByTestId('quota-probe-run'))
    expect(quotaProbe).toHaveBeenCalledWith('p1')
    const result = await screen.findByTestId('quota-probe-result')
    expect(result.dataset.outcome).toBe('accepted')
    expect(result.textContent).toContain('据我们观察，今天其实还没用完')
    expect(onchange).toHaveBeenCalled()
  })

  it('says a probe refused for quota confirms the day, and a refused probe request is translated', async () => {
    quotaProbe.mockResolvedValueOnce({
      outcome: 'refused_quota',
      error: { code: 'quota_exhausted', message: 'used up' }, status: testQuota(2001).status })
    render(QuotaObservations, { profileId: 'p1', status: testQuota(2000).status })
    await fireEvent.click(await screen.findByTestId('quota-probe-run'))
    expect((await screen.findByTestId('quota-probe-result')).textContent).toContain('今天确实用完了')
    quotaProbe.mockRejectedValueOnce(
      new IpcFailure({
        code: 'invalid_input',
        message: 'invalid probe',
        details: { field: 'probe', rule: 'in_flight', reason: 'x' },
      }),
    )
    await fireEvent.click(screen.getByTestId('quota-probe-run'))
    await waitFor(() => expect(screen.getByText(/上一次试探还没结束/)).toBeTruthy())
  })

  it('shows the suggested limit with its action, and the learned limit with the way back', async () => {
    const onchange = vi.fn()
    quotaObservations.mockResolvedValue({ ...KEPT, suggestion: { limit: 1600, days: 2 } })
    quotaSetLearnedLimit.mockResolvedValueOnce({
      ...KEPT,
      learned_limit: { daily_limit: 1600, set_at: '2026-11-30T21:20:00+08:00' },
    })
    render(QuotaObservations, { profileId: 'p1', status: testQuota(120).status, onchange })
    const suggestion = await screen.findByTestId('quota-suggestion')
    expect(suggestion.textContent).toContain('据我们观察')
    expect(suggestion.textContent).toContain('看起来约为 1,600 次')
    await fireEvent.click(screen.getByTestId('quota-suggestion-apply'))
    expect(quotaSetLearnedLimit).toHaveBeenCalledWith('p1', 1600)
    const learned = await screen.findByTestId('quota-learned')
    expect(learned.textContent).toContain('据观察得出')
    expect(learned.textContent).toContain('2026-11-30 21:20')
    expect(onchange).toHaveBeenCalled()
    await fireEvent.click(screen.getByTestId('quota-learned-clear'))
    expect(quotaSetLearnedLimit).toHaveBeenLastCalledWith('p1', null)
  })

  it('speaks English too', async () => {
    setLocale('en')
    quotaObservations.mockResolvedValue({ ...KEPT, suggestion: { limit: 1600, days: 2 } })
    render(QuotaObservations, { profileId: 'p1', status: testQuota(2000).status })
    expect((await screen.findByTestId('quota-suggestion')).textContent).toContain('We observed')
    expect(screen.getByTestId('quota-probe').textContent).toContain('It costs one call')
    expect(screen.getByTestId('quota-observations-list').textContent).toContain('was accepted by Meituan')
  })

  it('is on the quota screen', async () => {
    quotaStatus.mockResolvedValue(testQuota(2000))
    render(Quota)
    expect(await screen.findByTestId('quota-observations')).toBeTruthy()
    expect(await screen.findByTestId('quota-probe')).toBeTruthy()
  })
})

describe('today, after what we observed', () => {
  it('a reopened day says so in plain words and leaves the remaining calls unknown', () => {
    const base = testQuota(2003).status
    render(QuotaToday, { status: { ...base, reopened: true, level: 'critical', remaining: null } })
    expect(screen.getByTestId('quota-remaining').textContent).toBe('未知')
    const words = screen.getByTestId('quota-reopened').textContent ?? ''
    expect(words).toContain('据我们观察')
    expect(words).toContain('直到美团拒绝一次为止')
  })

  it('a learned limit is labelled as observed', () => {
    render(QuotaToday, { status: { ...testQuota(100, 1600).status, tier: '2000', limit_learned: true } })
    expect(screen.getByTestId('quota-limit').textContent).toBe('1,600')
    expect(screen.getByTestId('quota-limit-learned').textContent).toBe('据观察')
    expect(screen.queryByTestId('quota-reopened')).toBeNull()
  })

  it("words a failed probe with Meituan's own code and words", async () => {
    const used = testQuota(2000).status
    quotaProbe.mockResolvedValueOnce({
      outcome: 'failed',
      error: {
        code: 'api',
        message: 'the API refused the call: code 999',
        details: { api_code: '999', api_message: '系统出现异常，请稍后再试' },
      },
      status: { ...used, used: 2001 },
    })
    render(QuotaObservations, { profileId: 'p1', status: used })
    await fireEvent.click(await screen.findByTestId('quota-probe-run'))
    const result = await screen.findByTestId('quota-probe-result')
    expect(result.dataset.outcome).toBe('failed')
    expect(result.textContent).toContain('999')
    expect(result.textContent).toContain('系统出现异常，请稍后再试')
  })
})
