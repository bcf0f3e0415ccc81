// Stand-in for `src/lib/ipc.ts` in component tests:
//   vi.mock('../lib/ipc', () => import('../test/ipc-mock'))
// The backend is an in-memory settings row plus a profile list.

import { vi } from 'vitest'
import type * as Real from '../lib/ipc'
import type { AppInfo, ProfileSummary, QuotaOverview, Settings } from '../lib/ipc'

export { IpcFailure, toIpcFailure } from '../lib/ipc-failure'
// Data, not a command: the real list from the bindings.
export const { TIERS } = await vi.importActual<typeof Real>('../lib/ipc')

export const appInfo = vi.fn<typeof Real.appInfo>()
export const startupPainted = vi.fn<typeof Real.startupPainted>()
export const getSettings = vi.fn<typeof Real.getSettings>()
export const saveSettings = vi.fn<typeof Real.saveSettings>()
export const listProfiles = vi.fn<typeof Real.listProfiles>()

export const TEST_APP_INFO: AppInfo = { version: '0.1.0', data_dir: '/home/ada/.local/share/union-desk' }

const STORED_DEFAULTS: Settings = { language: 'zh-CN', clipboard_clear_secs: 30, sandbox_enabled: true }

/** Resets every mock to a healthy backend holding `stored`. */
export function resetBackend(stored: Partial<Settings> = {}, profiles: Partial<ProfileSummary>[] = []) {
  const row = { current: { ...STORED_DEFAULTS, ...stored } }
  getSettings.mockReset().mockImplementation(async () => ({ ...row.current }))
  saveSettings.mockReset().mockImplementation(async (settings) => {
    row.current = { ...settings }
    return { ...row.current }
  })
  appInfo.mockReset().mockResolvedValue(TEST_APP_INFO)
  startupPainted.mockReset().mockResolvedValue(undefined)
  resetAccountsBackend(profiles.map(testProfile))
  return row
}

// --- Accounts and quota -----------------------------------------------------

export const createProfile = vi.fn<typeof Real.createProfile>()
export const createSandboxProfile = vi.fn<typeof Real.createSandboxProfile>()
export const updateProfile = vi.fn<typeof Real.updateProfile>()
export const deleteProfile = vi.fn<typeof Real.deleteProfile>()
export const setSecret = vi.fn<typeof Real.setSecret>()
export const importSecretFromText = vi.fn<typeof Real.importSecretFromText>()
export const verifyProfile = vi.fn<typeof Real.verifyProfile>()
export const revealSecret = vi.fn<typeof Real.revealSecret>()
export const copySecret = vi.fn<typeof Real.copySecret>()
export const quotaStatus = vi.fn<typeof Real.quotaStatus>()
export const quotaObservations = vi.fn<typeof Real.quotaObservations>()
export const quotaProbe = vi.fn<typeof Real.quotaProbe>()
export const quotaSetLearnedLimit = vi.fn<typeof Real.quotaSetLearnedLimit>()

/** No observations yet: the quiet default of the observations card. */
export const TEST_QUOTA_OBSERVATIONS: Real.QuotaObservations = {
  entries: [],
  suggestion: null,
  learned_limit: null,
  tier_limit: 2000,
}

/** A 1×1 PNG: what `revealSecret` returns in tests (no secret in it). */
export const TEST_SECRET_IMAGE =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg=='

/** A complete profile summary with test values, overridden by `partial`. */
export function testProfile(partial: Partial<ProfileSummary> = {}): ProfileSummary {
  return {
    id: 'p1',
    name: '主账号',
    appkey: '0123456789abcdef0123456789abcdef',
    generation: 'legacy',
    base_url: 'https://openapi.meituan.com',
    sandbox: false,
    tier: '2000',
    auth_status: 'not_open',
    auth_checked: true,
    auth_applications: 0,
    auth_applied_at: null,
    has_api_secret: true,
    has_callback_secret: false,
    api_secret_hint: '••••1a2b',
    callback_secret_hint: null,
    created_at: '2026-11-30T08:00:00+08:00',
    ...partial,
  }
}

/** A quota overview: `used` of `limit` today, a quiet history before it. */
export function testQuota(used: number, limit: number | null = 2000): QuotaOverview {
  const level =
    limit === null ? 'normal' : used >= limit ? 'exhausted' : used * 100 >= limit * 95 ? 'critical' : used * 100 >= limit * 80 ? 'warning' : 'normal'
  const history = Array.from({ length: 30 }, (_, i) => ({
    day: `2026-11-${String(i + 1).padStart(2, '0')}`,
    used: i === 29 ? used : (i * 37) % 500,
    server_exhausted: false,
  }))
  return {
    status: {
      day: '2026-11-30',
      used,
      limit,
      remaining: limit === null ? null : Math.max(0, limit - used),
      resets_at: '2026-12-01T00:00:00+08:00',
      tier: limit === null ? 'unlimited' : (String(limit) as ProfileSummary['tier']),
      level,
      server_exhausted: false,
      early_refusal: null,
      reopened: false,
      limit_learned: false,
    },
    history,
  }
}

