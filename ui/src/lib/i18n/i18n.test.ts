import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { IpcFailure } from '../ipc-failure'
import en from './en.json'
import { errorKey, errorText } from './errors'
import { i18n, setLocale, t, tl, translate } from './i18n.svelte'
import zhCN from './zh-CN.json'

const HERE = dirname(fileURLToPath(import.meta.url))

/** Every leaf as `path -> text`; list items get their index as a path part. */
function leaves(node: unknown, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>()
  if (typeof node === 'object' && node !== null) {
    for (const [k, v] of Object.entries(node)) {
      for (const [p, leaf] of leaves(v, prefix ? `${prefix}.${k}` : k)) out.set(p, leaf)
    }
  } else {
    out.set(prefix, node)
  }
  return out
}

function placeholders(text: unknown): string[] {
  return [...String(text).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()
}

/** The members of `export type ErrorCode = "a" | "b"` in the generated bindings. */
function errorCodesFromBindings(): string[] {
  return unionFromBindings('ErrorCode')
}

/** The members of the string union `export type NAME = "a" | "b"` in the generated bindings. */
function unionFromBindings(name: string): string[] {
  const path = join(HERE, '..', 'bindings.ts')
  expect(existsSync(path), 'src/lib/bindings.ts is missing').toBe(true)
  // Doc comments sit between the members and may hold quotes or semicolons.
  const source = readFileSync(path, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '')
  const decl = source.match(new RegExp(`export type ${name}\\s*=\\s*((?:\\|?\\s*"[a-z_0-9]+"\\s*)+)`))
  expect(decl, `bindings.ts declares no ${name}`).not.toBeNull()
  return [...decl![1].matchAll(/"([a-z_0-9]+)"/g)].map((m) => m[1])
}

afterEach(() => setLocale('zh-CN'))

describe('message catalogues', () => {
  const zh = leaves(zhCN)
  const english = leaves(en)

  it('have exactly the same keys', () => {
    const onlyZh = [...zh.keys()].filter((k) => !english.has(k))
    const onlyEn = [...english.keys()].filter((k) => !zh.has(k))
    expect({ onlyZh, onlyEn }).toEqual({ onlyZh: [], onlyEn: [] })
    expect(zh.size).toBeGreaterThan(50)
  })

  it('hold only non-empty strings', () => {
    for (const [key, text] of [...zh, ...english]) {
      expect(typeof text, key).toBe('string')
      expect(String(text).trim(), key).not.toBe('')
    }
  })

  it('use the same {placeholders} in both languages', () => {
    for (const [key, text] of zh) {
      expect(placeholders(english.get(key)), key).toEqual(placeholders(text))
    }
  })

  it('translate every ErrorCode of the generated bindings', () => {
    const codes = errorCodesFromBindings()
    expect(codes).toContain('internal')
    expect(codes).toContain('quota_exhausted')
    const missing = codes.filter((c) => !zh.has(`error.${c}`) || !english.has(`error.${c}`))
    expect(missing).toEqual([])
  })
})

describe('codes the backend sends for the screens to word', () => {
  const zh = leaves(zhCN)
  const english = leaves(en)
  it.each([
    ['FeedReason', 'console.callback.reason', 'sign_mismatch'],
    ['UrlWarning', 'console.callback.urlWarning', 'plain_http'],
    ['RowProblemKind', 'links.batch.problem', 'no_sid'],
    ['DebugReason', 'debugger.reason', 'different_secret'],
    ['InputProblem', 'debugger.problem', 'no_query'],
    ['DebugKind', 'debugger.kind', 'callback'],
    ['SecretKind', 'debugger.noSecret', 'callback_secret'],
  ])('every %s has a sentence in both languages', (type, prefix, known) => {
    const codes = unionFromBindings(type)
    expect(codes).toContain(known)
    const missing = codes.filter((c) => !zh.has(`${prefix}.${c}`) || !english.has(`${prefix}.${c}`))
    expect(missing).toEqual([])
  })
})

describe('t()', () => {
  it('defaults to Simplified Chinese', () => {
    expect(i18n.locale).toBe('zh-CN')
    expect(t('welcome.title')).toBe('欢迎使用联盟助手')
  })

  it('follows the chosen language and fills in parameters', () => {
    setLocale('en')
    expect(t('welcome.title')).toBe('Welcome to Union Desk')
    expect(t('settings.clipboard.seconds', { n: 30 })).toBe('30 seconds')
    setLocale('zh-CN')
    expect(t('settings.clipboard.seconds', { n: 30 })).toBe('30 秒')
  })

  it('keeps an unknown parameter visible rather than dropping text', () => {
    expect(t('settings.saveFailed')).toBe('没有保存：{reason}')
  })

  it('shows a missing key as itself', () => {
    expect(translate('no.such.key')).toBe('no.such.key')
  })

  it('returns lists for bullet points', () => {
    expect(tl('screens.accounts.plan').length).toBe(5)
  })

  it('makes <html lang> follow the language', () => {
    setLocale('en')
    expect(document.documentElement.lang).toBe('en')
    setLocale('zh-CN')
    expect(document.documentElement.lang).toBe('zh-CN')
  })

  it('falls back to Chinese for a language it does not know', () => {
    setLocale('fr' as never)
    expect(i18n.locale).toBe('zh-CN')
    expect(document.documentElement.lang).toBe('zh-CN')
  })
})

describe('error sentences', () => {
  it('maps a code to its sentence in the current language', () => {
    const failure = new IpcFailure({ code: 'quota_exhausted', message: 'daily limit 2000 reached' })
    expect(errorText(failure)).toContain('北京时间 0 点')
    setLocale('en')
    expect(errorText(failure)).toContain('00:00 Beijing time')
  })

  it("shows Meituan's own refusal code and words, cleaned, for an api failure", () => {
    const refusal = new IpcFailure({
      code: 'api',
      message: 'the API refused the call: code 1234: 活动已下线',
      details: { api_code: '1234', api_message: '活动已下线\u202e\u0007' },
    })
    setLocale('zh-CN')
    expect(errorText(refusal)).toBe('美团联盟拒绝了这次请求（代码 1234：活动已下线）。')
    setLocale('en')
    expect(errorText(refusal)).toBe('Meituan Union refused the request (code 1234: 活动已下线).')
    const long = new IpcFailure({ code: 'api', message: 'x', details: { api_code: 7, api_message: 'y'.repeat(500) } })
    expect(errorText(long).length).toBeLessThan(300)
    // Without Meituan's code the plain sentence stays.
    expect(errorText(new IpcFailure({ code: 'api', message: 'x' }))).toBe('Meituan Union refused the request.')
    setLocale('zh-CN')
  })

  it('never shows the backend English message', () => {
    const failure = new IpcFailure({ code: 'storage', message: 'disk I/O error at /secret/path' })
    expect(errorText(failure)).not.toContain('/secret/path')
  })

  it('falls back to the internal sentence for a code it does not know', () => {
    const failure = new IpcFailure({ code: 'brand_new_code' as never, message: 'x' })
    expect(errorKey(failure)).toBe('error.internal')
  })

  it('names the field of an invalid input when it can', () => {
    const failure = new IpcFailure({
      code: 'invalid_input',
      message: 'invalid clipboard_clear_secs',
      details: { field: 'clipboard_clear_secs', reason: 'must be 10, 30, 60, 120 or never' },
    })
    expect(errorKey(failure)).toBe('invalid.clipboard_clear_secs')
    const unknownField = new IpcFailure({ code: 'invalid_input', message: 'x', details: { field: 'zzz' } })
    expect(errorKey(unknownField)).toBe('error.invalid_input')
  })

  it.each(['sid', 'target', 'appkey', 'name', 'label', 'generation', 'order_id'])(
    'says what is wrong with the %s field in both languages, not the generic sentence',
    (field) => {
      const failure = new IpcFailure({ code: 'invalid_input', message: 'x', details: { field, reason: 'english reason' } })
      expect(errorKey(failure)).toBe(`invalid.${field}`)
      setLocale('zh-CN')
      const zh = errorText(failure)
      setLocale('en')
      const en = errorText(failure)
      setLocale('zh-CN')
      expect(zh).not.toBe(translate('error.invalid_input'))
      expect(zh).toMatch(/[\u4e00-\u9fff]/)
      expect(en).not.toMatch(/[\u4e00-\u9fff]/)
      expect(zh).not.toContain('english reason')
    },
  )

  it('treats a bare rejection as an internal error', () => {
    expect(errorKey(new TypeError('window.__TAURI_INTERNALS__ is undefined'))).toBe('error.internal')
    expect(errorKey('some string')).toBe('error.internal')
  })
})
