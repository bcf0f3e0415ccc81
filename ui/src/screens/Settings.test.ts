import { fireEvent, render, screen } from '@testing-library/svelte'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { IpcFailure } from '../lib/ipc-failure'
import type { Settings as SettingsValue } from '../lib/ipc'
import { CLIPBOARD_TIMEOUTS, settingsState, updateSettings, validateSettings } from '../lib/settings.svelte'
import { appInfo, resetBackend, saveSettings, TEST_APP_INFO } from '../test/ipc-mock'
import { resetAppState } from '../test/reset'
import Settings from './Settings.svelte'

vi.mock('../lib/ipc', () => import('../test/ipc-mock'))

const VALID: SettingsValue = { language: 'zh-CN', clipboard_clear_secs: 30, sandbox_enabled: true }

beforeEach(() => {
  resetAppState()
  resetBackend()
})

describe('validateSettings', () => {
  it('accepts every timeout the backend accepts, and never', () => {
    expect(CLIPBOARD_TIMEOUTS).toEqual([10, 30, 60, 120, null])
    for (const secs of CLIPBOARD_TIMEOUTS) {
      expect(validateSettings({ ...VALID, clipboard_clear_secs: secs })).toBeNull()
    }
  })

  it.each([0, 5, 45, 121, -30, 30.5])('refuses a clipboard timeout of %s seconds', (secs) => {
    const problem = validateSettings({ ...VALID, clipboard_clear_secs: secs })
    expect(problem).toBeInstanceOf(IpcFailure)
    expect(problem?.code).toBe('invalid_input')
    expect(problem?.error.details).toMatchObject({ field: 'clipboard_clear_secs' })
  })

  it('refuses a language it has no messages for', () => {
    const problem = validateSettings({ ...VALID, language: 'fr' as never })
    expect(problem?.error.details).toMatchObject({ field: 'language' })
  })

  it('keeps an invalid value away from the backend', async () => {
    await expect(updateSettings({ clipboard_clear_secs: 45 })).rejects.toMatchObject({ code: 'invalid_input' })
    expect(saveSettings).not.toHaveBeenCalled()
    expect(settingsState.current.clipboard_clear_secs).toBe(30)
  })

  it('applies quick successive changes on top of each other', async () => {
    await Promise.all([updateSettings({ clipboard_clear_secs: 60 }), updateSettings({ sandbox_enabled: false })])
    expect(saveSettings).toHaveBeenLastCalledWith({ language: 'zh-CN', clipboard_clear_secs: 60, sandbox_enabled: false })
    expect(settingsState.current).toEqual({ language: 'zh-CN', clipboard_clear_secs: 60, sandbox_enabled: false })
  })
})

describe('the settings screen', () => {
  function clipboardSelect(): HTMLSelectElement {
    return screen.getByLabelText('复制的密钥多久后从剪贴板清除') as HTMLSelectElement
  }

  it('explains where each OS keeps the secrets', () => {
    render(Settings)
    const help = screen.getByTestId('settings-keychain')
    expect(help.textContent).toContain('钥匙串与密钥安全')
    for (const os of ['macOS', 'Windows', 'Linux']) expect(help.textContent).toContain(os)
    expect(help.textContent).toContain('凭据管理器')
  })

  it('shows the data folder from the backend, read-only', async () => {
    render(Settings)
    const input = screen.getByLabelText('数据文件夹') as HTMLInputElement
    await vi.waitFor(() => expect(input.value).toBe(TEST_APP_INFO.data_dir))
    expect(input.readOnly).toBe(true)
    expect(screen.getByText('联盟助手 0.1.0')).toBeTruthy()
  })

  it('says when the data folder cannot be read', async () => {
    appInfo.mockRejectedValue(new IpcFailure({ code: 'internal', message: 'no state' }))
    render(Settings)
    expect((await screen.findByRole('alert')).textContent).toContain('程序出了点问题')
    expect((screen.getByLabelText('数据文件夹') as HTMLInputElement).value).toBe('无法读取')
  })

  it('offers the five clipboard timeouts, labelled, with the current one selected', () => {
    render(Settings)
    const select = clipboardSelect()
    expect([...select.options].map((o) => o.textContent?.trim())).toEqual(['10 秒', '30 秒', '60 秒', '120 秒', '从不清除'])
    expect(select.value).toBe('30')
  })

  it('saves a new clipboard timeout at once', async () => {
    render(Settings)
    const select = clipboardSelect()
    select.value = 'never'
    await fireEvent.change(select)
    await vi.waitFor(() => expect(saveSettings).toHaveBeenCalledWith({ ...VALID, clipboard_clear_secs: null }))
    expect(await screen.findByText('已保存')).toBeTruthy()
    expect(settingsState.current.clipboard_clear_secs).toBeNull()
  })

  it('shows a refused value as a translated error and puts the old value back', async () => {
    saveSettings.mockRejectedValue(
      new IpcFailure({
        code: 'invalid_input',
        message: 'invalid clipboard_clear_secs: must be 10, 30, 60, 120 seconds or never',
        details: { field: 'clipboard_clear_secs', reason: 'must be 10, 30, 60, 120 seconds or never' },
      }),
    )
    render(Settings)
    const select = clipboardSelect()
    select.value = '120'
    await fireEvent.change(select)
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('没有保存')
    expect(alert.textContent).toContain('剪贴板清除时间只能是 10、30、60、120 秒或从不清除')
    expect(alert.textContent).not.toContain('must be')
    await vi.waitFor(() => expect(select.value).toBe('30'))
    expect(settingsState.current.clipboard_clear_secs).toBe(30)
  })

  it('turns the sandbox off and on', async () => {
    render(Settings)
    const toggle = screen.getByRole('switch', { name: '启用沙盒' }) as HTMLInputElement
    expect(toggle.checked).toBe(true)
    await fireEvent.click(toggle)
    await vi.waitFor(() => expect(saveSettings).toHaveBeenCalledWith({ ...VALID, sandbox_enabled: false }))
    expect(toggle.checked).toBe(false)
  })

  it('keeps the sandbox switch truthful when saving fails', async () => {
    saveSettings.mockRejectedValue(new IpcFailure({ code: 'storage', message: 'read-only file system' }))
    render(Settings)
    const toggle = screen.getByRole('switch', { name: '启用沙盒' }) as HTMLInputElement
    await fireEvent.click(toggle)
    expect((await screen.findByRole('alert')).textContent).toContain('无法读写本机的数据文件夹')
    await vi.waitFor(() => expect(toggle.checked).toBe(true))
  })

  it('switches the language from here too, in place', async () => {
    render(Settings)
    await fireEvent.click(screen.getByTestId('lang-en'))
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Settings')
    expect(screen.getByLabelText('Clear copied secrets from the clipboard after')).toBeTruthy()
    await vi.waitFor(() => expect(saveSettings).toHaveBeenCalledWith({ ...VALID, language: 'en' }))
  })
})
