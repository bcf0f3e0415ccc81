import { fireEvent, render, screen, within } from '@testing-library/svelte'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { IpcFailure } from '../../ipc-failure'
import { setLocale } from '../../i18n/i18n.svelte'
import {
  copySecret,
  createProfile,
  createSandboxProfile,
  deleteProfile,
  importSecretFromText,
  listProfiles,
  resetBackend,
  revealSecret,
  setSecret,
  TEST_SECRET_IMAGE,
  testProfile,
  verifyProfile,
} from '../../../test/ipc-mock'
import { resetAppState } from '../../../test/reset'
import Accounts from '../../../screens/Accounts.svelte'
import SecretRow from './SecretRow.svelte'
import VerifyResult from './VerifyResult.svelte'
import type { VerifyReport } from '../../ipc'

vi.mock('../../ipc', () => import('../../../test/ipc-mock'))

// A real-looking secret: it must never appear in the page.
const SECRET = 'f4aa117ae871a7c7c922e6a885682eae'

beforeEach(() => {
  resetAppState()
  resetBackend({}, [{ id: 'p1', name: '主账号', api_secret_hint: '••••1a2b' }])
})

afterEach(() => {
  vi.useRealTimers()
})

async function openAccounts() {
  render(Accounts)
  return screen.findByTestId('profile-card')
}

describe('the accounts list', () => {
  it('shows each profile with its secret masked and its authorization as a badge', async () => {
    resetBackend({}, [
      { id: 'p1', name: '主账号', api_secret_hint: '••••1a2b', auth_status: 'open' },
      { id: 'p2', name: '外卖', api_secret_hint: null, has_api_secret: false, auth_status: 'applying', auth_applications: 1 },
    ])
    render(Accounts)
    const cards = await screen.findAllByTestId('profile-card')
    expect(cards).toHaveLength(2)
    expect(within(cards[0]).getByTestId('secret-api-masked').textContent).toBe('••••1a2b')
    expect(within(cards[0]).getByTestId('auth-badge').textContent).toContain('已开通')
    expect(within(cards[1]).queryByTestId('secret-api-masked')).toBeNull()
    expect(within(cards[1]).getByTestId('secret-api').textContent).toContain('未设置')
    expect(within(cards[1]).getByTestId('auth-badge').textContent).toContain('申请中')
    expect(cards[1].textContent).toContain('1 小时内')
    // No reveal or copy for a secret that is not stored.
    expect(within(cards[1]).queryByTestId('reveal-api')).toBeNull()
  })

  it('shows the four authorization states in English too', async () => {
    setLocale('en')
    resetBackend({}, [
      { id: 'a', name: 'a', auth_status: 'not_open' },
      { id: 'b', name: 'b', auth_status: 'applying', auth_applications: 2 },
      { id: 'c', name: 'c', auth_status: 'open' },
      { id: 'd', name: 'd', auth_status: 'refused' },
    ])
    render(Accounts)
    const badges = await screen.findAllByTestId('auth-badge')
    // Read aloud as "API authorization: Open", with the colon of the language.
    expect(badges.map((b) => b.textContent?.trim())).toEqual([
      'API authorization: Not opened',
      'API authorization: Applying',
      'API authorization: Open',
      'API authorization: Refused',
    ])
    expect(screen.getAllByTestId('profile-card')[1].textContent).toContain('two working days')
  })

  it('says 未检查, not 未开通, until something has checked the authorization', async () => {
    resetBackend({}, [
      { id: 'a', name: '新账号', auth_status: 'not_open', auth_checked: false },
      { id: 'b', name: '查过的', auth_status: 'not_open', auth_checked: true },
    ])
    render(Accounts)
    const badges = await screen.findAllByTestId('auth-badge')
    expect(badges.map((b) => b.dataset.status)).toEqual(['unchecked', 'not_open'])
    expect(badges[0].textContent).toContain('未检查')
    expect(badges[0].textContent).not.toContain('未开通')
    const [fresh, checked] = screen.getAllByTestId('profile-card')
    expect(fresh.textContent).toContain('点击【验证】')
    expect(fresh.textContent).not.toContain('去开通')
    expect(checked.textContent).toContain('去开通')
  })

  it('says there is nothing yet, and creates a sandbox profile on request', async () => {
    resetBackend()
    render(Accounts)
    expect((await screen.findByTestId('accounts-empty')).textContent).toContain('还没有账号')
    await fireEvent.click(screen.getByTestId('add-sandbox'))
    expect(createSandboxProfile).toHaveBeenCalledOnce()
    const card = await screen.findByTestId('profile-card')
    expect(card.textContent).toContain('沙盒')
    expect(screen.getByTestId('accounts-message').textContent).toContain('沙盒账号')
  })

  it('shows the actionable keychain message when the keychain is unavailable', async () => {
    resetBackend()
    createSandboxProfile.mockRejectedValue(
      new IpcFailure({ code: 'keychain_unavailable', message: 'no secret service' }),
    )
    render(Accounts)
    await fireEvent.click(await screen.findByTestId('add-sandbox'))
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('系统钥匙串')
    expect(alert.textContent).toContain('GNOME')
    expect(alert.textContent).not.toContain('no secret service')
  })
})

