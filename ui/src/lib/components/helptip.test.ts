import { fireEvent, render, screen } from '@testing-library/svelte'
import { beforeEach, describe, expect, it } from 'vitest'
import { setLocale, t } from '../i18n/i18n.svelte'
import HelpTip from './HelpTip.svelte'

beforeEach(() => setLocale('zh-CN'))

describe('help popover', () => {
  it('opens from its "?" button, says where to find the thing, and closes with Escape back to the button', async () => {
    render(HelpTip, { term: t('help.actIdTerm'), text: t('help.actId'), testid: 'h' })
    const button = screen.getByTestId('h')
    expect(button.getAttribute('aria-label')).toBe('关于“actId”的说明')
    expect(button.getAttribute('aria-expanded')).toBe('false')
    expect(screen.queryByTestId('h-text')).toBeNull()
    await fireEvent.click(button)
    expect(button.getAttribute('aria-expanded')).toBe('true')
    const text = screen.getByTestId('h-text')
    expect(text.id).toBe(button.getAttribute('aria-controls'))
    expect(text.textContent).toContain('【我要推广 › 活动推广】')
    await fireEvent.keyDown(text, { key: 'Escape' })
    expect(screen.queryByTestId('h-text')).toBeNull()
    expect(document.activeElement).toBe(button)
  })

  it('speaks English', async () => {
    setLocale('en')
    render(HelpTip, { term: t('help.reserveTerm'), text: t('help.reserve'), testid: 'h' })
    await fireEvent.click(screen.getByTestId('h'))
    expect(screen.getByTestId('h-text').textContent).toContain('20 %')
    expect(screen.getByTestId('h').getAttribute('aria-label')).toBe('About “calls kept in reserve”')
  })
})
