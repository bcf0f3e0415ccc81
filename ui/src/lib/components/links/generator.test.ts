import { fireEvent, render, screen } from '@testing-library/svelte'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { IpcFailure } from '../../ipc-failure'
import type { Generated } from '../../ipc'
import { resetAppState } from '../../../test/reset'
import LinkGenerator from './LinkGenerator.svelte'

const api = vi.hoisted(() => ({
  generateLink: vi.fn(),
  linkQr: vi.fn(),
  saveLinkQr: vi.fn(),
  setLinkLabel: vi.fn(),
  revealExport: vi.fn(),
}))
vi.mock('../../ipc', () => api)

const generated: Generated = {
  cached: false,
  sid_warnings: [],
  link: {
    id: 1,
    target_kind: 'act',
    target: '33',
    sid: 'wx01',
    link_types: [1],
    short_link: false,
    url: 'https://example.test/link/first',
    links: {},
    label: null,
    created_at: '2026-12-05T10:00:00+08:00',
    library_hits: 0,
  },
}

beforeEach(() => {
  resetAppState()
  for (const f of Object.values(api)) f.mockReset()
})

describe('link generator', () => {
  it('says what is wrong with a bad sid and no longer shows the previous link', async () => {
    render(LinkGenerator, { profileId: 'p1', generation: 'legacy', sids: [] })
    api.generateLink.mockResolvedValueOnce(generated)
    await fireEvent.input(screen.getByTestId('links-target'), { target: { value: '33' } })
    await fireEvent.input(screen.getByTestId('links-sid'), { target: { value: 'wx01' } })
    await fireEvent.click(screen.getByTestId('links-generate'))
    expect((await screen.findByTestId('links-result-url')).textContent).toBe('https://example.test/link/first')

    api.generateLink.mockRejectedValueOnce(
      new IpcFailure({
        code: 'invalid_input',
        message: "invalid sid: contains ' '",
        details: { field: 'sid', reason: "contains ' '; spaces and control characters are not allowed" },
      }),
    )
    await fireEvent.input(screen.getByTestId('links-sid'), { target: { value: 'a b 推广' } })
    await fireEvent.click(screen.getByTestId('links-generate'))
    const alert = await screen.findByText(/推广位（sid）不符合要求/)
    expect(alert.textContent).toContain('空格')
    expect(alert.textContent).not.toContain('contains')
    // Next to the sid field, which is marked and focused.
    expect(alert).toBe(screen.getByTestId('links-sid-error'))
    const sidInput = screen.getByTestId('links-sid')
    expect(sidInput.getAttribute('aria-invalid')).toBe('true')
    expect(sidInput.getAttribute('aria-describedby')).toBe('links-sid-error')
    expect(document.activeElement).toBe(sidInput)
    expect(screen.queryByTestId('links-result')).toBeNull()
    expect(screen.queryByText('https://example.test/link/first')).toBeNull()
  })

  it('words each field of a refusal that names several with its own sentence', async () => {
    render(LinkGenerator, { profileId: 'p1', generation: 'legacy', sids: [] })
    api.generateLink.mockRejectedValueOnce(
      new IpcFailure({
        code: 'invalid_input',
        message: 'invalid target and sid',
        details: { fields: [{ field: 'target', rule: 'format' }, { field: 'sid', rule: 'exists' }] },
      }),
    )
    await fireEvent.input(screen.getByTestId('links-target'), { target: { value: '33' } })
    await fireEvent.input(screen.getByTestId('links-sid'), { target: { value: 'wx01' } })
    await fireEvent.click(screen.getByTestId('links-generate'))
    expect((await screen.findByTestId('links-target-error')).textContent).toContain('链接目标不正确')
    expect(screen.getByTestId('links-sid-error').textContent).toContain('已经添加过了')
  })

  it('shows every empty field next to it, translated, without the browser bubbles or a call', async () => {
    render(LinkGenerator, { profileId: 'p1', generation: 'legacy', sids: [] })
    const form = screen.getByTestId('links-target').closest('form') as HTMLFormElement
    expect(form.noValidate).toBe(true)
    await fireEvent.click(screen.getByTestId('links-generate'))
    expect(screen.getByTestId('links-target-error').textContent).toBe('请填写actId、skuViewId 或文本。')
    expect(screen.getByTestId('links-sid-error').textContent).toBe('请填写sid。')
    for (const id of ['links-target', 'links-sid']) {
      const input = screen.getByTestId(id)
      expect(input.getAttribute('aria-invalid')).toBe('true')
      expect(input.getAttribute('aria-describedby')).toBe(`${id}-error`)
    }
    expect(document.activeElement).toBe(screen.getByTestId('links-target'))
    expect(api.generateLink).not.toHaveBeenCalled()

    // Filled in: the marks go and the link is asked for.
    api.generateLink.mockResolvedValueOnce(generated)
    await fireEvent.input(screen.getByTestId('links-target'), { target: { value: '33' } })
    await fireEvent.input(screen.getByTestId('links-sid'), { target: { value: 'wx01' } })
    await fireEvent.click(screen.getByTestId('links-generate'))
    await screen.findByTestId('links-result-url')
    expect(screen.queryByTestId('links-target-error')).toBeNull()
    expect(screen.getByTestId('links-sid').getAttribute('aria-invalid')).toBeNull()
  })

  it('makes the link for a sid outside the documented characters and tells why Meituan may refuse it, per generation', async () => {
    render(LinkGenerator, { profileId: 'p1', generation: 'media', sids: [] })
    api.generateLink.mockResolvedValueOnce({
      ...generated,
      sid_warnings: [{ generation: 'media', found: ['推', '广'], source: 'bububa/meituan:model/get_referral_link.go:18' }],
    })
    await fireEvent.input(screen.getByTestId('links-target'), { target: { value: '33' } })
    await fireEvent.input(screen.getByTestId('links-sid'), { target: { value: '推广01' } })
    await fireEvent.click(screen.getByTestId('links-generate'))
    await screen.findByTestId('links-result-url')
    const warning = screen.getByTestId('sid-warning')
    expect(warning.dataset.generation).toBe('media')
    expect(warning.textContent).toContain('“推”、“广”')
    expect(warning.textContent).toContain('英文字母、数字和下划线')
    expect(warning.textContent).toContain('可能不接受')
    expect(screen.getByText(/get_referral_link\.go:18/)).toBeTruthy()
  })

  it('shows no warning for a sid that follows the recommendation', async () => {
    render(LinkGenerator, { profileId: 'p1', generation: 'legacy', sids: [] })
    api.generateLink.mockResolvedValueOnce(generated)
    await fireEvent.input(screen.getByTestId('links-target'), { target: { value: '33' } })
    await fireEvent.input(screen.getByTestId('links-sid'), { target: { value: 'wx01' } })
    await fireEvent.click(screen.getByTestId('links-generate'))
    await screen.findByTestId('links-result-url')
    expect(screen.queryByTestId('sid-warning')).toBeNull()
  })

  it('offers to open the folder of a saved QR code, and only for the link it was saved for', async () => {
    render(LinkGenerator, { profileId: 'p1', generation: 'legacy', sids: [] })
    api.generateLink.mockResolvedValue(generated)
    api.saveLinkQr.mockResolvedValue('/data/exports/qr-1-20261205-100000.png')
    api.revealExport.mockResolvedValue(null)
    await fireEvent.input(screen.getByTestId('links-target'), { target: { value: '33' } })
    await fireEvent.input(screen.getByTestId('links-sid'), { target: { value: 'wx01' } })
    await fireEvent.click(screen.getByTestId('links-generate'))
    await screen.findByTestId('links-result-url')
    await fireEvent.click(screen.getByRole('button', { name: '保存二维码 PNG' }))
    expect((await screen.findByTestId('links-saved-path')).textContent).toBe(
      '已保存到 /data/exports/qr-1-20261205-100000.png',
    )
    await fireEvent.click(screen.getByRole('button', { name: '打开所在文件夹' }))
    expect(api.revealExport).toHaveBeenCalledWith('/data/exports/qr-1-20261205-100000.png')
    // A new link: the saved file was the previous link's.
    await fireEvent.click(screen.getByTestId('links-generate'))
    await vi.waitFor(() => expect(screen.queryByTestId('links-reveal')).toBeNull())
  })

  it('says why 生成 cannot be used when every link type is unchecked, and while a link is being made', async () => {
    render(LinkGenerator, { profileId: 'p1', generation: 'media', sids: [] })
    const button = screen.getByTestId('links-generate') as HTMLButtonElement
    expect(button.disabled).toBe(false)
    expect(screen.queryByTestId('links-generate-why')).toBeNull()

    // Type 1 is checked by default: unchecking it leaves none.
    await fireEvent.click(screen.getByTestId('links-type-1'))
    expect(button.disabled).toBe(true)
    const why = screen.getByTestId('links-generate-why')
    expect(why.textContent).toBe('请至少勾选一种链接类型。')
    expect(button.getAttribute('aria-describedby')).toBe(why.id)
    // Submitting anyway (Enter in a field) asks nothing.
    await fireEvent.input(screen.getByTestId('links-target'), { target: { value: '33' } })
    await fireEvent.input(screen.getByTestId('links-sid'), { target: { value: 'wx01' } })
    await fireEvent.submit(button.closest('form') as HTMLFormElement)
    expect(api.generateLink).not.toHaveBeenCalled()

    // One type checked again: usable, the reason gone.
    await fireEvent.click(screen.getByTestId('links-type-2'))
    expect(button.disabled).toBe(false)
    expect(screen.queryByTestId('links-generate-why')).toBeNull()
    expect(button.getAttribute('aria-describedby')).toBeNull()

    // While the call runs, the button says so and why it waits.
    let answer!: (g: Generated) => void
    api.generateLink.mockReturnValueOnce(new Promise<Generated>((resolve) => (answer = resolve)))
    await fireEvent.click(button)
    expect(api.generateLink).toHaveBeenCalledWith('p1', expect.objectContaining({ link_types: [2] }))
    expect(button.disabled).toBe(true)
    expect(button.textContent?.trim()).toBe('正在生成…')
    expect(screen.getByTestId('links-generate-why').textContent).toBe('正在生成，请稍候。')
    answer(generated)
    await screen.findByTestId('links-result-url')
    expect(button.disabled).toBe(false)
    expect(button.textContent?.trim()).toBe('生成')
  })
})