describe('adding a profile', () => {
  it('sends name, appkey, generation, custom base URL and secrets, then lists it', async () => {
    resetBackend()
    render(Accounts)
    await fireEvent.click(await screen.findByTestId('add-profile'))
    await fireEvent.input(screen.getByLabelText('名称'), { target: { value: ' 第二个 ' } })
    await fireEvent.input(screen.getByLabelText('appkey'), { target: { value: 'abcdefabcdefabcdefabcdefabcdefab' } })
    await fireEvent.click(screen.getByLabelText(/媒体 API/))
    await fireEvent.click(screen.getByTestId('add-server-custom'))
    await fireEvent.input(screen.getByLabelText('地址'), { target: { value: 'http://127.0.0.1:9000' } })
    await fireEvent.change(screen.getByLabelText('每日调用上限'), { target: { value: '6000' } })
    const secretInput = screen.getByLabelText('API 密钥') as HTMLInputElement
    expect(secretInput.type).toBe('password')
    await fireEvent.input(secretInput, { target: { value: SECRET } })
    await fireEvent.submit(screen.getByTestId('add-form'))

    expect(createProfile).toHaveBeenCalledWith({
      name: '第二个',
      appkey: 'abcdefabcdefabcdefabcdefabcdefab',
      generation: 'media',
      base_url: 'http://127.0.0.1:9000',
      tier: '6000',
      api_secret: SECRET,
      callback_secret: null,
    })
    expect((await screen.findByTestId('profile-card')).textContent).toContain('第二个')
    expect(screen.queryByTestId('add-form')).toBeNull()
    expect(document.body.innerHTML).not.toContain(SECRET)
  })

  it('explains both API generations in plain words', async () => {
    render(Accounts)
    await fireEvent.click(await screen.findByTestId('add-profile'))
    const form = screen.getByTestId('add-form')
    expect(form.textContent).toContain('不确定时选它')
    // One name per API type, the same as the profile card shows (issue 19 item 9).
    expect(screen.getByLabelText(/联盟 API（旧版）/)).toBeTruthy()
    expect(screen.getByLabelText(/媒体 API（新版）/)).toBeTruthy()
    expect(form.textContent).toContain('接口类型')
    expect(form.textContent).not.toContain('cps_open')
  })

  it('says where the appkey is in the console: 推广者备案 › 媒体管理 (issue 18 item 11)', async () => {
    render(Accounts)
    await fireEvent.click(await screen.findByTestId('add-profile'))
    const appkey = screen.getByTestId('add-appkey')
    const described = (appkey.getAttribute('aria-describedby') ?? '').split(' ')
    expect(described).toContain('add-appkey-help')
    const help = document.getElementById('add-appkey-help')
    expect(help?.textContent).toMatch(/【推广者备案】>【媒体管理】/)
    expect(help?.textContent).toContain('API 授权')
  })

  it('names the refused field in a translated sentence', async () => {
    createProfile.mockRejectedValue(
      new IpcFailure({ code: 'invalid_input', message: 'invalid appkey', details: { field: 'appkey', reason: 'x' } }),
    )
    render(Accounts)
    await fireEvent.click(await screen.findByTestId('add-profile'))
    await fireEvent.input(screen.getByLabelText('名称'), { target: { value: 'x' } })
    await fireEvent.input(screen.getByLabelText('appkey'), { target: { value: 'nope' } })
    await fireEvent.submit(screen.getByTestId('add-form'))
    // Next to its field, the field marked, focus on it.
    const error = await screen.findByTestId('add-appkey-error')
    expect(error.textContent).toContain('appkey 不符合要求')
    const input = screen.getByTestId('add-appkey')
    expect(input.getAttribute('aria-invalid')).toBe('true')
    expect(input.getAttribute('aria-describedby')).toContain('add-appkey-error')
    expect(document.activeElement).toBe(input)
    expect(screen.queryByTestId('add-error')).toBeNull()
    expect(screen.getByTestId('add-form')).toBeTruthy()
  })

  it('marks every field of one backend refusal at once, each with its own sentence', async () => {
    // What desk-core sends for appkey "a bc", secret "12345" and http://example.com (issue 19 item 7).
    createProfile.mockRejectedValue(
      new IpcFailure({
        code: 'invalid_input',
        message: 'invalid appkey: must not contain spaces; invalid base_url: …; invalid api_secret: is too short',
        details: {
          field: 'appkey',
          reason: 'must not contain spaces',
          fields: [
            { field: 'appkey', reason: 'must not contain spaces' },
            { field: 'base_url', reason: 'must use https', rule: 'http_not_local' },
            { field: 'api_secret', reason: 'is too short (at least 6 characters)', rule: 'too_short' },
          ],
        },
      }),
    )
    render(Accounts)
    await fireEvent.click(await screen.findByTestId('add-profile'))
    await fireEvent.input(screen.getByLabelText('名称'), { target: { value: 'x' } })
    await fireEvent.input(screen.getByLabelText('appkey'), { target: { value: 'a bc' } })
    await fireEvent.click(screen.getByTestId('add-server-custom'))
    await fireEvent.input(screen.getByTestId('add-base-url'), { target: { value: 'http://example.com' } })
    await fireEvent.input(screen.getByTestId('add-api-secret'), { target: { value: '12345' } })
    await fireEvent.submit(screen.getByTestId('add-form'))

    expect((await screen.findByTestId('add-appkey-error')).textContent).toContain('appkey 不符合要求')
    // The base URL says what exactly is wrong with it.
    expect(screen.getByTestId('add-base-url-error').textContent).toContain('只有本机地址')
    expect(screen.getByTestId('add-api-secret-error').textContent).toContain('至少要 6 个字符')
    for (const id of ['add-appkey', 'add-base-url', 'add-api-secret']) {
      const input = screen.getByTestId(id)
      expect(input.getAttribute('aria-invalid')).toBe('true')
      expect(input.getAttribute('aria-describedby')).toContain(`${id}-error`)
    }
    expect(screen.getByTestId('add-name').getAttribute('aria-invalid')).toBeNull()
    expect(screen.queryByTestId('add-callback-secret-error')).toBeNull()
    expect(document.activeElement).toBe(screen.getByTestId('add-appkey'))
    expect(screen.queryByTestId('add-error')).toBeNull()
  })

  it('shows appkey "abc" and secret "12345" refused together, each too short by its own rule (issue 19 item 7)', async () => {
    // What desk-core sends for exactly this form.
    createProfile.mockRejectedValue(
      new IpcFailure({
        code: 'invalid_input',
        message: 'invalid appkey: is too short (at least 6 characters); invalid api_secret: is too short (at least 6 characters)',
        details: {
          field: 'appkey',
          reason: 'is too short (at least 6 characters)',
          rule: 'too_short',
          fields: [
            { field: 'appkey', reason: 'is too short (at least 6 characters)', rule: 'too_short' },
            { field: 'api_secret', reason: 'is too short (at least 6 characters)', rule: 'too_short' },
          ],
        },
      }),
    )
    render(Accounts)
    await fireEvent.click(await screen.findByTestId('add-profile'))
    await fireEvent.input(screen.getByLabelText('名称'), { target: { value: 'x' } })
    await fireEvent.input(screen.getByLabelText('appkey'), { target: { value: 'abc' } })
    await fireEvent.input(screen.getByTestId('add-api-secret'), { target: { value: '12345' } })
    await fireEvent.submit(screen.getByTestId('add-form'))

    const appkeyError = await screen.findByTestId('add-appkey-error')
    expect(appkeyError.textContent).toContain('appkey 太短了，至少要 6 个字符')
    expect(screen.getByTestId('add-api-secret-error').textContent).toContain('API 密钥至少要 6 个字符')
    for (const id of ['add-appkey', 'add-api-secret']) {
      const input = screen.getByTestId(id)
      expect(input.getAttribute('aria-invalid')).toBe('true')
      expect(input.getAttribute('aria-describedby')).toContain(`${id}-error`)
    }
    expect(document.activeElement).toBe(screen.getByTestId('add-appkey'))
    expect(screen.queryByTestId('add-error')).toBeNull()
    expect(screen.getByTestId('add-form').textContent).not.toContain('12345')
  })

  it('says why the save button is disabled while saving', async () => {
    let finish: (p: ReturnType<typeof testProfile>) => void = () => {}
    createProfile.mockImplementation(() => new Promise((resolve) => (finish = resolve)))
    render(Accounts)
    await fireEvent.click(await screen.findByTestId('add-profile'))
    await fireEvent.input(screen.getByLabelText('名称'), { target: { value: '第二个' } })
    await fireEvent.input(screen.getByLabelText('appkey'), { target: { value: 'k' } })
    const submit = screen.getByTestId('add-submit') as HTMLButtonElement
    expect(submit.disabled).toBe(false)
    expect(screen.queryByTestId('add-submit-why')).toBeNull()
    await fireEvent.submit(screen.getByTestId('add-form'))
    expect(submit.disabled).toBe(true)
    const why = screen.getByTestId('add-submit-why')
    expect(why.textContent).toBe('正在保存，请稍候。')
    expect(submit.getAttribute('aria-describedby')).toBe(why.id)
    finish(testProfile({ id: 'p2', name: '第二个' }))
    await vi.waitFor(() => expect(screen.queryByTestId('add-form')).toBeNull())
  })

  it('shows every empty required field at once, next to it, without asking the backend or the browser', async () => {
    render(Accounts)
    await fireEvent.click(await screen.findByTestId('add-profile'))
    const form = screen.getByTestId('add-form') as HTMLFormElement
    // No browser-native bubbles ("Fill out this field"): the form validates itself.
    expect(form.noValidate).toBe(true)
    await fireEvent.click(screen.getByTestId('add-server-custom'))
    await fireEvent.submit(form)
    for (const id of ['add-name', 'add-appkey', 'add-base-url']) {
      expect(screen.getByTestId(`${id}-error`).textContent).toMatch(/^请填写/)
      expect(screen.getByTestId(id).getAttribute('aria-invalid')).toBe('true')
    }
    expect(document.activeElement).toBe(screen.getByTestId('add-name'))
    expect(createProfile).not.toHaveBeenCalled()
    // Fixed fields lose their mark at the next try.
    await fireEvent.input(screen.getByTestId('add-name'), { target: { value: '主账号' } })
    await fireEvent.submit(form)
    expect(screen.queryByTestId('add-name-error')).toBeNull()
    expect(screen.getByTestId('add-name').getAttribute('aria-invalid')).toBeNull()
    expect(screen.getByTestId('add-appkey-error')).toBeTruthy()
  })
})

