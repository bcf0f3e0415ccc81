// The app's screens, by id. Accounts (and Welcome, imported by App) are what
// the app opens on, so they are in the main bundle; every other screen is a
// chunk of its own, fetched when the user shows the intent to open it
// (`prefetchScreen`: the pointer over its navigation entry, or the keyboard
// focus on it) or at the latest on the visit. The first bundle is ~30%
// smaller that way, the webview parses and runs less before the first
// paint, and a screen never visited costs no memory (issue 17 item 7:
// loading every screen after the first paint cost the web process ~4.5 MB;
// BENCHMARKS.md).

import type { Component } from 'svelte'
import type { ScreenId } from '../lib/router.svelte'
import Accounts from './Accounts.svelte'

type Loader = () => Promise<{ default: Component }>

const LOADERS: Record<ScreenId, Loader> = {
  accounts: () => Promise.resolve({ default: Accounts }),
  search: () => import('./Search.svelte'),
  links: () => import('./Links.svelte'),
  orders: () => import('./Orders.svelte'),
  quota: () => import('./Quota.svelte'),
  callback: () => import('./Callback.svelte'),
  debugger: () => import('./Debugger.svelte'),
  settings: () => import('./Settings.svelte'),
}

const ready = new Map<ScreenId, Component>([['accounts', Accounts]])

/** The screen's component if it is already loaded, for a render without a wait. */
export function readyScreen(id: ScreenId): Component | undefined {
  return ready.get(id)
}

/** Loads a screen's code once; a failed load is tried again on the next call. */
export async function loadScreen(id: ScreenId): Promise<Component> {
  const done = ready.get(id)
  if (done) return done
  const component = (await LOADERS[id]()).default
  ready.set(id, component)
  return component
}

/**
 * Starts loading a screen's code ahead of its visit (the user is about to
 * open it). A failure is left for the visit to report, where the user can
 * retry.
 */
export function prefetchScreen(id: ScreenId): void {
  loadScreen(id).catch(() => undefined)
}
