// Reads the colour tokens of app.css and checks WCAG contrast for every pair
// the components actually combine, in the light and the dark theme.

import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const CSS = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'app.css'), 'utf8')

function tokens(block: string): Map<string, string> {
  return new Map([...block.matchAll(/--([\w-]+):\s*(#[0-9a-fA-F]{6})\s*;/g)].map((m) => [m[1], m[2]]))
}

const light = tokens(CSS.slice(CSS.indexOf(':root'), CSS.indexOf('@media (prefers-color-scheme: dark)')))
const darkBlock = CSS.slice(CSS.indexOf('@media (prefers-color-scheme: dark)'))
const dark = new Map([...light, ...tokens(darkBlock.slice(0, darkBlock.indexOf('\n}\n')))])

function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  }
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
}

export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x)
  return (hi + 0.05) / (lo + 0.05)
}

/** [foreground, background] pairs used for text. */
const TEXT_PAIRS: [string, string][] = [
  ['text', 'bg'],
  ['text', 'surface'],
  ['text', 'sidebar'],
  ['text', 'hover'],
  ['text-muted', 'bg'],
  ['text-muted', 'surface'],
  ['text-muted', 'sidebar'],
  ['text-muted', 'hover'],
  ['on-accent', 'accent'],
  ['on-accent-soft', 'accent-soft'],
  ['nav-active-text', 'nav-active-bg'],
  ['danger', 'danger-bg'],
  ['success', 'success-bg'],
]

/**
 * Edges and indicators that must be seen (WCAG 1.4.11: 3:1). The focus ring
 * is drawn 2px outside the control, so it is judged against the surfaces a
 * control sits on, not the control's own fill.
 */
const UI_PAIRS: [string, string][] = [
  ['border-strong', 'surface'],
  ['border-strong', 'bg'],
  ['switch-on', 'surface'],
  ['focus', 'bg'],
  ['focus', 'surface'],
  ['focus', 'sidebar'],
]

describe.each([
  ['light', light],
  ['dark', dark],
])('the %s theme', (_name, theme) => {
  it('defines every token the checks use', () => {
    for (const [fg, bg] of [...TEXT_PAIRS, ...UI_PAIRS]) {
      expect(theme.get(fg), fg).toMatch(/^#/)
      expect(theme.get(bg), bg).toMatch(/^#/)
    }
  })

  it.each(TEXT_PAIRS)('has text contrast of at least 4.5:1 for %s on %s', (fg, bg) => {
    expect(contrast(theme.get(fg)!, theme.get(bg)!)).toBeGreaterThanOrEqual(4.5)
  })

  it.each(UI_PAIRS)('has control contrast of at least 3:1 for %s on %s', (fg, bg) => {
    expect(contrast(theme.get(fg)!, theme.get(bg)!)).toBeGreaterThanOrEqual(3)
  })
})

it('computes contrast the WCAG way', () => {
  expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5)
  expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 2)
})
