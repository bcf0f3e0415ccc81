import { describe, expect, it } from 'vitest'
import type { ScreenId } from '../lib/router.svelte'
import { SCREENS } from '../lib/router.svelte'
import { loadScreen, preloadScreens, readyScreen } from '.'

describe('screen loader', () => {
  it('has the first screen ready and loads any other on request, once', async () => {
    expect(readyScreen('accounts')).toBeTypeOf('function')
    expect(readyScreen('links')).toBeUndefined()
    const links = await loadScreen('links')
    expect(links).toBeTypeOf('function')
    expect(readyScreen('links')).toBe(links)
    expect(await loadScreen('links')).toBe(links)
  })

  it('preloads every screen, each a different component', async () => {
    await preloadScreens()
    const ids: ScreenId[] = SCREENS.map((s) => s.id)
    const components = ids.map((id) => readyScreen(id))
    for (const c of components) expect(c).toBeTypeOf('function')
    expect(new Set(components).size).toBe(ids.length)
  })
})