describe('reveal', () => {
  it('toggles aria-pressed and shows the image, with an alt text free of the secret', async () => {
    const card = await openAccounts()
    const button = within(card).getByTestId('reveal-api')
    expect(button.getAttribute('aria-pressed')).toBe('false')
    expect(button.getAttribute('aria-label')).toBe('显示API 密钥')

    await fireEvent.click(button)
    const img = (await within(card).findByTestId('secret-api-image')) as HTMLImageElement
    expect(button.getAttribute('aria-pressed')).toBe('true')
    expect(img.getAttribute('src')).toBe(TEST_SECRET_IMAGE)
    expect(img.alt).toContain('以图片显示')
    expect(revealSecret).toHaveBeenCalledWith('p1', 'api_secret', false)

    await fireEvent.click(button)
    expect(button.getAttribute('aria-pressed')).toBe('false')
    expect(within(card).queryByTestId('secret-api-image')).toBeNull()
  })

  it('hides again after 30 seconds', async () => {
    vi.useFakeTimers()
    const card = await openAccounts()
    await fireEvent.click(within(card).getByTestId('reveal-api'))
    await vi.waitFor(() => expect(within(card).getByTestId('secret-api-image')).toBeTruthy())

    await vi.advanceTimersByTimeAsync(29_000)
    expect(within(card).queryByTestId('secret-api-image')).not.toBeNull()
    await vi.advanceTimersByTimeAsync(1_000)
    expect(within(card).queryByTestId('secret-api-image')).toBeNull()
    expect(within(card).getByTestId('reveal-api').getAttribute('aria-pressed')).toBe('false')
  })

  it('hides at once when the window loses focus', async () => {
    const card = await openAccounts()
    await fireEvent.click(within(card).getByTestId('reveal-api'))
    await within(card).findByTestId('secret-api-image')
    window.dispatchEvent(new Event('blur'))
    await vi.waitFor(() => expect(within(card).queryByTestId('secret-api-image')).toBeNull())
    expect(within(card).getByTestId('reveal-api').getAttribute('aria-pressed')).toBe('false')
  })

  it('hides at once when the page becomes hidden', async () => {
    const card = await openAccounts()
    await fireEvent.click(within(card).getByTestId('reveal-api'))
    await within(card).findByTestId('secret-api-image')
    const visibility = vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden')
    document.dispatchEvent(new Event('visibilitychange'))
    visibility.mockRestore()
    await vi.waitFor(() => expect(within(card).queryByTestId('secret-api-image')).toBeNull())
  })

  it('shows the translated error when the keychain refuses', async () => {
    revealSecret.mockRejectedValue(new IpcFailure({ code: 'keychain_unavailable', message: 'locked' }))
    const card = await openAccounts()
    await fireEvent.click(within(card).getByTestId('reveal-api'))
    expect((await within(card).findByRole('alert')).textContent).toContain('系统钥匙串')
    expect(within(card).getByTestId('reveal-api').getAttribute('aria-pressed')).toBe('false')
  })
})

