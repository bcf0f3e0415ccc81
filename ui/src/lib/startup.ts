// The UI's start-up marks, in milliseconds since the page's navigation
// started. The first one is taken when this module is evaluated, which is
// the bundle's first line (main.ts imports it first).
import type { StartupMarks } from './ipc'

const scriptMs = performance.now()
let mountedMs = 0
let loadedMs = 0

const whole = (ms: number) => Math.max(0, Math.min(0xffff_ffff, Math.round(ms)))

export function markMounted(): void {
  mountedMs = performance.now()
}

export function markLoaded(): void {
  loadedMs = performance.now()
}

/** The marks so far, with `painted` taken now. */
export function startupMarks(): StartupMarks {
  return {
    script_ms: whole(scriptMs),
    mounted_ms: whole(mountedMs),
    loaded_ms: whole(loadedMs),
    painted_ms: whole(performance.now()),
  }
}
