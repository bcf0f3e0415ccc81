import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { desktopOs, markDesktopOs } from './platform'

const CSS = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'app.css'), 'utf8')

// User agents of the three webviews (WebKitGTK, WKWebView, WebView2).
const WEBKITGTK = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15'
const MACOS = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)'
const WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0'

function linuxStack(name: string): string[] {
  const block = CSS.slice(CSS.indexOf(":root[data-os='linux']"))
  const value = new RegExp(`--${name}:([^;]+);`).exec(block.slice(0, block.indexOf('}')))
  if (!value) throw new Error(`no Linux --${name}`)
  return value[1].split(',').map((f) => f.trim().replace(/^'|'$/g, ''))
}

describe('desktop OS mark', () => {
  it('tells Linux from macOS and Windows', () => {
    expect(desktopOs(WEBKITGTK)).toBe('linux')
    expect(desktopOs(MACOS)).toBe('other')
    expect(desktopOs(WINDOWS)).toBe('other')
    expect(desktopOs('Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36')).toBe('other')
    expect(desktopOs('')).toBe('other')
  })

  it('marks the root element', () => {
    const root = document.createElement('html')
    markDesktopOs(root, WEBKITGTK)
    expect(root.dataset.os).toBe('linux')
    markDesktopOs(root, WINDOWS)
    expect(root.dataset.os).toBe('other')
  })

  it('gives Linux a stack of Linux families with a Simplified Chinese face first', () => {
    for (const name of ['font-sans', 'font-mono']) {
      const stack = linuxStack(name)
      expect(stack[0]).toMatch(/CJK SC$/)
      expect(['sans-serif', 'monospace']).toContain(stack[stack.length - 1])
      for (const foreign of ['-apple-system', 'BlinkMacSystemFont', 'Segoe UI', 'PingFang SC', 'Microsoft YaHei', 'Menlo', 'Consolas']) {
        expect(stack).not.toContain(foreign)
      }
    }
  })
})
