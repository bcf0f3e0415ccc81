// The callback screen's secret for a real account (issue 18 item 4): any
// printable-ASCII secret is registered as pasted, with a caution when it is
// not the manual's 32 hex digits; a refusal is said next to the field.
import { fireEvent, render, screen } from '@testing-library/svelte'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { IpcFailure } from '../lib/ipc-failure'
import { resetAppState } from '../test/reset'
import { callbackRegister, resetBackend } from '../test/ipc-mock'
import Callback from './Callback.svelte'

vi.mock('../lib/ipc', () => import('../test/ipc-mock'))

const URL = 'https://example.com/cb'

beforeEach(() => {
  resetAppState()
  resetBackend({}, [{ id: 'p1', name: '主账号' }])
})

async function paste(secret: string) {
  const input = await screen.findByTestId('callback-secret')
  await fireEvent.input(input, { target: { value: secret } })
  return input
}

describe('callback secret of a real account', () => {
  it('cautions about a secret that is not 32 hex digits, and not about the usual one or console text holding it', async () => {
    render(Callback)
    const input = await paste('my-callback-secret')
    const caution = screen.getByTestId('callback-secret-unusual')
    expect(caution.textContent).toContain('32 位')
    expect(input.getAttribute('aria-describedby')).toContain(caution.id)

    await paste('f4aa117ae871a7c7c922e6a885682eae')
    expect(screen.queryByTestId('callback-secret-unusual')).toBeNull()
    await paste('回调密钥：f4aa117ae871a7c7c922e6a885682eae\n复制')
    expect(screen.queryByTestId('callback-secret-unusual')).toBeNull()
    await paste('my callback secret')
    expect(screen.getByTestId('callback-secret-unusual')).toBeTruthy()
  })

  it('registers a non-hex secret as pasted', async () => {
    callbackRegister.mockResolvedValueOnce({
      profile_id: 'p1',
      url: URL,
      registered_at: '2026-12-05T10:00:00+08:00',
      via: 'manual',
      has_secret: true,
      secret_masked: '••••',
      url_warnings: [],
    })
    render(Callback)
    await fireEvent.input(await screen.findByTestId('callback-url'), { target: { value: URL } })
    await paste('my-callback-secret')
    await fireEvent.click(screen.getByTestId('callback-register'))
    await screen.findByTestId('callback-registered')
    expect(callbackRegister).toHaveBeenCalledWith('p1', URL, 'my-callback-secret')
    expect(screen.queryByTestId('cb-secret-error')).toBeNull()
  })

  it('says a refused secret next to its field, by its rule, without echoing it', async () => {
    callbackRegister.mockRejectedValueOnce(
      new IpcFailure({
        code: 'invalid_input',
        message: 'invalid callback_secret: must be printable ASCII (letters, digits, symbols, spaces)',
        details: { field: 'callback_secret', reason: 'must be printable ASCII', rule: 'not_printable' },
      }),
    )
    render(Callback)
    await fireEvent.input(await screen.findByTestId('callback-url'), { target: { value: URL } })
    const input = await paste('回调密钥是中文')
    await fireEvent.click(screen.getByTestId('callback-register'))
    const error = await screen.findByTestId('cb-secret-error')
    expect(error.textContent).toContain('回调密钥只能包含英文字母')
    expect(input.getAttribute('aria-invalid')).toBe('true')
    expect(input.getAttribute('aria-describedby')).toContain('cb-secret-error')
    expect(document.activeElement).toBe(input)
    expect(document.body.textContent).not.toContain('回调密钥是中文')
    expect(screen.queryByRole('alert')).toBeNull()
  })
})