/** The profile list behind the mocks: creating and deleting change it. */
export const backendProfiles: { current: ProfileSummary[] } = { current: [] }

function add(profile: ProfileSummary): ProfileSummary {
  backendProfiles.current = [...backendProfiles.current, profile]
  return { ...profile }
}

function resetAccountsBackend(profiles: ProfileSummary[]) {
  backendProfiles.current = profiles
  listProfiles.mockReset().mockImplementation(async () => backendProfiles.current.map((p) => ({ ...p })))
  createProfile.mockReset().mockImplementation(async (input) =>
    add(testProfile({ id: 'p-new', name: input.name, appkey: input.appkey, generation: input.generation })),
  )
  createSandboxProfile
    .mockReset()
    .mockImplementation(async () =>
      add(testProfile({ id: 'sb', name: '沙盒', sandbox: true, base_url: null, auth_status: 'open' })),
    )
  updateProfile.mockReset().mockImplementation(async (id, change) => {
    const current = backendProfiles.current.find((p) => p.id === id) ?? testProfile({ id })
    const updated: ProfileSummary = {
      ...current,
      name: change.name ?? current.name,
      tier: change.tier ?? current.tier,
      appkey: change.appkey ?? current.appkey,
      base_url: current.sandbox ? current.base_url : (change.base_url ?? current.base_url),
    }
    backendProfiles.current = backendProfiles.current.map((p) => (p.id === id ? updated : p))
    return { ...updated }
  })
  deleteProfile.mockReset().mockImplementation(async (id) => {
    backendProfiles.current = backendProfiles.current.filter((p) => p.id !== id)
  })
  setSecret.mockReset().mockImplementation(async (id, kind, secret) =>
    testProfile({ id, [`${kind}_hint`]: `••••${secret.slice(-4)}`, [`has_${kind}`]: true }),
  )
  importSecretFromText.mockReset().mockImplementation(async (id, kind) =>
    testProfile({ id, [`${kind}_hint`]: '••••2eae', [`has_${kind}`]: true }),
  )
  verifyProfile.mockReset().mockImplementation(async (id) => ({
    profile_id: id,
    ok: true,
    problem: null,
    code: null,
    message: 'All good',
    offset_secs: null,
    resets_at: null,
    api_code: null,
    api_message: null,
    endpoint: '/api/orderList',
    latency_ms: 12,
    auth_status: 'open',
    auth_checked: true,
    checked_at: '2026-11-30T10:00:00+08:00',
  }))
  revealSecret.mockReset().mockResolvedValue(TEST_SECRET_IMAGE)
  copySecret.mockReset().mockResolvedValue({ clears_at: '2026-11-30T10:00:30+08:00', clear_after_secs: 30 })
  quotaStatus.mockReset().mockResolvedValue(testQuota(120))
  quotaObservations.mockReset().mockResolvedValue(TEST_QUOTA_OBSERVATIONS)
  quotaProbe.mockReset().mockRejectedValue(new Error('quotaProbe: not set up in this test'))
  quotaSetLearnedLimit.mockReset().mockResolvedValue(TEST_QUOTA_OBSERVATIONS)
}

// --- Console workflows and the callback (issue 7) -----------------------------
// Healthy defaults, so screens that embed the console components (quota)
// render them quietly; console tests override per case.

