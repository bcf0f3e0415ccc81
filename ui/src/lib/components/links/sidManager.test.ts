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
})
