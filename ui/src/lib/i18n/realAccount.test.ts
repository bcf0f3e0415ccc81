// Issue 18: the "real account" fixtures (response bodies in the shapes public
// sources document, crates/meituan-union/tests/data/real_account) carried on
// to the words a promoter reads. crates/desk-core/tests/real_account.rs
// replays every fixture through the client's decoders and the core's
// mapping and writes what the interface receives to ui_expectations.json
// (and fails while that file is stale); this test reads it from disk and
// checks the sentence each one gets, in Chinese and in English, and renders
// the order details of one documented query_order answer.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { cleanup, render, screen } from '@testing-library/svelte'
import { afterEach, describe, expect, it } from 'vitest'
import { IpcFailure } from '../ipc-failure'
import type { IpcError, Language, OrderDetail } from '../ipc'
import { beijingTime } from '../format'
import OrderDetailPanel from '../components/orders/OrderDetailPanel.svelte'
import { errorKey, errorText } from './errors'
import { has, setLocale, translate } from './i18n.svelte'

const HERE = dirname(fileURLToPath(import.meta.url))
const FIXTURES = join(HERE, '..', '..', '..', '..', 'crates', 'meituan-union', 'tests', 'data', 'real_account')

type Expectations = {
  refusals: { file: string; ipc: IpcError }[]
  pushes: {
    file: string
    outcome: string
    reason_code: string | null
    status: string | null
    refund_type: string | null
  }[]
  acks: { file: string; diagnosis: string }[]
  orders: { file: string; detail: OrderDetail }[]
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
      // The fixtures push all three documented refund types.
      expect(new Set(expectations.pushes.map((p) => p.refund_type).filter(Boolean))).toEqual(new Set(['1', '2', '3']))
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
          // 1 全部退, 2 部分退, 3 风控: named too when pushed.
          if (push.refund_type) {
            const refundKey = `console.callback.refundTypeName.${push.refund_type}`
            expect(has(refundKey), push.file).toBe(true)
            const refund = translate('console.callback.refundTypeWithName', {
              s: push.refund_type,
              name: translate(refundKey),
            })
            expectSentence(refund, locale)
            expect(refund, push.file).toContain(translate(refundKey))
          }
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

  for (const locale of LANGUAGES) {
    it(`shows the documented refund, category and status fields in the order detail (${locale})`, () => {
      setLocale(locale)
      const zh = locale === 'zh-CN'
      const [media, daodian, settled, unknown] = expectations.orders.map((o) => o.detail)
      const shown = (detail: OrderDetail) => {
        cleanup()
        render(OrderDetailPanel, { detail, onclose: () => {} })
        const text = (id: string) => screen.queryByTestId(id)?.textContent ?? null
        const all = (id: string) => screen.queryAllByTestId(id).map((e) => e.textContent)
        return { text, all }
      }
      // 到家: category with its id; the commission and the CPA reward taken back.
      let d = shown(media)
      expect(d.text('order-detail-category')).toBe(zh ? '水果（ID 15）' : '水果 (ID 15)')
      expect(d.text('order-detail-refund-profit')).toBe('¥2.40')
      expect(d.text('order-detail-cpa-refund-profit')).toBe('¥0.50')
      expect(d.text('order-detail-status')).toBe(translate('orders.status.cancelled'))
      // 到店: no order-level refund field; the sums of the coupon lines.
      d = shown(daodian)
      expect(d.text('order-detail-refund-profit')).toBe('¥4.50')
      expect(d.text('order-detail-cpa-refund-profit')).toBeNull()
      expect(d.all('order-detail-coupon-refund-fee')).toEqual(['¥2.25', '¥2.25'])
      expect(d.all('order-detail-coupon-refund-time')).toEqual([beijingTime(1_700_090_000), beijingTime(1_700_093_600)])
      expect(d.text('order-detail-category')).toBe(zh ? '烤肉（ID 226）' : '烤肉 (ID 226)')
      // A settled coupon line with its settlement time.
      d = shown(settled)
      expect(d.all('order-detail-coupon-settle')).toEqual([beijingTime(1_702_000_000)])
      expect(d.text('order-detail-refund-profit')).toBeNull()
      // Status 7: shown as sent, never as 已付款.
      d = shown(unknown)
      expect(d.text('order-detail-status')).toBe(zh ? '状态 7（未知）' : 'Status 7 (unknown)')
      expect(d.text('order-detail-status')).not.toBe(translate('orders.status.paid'))
      expect(unknown.order.status).toBe('unknown')
      cleanup()
    })
  }
})
