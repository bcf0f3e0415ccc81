import { describe, expect, it, vi } from 'vitest'
import type { ScreenId } from '../lib/router.svelte'
import { SCREENS } from '../lib/router.svelte'
import { loadScreen, prefetchScreen, readyScreen } from '.'

describe('screen loader', () => {
  it('has the first screen ready and loads any other on request, once', async () => {
    expect(readyScreen('accounts')).toBeTypeOf('function')
    expect(readyScreen('links')).toBeUndefined()
    const links = await loadScreen('links')
    expect(links).toBeTypeOf('function')
    expect(readyScreen('links')).toBe(links)
    expect(await loadScreen('links')).toBe(links)
  })

  it('prefetches a screen ahead of its visit', async () => {
    expect(readyScreen('debugger')).toBeUndefined()
    prefetchScreen('debugger')
    await vi.waitFor(() => expect(readyScreen('debugger')).toBeTypeOf('function'))
  })

  it('loads every screen, each a different component', async () => {
    const ids: ScreenId[] = SCREENS.map((s) => s.id)
    const components = await Promise.all(ids.map((id) => loadScreen(id)))
    for (const c of components) expect(c).toBeTypeOf('function')
    expect(new Set(components).size).toBe(ids.length)
  })
})