describe('copy', () => {
  it('copies through the backend and counts down to the clear', async () => {
    vi.useFakeTimers()
    copySecret.mockResolvedValue({ clears_at: '2026-11-30T10:00:10+08:00', clear_after_secs: 10 })
    const card = await openAccounts()
    await fireEvent.click(within(card).getByTestId('copy-api'))
    expect(copySecret).toHaveBeenCalledWith('p1', 'api_secret')
    const status = within(card).getByTestId('copy-api-status')
    await vi.waitFor(() => expect(status.textContent).toContain('10 秒后清除剪贴板'))
    await vi.advanceTimersByTimeAsync(3_000)
    expect(status.textContent).toContain('7 秒后清除剪贴板')
    await vi.advanceTimersByTimeAsync(7_000)
    expect(status.textContent).toContain('剪贴板已清除')
  })

  it('says when the clipboard will not be cleared', async () => {
    copySecret.mockResolvedValue({ clears_at: null, clear_after_secs: null })
    const card = await openAccounts()
    await fireEvent.click(within(card).getByTestId('copy-api'))
    await vi.waitFor(() => expect(within(card).getByTestId('copy-api-status').textContent).toContain('不会自动清除'))
  })
})

describe('setting a secret', () => {
  it('stores a typed secret from a password field and shows the new mask', async () => {
    const card = await openAccounts()
    await fireEvent.click(within(card).getByTestId('edit-api'))
    const input = within(card).getByLabelText('新的API 密钥') as HTMLInputElement
    expect(input.type).toBe('password')
    await fireEvent.input(input, { target: { value: SECRET } })
    await fireEvent.submit(within(card).getByTestId('secret-form-api'))
    expect(setSecret).toHaveBeenCalledWith('p1', 'api_secret', SECRET)
    await vi.waitFor(() => expect(within(card).getByTestId('secret-api-masked').textContent).toBe('••••2eae'))
    expect(within(card).queryByTestId('secret-form-api')).toBeNull()
  })

  it('warns, without refusing, when a callback secret is not the usual 32 hex digits', async () => {
    const card = await openAccounts()
    await fireEvent.click(within(card).getByTestId('edit-callback'))
    const input = within(card).getByLabelText('新的回调密钥') as HTMLInputElement
    await fireEvent.input(input, { target: { value: SECRET } })
    expect(within(card).queryByTestId('secret-input-callback-unusual')).toBeNull()
    await fireEvent.input(input, { target: { value: 'my-Callback_key!' } })
    expect(within(card).getByTestId('secret-input-callback-unusual').textContent).toContain('32 位')
    await fireEvent.submit(within(card).getByTestId('secret-form-callback'))
    expect(setSecret).toHaveBeenCalledWith('p1', 'callback_secret', 'my-Callback_key!')
  })

  it('says which rule a refused callback secret broke, and keeps what was typed', async () => {
    setSecret.mockRejectedValue(
      new IpcFailure({
        code: 'invalid_input',
        message: 'invalid secret: must be printable ASCII',
        details: { field: 'secret', reason: 'x', rule: 'not_printable' },
      }),
    )
    const card = await openAccounts()
    await fireEvent.click(within(card).getByTestId('edit-callback'))
    const input = within(card).getByLabelText('新的回调密钥') as HTMLInputElement
    await fireEvent.input(input, { target: { value: '回调密钥' } })
    await fireEvent.submit(within(card).getByTestId('secret-form-callback'))
    expect((await within(card).findByTestId('secret-input-callback-error')).textContent).toContain('不能有中文')
    expect(input.value).toBe('回调密钥')
  })

  it('imports the key from console text', async () => {
    const card = await openAccounts()
    await fireEvent.click(within(card).getByTestId('edit-callback'))
    await fireEvent.click(within(card).getByTestId('import-toggle-callback'))
    const text = `回调地址 https://example.com/cb\n回调密钥 ${SECRET}`
    await fireEvent.input(within(card).getByLabelText('粘贴从美团联盟后台复制的文字'), { target: { value: text } })
    await fireEvent.submit(within(card).getByTestId('secret-form-callback'))
    expect(importSecretFromText).toHaveBeenCalledWith('p1', 'callback_secret', text)
    await vi.waitFor(() => expect(within(card).getByTestId('secret-callback-masked').textContent).toBe('••••2eae'))
  })

  it('shows why an import found no key, and keeps the text', async () => {
    importSecretFromText.mockRejectedValue(
      new IpcFailure({ code: 'invalid_input', message: 'no key found', details: { field: 'text', reason: 'none' } }),
    )
    const card = await openAccounts()
    await fireEvent.click(within(card).getByTestId('edit-api'))
    await fireEvent.click(within(card).getByTestId('import-toggle-api'))
    const area = within(card).getByLabelText('粘贴从美团联盟后台复制的文字') as HTMLTextAreaElement
    await fireEvent.input(area, { target: { value: '密钥 f4aa' } })
    await fireEvent.submit(within(card).getByTestId('secret-form-api'))
    // Next to the text area, which is marked and focused.
    const error = await within(card).findByTestId('import-text-api-error')
    expect(error.textContent).toContain('没能从这段文字里找到唯一的 32 位密钥')
    expect(area.getAttribute('aria-invalid')).toBe('true')
    expect(area.getAttribute('aria-describedby')?.split(' ')).toContain(error.id)
    expect(document.activeElement).toBe(area)
    expect(within(card).queryByTestId('secret-form-error')).toBeNull()
    expect(area.value).toBe('密钥 f4aa')
  })

  it('validates itself: an empty secret is marked next to its field, no browser bubble, no call', async () => {
    const card = await openAccounts()
    await fireEvent.click(within(card).getByTestId('edit-api'))
    const form = within(card).getByTestId('secret-form-api') as HTMLFormElement
    expect(form.noValidate).toBe(true)
    await fireEvent.submit(form)
    const input = within(card).getByLabelText('新的API 密钥')
    const error = within(card).getByTestId('secret-input-api-error')
    expect(error.textContent).toBe('请填写新的API 密钥。')
    expect(input.getAttribute('aria-invalid')).toBe('true')
    expect(input.getAttribute('aria-describedby')).toBe(error.id)
    expect(document.activeElement).toBe(input)
    expect(setSecret).not.toHaveBeenCalled()
    // Switching to import starts clean; an empty paste is marked too.
    await fireEvent.click(within(card).getByTestId('import-toggle-api'))
    expect(within(card).queryByTestId('secret-input-api-error')).toBeNull()
    await fireEvent.submit(form)
    expect(within(card).getByTestId('import-text-api-error').textContent).toBe('请先粘贴从美团联盟后台复制的文字。')
    expect(importSecretFromText).not.toHaveBeenCalled()
  })

  it('shows a refused secret next to its field', async () => {
    setSecret.mockRejectedValue(
      new IpcFailure({
        code: 'invalid_input',
        message: 'invalid secret: is too short',
        details: { field: 'secret', reason: 'x', rule: 'too_short' },
      }),
    )
    const card = await openAccounts()
    await fireEvent.click(within(card).getByTestId('edit-api'))
    const input = within(card).getByLabelText('新的API 密钥') as HTMLInputElement
    await fireEvent.input(input, { target: { value: '12345' } })
    await fireEvent.submit(within(card).getByTestId('secret-form-api'))
    expect((await within(card).findByTestId('secret-input-api-error')).textContent).toContain('至少要 6 个字符')
    expect(input.getAttribute('aria-invalid')).toBe('true')
    expect(document.activeElement).toBe(input)
  })
})

