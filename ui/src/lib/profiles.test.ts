import { fireEvent, render, screen, within } from '@testing-library/svelte'
import { flushSync } from 'svelte'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import Accounts from '../screens/Accounts.svelte'
import Callback from '../screens/Callback.svelte'
import Quota from '../screens/Quota.svelte'
import RequestTracker from './components/quota/RequestTracker.svelte'
import TierAdvisor from './components/quota/TierAdvisor.svelte'
import { IpcFailure } from './ipc-failure'
import { Loadable, profiles } from './profiles.svelte'
import {
  callbackConfig,
  frequencyRequest,
  listProfiles,
  quotaStatus,
  resetBackend,
  testProfile,
  tierReport,
} from '../test/ipc-mock'
import { resetAppState } from '../test/reset'

vi.mock('./ipc', () => import('../test/ipc-mock'))

const TWO = [
  { id: 'p1', name: '主账号' },
  { id: 'p2', name: '外卖' },
]

beforeEach(() => {
  resetAppState()
  resetBackend({}, TWO)
})

const ids = () => profiles.list?.map((p) => p.id)

describe('Loadable', () => {
  it('keeps the value of a load, and the failure (with the fallback) of a failed one', async () => {
    const item = new Loadable<number[]>([])
    expect(item.value).toBeNull()
    expect(await item.load(async () => [1, 2])).toBe(true)
    expect(item.value).toEqual([1, 2])
    expect(item.failure).toBeNull()

    const failure = new IpcFailure({ code: 'storage', message: 'disk full' })
    expect(await item.load(() => Promise.reject(failure))).toBe(false)
    expect(item.failure).toBe(failure)
    expect(item.value).toEqual([])

    expect(await item.load(async () => [3])).toBe(true)
    expect(item.failure).toBeNull()
  })
})

describe('the profile store', () => {
  it('is empty until loaded, then holds the list with the first profile selected', async () => {
    expect(profiles.list).toBeNull()
    expect(profiles.selected).toBeNull()
    expect(await profiles.load()).toBe(true)
    expect(ids()).toEqual(['p1', 'p2'])
    expect(profiles.selectedId).toBe('p1')
    expect(profiles.selected?.name).toBe('主账号')
    expect(profiles.failure).toBeNull()
  })

  it('keeps the selection across reloads while the profile exists', async () => {
    await profiles.load()
    profiles.selectedId = 'p2'
    await profiles.load()
    expect(profiles.selected?.id).toBe('p2')
    expect(listProfiles).toHaveBeenCalledTimes(2)
  })

  it('reports a failed load, shows no profile, and finds the selection again on the next load', async () => {
    await profiles.load()
    profiles.selectedId = 'p2'
    const failure = new IpcFailure({ code: 'storage', message: 'database is locked' })
    listProfiles.mockRejectedValueOnce(failure)
    expect(await profiles.load()).toBe(false)
    expect(profiles.failure).toBe(failure)
    expect(profiles.list).toEqual([])
    expect(profiles.selected).toBeNull()

    expect(await profiles.load()).toBe(true)
    expect(profiles.failure).toBeNull()
    expect(profiles.selected?.id).toBe('p2')
  })

  it('takes added, edited and deleted profiles without a reload', async () => {
    await profiles.load()
    profiles.selectedId = 'p2'

    profiles.added(testProfile({ id: 'p3', name: '到店' }))
    expect(ids()).toEqual(['p1', 'p2', 'p3'])
    profiles.updated(testProfile({ id: 'p2', name: '外卖推广' }))
    expect(profiles.selected?.name).toBe('外卖推广')
    expect(ids()).toEqual(['p1', 'p2', 'p3'])

    // Deleting the selected profile selects the first one left.
    profiles.removed('p2')
    expect(ids()).toEqual(['p1', 'p3'])
    expect(profiles.selected?.id).toBe('p1')
    expect(listProfiles).toHaveBeenCalledOnce()
  })

  it('selects the first profile added to an empty list', async () => {
    resetBackend({}, [])
    await profiles.load()
    expect(profiles.selected).toBeNull()
    profiles.added(testProfile({ id: 'sb', name: '沙盒' }))
    expect(profiles.selected?.id).toBe('sb')
  })
})

