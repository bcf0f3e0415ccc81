// The user's settings as the UI holds them. Every change is saved at once
// (there is no Save button to forget); a failed save leaves the last saved
// value in place and reports why.

import { getSettings, IpcFailure, saveSettings } from './ipc'
import type { Language, Settings } from './ipc'
import { DEFAULT_LANGUAGE, isLanguage, setLocale } from './i18n/i18n.svelte'

/** Seconds the backend accepts for clearing the clipboard; `null` = never. */
export const CLIPBOARD_TIMEOUTS: readonly (number | null)[] = [10, 30, 60, 120, null]

export const DEFAULT_SETTINGS: Settings = {
  language: DEFAULT_LANGUAGE,
  clipboard_clear_secs: 30,
  sandbox_enabled: true,
}

export const settingsState = $state<{ current: Settings }>({ current: { ...DEFAULT_SETTINGS } })

/**
 * The first problem with `settings`, shaped like the backend's own
 * `invalid_input` error so both are shown the same way; `null` when valid.
 */
export function validateSettings(settings: Settings): IpcFailure | null {
  if (!isLanguage(settings.language)) {
    return invalid('language', 'must be zh-CN or en')
  }
  if (!CLIPBOARD_TIMEOUTS.includes(settings.clipboard_clear_secs)) {
    return invalid('clipboard_clear_secs', 'must be 10, 30, 60, 120 seconds or never')
  }
  if (typeof settings.sandbox_enabled !== 'boolean') {
    return invalid('sandbox_enabled', 'must be true or false')
  }
  return null
}

function invalid(field: string, reason: string): IpcFailure {
  return new IpcFailure({
    code: 'invalid_input',
    message: `invalid ${field}: ${reason}`,
    details: { field, reason },
  })
}

/** Loads the stored settings and applies the language. Throws on failure. */
export async function loadSettings(): Promise<Settings> {
  const loaded = await getSettings()
  settingsState.current = loaded
  setLocale(loaded.language)
  return loaded
}

// Saves run one after another so quick successive changes compose instead of
// overwriting each other with stale copies.
let queue: Promise<unknown> = Promise.resolve()

/** Validates, saves and adopts `patch`; throws an `IpcFailure` if refused. */
export function updateSettings(patch: Partial<Settings>): Promise<Settings> {
  const run = async (): Promise<Settings> => {
    const next: Settings = { ...settingsState.current, ...patch }
    const problem = validateSettings(next)
    if (problem) throw problem
    const saved = await saveSettings(next)
    settingsState.current = saved
    return saved
  }
  const result = queue.then(run, run)
  queue = result.catch(() => undefined)
  return result
}

/**
 * Shows the UI in `language` at once, then remembers the choice. The switch
 * stays even if saving fails: the caller reports the failure.
 */
export function chooseLanguage(language: Language): Promise<Settings> {
  setLocale(language)
  return updateSettings({ language })
}