export const TEST_TIER_REPORT: Real.TierReport = {
  monthly_average: 688,
  source: 'estimate',
  estimated_average: 688,
  counted_orders: 2065,
  console_figure: null,
  history_from: 1_753_977_600,
  history_complete: true,
  history_days_needed: 97,
  months: [
    { month: '2026-08', orders: 600, counted: true, complete: true },
    { month: '2026-09', orders: 700, counted: true, complete: true },
    { month: '2026-10', orders: 765, counted: true, complete: true },
    { month: '2026-11', orders: 120, counted: false, complete: true },
  ],
  current_limit: 2000,
  current_tier: '2000',
  eligible_limit: 2000,
  eligible_tier: '2000',
  next: { tier: '3000', limit: 3000, min_monthly_orders: 1000, orders_needed: 312 },
  can_request: false,
  table: [
    { min_monthly_orders: 0, tier: '2000', daily_limit: 2000 },
    { min_monthly_orders: 1000, tier: '3000', daily_limit: 3000 },
    { min_monthly_orders: 2000, tier: '6000', daily_limit: 6000 },
    { min_monthly_orders: 5000, tier: '15000', daily_limit: 15000 },
    { min_monthly_orders: 10000, tier: 'unlimited', daily_limit: null },
  ],
  definition: '',
}
const TEST_AUTH: Real.AuthorizationView = {
  profile_id: 'p1',
  status: 'open',
  checked: true,
  applications: 1,
  applied_at: null,
  due_at: null,
  answer_due: false,
  sandbox: false,
  console_url: 'https://union.meituan.com/',
  console_path: '我要推广 → API 授权',
  request: null,
}
const NO_RECEIVER: Real.ReceiverStatus = { running: false, url: null, port: null, last_seq: 0 }
export const tierReport = vi.fn<typeof Real.tierReport>(async () => TEST_TIER_REPORT)
export const setConsoleAverage = vi.fn<typeof Real.setConsoleAverage>(async (_id, n) =>
  n === null
    ? TEST_TIER_REPORT
    : {
        ...TEST_TIER_REPORT,
        monthly_average: n,
        source: 'console',
        console_figure: { monthly_orders: n, entered_at: '2026-11-30T10:00:00+08:00' },
      },
)
export const authorizationView = vi.fn<typeof Real.authorizationView>(async () => TEST_AUTH)
export const authorizationApply = vi.fn<typeof Real.authorizationApply>(async () => TEST_AUTH)
export const authorizationRefresh = vi.fn<typeof Real.authorizationRefresh>(async () => TEST_AUTH)
export const authorizationMark = vi.fn<typeof Real.authorizationMark>(async () => TEST_AUTH)
export const requestsHistory = vi.fn<typeof Real.requestsHistory>(async () => [])
export const requestsRefresh = vi.fn<typeof Real.requestsRefresh>(async () => [])
export const openConsole = vi.fn<typeof Real.openConsole>(async () => null)
export const frequencyRequest = vi.fn<typeof Real.frequencyRequest>()
export const recordRequestOutcome = vi.fn<typeof Real.recordRequestOutcome>()
export const specialCaseDraft = vi.fn<typeof Real.specialCaseDraft>()
export const specialCaseFile = vi.fn<typeof Real.specialCaseFile>()
export const workdaysDue = vi.fn<typeof Real.workdaysDue>()
export const callbackConfig = vi.fn<typeof Real.callbackConfig>(async (profileId) => ({
  profile_id: profileId,
  url: null,
  registered_at: null,
  via: null,
  has_secret: false,
  secret_masked: null,
  url_warnings: [],
}))
export const callbackValidateUrl = vi.fn<typeof Real.callbackValidateUrl>(async (url) => ({ url, warnings: [] }))
export const callbackRegister = vi.fn<typeof Real.callbackRegister>()
export const callbackTestPush = vi.fn<typeof Real.callbackTestPush>()
export const callbackReceiverStart = vi.fn<typeof Real.callbackReceiverStart>()
export const callbackReceiverStop = vi.fn<typeof Real.callbackReceiverStop>(async () => NO_RECEIVER)
export const callbackReceiverStatus = vi.fn<typeof Real.callbackReceiverStatus>(async () => NO_RECEIVER)
export const callbackFeed = vi.fn<typeof Real.callbackFeed>(async () => [])

// --- Search (选品), favorites and mini-program codes (issue 20) ---------------
// Quiet defaults so the search screen renders in the app tests: no sid, no
// favorite, a search that finds nothing.

export const listSids = vi.fn<typeof Real.listSids>(async () => [])
export const searchFilters = vi.fn<typeof Real.searchFilters>(async () => ({
  supported: true,
  generation: 'legacy',
  keyword: false,
  platforms: [],
  cities: [],
  categories: [],
  lists: [],
}))
export const searchProducts = vi.fn<typeof Real.searchProducts>(async (_profileId, query) => ({
  query,
  items: [],
  has_next: false,
  from_cache: false,
  calls_spent: 1,
  next_page_cached: false,
  fetched_at: '2026-12-05T10:00:00+08:00',
}))
export const searchImage = vi.fn<typeof Real.searchImage>()
export const favoritesList = vi.fn<typeof Real.favoritesList>(async () => [])
export const favoriteAdd = vi.fn<typeof Real.favoriteAdd>(async () => [])
export const favoriteRemove = vi.fn<typeof Real.favoriteRemove>(async () => [])
export const favoritesToBatch = vi.fn<typeof Real.favoritesToBatch>()
export const miniCode = vi.fn<typeof Real.miniCode>()
export const saveMiniCode = vi.fn<typeof Real.saveMiniCode>()
export const copyMiniCode = vi.fn<typeof Real.copyMiniCode>()
