import { fireEvent, render, screen } from '@testing-library/svelte'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { DebugCheck, DebugReport } from '../lib/ipc'
import { setLocale } from '../lib/i18n/i18n.svelte'
import { router } from '../lib/router.svelte'
import { resetAppState } from '../test/reset'
import { resetBackend } from '../test/ipc-mock'
import Debugger from './Debugger.svelte'

const backend = vi.hoisted(() => ({ checkSignature: vi.fn() }))
vi.mock('../lib/ipc', async () => ({ ...(await import('../test/ipc-mock')), ...backend }))

const CANONICAL = '<secret>actId33appkey5f2e0c8d9a7b4e1f8c3d2b1a0e9f8d7cts1700000000<secret>'

function report(partial: Partial<DebugReport>): DebugCheck {
  return {
    status: 'checked',
    report: {
      kind: 'legacy',
      canonical: CANONICAL,
      ours: 'c9b126635e4070a9d789a876d42a5bca',
      given: 'b40bdcbf86e548de0449b8512feb590f',
      matches: false,
      reasons: ['empty_value'],
      skew_secs: 0,
      media: null,
      ...partial,
    },
  }
}

async function pasteAndCheck(text: string) {
  const box = await screen.findByTestId('debugger-request')
  await fireEvent.input(box, { target: { value: text } })
  await fireEvent.click(screen.getByTestId('debugger-check'))
}

beforeEach(() => {
  resetAppState()
  resetBackend({}, [{ id: 'p1', name: '主账号' }])
  backend.checkSignature.mockReset()
})

describe('signature debugger', () => {
  it('shows a mismatch with its translated reason and the masked canonical string', async () => {
    backend.checkSignature.mockResolvedValue(report({}))
    render(Debugger)
    await pasteAndCheck('https://openapi.meituan.com/api/orderList?actId=&ts=1700000000&sign=b40b')
    const result = await screen.findByTestId('debugger-report')
    expect(backend.checkSignature).toHaveBeenCalledWith('p1', {
      kind: 'legacy',
      request: 'https://openapi.meituan.com/api/orderList?actId=&ts=1700000000&sign=b40b',
    })
    expect(result.dataset.matches).toBe('false')
    expect(result.textContent).toContain('签名不一致')
    const reasons = screen.getByTestId('debugger-reasons')
    expect(reasons.textContent).toContain('值为空的参数也要参与签名')
    expect(reasons.querySelector('li')?.dataset.reason).toBe('empty_value')
    expect(screen.getByTestId('debugger-canonical').textContent).toBe(CANONICAL)
    expect(screen.getByTestId('debugger-ours').textContent).toBe('c9b126635e4070a9d789a876d42a5bca')
    expect(screen.getByTestId('debugger-given').textContent).toBe('b40bdcbf86e548de0449b8512feb590f')
  })

  it('words the reasons in English too, with the timestamp distance', async () => {
    setLocale('en')
    backend.checkSignature.mockResolvedValue(
      report({ matches: true, given: 'c9b126635e4070a9d789a876d42a5bca', reasons: ['timestamp_out_of_window'], skew_secs: -95 }),
    )
    render(Debugger)
    await pasteAndCheck('ts=1700000000&sign=c9b1')
    const result = await screen.findByTestId('debugger-report')
    expect(result.textContent).toContain('Signatures match')
    expect(screen.getByTestId('debugger-reasons').textContent).toContain('95 s away from now')
  })

  it('says a different secret is most likely when nothing else explains it', async () => {
    backend.checkSignature.mockResolvedValue(report({ reasons: ['different_secret'] }))
    render(Debugger)
    await pasteAndCheck('ts=1700000000&sign=0000')
    expect((await screen.findByTestId('debugger-reasons')).textContent).toContain('最可能是用了另一个密钥')
  })

  it('sends a callback body and points to the accounts screen when no secret is stored', async () => {
    backend.checkSignature.mockResolvedValue({ status: 'no_secret', secret: 'callback_secret' })
    render(Debugger)
    await fireEvent.click(await screen.findByTestId('debugger-kind-callback'))
    await fireEvent.input(screen.getByTestId('debugger-callback'), { target: { value: '{"orderid":"1","sign":"x"}' } })
    await fireEvent.click(screen.getByTestId('debugger-check'))
    const missing = await screen.findByTestId('debugger-no-secret')
    expect(backend.checkSignature).toHaveBeenCalledWith('p1', { kind: 'callback', body: '{"orderid":"1","sign":"x"}' })
    expect(missing.textContent).toContain('还没有保存回调密钥')
    router.screen = 'debugger'
    await fireEvent.click(missing.querySelector('button')!)
    expect(router.screen).toBe('accounts')
  })

  it('words a paste it cannot read', async () => {
    backend.checkSignature.mockResolvedValue({ status: 'unreadable', problem: 'no_query' })
    render(Debugger)
    await pasteAndCheck('https://openapi.meituan.com/api/orderList')
    expect((await screen.findByTestId('debugger-unreadable')).textContent).toContain('没有 ? 后面的参数')
  })

  it('keeps Check disabled until something is pasted, and labels every field', async () => {
    render(Debugger)
    const check = await screen.findByTestId('debugger-check')
    expect((check as HTMLButtonElement).disabled).toBe(true)
    expect(screen.getByLabelText('请求链接（完整链接，或者 ? 后面的部分）')).toBeTruthy()
    await fireEvent.click(screen.getByTestId('debugger-kind-media'))
    expect(screen.getByLabelText('请求头（每行一个，格式：名称: 值）')).toBeTruthy()
    expect(screen.getByLabelText('请求内容（JSON，原样粘贴）')).toBeTruthy()
    expect(backend.checkSignature).not.toHaveBeenCalled()
  })

  it('says next to Check why it is disabled, for each kind, and while checking', async () => {
    render(Debugger)
    const check = (await screen.findByTestId('debugger-check')) as HTMLButtonElement
    const why = () => screen.queryByTestId('debugger-check-why')?.textContent ?? null
    expect(check.disabled).toBe(true)
    expect(why()).toBe('请先粘贴请求链接。')
    expect(check.getAttribute('aria-describedby')).toBe(screen.getByTestId('debugger-check-why').id)

    await fireEvent.click(screen.getByTestId('debugger-kind-media'))
    expect(why()).toBe('请先填写接口路径。')
    await fireEvent.input(screen.getByTestId('debugger-path'), { target: { value: '/cps_open/x' } })
    expect(why()).toBe('请先粘贴请求头。')
    await fireEvent.input(screen.getByTestId('debugger-headers'), { target: { value: 'S-Ca-App: a' } })
    expect(why()).toBeNull()
    expect(check.disabled).toBe(false)
    expect(check.getAttribute('aria-describedby')).toBeNull()

    await fireEvent.click(screen.getByTestId('debugger-kind-callback'))
    expect(why()).toBe('请先粘贴回推内容。')

    // While the check runs.
    let finish: (r: DebugCheck) => void = () => {}
    backend.checkSignature.mockImplementation(() => new Promise((resolve) => (finish = resolve)))
    await fireEvent.click(screen.getByTestId('debugger-kind-legacy'))
    await pasteAndCheck('https://openapi.meituan.com/api/orderList?appkey=a&ts=1&sign=b')
    expect(check.disabled).toBe(true)
    expect(why()).toBe('正在检查，请稍候。')
    finish(report({}))
    await screen.findByTestId('debugger-report')
    expect(why()).toBeNull()

    setLocale('en')
    await fireEvent.input(screen.getByTestId('debugger-request'), { target: { value: ' ' } })
    expect(why()).toBe('Paste the request link first.')
  })
})
