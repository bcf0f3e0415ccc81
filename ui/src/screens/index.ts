// The app's screens, by id. Accounts (and Welcome, imported by App) are what
// the app opens on, so they are in the main bundle; every other screen is a
// chunk of its own, fetched on its first visit or, earlier, by
// `preloadScreens` once the first screen has been painted. The first bundle
// is ~30% smaller that way, and the webview parses and runs less before the
// first paint (BENCHMARKS.md, start-up).

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
 * Loads every screen in the background, one after another so the first
 * screen's own work is not crowded out. A failure is left for the visit to
 * report, where the user can retry.
 */
export async function preloadScreens(): Promise<void> {
  for (const id of Object.keys(LOADERS) as ScreenId[]) {
    await loadScreen(id).catch(() => undefined)
  }
}
