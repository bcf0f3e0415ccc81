import { fireEvent, render, screen } from '@testing-library/svelte'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { IpcFailure } from '../../ipc-failure'
import { resetAppState } from '../../../test/reset'
import SidManager from './SidManager.svelte'

const api = vi.hoisted(() => ({
  listSids: vi.fn(),
  createSid: vi.fn(),
  renameSid: vi.fn(),
  archiveSid: vi.fn(),
}))
vi.mock('../../ipc', () => api)

beforeEach(() => {
  resetAppState()
  for (const f of Object.values(api)) f.mockReset()
  api.listSids.mockResolvedValue([])
})

describe('sid manager add form', () => {
  it('says an empty sid is needed next to the field, translated, without the browser bubble or a call', async () => {
    render(SidManager, { profileId: 'p1' })
    const input = await screen.findByTestId('sid-code')
    const form = input.closest('form') as HTMLFormElement
    expect(form.noValidate).toBe(true)
    await fireEvent.click(screen.getByTestId('sid-add'))
    const error = screen.getByTestId('sid-code-error')
    expect(error.textContent).toBe('请填写sid。')
    expect(input.getAttribute('aria-invalid')).toBe('true')
    expect(input.getAttribute('aria-describedby')).toBe(error.id)
    expect(document.activeElement).toBe(input)
    expect(api.createSid).not.toHaveBeenCalled()
  })

  it('shows the backend refusal of the sid next to it, and clears it once the sid is added', async () => {
    render(SidManager, { profileId: 'p1' })
    const input = await screen.findByTestId('sid-code')
    api.createSid.mockRejectedValueOnce(
      new IpcFailure({
        code: 'invalid_input',
        message: "invalid sid: contains ' '",
        details: { field: 'sid', reason: "contains ' '" },
      }),
    )
    await fireEvent.input(input, { target: { value: 'a b' } })
    await fireEvent.click(screen.getByTestId('sid-add'))
    const error = await screen.findByTestId('sid-code-error')
    expect(error.textContent).toContain('推广位（sid）不符合要求')
    expect(error.textContent).not.toContain('contains')
    expect(input.getAttribute('aria-invalid')).toBe('true')
    expect(screen.getByTestId('sid-name').getAttribute('aria-invalid')).toBeNull()
    expect(document.activeElement).toBe(input)

    api.createSid.mockResolvedValueOnce({ sid: { id: 1 }, warnings: [] })
    await fireEvent.input(input, { target: { value: 'wx01' } })
    await fireEvent.click(screen.getByTestId('sid-add'))
    await vi.waitFor(() => expect(api.createSid).toHaveBeenLastCalledWith('p1', 'wx01', null))
    expect(screen.queryByTestId('sid-code-error')).toBeNull()
    expect(input.getAttribute('aria-invalid')).toBeNull()
  })

  it('says a sid that was already added is already added, not the sid rules, next to the field', async () => {
    render(SidManager, { profileId: 'p1' })
    const input = await screen.findByTestId('sid-code')
    api.createSid.mockRejectedValueOnce(
      new IpcFailure({
        code: 'invalid_input',
        message: 'invalid sid: this profile already has this sid',
        details: {
          field: 'sid',
          reason: 'this profile already has this sid',
          rule: 'exists',
          fields: [{ field: 'sid', reason: 'this profile already has this sid', rule: 'exists' }],
        },
      }),
    )
    await fireEvent.input(input, { target: { value: 'wx01' } })
    await fireEvent.click(screen.getByTestId('sid-add'))
    const error = await screen.findByTestId('sid-code-error')
    expect(error.textContent).toBe('这个推广位（sid）已经添加过了。')
    expect(input.getAttribute('aria-invalid')).toBe('true')
    expect(input.getAttribute('aria-describedby')).toBe(error.id)
    // The archived list is not opened for a sid that is in view.
    expect(api.listSids).toHaveBeenLastCalledWith('p1', false)
  })

  it('says an archived sid with the same code is archived and lists it with its restore button', async () => {
    const archived = { id: 7, profile_id: 'p1', sid: 'wx01', name: '公众号', archived: true, created_at: '2026-12-05T10:00:00+08:00' }
    api.listSids.mockImplementation(async (_p: string, withArchived: boolean) => (withArchived ? [archived] : []))
    render(SidManager, { profileId: 'p1' })
    const input = await screen.findByTestId('sid-code')
    expect(screen.queryByTestId('sid-list')).toBeNull()
    api.createSid.mockRejectedValueOnce(
      new IpcFailure({
        code: 'invalid_input',
        message: 'invalid sid: wx01 is archived; restore it first',
        details: { field: 'sid', reason: 'wx01 is archived; restore it first', rule: 'archived' },
      }),
    )
    await fireEvent.input(input, { target: { value: 'wx01' } })
    await fireEvent.click(screen.getByTestId('sid-add'))
    const error = await screen.findByTestId('sid-code-error')
    expect(error.textContent).toContain('已归档')
    expect(error.textContent).toContain('恢复')
    expect(error.textContent).not.toContain('不符合要求')
    const list = await screen.findByTestId('sid-list')
    expect(list.textContent).toContain('wx01')
    expect(list.textContent).toContain('已归档')
    // Restoring is the user's click, not done behind their back.
    expect(api.archiveSid).not.toHaveBeenCalled()
    api.archiveSid.mockResolvedValueOnce({ ...archived, archived: false })
    await fireEvent.click(screen.getByRole('button', { name: '恢复' }))
    await vi.waitFor(() => expect(api.archiveSid).toHaveBeenCalledWith(7, false))
  })
})
