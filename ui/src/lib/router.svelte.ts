// Which view is on screen. Eight fixed screens need no router library: a
// rune-backed object is enough, and tests can drive it directly.

import type { MessageKey } from './i18n/i18n.svelte'

export type ScreenId = 'accounts' | 'search' | 'links' | 'orders' | 'quota' | 'callback' | 'debugger' | 'settings'

/** How the user chose to begin on the welcome screen, if they did. */
export type StartIntent = 'real' | 'sandbox'

export interface ScreenInfo {
  id: ScreenId
  title: MessageKey
  summary: MessageKey
}

/** The screens of DESIGN.md, in navigation order. */
export const SCREENS: readonly ScreenInfo[] = [
  { id: 'accounts', title: 'nav.accounts', summary: 'screens.accounts.summary' },
  { id: 'search', title: 'nav.search', summary: 'screens.search.summary' },
  { id: 'links', title: 'nav.links', summary: 'screens.links.summary' },
  { id: 'orders', title: 'nav.orders', summary: 'screens.orders.summary' },
  { id: 'quota', title: 'nav.quota', summary: 'screens.quota.summary' },
  { id: 'callback', title: 'nav.callback', summary: 'screens.callback.summary' },
  { id: 'debugger', title: 'nav.debugger', summary: 'screens.debugger.summary' },
  { id: 'settings', title: 'nav.settings', summary: 'screens.settings.summary' },
]

export type View = 'loading' | 'welcome' | 'shell'

export const router = $state<{
  view: View
  screen: ScreenId
  intent: StartIntent | null
  /** Bumped on each user navigation so the new screen can take focus. */
  focusRequest: number
}>({ view: 'loading', screen: 'accounts', intent: null, focusRequest: 0 })

export function screenInfo(id: ScreenId): ScreenInfo {
  return SCREENS.find((s) => s.id === id) ?? SCREENS[0]
}

export function navigate(screen: ScreenId): void {
  router.view = 'shell'
  router.screen = screen
  router.focusRequest += 1
}

/** Leaves the welcome screen for the accounts screen, remembering the choice. */
export function startWith(intent: StartIntent): void {
  router.intent = intent
  navigate('accounts')
}

/** Where the app opens: the welcome screen until a profile exists. */
export function openInitialView(profileCount: number): void {
  router.view = profileCount > 0 ? 'shell' : 'welcome'
  router.screen = 'accounts'
}
