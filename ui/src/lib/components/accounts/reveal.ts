// When a revealed secret goes away again: after REVEAL_MS, or as soon as
// the user leaves the window (blur, or the page is hidden). Kept out of the
// component so the rule is one function with one cleanup.

/** How long a revealed secret stays on screen. */
export const REVEAL_MS = 30_000

/** Calls `hide` once when any of the conditions fires; returns the cleanup. */
export function armAutoHide(hide: () => void, ms: number = REVEAL_MS): () => void {
  let done = false
  const fire = () => {
    if (done) return
    cleanup()
    hide()
  }
  const onVisibility = () => {
    if (document.visibilityState === 'hidden') fire()
  }
  const timer = setTimeout(fire, ms)
  window.addEventListener('blur', fire)
  document.addEventListener('visibilitychange', onVisibility)
  function cleanup() {
    done = true
    clearTimeout(timer)
    window.removeEventListener('blur', fire)
    document.removeEventListener('visibilitychange', onVisibility)
  }
  return cleanup
}

/** Whether the secret image should be drawn light-on-dark. */
export function prefersDark(): boolean {
  return typeof window.matchMedia === 'function' && window.matchMedia('(prefers-color-scheme: dark)').matches
}
