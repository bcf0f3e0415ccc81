// The saved profiles and the one the user is working on, shared by every
// screen. Screens reload the list when they open (a cheap local read, as
// before); the selection is kept across screens as long as the profile
// exists. Changes the UI makes go through here (added / updated / removed),
// and so does the news that the backend changed a profile's tier.

import { listProfiles } from './ipc'
import type { ProfileSummary } from './ipc'

/**
 * A value loaded from the backend and why its last load failed: the small
 * helper behind the profile list. A failed load leaves `fallback` in place,
 * so a screen shows its empty state beside the error instead of stale data.
 */
export class Loadable<T> {
  /** `null` until the first load has ended. */
  value = $state.raw<T | null>(null)
  /** Why the last load failed; `null` when it worked (or runs). */
  failure = $state.raw<unknown>(null)
  readonly #fallback: T

  constructor(fallback: T) {
    this.#fallback = fallback
  }

  /** Runs `fetch`; never throws: returns whether it worked and keeps the failure. */
  async load(fetch: () => Promise<T>): Promise<boolean> {
    this.failure = null
    try {
      this.value = await fetch()
      return true
    } catch (e) {
      this.failure = e
      this.value = this.#fallback
      return false
    }
  }

  /** Back to "never loaded" (tests). */
  reset(): void {
    this.value = null
    this.failure = null
  }
}

class ProfileStore {
  readonly #list = new Loadable<ProfileSummary[]>([])
  #selectedId = $state('')
  #tierRevision = $state(0)

  /** The saved profiles, oldest first; `null` until the first load has ended. */
  get list(): ProfileSummary[] | null {
    return this.#list.value
  }

  /** Why the last load of the list failed, or `null`. */
  get failure(): unknown {
    return this.#list.failure
  }

  /** The id of the selected profile (`''` when there is none); bindable. */
  get selectedId(): string {
    return this.#selectedId
  }

  set selectedId(id: string) {
    this.#selectedId = id
  }

  /** The selected profile, or `null` when there is none (or the list is not loaded). */
  readonly selected = $derived(this.#list.value?.find((p) => p.id === this.#selectedId) ?? null)

  /** Bumped when an answered request may have changed a profile's tier. */
  get tierRevision(): number {
    return this.#tierRevision
  }

  /** Reloads the list; keeps the selection if the profile still exists, else selects the first. */
  async load(): Promise<boolean> {
    const ok = await this.#list.load(listProfiles)
    this.#keepSelection()
    return ok
  }

  /** A profile was created (or re-created): it joins the end of the list. */
  added(profile: ProfileSummary): void {
    this.#set([...(this.list ?? []).filter((p) => p.id !== profile.id), profile])
  }

  /** A profile was edited, verified or got a secret: its new summary replaces the old. */
  updated(profile: ProfileSummary): void {
    this.#set((this.list ?? []).map((p) => (p.id === profile.id ? profile : p)))
  }

  /** A profile was deleted; if it was selected, the first one left is. */
  removed(id: string): void {
    this.#set((this.list ?? []).filter((p) => p.id !== id))
  }

  /** The backend changed a profile's tier (a granted request): views of the tier reload. */
  tierChanged(): void {
    this.#tierRevision += 1
  }

  /** Forgets everything (tests: module state outlives a test). */
  reset(): void {
    this.#list.reset()
    this.#selectedId = ''
    this.#tierRevision = 0
  }

  #set(list: ProfileSummary[]): void {
    this.#list.value = list
    this.#keepSelection()
  }

  #keepSelection(): void {
    const list = this.#list.value ?? []
    // A failed load shows no profile but forgets nothing: the next load finds it again.
    if (list.length === 0) return
    if (!list.some((p) => p.id === this.#selectedId)) this.#selectedId = list[0].id
  }
}

/** The one profile store of the app. */
export const profiles = new ProfileStore()
