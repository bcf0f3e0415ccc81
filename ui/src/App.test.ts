import { fireEvent, render, screen, within } from '@testing-library/svelte'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import App from './App.svelte'
import { prefetchScreen } from './screens'
import { IpcFailure } from './lib/ipc-failure'
import { getSettings, listProfiles, resetBackend, saveSettings, startupPainted } from './test/ipc-mock'
import { resetAppState } from './test/reset'

vi.mock('./lib/ipc', () => import('./test/ipc-mock'))

// The real screen loader, except that a screen listed in `failing` cannot be
// loaded (as when its chunk is missing), and prefetching is watched.
const screenLoads = vi.hoisted(() => ({ failing: new Set<string>() }))
vi.mock('./screens', async (importOriginal) => {
  const real = await importOriginal<typeof import('./screens')>()
  return {
    ...real,
    loadScreen: (id: Parameters<typeof real.loadScreen>[0]) =>
      screenLoads.failing.has(id)
        ? Promise.reject(new TypeError('Importing a module script failed.'))
        : real.loadScreen(id),
    prefetchScreen: vi.fn(real.prefetchScreen),
  }
})

const ZH_TITLES = ['账号与密钥', '选品', '推广链接', '订单', '调用次数', '订单回推', '签名调试', '设置']
const EN_TITLES = ['Accounts & keys', 'Find products', 'Links', 'Orders', 'API calls', 'Order push', 'Signature debugger', 'Settings']
const NAV_IDS = ['accounts', 'search', 'links', 'orders', 'quota', 'callback', 'debugger', 'settings']
const BUILT = ['accounts', 'callback', 'debugger', 'links', 'orders', 'quota', 'search', 'settings']

beforeEach(() => {
  resetAppState()
  resetBackend()
  screenLoads.failing.clear()
  vi.mocked(prefetchScreen).mockClear()
})

async function openShell() {
  render(App)
  await fireEvent.click(await screen.findByTestId('start-sandbox'))
  await screen.findByTestId('nav-accounts')
}

describe('first launch', () => {
  it('opens on the welcome screen in Chinese', async () => {
    render(App)
    expect((await screen.findByTestId('welcome-title')).textContent).toBe('欢迎使用联盟助手')
    expect(screen.getByTestId('start-real').textContent).toContain('使用我的美团联盟账号')
    expect(screen.getByTestId('start-sandbox').textContent).toContain('先试试沙盒')
    expect(screen.getByTestId('lang-zh').getAttribute('aria-pressed')).toBe('true')
    expect(screen.getByTestId('lang-en').getAttribute('aria-pressed')).toBe('false')
    expect(document.documentElement.lang).toBe('zh-CN')
    expect(screen.queryByTestId('nav-accounts')).toBeNull()
  })

  it('switches to English and remembers the choice', async () => {
    render(App)
    await screen.findByTestId('welcome-title')
    await fireEvent.click(screen.getByTestId('lang-en'))

    expect(screen.getByTestId('welcome-title').textContent).toBe('Welcome to Union Desk')
    expect(screen.getByTestId('start-real').textContent).toContain('Use my Meituan Union account')
    expect(screen.getByTestId('start-sandbox').textContent).toContain('Try the sandbox')
    expect(screen.getByTestId('lang-en').getAttribute('aria-pressed')).toBe('true')
    expect(screen.getByTestId('lang-zh').getAttribute('aria-pressed')).toBe('false')
    expect(document.documentElement.lang).toBe('en')
    await vi.waitFor(() =>
      expect(saveSettings).toHaveBeenCalledWith({ language: 'en', clipboard_clear_secs: 30, sandbox_enabled: true }),
    )
  })

  it('reports its first painted screen once, after the screen is in', async () => {
    render(App)
    await screen.findByTestId('welcome-title')
    await vi.waitFor(() => expect(startupPainted).toHaveBeenCalledTimes(1))
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(startupPainted).toHaveBeenCalledTimes(1)
    // The marks come in the order they happen, as whole milliseconds.
    const marks = startupPainted.mock.calls[0][0]
    const order = [marks.script_ms, marks.mounted_ms, marks.loaded_ms, marks.painted_ms]
    for (const ms of order) expect(Number.isInteger(ms) && ms >= 0).toBe(true)
    expect([...order].sort((a, b) => a - b)).toEqual(order)
    expect(marks.mounted_ms).toBeGreaterThan(0)
  })

  it('starts when the start-up report cannot be delivered', async () => {
    startupPainted.mockRejectedValue(new IpcFailure({ code: 'internal', message: 'gone' }))
    render(App)
    expect((await screen.findByTestId('welcome-title')).textContent).toBe('欢迎使用联盟助手')
    await vi.waitFor(() => expect(startupPainted).toHaveBeenCalled())
  })

  it('starts in the language saved last time', async () => {
    resetBackend({ language: 'en' })
    render(App)
    expect((await screen.findByTestId('welcome-title')).textContent).toBe('Welcome to Union Desk')
    expect(document.documentElement.lang).toBe('en')
  })

  it('says so when the language choice cannot be saved', async () => {
    saveSettings.mockRejectedValue(new IpcFailure({ code: 'storage', message: 'disk full' }))
    render(App)
    await screen.findByTestId('welcome-title')
    await fireEvent.click(screen.getByTestId('lang-en'))
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('could not be saved')
    expect(alert.textContent).toContain('local data folder')
    expect(alert.textContent).not.toContain('disk full')
  })

  it('still opens, in Chinese, when the settings cannot be read', async () => {
    getSettings.mockRejectedValue(new IpcFailure({ code: 'storage', message: 'database is locked' }))
    render(App)
    expect((await screen.findByTestId('welcome-title')).textContent).toBe('欢迎使用联盟助手')
    expect((await screen.findByRole('alert')).textContent).toContain('无法读写本机的数据文件夹')
  })

  it.each([
    ['start-sandbox', 'accounts-message'],
    ['start-real', 'add-form'],
  ])('%s leads to the accounts screen', async (testid, shown) => {
    render(App)
    await fireEvent.click(await screen.findByTestId(testid))
    const nav = await screen.findByTestId('nav-accounts')
    expect(nav.getAttribute('aria-current')).toBe('page')
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('账号与密钥')
    expect(document.activeElement).toBe(screen.getByRole('heading', { level: 1 }))
    expect(await screen.findByTestId(shown)).toBeTruthy()
    expect(screen.queryByTestId('welcome-title')).toBeNull()
  })

  it('skips the welcome screen once a profile exists', async () => {
    resetBackend({}, [{ id: 'p1', name: 'main' }])
    render(App)
    expect(await screen.findByTestId('nav-accounts')).toBeTruthy()
    expect(screen.queryByTestId('welcome-title')).toBeNull()
    expect(listProfiles).toHaveBeenCalled()
  })
})