describe('verify', () => {
  const base: VerifyReport = {
    profile_id: 'p1',
    ok: false,
    problem: null,
    code: null,
    message: 'english for logs',
    offset_secs: null,
    resets_at: null,
    api_code: null,
    api_message: null,
    endpoint: '/api/orderList',
    latency_ms: 40,
    auth_status: 'not_open',
    auth_checked: true,
    checked_at: '2026-11-30T10:00:00+08:00',
  }

  it('turns 未检查 into 已开通 once a verify succeeds', async () => {
    resetBackend({}, [{ id: 'p1', name: '新账号', auth_status: 'not_open', auth_checked: false }])
    render(Accounts)
    const card = await screen.findByTestId('profile-card')
    expect(within(card).getByTestId('auth-badge').dataset.status).toBe('unchecked')
    await fireEvent.click(within(card).getByTestId('verify'))
    await vi.waitFor(() => expect(within(card).getByTestId('auth-badge').dataset.status).toBe('open'))
    expect(within(card).getByTestId('auth-badge').textContent).toContain('已开通')
  })

  it('marks the profile 已开通 on success', async () => {
    const card = await openAccounts()
    expect(within(card).getByTestId('auth-badge').textContent).toContain('未开通')
    await fireEvent.click(within(card).getByTestId('verify'))
    expect(verifyProfile).toHaveBeenCalledWith('p1')
    expect((await within(card).findByTestId('verify-sentence')).textContent).toContain('一切正常')
    await vi.waitFor(() => expect(within(card).getByTestId('auth-badge').textContent).toContain('已开通'))
  })

  it.each([
    [{ problem: 'network' }, '连接不上服务器'],
    [{ problem: 'appkey' }, 'appkey 不正确'],
    [{ problem: 'secret' }, '密钥不正确'],
    [{ problem: 'clock', offset_secs: -95 }, '相差 95 秒'],
    [{ problem: 'authorization_not_open' }, '还没有开通'],
    [{ problem: 'quota_exhausted', resets_at: '2026-12-01T00:00:00+08:00' }, '12-01 00:00 重置'],
    [{ problem: 'refused', api_code: '1002', api_message: '签名错误' }, '代码 1002，“签名错误”'],
  ] as const)('explains %o in plain words', (partial, words) => {
    render(VerifyResult, { report: { ...base, ...partial } })
    const sentence = screen.getByTestId('verify-sentence').textContent ?? ''
    expect(sentence).toContain(words)
    expect(sentence).not.toContain('english for logs')
    expect(screen.getByRole('alert')).toBeTruthy()
  })

  it('explains clock skew in English with the seconds', () => {
    setLocale('en')
    render(VerifyResult, { report: { ...base, problem: 'clock', offset_secs: 130 } })
    expect(screen.getByTestId('verify-sentence').textContent).toContain('off by 130 seconds')
  })
})

