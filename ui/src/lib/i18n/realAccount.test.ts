// Issue 18: the "real account" fixtures (response bodies in the shapes public
// sources document, crates/meituan-union/tests/data/real_account) carried on
// to the words a promoter reads. crates/desk-core/tests/real_account.rs
// replays every fixture through the client's decoders and the core's
// mapping and writes what the interface receives to ui_expectations.json
// (and fails while that file is stale); this test reads it from disk and
// checks the sentence each one gets, in Chinese and in English.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { IpcFailure } from '../ipc-failure'
import type { IpcError, Language } from '../ipc'
import { errorKey, errorText } from './errors'
import { has, setLocale, translate } from './i18n.svelte'

const HERE = dirname(fileURLToPath(import.meta.url))
const FIXTURES = join(HERE, '..', '..', '..', '..', 'crates', 'meituan-union', 'tests', 'data', 'real_account')

type Expectations = {
  refusals: { file: string; ipc: IpcError }[]
  pushes: { file: string; outcome: string; reason_code: string | null; status: string | null }[]
  acks: { file: string; diagnosis: string }[]
}

const expectations: Expectations = JSON.parse(readFileSync(join(FIXTURES, 'ui_expectations.json'), 'utf8'))
const manifest: { cases: { file: string; generation: string; endpoint: string }[] } = JSON.parse(
  readFileSync(join(FIXTURES, 'cases.json'), 'utf8'),
)

const LANGUAGES: Language[] = ['zh-CN', 'en']
const HAN = /[\u4e00-\u9fff]/

/** `text` is real wording of `locale`: not a dotted key shown as itself, no placeholder left. */
function expectSentence(text: string, locale: Language) {
  expect(text).not.toMatch(/^\w+(\.\w+)+$/)
  expect(text).not.toMatch(/\{\w+\}/)
  if (locale === 'zh-CN') expect(text).toMatch(HAN)
}

afterEach(() => setLocale('zh-CN'))

describe('real-account fixtures in the interface', () => {
  it('covers every fixture the replay writes for', () => {
    const byKind = (endpoint: (c: { generation: string; endpoint: string }) => boolean) =>
      manifest.cases.filter(endpoint).map((c) => c.file).sort()
    expect(expectations.acks.map((a) => a.file).sort()).toEqual(byKind((c) => c.endpoint === 'ack'))
    expect(expectations.pushes.map((p) => p.file).sort()).toEqual(byKind((c) => c.endpoint === 'push'))
    // Every documented kind of refusal reaches the interface.
    expect(new Set(expectations.refusals.map((r) => r.ipc.code))).toEqual(
      new Set(['api', 'auth_failed', 'too_frequent', 'quota_exhausted', 'decode']),
    )
  })

  for (const locale of LANGUAGES) {
    it(`words each documented refusal specifically (${locale})`, () => {
      setLocale(locale)
      const generic = translate('error.internal')
      for (const { file, ipc } of expectations.refusals) {
        const text = errorText(new IpcFailure(ipc))
        expect(text, file).not.toBe(generic)
        expectSentence(text, locale)
        if (ipc.code === 'api') {
          // Meituan's own code and words, as sent, never a guess.
          const details = ipc.details as { api_code: string; api_message: string }
          expect(text, file).toBe(
            translate('error.api_with_code', { code: details.api_code, message: details.api_message }),
          )
          expect(text, file).toContain(details.api_code)
          expect(text, file).toContain(details.api_message)
        } else {
          expect(errorKey(new IpcFailure(ipc)), file).toBe(`error.${ipc.code}`)
          expect(has(`error.${ipc.code}`), file).toBe(true)
        }
      }
    })

    it(`words each documented push and acknowledgement (${locale})`, () => {
      setLocale(locale)
      for (const push of expectations.pushes) {
        expect(has(`console.callback.outcome.${push.outcome}`), push.file).toBe(true)
        if (push.outcome === 'stored') {
          // 1 已付款, 8 已完成, 9 已退款或风控: named, not shown as a bare code.
          const key = `console.callback.statusName.${push.status}`
          expect(has(key), push.file).toBe(true)
          // As the live feed shows it (Callback.svelte): code and name.
          const line = translate('console.callback.statusWithName', { s: push.status!, name: translate(key) })
          expectSentence(line, locale)
          expect(line, push.file).toContain(translate(key))
        } else {
          const key = `console.callback.reason.${push.reason_code}`
          expect(has(key), push.file).toBe(true)
          expectSentence(translate(key), locale)
        }
      }
      const said = new Map<string, string>()
      for (const ack of expectations.acks) {
        const key = `console.callback.diagnosis.${ack.diagnosis}`
        expect(has(key), ack.file).toBe(true)
        expectSentence(translate(key), locale)
        said.set(ack.file, ack.diagnosis)
      }
      // The string and the integer form read the same.
      expect(said.get('callback_ack_int_ok.json')).toBe(said.get('callback_ack_string_ok.json'))
      expect(said.get('callback_ack_int_err.json')).toBe(said.get('callback_ack_string_err.json'))
      expect(said.get('callback_ack_int_ok.json')).toBe('ok')
    })
  }

  it('says the quota and signature refusals differently in each language', () => {
    const quota = expectations.refusals.find((r) => r.ipc.code === 'quota_exhausted')!.ipc
    const auth = expectations.refusals.find((r) => r.ipc.code === 'auth_failed')!.ipc
    setLocale('zh-CN')
    const zh = [errorText(new IpcFailure(quota)), errorText(new IpcFailure(auth))]
    setLocale('en')
    const english = [errorText(new IpcFailure(quota)), errorText(new IpcFailure(auth))]
    expect(zh[0]).not.toBe(zh[1])
    expect(zh[0]).not.toBe(english[0])
    expect(english[0]).toMatch(/[A-Za-z]{3}/)
  })
})
