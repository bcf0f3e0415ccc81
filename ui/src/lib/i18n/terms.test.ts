// Guards the app's wording (issue 19 item 9): one plain term per idea, in
// Chinese and in English, and no protocol identifiers in ordinary text.
//
// The chosen terms:
//   the idea "which Meituan API an account uses":
//     zh 接口类型, kinds 联盟 API（旧版） / 媒体 API（新版） (short: 联盟 API / 媒体 API)
//     en API type, kinds Union API (older) / Media API (newer) (short: Union API / Media API)
//   calls:                 zh 调用次数          en API calls / calls
//   the daily limit:       zh 每日调用上限      en daily call limit
//   the tier:              zh 档位              en tier
//   Meituan's workflow:    zh 频次申请          en frequency request (频次申请)
//   order count:           zh 订单量 / 月均订单量  en orders / monthly average orders
//   the reset at 00:00 Beijing time is always labelled as our estimate.
//
// Each rule names what it retires; a failure lists every offending key.
import { describe, expect, it } from 'vitest'
import en from './en.json'
import zhCN from './zh-CN.json'

/** Every string leaf as `path -> text`; list items get their index as a path part. */
function leaves(node: unknown, prefix = ''): [string, string][] {
  if (typeof node === 'string') return [[prefix, node]]
  if (typeof node !== 'object' || node === null) return []
  return Object.entries(node).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k))
}

/** A placeholder such as {limit} is not wording. */
const words = (text: string) => text.replace(/\{\w+\}/g, '')

/** The signature debugger is about the protocol itself: identifiers belong there. */
const debuggerKey = (key: string) => key.startsWith('debugger.')
/** Texts that quote the exact reply body Meituan requires from a callback receiver. */
const rawReplyKey = (key: string) =>
  key === 'console.callback.diagnosis.ok' || key === 'console.callback.diagnosis.unexpected_body'

interface Rule {
  /** What is wrong, and what to say instead. */
  why: string
  /** True when the text breaks the rule. */
  bad: RegExp | ((text: string) => boolean)
  /** Keys where the retired form is the subject and may stay. */
  allow?: (key: string) => boolean
}

const ZH_RULES: Rule[] = [
  { why: '接口版本 / 账号类型 → 接口类型', bad: /接口版本|账号类型/ },
  {
    why: '老版 / 旧版 / 新版 only inside the names 联盟 API（旧版） / 媒体 API（新版）',
    bad: /老版|(?<!联盟 API（)旧版|(?<!媒体 API（)新版/,
  },
  { why: '媒体接口 / 新版账号 → 媒体 API', bad: /媒体接口|媒体 cps_open|新版账号/ },
  {
    why: '频次 only as the console workflow 频次申请 (or quoting the console label “调用频次”); the limit is 每日调用上限, the tier 档位',
    bad: /(?<!“调用)频次(?!申请)/,
  },
  { why: '上限 only as 每日调用上限', bad: /(?<!每日调用)上限/ },
  { why: '额度 / 保留额度 → 每日调用上限, 预留的次数', bad: /额度/ },
  { why: '时间窗 is jargon', bad: /时间窗/ },
  { why: '订单数 / 月均单量 → 订单量 / 月均订单量', bad: /订单数|(?<!订)单量/ },
  { why: 'the screen is 订单回推, not “回调”页', bad: /[“「【]回调[”」】]页?/ },
  { why: 'cps_open only in the signature debugger', bad: /cps_open/, allow: debuggerKey },
  { why: '/api paths only in the signature debugger', bad: /\/api\b/, allow: debuggerKey },
  { why: 'errcode only where the raw reply body is quoted', bad: /errcode/, allow: rawReplyKey },
  {
    why: 'the reset at 0 点 is our estimate: say so (估计 / 未公布)',
    bad: (text) => /0 ?点|零点|午夜/.test(text) && !/估计|未公布/.test(text),
  },
]

