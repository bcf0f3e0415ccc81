// Stand-in for `src/lib/ipc.ts` in component tests:
//   vi.mock('../lib/ipc', () => import('../test/ipc-mock'))
// The backend is an in-memory settings row plus a profile list.

import { vi } from 'vitest'
import type * as Real from '../lib/ipc'
import type { AppInfo, ProfileSummaryLike, Settings } from '../lib/ipc'

export { IpcFailure, toIpcFailure } from '../lib/ipc-failure'

export const appInfo = vi.fn<typeof Real.appInfo>()
export const getSettings = vi.fn<typeof Real.getSettings>()
export const saveSettings = vi.fn<typeof Real.saveSettings>()
export const listProfiles = vi.fn<typeof Real.listProfiles>()

export const TEST_APP_INFO: AppInfo = { version: '0.1.0', data_dir: '/home/ada/.local/share/union-desk' }

const STORED_DEFAULTS: Settings = { language: 'zh-CN', clipboard_clear_secs: 30, sandbox_enabled: true }

/** Resets every mock to a healthy backend holding `stored`. */
export function resetBackend(stored: Partial<Settings> = {}, profiles: ProfileSummaryLike[] = []) {
  const row = { current: { ...STORED_DEFAULTS, ...stored } }
  getSettings.mockReset().mockImplementation(async () => ({ ...row.current }))
  saveSettings.mockReset().mockImplementation(async (settings) => {
    row.current = { ...settings }
    return { ...row.current }
  })
  appInfo.mockReset().mockResolvedValue(TEST_APP_INFO)
  listProfiles.mockReset().mockResolvedValue(profiles)
  return row
}
