// The one door from the UI to the Rust side.
//
// `bindings.ts` is generated from the Rust types (tauri-specta) and is the
// only file allowed to import `@tauri-apps/*`; this module is the only one
// allowed to import `bindings.ts`. Components call the functions below, get
// plain values back, and see every failure as an `IpcFailure` carrying the
// backend's `{code, message, details?}`. Tests replace this module with
// `vi.mock`, so nothing here may hold UI state.

import { commands } from './bindings'
import { IpcFailure, toIpcFailure } from './ipc-failure'
import type { AppInfo, ErrorCode, IpcError, Language, Settings } from './bindings'

export type { AppInfo, ErrorCode, IpcError, Language, Settings }
export { IpcFailure, toIpcFailure }

type CommandResult<T> = { status: 'ok'; data: T } | { status: 'error'; error: IpcError }

function unwrap<T>(result: CommandResult<T>): T {
  if (result.status === 'ok') return result.data
  throw new IpcFailure(result.error)
}

async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (thrown) {
    throw toIpcFailure(thrown)
  }
}

async function callResult<T>(run: () => Promise<CommandResult<T>>): Promise<T> {
  return unwrap(await call(run))
}

/** Version and data folder of the running app. */
export function appInfo(): Promise<AppInfo> {
  return call(() => commands.appInfo())
}

export function getSettings(): Promise<Settings> {
  return callResult(() => commands.getSettings())
}

/** Saves and returns the settings as stored (the backend validates too). */
export function saveSettings(settings: Settings): Promise<Settings> {
  return callResult(() => commands.saveSettings(settings))
}

/**
 * A saved profile as far as the shell needs it. The accounts screen will use
 * the generated `ProfileSummary` type once the profile commands exist.
 */
export type ProfileSummaryLike = Record<string, unknown>

/**
 * The saved profiles. Until the backend has a `listProfiles` command this
 * resolves to an empty list, which is the truth: no profile can exist yet.
 */
export async function listProfiles(): Promise<ProfileSummaryLike[]> {
  const command = (commands as unknown as Record<string, unknown>)['listProfiles']
  if (typeof command !== 'function') return []
  const raw: unknown = await call(() => (command as () => Promise<unknown>)())
  if (isCommandResult(raw)) return asList(unwrap(raw))
  return asList(raw)
}

function isCommandResult(value: unknown): value is CommandResult<unknown> {
  if (typeof value !== 'object' || value === null) return false
  const status = (value as { status?: unknown }).status
  return (status === 'ok' && 'data' in value) || (status === 'error' && 'error' in value)
}

function asList(value: unknown): ProfileSummaryLike[] {
  if (!Array.isArray(value)) {
    throw new IpcFailure({ code: 'decode', message: 'listProfiles did not return a list' })
  }
  return value as ProfileSummaryLike[]
}
