// Module-level rune state survives between tests in one file; put it back.

import { setLocale } from '../lib/i18n/i18n.svelte'
import { profiles } from '../lib/profiles.svelte'
import { router } from '../lib/router.svelte'
import { DEFAULT_SETTINGS, settingsState } from '../lib/settings.svelte'

export function resetAppState(): void {
  setLocale('zh-CN')
  router.view = 'loading'
  router.screen = 'accounts'
  router.intent = null
  router.focusRequest = 0
  settingsState.current = { ...DEFAULT_SETTINGS }
  profiles.reset()
}
