// Which desktop the page runs on, for choices CSS cannot make by itself.
// Linux gets its own font stack (app.css, `:root[data-os='linux']`): there
// WebKitGTK asks fontconfig about every family in the list until one
// matches, and each miss (Segoe UI, PingFang SC, …) costs start-up time.

export type DesktopOs = 'linux' | 'other'

/** The desktop, from the webview's user agent. */
export function desktopOs(userAgent: string): DesktopOs {
  return /\bLinux\b/.test(userAgent) && !/\bAndroid\b/.test(userAgent) ? 'linux' : 'other'
}

/** Marks `<html data-os=…>` before the first screen is drawn. */
export function markDesktopOs(root: HTMLElement = document.documentElement, userAgent = navigator.userAgent): void {
  root.dataset.os = desktopOs(userAgent)
}