describe('delete', () => {
  it('asks first, and deletes only after the confirmation', async () => {
    const card = await openAccounts()
    await fireEvent.click(within(card).getByTestId('delete'))
    expect(deleteProfile).not.toHaveBeenCalled()
    const confirm = within(card).getByTestId('delete-confirm')
    expect(confirm.textContent).toContain('主账号')
    expect(confirm.textContent).toContain('无法恢复')
    await fireEvent.click(within(confirm).getByText('取消'))
    expect(within(card).queryByTestId('delete-confirm')).toBeNull()

    await fireEvent.click(within(card).getByTestId('delete'))
    await fireEvent.click(within(card).getByTestId('delete-yes'))
    expect(deleteProfile).toHaveBeenCalledWith('p1')
    await vi.waitFor(() => expect(screen.queryByTestId('profile-card')).toBeNull())
    expect(listProfiles).toHaveBeenCalledOnce()
  })
})

describe('SecretRow alone', () => {
  it('offers only "set" when no secret is stored', () => {
    render(SecretRow, {
      profile: testProfile({ callback_secret_hint: null }),
      kind: 'callback_secret',
      onchange: () => {},
    })
    expect(screen.queryByTestId('reveal-callback')).toBeNull()
    expect(screen.queryByTestId('copy-callback')).toBeNull()
    expect(screen.getByTestId('edit-callback').textContent).toBe('设置')
  })
})
