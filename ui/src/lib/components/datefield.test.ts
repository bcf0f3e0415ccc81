import { fireEvent, render, screen } from '@testing-library/svelte'
import { beforeEach, describe, expect, it } from 'vitest'
import { parseDay } from '../format'
import { setLocale } from '../i18n/i18n.svelte'
import DateField from './DateField.svelte'

beforeEach(() => setLocale('zh-CN'))

describe('typed days', () => {
  it('reads the usual ways of writing a day, and refuses days that do not exist', () => {
    expect(parseDay('2026-12-05')).toBe('2026-12-05')
    expect(parseDay(' 2026/12/5 ')).toBe('2026-12-05')
    expect(parseDay('2026.1.31')).toBe('2026-01-31')
    expect(parseDay('2026年2月3日')).toBe('2026-02-03')
    expect(parseDay('20261205')).toBe('2026-12-05')
    expect(parseDay('')).toBe('')
    for (const bad of ['2026-02-30', '12/05/2026', '2026-13-01', '26-12-05', 'abc', '2026-12']) {
      expect(parseDay(bad), bad).toBeNull()
    }
  })
})

describe('date field', () => {
  it('is a labelled text field in 年-月-日 whatever the OS locale, and marks a bad day', async () => {
    render(DateField, { label: '开始日期', testid: 'd', value: '' })
    const input = screen.getByLabelText('开始日期') as HTMLInputElement
    expect(input.type).toBe('text')
    expect(input.placeholder).toContain('年-月-日')
    await fireEvent.input(input, { target: { value: '2026/3/7' } })
    await fireEvent.blur(input)
    expect(input.value).toBe('2026-03-07')
    expect(input.getAttribute('aria-invalid')).toBe('false')
    await fireEvent.input(input, { target: { value: '2026-02-30' } })
    await fireEvent.blur(input)
    expect(input.getAttribute('aria-invalid')).toBe('true')
    expect(screen.getByRole('alert').textContent).toContain('2026-12-05')
  })
})
