import { fireEvent, render, screen, within } from '@testing-library/svelte'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { IpcFailure } from '../../ipc-failure'
import { setLocale } from '../../i18n/i18n.svelte'
import { resetBackend, updateProfile } from '../../../test/ipc-mock'
import { resetAppState } from '../../../test/reset'
import Accounts from '../../../screens/Accounts.svelte'

vi.mock('../../ipc', () => import('../../../test/ipc-mock'))

beforeEach(() => {
  resetAppState()
  resetBackend({}, [{ id: 'p1', name: '主账号', tier: '2000' }])
})

/** Renders the screen and opens the edit form of the only card. */
async function openEditor() {
  render(Accounts)
  const card = await screen.findByTestId('profile-card')
  const button = within(card).getByTestId('edit-profile')
  await fireEvent.click(button)
  const form = within(card).getByTestId('edit-form')
  return { card, button, form }
}

describe('editing a profile', () => {
  it('sends only the changed name and tier, then shows the updated card', async () => {
    const { card, button, form } = await openEditor()
    expect(button.getAttribute('aria-expanded')).toBe('true')
    const name = within(form).getByLabelText('名称') as HTMLInputElement
    expect(name.value).toBe('主账号')
    await vi.waitFor(() => expect(document.activeElement).toBe(name))

    await fireEvent.input(name, { target: { value: ' 外卖推广 ' } })
    await fireEvent.change(within(form).getByLabelText('调用频次'), { target: { value: '6000' } })
    await fireEvent.click(within(form).getByTestId('edit-save'))

    expect(updateProfile).toHaveBeenCalledOnce()
    expect(updateProfile).toHaveBeenCalledWith('p1', { name: '外卖推广', appkey: null, tier: '6000', base_url: null })
    await vi.waitFor(() => expect(within(card).queryByTestId('edit-form')).toBeNull())
    expect(within(card).getByRole('heading', { level: 3 }).textContent).toBe('外卖推广')
    expect(card.textContent).toContain('6000 次/天')
    expect(within(card).getByTestId('edit-saved').textContent).toBe('修改已保存。')
    expect(button.getAttribute('aria-expanded')).toBe('false')
    await vi.waitFor(() => expect(document.activeElement).toBe(within(card).getByTestId('edit-profile')))
  })

  it('offers appkey and base URL for a real profile; empty sends Meituan\'s default address', async () => {
    resetBackend({}, [{ id: 'p1', name: '主账号', base_url: 'http://127.0.0.1:9000' }])
    const { form } = await openEditor()
    expect((within(form).getByLabelText('appkey') as HTMLInputElement).value).toBe('0123456789abcdef0123456789abcdef')
    const url = within(form).getByLabelText('服务器地址') as HTMLInputElement
    expect(url.value).toBe('http://127.0.0.1:9000')
    expect(form.textContent).toContain('留空表示使用美团联盟官方地址（https://openapi.meituan.com）')

    await fireEvent.input(url, { target: { value: '' } })
    await fireEvent.click(within(form).getByTestId('edit-save'))
    expect(updateProfile).toHaveBeenCalledWith('p1', {
      name: null,
      appkey: null,
      tier: null,
      base_url: 'https://openapi.meituan.com',
    })
  })

  it('has no appkey or base URL field for a sandbox profile', async () => {
    resetBackend({}, [{ id: 'sb', name: '沙盒', sandbox: true, base_url: null, auth_status: 'open' }])
    const { form } = await openEditor()
    expect(within(form).getByTestId('edit-name')).toBeTruthy()
    expect(within(form).getByTestId('edit-tier')).toBeTruthy()
    expect(within(form).queryByTestId('edit-appkey')).toBeNull()
    expect(within(form).queryByTestId('edit-base-url')).toBeNull()
    expect(within(form).queryByLabelText('appkey')).toBeNull()
    expect(within(form).queryByLabelText('服务器地址')).toBeNull()
    expect(within(form).getByTestId('edit-sandbox-note').textContent).toContain('不能修改')
  })

  it('shows a backend error in Chinese inside the form and keeps what was typed', async () => {
    updateProfile.mockRejectedValue(
      new IpcFailure({
        code: 'invalid_input',
        message: 'another profile already has this name',
        details: { field: 'name_taken', reason: 'another profile already has this name' },
      }),
    )
    const { card, form } = await openEditor()
    const name = within(form).getByLabelText('名称') as HTMLInputElement
    await fireEvent.input(name, { target: { value: '外卖' } })
    await fireEvent.click(within(form).getByTestId('edit-save'))

    const error = await within(form).findByTestId('edit-error')
    expect(error.textContent).toContain('已经有一个叫这个名字的账号了')
    expect(error.textContent).not.toContain('another profile')
    expect(within(form).getByRole('alert')).toBeTruthy()
    expect(within(card).getByTestId('edit-form')).toBe(form)
    expect((within(form).getByLabelText('名称') as HTMLInputElement).value).toBe('外卖')
    expect(within(card).getByRole('heading', { level: 3 }).textContent).toBe('主账号')
  })

  it('translates a refused base URL and keeps the typed address', async () => {
    updateProfile.mockRejectedValue(
      new IpcFailure({ code: 'invalid_input', message: 'must use https', details: { field: 'base_url', reason: 'x' } }),
    )
    const { form } = await openEditor()
    const url = within(form).getByLabelText('服务器地址') as HTMLInputElement
    await fireEvent.input(url, { target: { value: 'http://example.com' } })
    await fireEvent.click(within(form).getByTestId('edit-save'))
    expect((await within(form).findByTestId('edit-error')).textContent).toContain('服务器地址不正确')
    expect(url.value).toBe('http://example.com')
  })

  it('closes on Escape without saving, and focus returns to the Edit button', async () => {
    const { card, button, form } = await openEditor()
    const name = within(form).getByLabelText('名称') as HTMLInputElement
    await fireEvent.input(name, { target: { value: '不要保存' } })
    await fireEvent.keyDown(name, { key: 'Escape' })

    expect(within(card).queryByTestId('edit-form')).toBeNull()
    expect(updateProfile).not.toHaveBeenCalled()
    expect(within(card).getByRole('heading', { level: 3 }).textContent).toBe('主账号')
    expect(within(card).queryByTestId('edit-saved')).toBeNull()
    await vi.waitFor(() => expect(document.activeElement).toBe(button))
  })

  it('closes on Cancel without saving, and reopens with the stored values', async () => {
    const { card, button, form } = await openEditor()
    await fireEvent.input(within(form).getByLabelText('名称'), { target: { value: '不要保存' } })
    await fireEvent.click(within(form).getByTestId('edit-cancel'))

    expect(within(card).queryByTestId('edit-form')).toBeNull()
    expect(updateProfile).not.toHaveBeenCalled()
    await vi.waitFor(() => expect(document.activeElement).toBe(button))

    await fireEvent.click(button)
    expect((within(card).getByTestId('edit-name') as HTMLInputElement).value).toBe('主账号')
  })

  it('makes no call when nothing changed', async () => {
    const { card, form } = await openEditor()
    await fireEvent.click(within(form).getByTestId('edit-save'))
    expect(updateProfile).not.toHaveBeenCalled()
    expect(within(card).queryByTestId('edit-form')).toBeNull()
  })

  it('speaks English too', async () => {
    setLocale('en')
    const { button, form } = await openEditor()
    expect(button.textContent).toBe('Edit')
    expect(button.getAttribute('aria-label')).toBe('Edit account "主账号"')
    expect(within(form).getByLabelText('Name')).toBeTruthy()
    expect(within(form).getByLabelText('Call limit')).toBeTruthy()
    expect(within(form).getByTestId('edit-save').textContent?.trim()).toBe('Save changes')
    expect(within(form).getByTestId('edit-cancel').textContent?.trim()).toBe('Cancel')
    expect(form.textContent).toContain("Leave empty to use Meituan Union's own address (https://openapi.meituan.com).")
  })
})