describe('screens reading the store', () => {
  it('keep the profile chosen on one screen when another opens', async () => {
    const quota = render(Quota)
    const select = (await screen.findByTestId('quota-profile')) as HTMLSelectElement
    expect(select.value).toBe('p1')
    await fireEvent.change(select, { target: { value: 'p2' } })
    await vi.waitFor(() => expect(quotaStatus).toHaveBeenLastCalledWith('p2'))
    quota.unmount()

    render(Callback)
    const other = (await screen.findByTestId('callback-profile')) as HTMLSelectElement
    expect(other.value).toBe('p2')
    await vi.waitFor(() => expect(callbackConfig).toHaveBeenCalledWith('p2'))
    expect(callbackConfig).not.toHaveBeenCalledWith('p1')
  })

  it('show the accounts screen\'s add, edit and delete on the next screen', async () => {
    const accounts = render(Accounts)
    const cards = await screen.findAllByTestId('profile-card')
    const second = cards[1]

    // Edit: the store holds the new name before any reload.
    await fireEvent.click(within(second).getByTestId('edit-profile'))
    const form = within(second).getByTestId('edit-form')
    await fireEvent.input(within(form).getByLabelText('名称'), { target: { value: '外卖推广' } })
    await fireEvent.click(within(form).getByTestId('edit-save'))
    await vi.waitFor(() => expect(profiles.list?.find((p) => p.id === 'p2')?.name).toBe('外卖推广'))

    // Add: the sandbox profile joins the list.
    await fireEvent.click(screen.getByTestId('add-sandbox'))
    await vi.waitFor(() => expect(ids()).toEqual(['p1', 'p2', 'sb']))

    // Delete the first: the store drops it.
    await fireEvent.click(within(cards[0]).getByTestId('delete'))
    await fireEvent.click(within(cards[0]).getByTestId('delete-yes'))
    await vi.waitFor(() => expect(ids()).toEqual(['p2', 'sb']))
    expect(listProfiles).toHaveBeenCalledOnce()
    accounts.unmount()

    render(Quota)
    const select = (await screen.findByTestId('quota-profile')) as HTMLSelectElement
    expect([...select.options].map((o) => o.textContent)).toEqual(['外卖推广', '沙盒'])
    expect(select.value).toBe('p2')
  })

  it('show "loading" until their own reload ends, even when the store already holds a list', async () => {
    await profiles.load()
    let answer: (list: ReturnType<typeof testProfile>[]) => void = () => {}
    listProfiles.mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)))
    render(Quota)
    expect(screen.getByRole('status').textContent).toBe('正在读取调用次数…')
    expect(screen.queryByTestId('quota-profile')).toBeNull()
    answer(TWO.map(testProfile))
    expect(await screen.findByTestId('quota-profile')).toBeTruthy()
  })

  it('reload the tier advisor when the store hears that a tier changed', async () => {
    tierReport.mockClear()
    render(TierAdvisor, { profile: testProfile() })
    await vi.waitFor(() => expect(tierReport).toHaveBeenCalledTimes(1))
    profiles.tierChanged()
    flushSync()
    await vi.waitFor(() => expect(tierReport).toHaveBeenCalledTimes(2))
  })

  it('hear from the request tracker when a request is granted (and only then)', async () => {
    const request = {
      id: 1,
      profile_id: 'p1',
      kind: 'frequency' as const,
      status: 'refused' as 'refused' | 'granted',
      attempt: 1,
      tier_before: '2000' as const,
      requested_tier: '3000' as const,
      tier_after: null,
      monthly_average: 1200,
      justification: null,
      filed_at: '2026-11-30T10:00:00+08:00',
      due_at: '2026-12-02T10:00:00+08:00',
      answered_at: '2026-11-30T10:00:00+08:00',
      note: null,
      via: 'sandbox' as const,
      answer_due: false,
    }
    frequencyRequest.mockResolvedValueOnce(request).mockResolvedValueOnce({ ...request, id: 2, status: 'granted' })
    render(RequestTracker, { profile: testProfile() })
    const file = await screen.findByTestId('frequency-file')

    await fireEvent.click(file)
    await vi.waitFor(() => expect(frequencyRequest).toHaveBeenCalledTimes(1))
    await vi.waitFor(() => expect((file as HTMLButtonElement).disabled).toBe(false))
    expect(profiles.tierRevision).toBe(0)

    await fireEvent.click(file)
    await vi.waitFor(() => expect(profiles.tierRevision).toBe(1))
  })
})