describe('navigation', () => {
  it('lists the eight screens with their real titles, in both languages', async () => {
    await openShell()
    const nav = screen.getByRole('navigation')
    expect(within(nav).getAllByRole('button').map((b) => b.textContent?.trim())).toEqual(ZH_TITLES)
    for (const id of NAV_IDS) expect(screen.getByTestId(`nav-${id}`)).toBeTruthy()

    await fireEvent.click(screen.getByTestId('nav-settings'))
    await fireEvent.click(await screen.findByTestId('lang-en'))
    expect(within(nav).getAllByRole('button').map((b) => b.textContent?.trim())).toEqual(EN_TITLES)
    expect(nav.getAttribute('aria-label')).toBe('Main navigation')
  })

  it('marks exactly the open screen with aria-current', async () => {
    await openShell()
    for (const id of NAV_IDS) {
      await fireEvent.click(screen.getByTestId(`nav-${id}`))
      const current = NAV_IDS.filter((n) => screen.getByTestId(`nav-${n}`).getAttribute('aria-current') === 'page')
      expect(current).toEqual([id])
      // Screens load lazily: a busy machine may take over a second.
      await vi.waitFor(
        () => expect(screen.getByRole('heading', { level: 1 }).textContent).toBe(ZH_TITLES[NAV_IDS.indexOf(id)]),
        { timeout: 5000 },
      )
    }
  }, 40_000)

  it('shows an honest "not built yet" panel, without data, on unfinished screens', async () => {
    await openShell()
    for (const id of NAV_IDS.filter((n) => !BUILT.includes(n))) {
      await fireEvent.click(screen.getByTestId(`nav-${id}`))
      const panel = await screen.findByTestId('not-built')
      expect(panel.textContent).toContain('尚未完成')
      expect(screen.queryByRole('table')).toBeNull()
    }
    await fireEvent.click(screen.getByTestId('nav-settings'))
    await screen.findByTestId('lang-en')
    expect(screen.queryByTestId('not-built')).toBeNull()
  })

  it('loads another screen only when the user is about to open it (pointer or focus on its entry)', async () => {
    await openShell()
    await vi.waitFor(() => expect(startupPainted).toHaveBeenCalledTimes(1))
    expect(prefetchScreen).not.toHaveBeenCalled()
    await fireEvent.pointerEnter(screen.getByTestId('nav-orders'))
    expect(prefetchScreen).toHaveBeenLastCalledWith('orders')
    screen.getByTestId('nav-quota').focus()
    expect(prefetchScreen).toHaveBeenLastCalledWith('quota')
    expect(prefetchScreen).toHaveBeenCalledTimes(2)
  })

  it('says so when a screen cannot be opened, and opens it on retry', async () => {
    screenLoads.failing.add('links')
    await openShell()
    await fireEvent.click(screen.getByTestId('nav-links'))
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('这个页面没能打开')
    expect(alert.textContent).not.toContain('module script')
    expect(screen.getByTestId('nav-links').getAttribute('aria-current')).toBe('page')

    screenLoads.failing.delete('links')
    await fireEvent.click(within(alert).getByTestId('screen-retry'))
    await vi.waitFor(() => expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('推广链接'))
    expect(screen.queryByTestId('screen-retry')).toBeNull()
  })
})
