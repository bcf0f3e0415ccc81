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
    await fireEvent.change(within(form).getByLabelText('每日调用上限'), { target: { value: '6000' } })
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

    // Next to the name field, which is marked and focused.
    const error = await within(form).findByTestId('edit-name-error')
    expect(error.textContent).toContain('已经有一个叫这个名字的账号了')
    expect(error.textContent).not.toContain('another profile')
    expect(name.getAttribute('aria-invalid')).toBe('true')
    expect(name.getAttribute('aria-describedby')?.split(' ')).toEqual(['edit-p1-name-help', error.id])
    expect(document.activeElement).toBe(name)
    expect(within(form).queryByTestId('edit-error')).toBeNull()
    expect(within(card).getByTestId('edit-form')).toBe(form)
    expect((within(form).getByLabelText('名称') as HTMLInputElement).value).toBe('外卖')
    expect(within(card).getByRole('heading', { level: 3 }).textContent).toBe('主账号')
  })

  it('translates a refused base URL next to it, saying what is wrong, and keeps the typed address', async () => {
    updateProfile.mockRejectedValue(
      new IpcFailure({
        code: 'invalid_input',
        message: 'must use https',
        details: { field: 'base_url', reason: 'x', rule: 'http_not_local' },
      }),
    )
    const { form } = await openEditor()
    const url = within(form).getByLabelText('服务器地址') as HTMLInputElement
    await fireEvent.input(url, { target: { value: 'http://example.com' } })
    await fireEvent.click(within(form).getByTestId('edit-save'))
    const error = await within(form).findByTestId('edit-base-url-error')
    expect(error.textContent).toContain('其他服务器请用 https://')
    expect(url.getAttribute('aria-invalid')).toBe('true')
    expect(url.value).toBe('http://example.com')
  })

  it('a rule without its own sentence falls back to the one listing all rules', async () => {
    updateProfile.mockRejectedValue(
      new IpcFailure({ code: 'invalid_input', message: 'x', details: { field: 'base_url', reason: 'x', rule: 'newer' } }),
    )
    const { form } = await openEditor()
    await fireEvent.input(within(form).getByLabelText('服务器地址'), { target: { value: 'https://x.example' } })
    await fireEvent.click(within(form).getByTestId('edit-save'))
    expect((await within(form).findByTestId('edit-base-url-error')).textContent).toContain('服务器地址不正确')
  })

  it('marks every field at once: empty ones before asking, all the backend refused after', async () => {
    const { form } = await openEditor()
    expect((form as HTMLFormElement).noValidate).toBe(true)
    const name = within(form).getByTestId('edit-name')
    const appkey = within(form).getByTestId('edit-appkey')
    const url = within(form).getByTestId('edit-base-url')
    await fireEvent.input(name, { target: { value: ' ' } })
    await fireEvent.input(appkey, { target: { value: '' } })
    await fireEvent.click(within(form).getByTestId('edit-save'))
    expect(within(form).getByTestId('edit-name-error').textContent).toBe('请填写名称。')
    expect(within(form).getByTestId('edit-appkey-error').textContent).toBe('请填写appkey。')
    expect(name.getAttribute('aria-invalid')).toBe('true')
    expect(appkey.getAttribute('aria-invalid')).toBe('true')
    expect(document.activeElement).toBe(name)
    expect(updateProfile).not.toHaveBeenCalled()

    // One refusal naming three fields marks all three.
    updateProfile.mockRejectedValue(
      new IpcFailure({
        code: 'invalid_input',
        message: 'several',
        details: {
          field: 'name_taken',
          reason: 'x',
          fields: [
            { field: 'name_taken', reason: 'x' },
            { field: 'appkey', reason: 'must not contain spaces' },
            { field: 'base_url', reason: 'must start with https://', rule: 'scheme' },
          ],
        },
      }),
    )
    await fireEvent.input(name, { target: { value: '外卖' } })
    await fireEvent.input(appkey, { target: { value: 'a b' } })
    await fireEvent.input(url, { target: { value: 'openapi.meituan.com' } })
    await fireEvent.click(within(form).getByTestId('edit-save'))
    expect((await within(form).findByTestId('edit-name-error')).textContent).toContain('已经有一个叫这个名字的账号了')
    expect(within(form).getByTestId('edit-appkey-error').textContent).toContain('appkey 不符合要求')
    expect(within(form).getByTestId('edit-base-url-error').textContent).toContain('要以 https:// 开头')
    for (const input of [name, appkey, url]) expect(input.getAttribute('aria-invalid')).toBe('true')
    expect(document.activeElement).toBe(name)
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

  it('offers saving once something changed, and says why not before', async () => {
    const { form } = await openEditor()
    const save = within(form).getByTestId('edit-save') as HTMLButtonElement
    expect(save.disabled).toBe(true)
    const why = within(form).getByTestId('edit-save-why')
    expect(why.textContent).toBe('还没有修改任何内容，改动后才能保存。')
    expect(save.getAttribute('aria-describedby')).toBe(why.id)
    await fireEvent.submit(form)
    expect(updateProfile).not.toHaveBeenCalled()
    expect(within(form).getByTestId('edit-save')).toBe(save)

    await fireEvent.change(within(form).getByLabelText('每日调用上限'), { target: { value: '6000' } })
    expect(save.disabled).toBe(false)
    expect(within(form).queryByTestId('edit-save-why')).toBeNull()
    expect(save.getAttribute('aria-describedby')).toBeNull()
    // Changed back: nothing to save again.
    await fireEvent.change(within(form).getByLabelText('每日调用上限'), { target: { value: '2000' } })
    expect(save.disabled).toBe(true)
  })

  it('speaks English too', async () => {
    setLocale('en')
    const { button, form } = await openEditor()
    expect(button.textContent).toBe('Edit')
    expect(button.getAttribute('aria-label')).toBe('Edit account "主账号"')
    expect(within(form).getByLabelText('Name')).toBeTruthy()
    expect(within(form).getByLabelText('Daily call limit')).toBeTruthy()
    expect(within(form).getByTestId('edit-save').textContent?.trim()).toBe('Save changes')
    expect(within(form).getByTestId('edit-save-why').textContent).toBe('Nothing has changed yet; change something to save.')
    expect(within(form).getByTestId('edit-cancel').textContent?.trim()).toBe('Cancel')
    expect(form.textContent).toContain("Leave empty to use Meituan Union's own address (https://openapi.meituan.com).")
  })
})
