// A deliberately tiny i18n: two JSON catalogues with the same keys, one
// reactive `locale`, and `t()` that reads it. Because `t()` reads rune state,
// any template expression calling it re-renders when the language changes.

import en from './en.json'
import zhCN from './zh-CN.json'
import type { Language } from '../ipc'

type Catalogue = typeof zhCN

/** Dotted paths to the string leaves of a catalogue. */
type StringKeys<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends string
    ? `${P}${K}`
    : T[K] extends readonly unknown[]
      ? never
      : StringKeys<T[K], `${P}${K}.`>
}[keyof T & string]

/** Dotted paths to the string-list leaves of a catalogue. */
type ListKeys<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends string
    ? never
    : T[K] extends readonly string[]
      ? `${P}${K}`
      : ListKeys<T[K], `${P}${K}.`>
}[keyof T & string]

export type MessageKey = StringKeys<Catalogue>
export type ListKey = ListKeys<Catalogue>
export type Params = Record<string, string | number>

export const DEFAULT_LANGUAGE: Language = 'zh-CN'
export const LANGUAGES: readonly Language[] = ['zh-CN', 'en']

// `satisfies` makes svelte-check fail if en.json lacks a key zh-CN.json has
// (the vitest parity test also checks the other direction).
const catalogues: Record<Language, Catalogue> = {
  'zh-CN': zhCN,
  en: en satisfies Catalogue,
}

export const i18n = $state<{ locale: Language }>({ locale: DEFAULT_LANGUAGE })

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value)
}

/** Switches the UI language and keeps `<html lang>` in step with it. */
export function setLocale(locale: Language): void {
  i18n.locale = isLanguage(locale) ? locale : DEFAULT_LANGUAGE
  if (typeof document !== 'undefined') {
    document.documentElement.lang = i18n.locale
  }
}

function lookup(locale: Language, key: string): unknown {
  let node: unknown = catalogues[locale]
  for (const part of key.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined
    node = (node as Record<string, unknown>)[part]
  }
  return node
}

/** Whether `key` names a string in the current catalogue (for computed keys). */
export function has(key: string): boolean {
  return typeof lookup(i18n.locale, key) === 'string'
}

function interpolate(text: string, params?: Params): string {
  if (!params) return text
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  )
}

/** The translation of `key` in the current language, with `{name}` filled in. */
export function t(key: MessageKey, params?: Params): string {
  return translate(key, params)
}

/** Like `t`, for keys computed at run time; an unknown key shows itself. */
export function translate(key: string, params?: Params): string {
  const text = lookup(i18n.locale, key)
  return typeof text === 'string' ? interpolate(text, params) : key
}

/** A list of sentences (for bullet lists). */
export function tl(key: ListKey): string[] {
  const list = lookup(i18n.locale, key)
  return Array.isArray(list) ? list.filter((s): s is string => typeof s === 'string') : []
}
