// The error every IPC wrapper throws. Kept apart from `ipc.ts` so tests that
// replace `ipc.ts` with a mock still share the real class.

import type { ErrorCode, IpcError } from './ipc'

/** A command failure, as thrown by every function of `ipc.ts`. */
export class IpcFailure extends Error {
  readonly error: IpcError

  constructor(error: IpcError) {
    super(error.message)
    this.name = 'IpcFailure'
    this.error = error
  }

  get code(): ErrorCode {
    return this.error.code
  }
}

/** Wraps anything thrown or rejected into an `IpcFailure`. */
export function toIpcFailure(thrown: unknown): IpcFailure {
  if (thrown instanceof IpcFailure) return thrown
  if (isIpcError(thrown)) return new IpcFailure(thrown)
  // A bare rejection (no webview, unknown command, panic) has no code: it is
  // our bug, not the user's, so it maps to `internal`.
  const message =
    thrown instanceof Error ? thrown.message : typeof thrown === 'string' ? thrown : String(thrown)
  return new IpcFailure({ code: 'internal', message })
}

function isIpcError(value: unknown): value is IpcError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    typeof (value as { message?: unknown }).message === 'string'
  )
}