const EN_RULES: Rule[] = [
  { why: 'API generation / account type → API type', bad: /API generation|account type/i },
  { why: 'legacy → Union API', bad: /\blegacy\b/i },
  {
    why: 'older / newer only inside the names Union API (older) / Media API (newer)',
    bad: /(?<!Union API \()\bolder\b|(?<!Media API \()\bnewer\b/i,
  },
  { why: 'media API → Media API (the name is capitalised)', bad: /\bmedia (API|cps_open)\b/ },
  {
    why: 'frequency only in "frequency request" (Meituan\'s 频次申请); the limit is the daily call limit',
    bad: /\bfrequency\b(?! requests?\b)/i,
  },
  { why: 'a limit is always "daily call limit"', bad: /(?<!daily call )\blimits?\b/i },
  { why: 'quota → API calls / daily call limit', bad: /\bquota\b/i },
  { why: 'time window / reserve quota are jargon', bad: /time window|reserve quota/i },
  { why: 'order volume / order count → orders', bad: /order volume|order count|number of orders/i },
  { why: 'the screen is Order push, not Callback', bad: /callback screen/i },
  { why: 'cps_open only in the signature debugger', bad: /cps_open/, allow: debuggerKey },
  { why: '/api paths only in the signature debugger', bad: /\/api\b/, allow: debuggerKey },
  { why: 'errcode only where the raw reply body is quoted', bad: /errcode/, allow: rawReplyKey },
  {
    why: 'the reset at midnight is our estimate: say so',
    bad: (text) => /midnight|00:00/i.test(text) && !/estimate/i.test(text),
  },
]

/** `key: text` for each string that breaks the rule. */
function offenders(messages: unknown, rule: Rule): string[] {
  const test = typeof rule.bad === 'function' ? rule.bad : (s: string) => (rule.bad as RegExp).test(s)
  return leaves(messages)
    .filter(([key, text]) => !rule.allow?.(key) && test(words(text)))
    .map(([key, text]) => `${key}: ${text}`)
}

describe('wording: one term per idea (issue 19 item 9)', () => {
  describe('zh-CN', () => {
    it.each(ZH_RULES.map((r) => [r.why, r] as const))('%s', (_why, rule) => {
      expect(offenders(zhCN, rule)).toEqual([])
    })
  })

  describe('en', () => {
    it.each(EN_RULES.map((r) => [r.why, r] as const))('%s', (_why, rule) => {
      expect(offenders(en, rule)).toEqual([])
    })
  })

  it('names the two API types the same way on the add form, the profile card and 选品', () => {
    for (const m of [zhCN, en]) {
      for (const kind of ['legacy', 'media'] as const) {
        expect(m.accounts.form[kind]).toBe(m.accounts.generationName[kind])
        expect(m.search.generation[kind]).toBe(m.accounts.generationName[kind])
      }
      expect(m.accounts.form.generation).toBe(m.accounts.field.generation)
      expect(m.help.generationTerm.toLowerCase()).toBe(m.accounts.field.generation.toLowerCase())
    }
    expect(zhCN.accounts.generationName).toEqual({ legacy: '联盟 API（旧版）', media: '媒体 API（新版）' })
    expect(en.accounts.generationName).toEqual({ legacy: 'Union API (older)', media: 'Media API (newer)' })
  })

  it('the help popover for the API type names both kinds and says where to look in the console', () => {
    for (const m of [zhCN, en]) {
      expect(m.help.generation).toContain(m.accounts.generationName.legacy)
      expect(m.help.generation).toContain(m.accounts.generationName.media)
      expect(m.help.generation).toContain('API 授权')
    }
  })

  it('catches the retired words it is meant to catch', () => {
    const sample = {
      a: { generation: '接口版本' },
      b: '当前频次',
      c: '每日上限',
      d: '保留额度',
      e: '时间窗',
      f: '订单数',
      g: '月均单量',
      h: '媒体 cps_open 接口',
      i: '{"errcode":"0"}',
      j: '北京时间零点后再运行',
      debugger: { x: '/cps_open/common/api/v1/query_order' },
    }
    const hits = ZH_RULES.flatMap((r) => offenders(sample, r).map((o) => o.split(':')[0]))
    expect(new Set(hits)).toEqual(new Set(['a.generation', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']))
    const kept = { x: '每日调用上限', y: '频次申请', z: '联盟 API（旧版）', w: '我们按北京时间 0 点估计' }
    expect(ZH_RULES.flatMap((r) => offenders(kept, r))).toEqual([])
    const enKept = { x: 'daily call limit', y: 'File a frequency request', z: 'Media API (newer)', w: '{limit} left' }
    expect(EN_RULES.flatMap((r) => offenders(enKept, r))).toEqual([])
  })
})
