import { fireEvent, render, screen } from '@testing-library/svelte'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { QualityReport, Sid } from '../../ipc'
import { resetAppState } from '../../../test/reset'
import SidManager from './SidManager.svelte'

const api = vi.hoisted(() => ({
  listSids: vi.fn(),
  createSid: vi.fn(),
  renameSid: vi.fn(),
  archiveSid: vi.fn(),
  previewSidQuality: vi.fn(),
  fetchSidQuality: vi.fn(),
}))
vi.mock('../../ipc', () => api)

const sid: Sid = {
  id: 3,
  profile_id: 'p1',
  sid: 'wx01',
  name: '微信群',
  archived: false,
  created_at: '2026-12-01T10:00:00+08:00',
}

function report(cached: boolean): QualityReport {
  return {
    sid: 'wx01',
    sid_name: '微信群',
    from: '2026-11-06',
    to: '2026-12-05',
    rows: [
      { date: '2026-11-06', quality_grade: 'A', repurchase_rate: '0.23' },
      { date: '2026-11-07', quality_grade: 'C', repurchase_rate: '0.05' },
      { date: '2026-12-05', quality_grade: 'B', repurchase_rate: null },
    ],
    calls: cached ? 0 : 1,
    cached,
    fetched_at: '2026-12-05T10:00:00+08:00',
  }
}

beforeEach(() => {
  resetAppState()
  for (const f of Object.values(api)) f.mockReset()
  api.listSids.mockResolvedValue([sid])
})

async function open() {
  render(SidManager, { profileId: 'p1' })
  await fireEvent.click(await screen.findByTestId('sid-quality-open'))
}

describe('sid quality score', () => {
  it('says what a fetch costs before making it, then charts the days under the sid name', async () => {
    api.previewSidQuality.mockResolvedValue({ calls: 1, report: null })
    api.fetchSidQuality.mockResolvedValue(report(false))
    await open()
    expect((await screen.findByTestId('quality-cost')).textContent?.trim()).toBe('将用 1 次调用')
    expect(screen.getByRole('heading', { name: '微信群 的质量分' })).toBeTruthy()
    expect(api.fetchSidQuality).not.toHaveBeenCalled()
    const [profileId, query] = api.previewSidQuality.mock.calls[0]
    expect(profileId).toBe('p1')
    expect(query.sid).toBe('wx01')
    const days = (Date.parse(query.to) - Date.parse(query.from)) / 86400000
    expect(days).toBe(29)

    await fireEvent.click(screen.getByTestId('quality-fetch'))
    expect(api.fetchSidQuality).toHaveBeenCalledWith('p1', query, false)
    const chart = await screen.findByTestId('quality-chart')
    expect(chart.getAttribute('aria-label')).toBe('微信群 每日质量等级')
    expect(screen.getAllByTestId('quality-point')).toHaveLength(3)
    expect(chart.querySelectorAll('rect')).toHaveLength(2)
    expect(screen.getByTestId('quality-cost').textContent?.trim()).toBe('用了 1 次调用')
  })

  it('shows what was fetched today for 0 calls, and fetches again only when asked', async () => {
    api.previewSidQuality.mockResolvedValue({ calls: 0, report: report(true) })
    api.fetchSidQuality.mockResolvedValue(report(false))
    await open()
    expect((await screen.findByTestId('quality-cost')).textContent?.trim()).toBe('0 次调用：今天已获取过')
    expect(screen.getByTestId('quality-chart')).toBeTruthy()
    expect(api.fetchSidQuality).not.toHaveBeenCalled()
    await fireEvent.click(screen.getByTestId('quality-refresh'))
    expect(api.fetchSidQuality).toHaveBeenCalledWith('p1', expect.objectContaining({ sid: 'wx01' }), true)
    await vi.waitFor(() => expect(screen.getByTestId('quality-cost').textContent?.trim()).toBe('用了 1 次调用'))
  })

  it('shows a refusal (a media profile) as an error', async () => {
    api.previewSidQuality.mockRejectedValue({
      code: 'invalid_input',
      message: 'invalid generation: the sid quality score (getqualityscorebysid) is a legacy-only endpoint',
    })
    await open()
    expect(await screen.findByRole('alert')).toBeTruthy()
    expect(screen.queryByTestId('quality-fetch')).toBeNull()
  })
})
