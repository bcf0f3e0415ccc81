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
import type {
  AppInfo,
  AuthStatus,
  CopyReceipt,
  CreateProfileInput,
  DayUsage,
  ErrorCode,
  Generation,
  IpcError,
  Language,
  ProfileSummary,
  ProfileUpdate,
  QuotaLevel,
  QuotaStatus,
  SecretKind,
  Settings,
  StartupMarks,
  Tier,
  VerifyProblem,
  VerifyReport,
} from './bindings'

export type {
  AppInfo,
  AuthStatus,
  CopyReceipt,
  CreateProfileInput,
  DayUsage,
  ErrorCode,
  Generation,
  IpcError,
  Language,
  ProfileSummary,
  ProfileUpdate,
  QuotaLevel,
  QuotaStatus,
  SecretKind,
  Settings,
  StartupMarks,
  Tier,
  VerifyProblem,
  VerifyReport,
}
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

/** Tells the app its first screen is painted: a start-up figure for its log. */
export function startupPainted(marks: StartupMarks): Promise<void> {
  return call(() => commands.startupPainted(marks))
}

export function getSettings(): Promise<Settings> {
  return callResult(() => commands.getSettings())
}

/** Saves and returns the settings as stored (the backend validates too). */
export function saveSettings(settings: Settings): Promise<Settings> {
  return callResult(() => commands.saveSettings(settings))
}

function isCommandResult(value: unknown): value is CommandResult<unknown> {
  if (typeof value !== 'object' || value === null) return false
  const status = (value as { status?: unknown }).status
  return (status === 'ok' && 'data' in value) || (status === 'error' && 'error' in value)
}

/** Calls a command by name (for sections written before their bindings). */
async function loose<T>(name: string, ...args: unknown[]): Promise<T> {
  const command = (commands as unknown as Record<string, unknown>)[name]
  if (typeof command !== 'function') {
    throw new IpcFailure({ code: 'internal', message: `the backend has no ${name} command yet` })
  }
  const raw: unknown = await call(() => (command as (...a: unknown[]) => Promise<unknown>)(...args))
  return (isCommandResult(raw) ? unwrap(raw) : raw) as T
}

// ---------------------------------------------------------------------------
// Profiles, secrets and quota. Secrets go in (typed or pasted); nothing here
// ever receives one: reveal returns a picture, copy happens in Rust.

/** Today's quota and the last 30 Beijing days, for the quota screen. */
export type QuotaOverview = { status: QuotaStatus; history: DayUsage[] }

/** The saved profiles, oldest first. */
export function listProfiles(): Promise<ProfileSummary[]> {
  return callResult(() => commands.listProfiles())
}

/** Creates a profile; secrets go straight to the OS keychain. */
export function createProfile(input: CreateProfileInput): Promise<ProfileSummary> {
  return callResult(() => commands.createProfile(input))
}

/** Creates a profile on the embedded sandbox's demo account. */
export function createSandboxProfile(generation: Generation = 'legacy'): Promise<ProfileSummary> {
  return callResult(() => commands.createSandboxProfile(null, generation))
}

/** Changes the fields that are not `null`; `base_url` is ignored for sandbox profiles. */
export function updateProfile(id: string, change: ProfileUpdate): Promise<ProfileSummary> {
  return callResult(() => commands.updateProfile(id, change))
}

/** Deletes a profile and its keychain entries. */
export function deleteProfile(id: string): Promise<void> {
  return callResult(() => commands.deleteProfile(id)).then(() => undefined)
}

/** Stores or replaces one secret. */
export function setSecret(id: string, kind: SecretKind, secret: string): Promise<ProfileSummary> {
  return callResult(() => commands.setSecret(id, kind, secret))
}

/** Finds the 32-hex key in text pasted from the console and stores it. */
export function importSecretFromText(id: string, kind: SecretKind, text: string): Promise<ProfileSummary> {
  return callResult(() => commands.importSecretFromText(id, kind, text))
}

/** One cheap signed call with a plain-words diagnosis. */
export function verifyProfile(id: string): Promise<VerifyReport> {
  return callResult(() => commands.verifyProfile(id))
}

/** The secret drawn as a PNG `data:` URL; the text itself never crosses IPC. */
export function revealSecret(id: string, kind: SecretKind, dark: boolean): Promise<string> {
  return callResult(() => commands.revealSecret(id, kind, dark))
}

/** Copies the secret in Rust (marked sensitive); returns when it is cleared. */
export function copySecret(id: string, kind: SecretKind): Promise<CopyReceipt> {
  return callResult(() => commands.copySecret(id, kind))
}

/** Today's quota and the last 30 days for one profile. */
export async function quotaStatus(profileId: string): Promise<QuotaOverview> {
  const [status, history] = await Promise.all([
    callResult(() => commands.quotaStatus(profileId)),
    callResult(() => commands.quotaHistory(profileId, 30)),
  ])
  return { status, history }
}

// ---------------------------------------------------------------------------
// Links and orders (issue 6). Types mirror desk-core's `links`, `batch`,
// `orders` and `sync` modules; calls go through `loose()` so the screens
// work before and after the bindings are regenerated.

export type TargetKind = 'act' | 'sku' | 'text'
export type Sid = { id: number; profile_id: string; sid: string; name: string; archived: boolean; created_at: string }
export type SidCreated = { sid: Sid; warnings: 'non_ascii'[] }
export type LinkRequest = {
  target_kind: TargetKind
  target: string
  sid: string
  link_types: number[]
  short_link: boolean
}
export type LinkEntry = {
  id: number
  target_kind: TargetKind
  target: string
  sid: string
  link_types: number[]
  short_link: boolean
  url: string
  links: Partial<Record<string, string>>
  label: string | null
  created_at: string
  library_hits: number
}
export type Generated = { link: LinkEntry; cached: boolean }
export type LibraryQuery = {
  search: string | null
  sid: string | null
  target_kind: TargetKind | null
  act_id: string | null
  link_type: number | null
}
export type LibraryPage = { total: number; entries: LinkEntry[] }
export type ExportFormat = 'csv' | 'xlsx'
export type BatchDefaults = { sid: string | null; link_types: number[]; short_link: boolean }
export type BatchCounts = { rows: number; pending: number; done: number; library: number; error: number }
export type BatchSummary = { id: number; created_at: string; source: string; counts: BatchCounts }
export type BatchPlan = {
  counts: BatchCounts
  from_library: number
  calls_needed: number
  remaining_today: number | null
  fits: boolean
}
export type BatchReport = { counts: BatchCounts; calls: number; interrupted: boolean }
export type RowStatus = 'pending' | 'done' | 'library' | 'error'
export type BatchRow = {
  row_no: number
  target_kind: TargetKind
  target: string
  sid: string
  link_types: number[]
  short_link: boolean
  status: RowStatus
  url: string | null
  error_code: ErrorCode | null
  error: string | null
}
export type OrderStatus = 'paid' | 'completed' | 'refunded' | 'cancelled' | 'risk' | 'settled'
export type OrderFilter = {
  from: string | null
  to: string | null
  sid: string | null
  status: OrderStatus | null
  business_line: number | null
}
export type OrderRow = {
  order_id: string
  pay_time: number
  mod_time: number
  sid: string
  status: OrderStatus
  raw_status: number
  business_line: number | null
  act_id: string | null
  product_name: string | null
  pay_price_cents: number
  profit_cents: number
  cpa_profit_cents: number
  refund_price_cents: number
  refund_profit_cents: number
}
export type OrderPage = { total: number; offset: number; rows: OrderRow[] }
export type Totals = {
  key: string
  orders: number
  pay_price_cents: number
  commission_cents: number
  valid_commission_cents: number
  refund_price_cents: number
}
export type OrderStats = { total: Totals; by_sid: Totals[]; by_day: Totals[] }
export type SyncOptions = { allow_reserve: boolean; initial_days: number | null; max_pages: number | null }
export type SyncPlan = {
  from: number
  to: number
  resumes: boolean
  windows: number
  min_calls: number
  estimated_calls: number
  remaining_today: number | null
  reserve: number | null
  usable: number | null
  fits: boolean
}
export type SyncReport = {
  pages: number
  calls: number
  new: number
  updated: number
  unchanged: number
  skipped: number
  complete: boolean
  stopped: 'page_budget' | 'reserve' | null
  synced_until: number | null
}
export type SyncStatus = { synced_until: number | null; interrupted: boolean; pages_done: number }

export const listSids = (profileId: string, includeArchived: boolean) =>
  loose<Sid[]>('sidsList', profileId, includeArchived)
export const createSid = (profileId: string, sid: string, name: string | null) =>
  loose<SidCreated>('sidCreate', profileId, sid, name)
export const renameSid = (id: number, name: string) => loose<Sid>('sidRename', id, name)
export const archiveSid = (id: number, archived: boolean) => loose<Sid>('sidSetArchived', id, archived)
/** Generates a link, or answers from the library (`cached`: 0 calls). */
export const generateLink = (profileId: string, request: LinkRequest) =>
  loose<Generated>('linkGenerate', profileId, request)
export const linkLibrary = (profileId: string, query: LibraryQuery, offset: number, limit: number) =>
  loose<LibraryPage>('linkLibrary', profileId, query, offset, limit)
export const setLinkLabel = (id: number, label: string) => loose<LinkEntry>('linkSetLabel', id, label)
export const deleteLink = (id: number) => loose<null>('linkDelete', id)
/** The QR code of a text as a PNG data URL, rendered in Rust. */
export const linkQr = (text: string) => loose<string>('linkQr', text)
export const saveLinkQr = (id: number) => loose<string>('linkSaveQr', id)
export const exportLinks = (profileId: string, query: LibraryQuery, format: ExportFormat) =>
  loose<string>('linkExport', profileId, query, format)
export const createBatch = (profileId: string, text: string, defaults: BatchDefaults) =>
  loose<BatchSummary>('batchCreate', profileId, text, defaults)
export const planBatch = (profileId: string, batchId: number) => loose<BatchPlan>('batchPlan', profileId, batchId)
export const runBatch = (profileId: string, batchId: number) => loose<BatchReport>('batchRun', profileId, batchId)
export const batchSummary = (batchId: number) => loose<BatchSummary>('batchSummary', batchId)
/** Failed rows that may work now go back to pending; returns how many. */
export const retryBatchErrors = (batchId: number) => loose<number>('batchRetryErrors', batchId)
export const listBatches = (profileId: string) => loose<BatchSummary[]>('batchList', profileId)
export const batchRows = (batchId: number, offset: number, limit: number) =>
  loose<BatchRow[]>('batchRows', batchId, offset, limit)
export const exportBatch = (batchId: number, format: ExportFormat) => loose<string>('batchExport', batchId, format)
export const planSync = (profileId: string, options: SyncOptions) =>
  loose<SyncPlan>('ordersSyncPlan', profileId, options)
export const syncOrders = (profileId: string, options: SyncOptions) =>
  loose<SyncReport>('ordersSync', profileId, options)
export const syncStatus = (profileId: string) => loose<SyncStatus>('ordersSyncStatus', profileId)
export const listOrders = (profileId: string, filter: OrderFilter, offset: number, limit: number) =>
  loose<OrderPage>('ordersList', profileId, filter, offset, limit)
export const orderStats = (profileId: string, filter: OrderFilter) =>
  loose<OrderStats>('ordersStats', profileId, filter)
export const exportOrders = (profileId: string, filter: OrderFilter, format: ExportFormat) =>
  loose<string>('ordersExport', profileId, filter, format)

// ---------------------------------------------------------------------------
// Console workflows and the callback (issue 7): working days, tier advisor,
// API authorization, request tracker, callback URL / test push / receiver.
// The types mirror desk-core's; calls are looked up by name so this section
// works whether or not the bindings were regenerated yet.

async function consoleCall<T>(name: string, ...args: unknown[]): Promise<T> {
  const command = (commands as unknown as Record<string, unknown>)[name]
  if (typeof command !== 'function') {
    throw new IpcFailure({ code: 'internal', message: `the backend has no ${name} command yet` })
  }
  return callResult(() => (command as (...a: unknown[]) => Promise<CommandResult<T>>)(...args))
}

export type DayKind =
  | { kind: 'workday' }
  | { kind: 'weekend' }
  | { kind: 'holiday'; name: string }
  | { kind: 'make_up_workday'; name: string }
export type DueTime = {
  due_at: string
  from: string
  working_days: number
  skipped: { date: string; kind: DayKind }[]
  assumed_years: number[]
  note: string | null
}
export type MonthCount = { month: string; orders: number; counted: boolean }
export type TierRow = { min_monthly_orders: number; tier: Tier; daily_limit: number | null }
export type NextTier = { tier: Tier; limit: number | null; min_monthly_orders: number; orders_needed: number }
export type TierReport = {
  monthly_average: number
  months: MonthCount[]
  current_limit: number | null
  current_tier: Tier
  eligible_limit: number | null
  eligible_tier: Tier
  next: NextTier | null
  can_request: boolean
  table: TierRow[]
  definition: string
}
export type RequestKind = 'authorization' | 'frequency' | 'special_case'
export type RequestStatus = 'filed' | 'granted' | 'refused'
export type ConsoleRequest = {
  id: number
  profile_id: string
  kind: RequestKind
  status: RequestStatus
  attempt: number
  tier_before: Tier | null
  requested_tier: Tier | null
  tier_after: Tier | null
  monthly_average: number | null
  justification: string | null
  filed_at: string
  due_at: string
  answered_at: string | null
  note: string | null
  via: string
  answer_due: boolean
}
export type AuthorizationView = {
  profile_id: string
  status: AuthStatus
  applications: number
  applied_at: string | null
  due_at: string | null
  answer_due: boolean
  sandbox: boolean
  console_url: string
  console_path: string
  request: ConsoleRequest | null
}
export type RequestOutcome = { outcome: 'granted'; tier: Tier } | { outcome: 'refused' }
export type SpecialCaseFigures = {
  tier: TierReport
  days_limit_hit: number
  days_considered: number
  peak_calls: number
  average_calls: number
  current_limit: number | null
  requested_tier: Tier | null
}
export type SpecialCaseDraft = { text: string; figures: SpecialCaseFigures }
export type CallbackConfig = {
  profile_id: string
  url: string | null
  registered_at: string | null
  via: string | null
  has_secret: boolean
  secret_masked: string | null
}
export type PushDiagnosis =
  | 'ok'
  | 'invalid_url'
  | 'dns'
  | 'connect'
  | 'tls'
  | 'timeout'
  | 'http_status'
  | 'wrong_secret'
  | 'unexpected_body'
export type TestPushReport = {
  url: string
  ok: boolean
  diagnosis: PushDiagnosis
  detail: string
  http_status: number | null
  reply: string | null
  elapsed_ms: number
  order_id: string
  forged_accepted: boolean | null
}
export type ReceiverStatus = { running: boolean; url: string | null; port: number | null; last_seq: number }
export type FeedOutcome = 'stored' | 'duplicate' | 'rejected'
export type FeedItem = {
  seq: number
  received_at: string
  outcome: FeedOutcome
  reason: string | null
  order_id: string | null
  status: string | null
  pay_price: string | null
  sid: string | null
  event_id: number | null
  bytes: number
}

export const workdaysDue = (from: string, days: number) => consoleCall<DueTime>('workdaysDue', from, days)
export const tierReport = (profileId: string) => consoleCall<TierReport>('tierReport', profileId)
export const authorizationView = (profileId: string) => consoleCall<AuthorizationView>('authorizationView', profileId)
export const authorizationApply = (profileId: string) =>
  consoleCall<AuthorizationView>('authorizationApply', profileId)
export const authorizationRefresh = (profileId: string) =>
  consoleCall<AuthorizationView>('authorizationRefresh', profileId)
export const authorizationMark = (profileId: string, granted: boolean) =>
  consoleCall<AuthorizationView>('authorizationMark', profileId, granted)
export const requestsHistory = (profileId: string) => consoleCall<ConsoleRequest[]>('requestsHistory', profileId)
export const frequencyRequest = (profileId: string) => consoleCall<ConsoleRequest>('frequencyRequest', profileId)
export const recordRequestOutcome = (id: number, outcome: RequestOutcome, note: string | null) =>
  consoleCall<ConsoleRequest>('requestRecordOutcome', id, outcome, note)
export const specialCaseDraft = (profileId: string) => consoleCall<SpecialCaseDraft>('specialCaseDraft', profileId)
export const specialCaseFile = (profileId: string, justification: string, requestedTier: Tier | null) =>
  consoleCall<ConsoleRequest>('specialCaseFile', profileId, justification, requestedTier)
export const requestsRefresh = (profileId: string) => consoleCall<ConsoleRequest[]>('requestsRefresh', profileId)
/** Opens https://union.meituan.com/ in the system browser (the address is fixed in Rust). */
export const openConsole = () => consoleCall<null>('openConsole')
export const callbackConfig = (profileId: string) => consoleCall<CallbackConfig>('callbackConfig', profileId)
export const callbackValidateUrl = (url: string) => consoleCall<string>('callbackValidateUrl', url)
/** `pastedSecret` only for real profiles; it goes to the keychain and never comes back. */
export const callbackRegister = (profileId: string, url: string, pastedSecret: string | null) =>
  consoleCall<CallbackConfig>('callbackRegister', profileId, url, pastedSecret)
export const callbackTestPush = (profileId: string, url: string | null) =>
  consoleCall<TestPushReport>('callbackTestPush', profileId, url)
export const callbackReceiverStart = (profileId: string, port: number, allowRemote: boolean) =>
  consoleCall<ReceiverStatus>('callbackReceiverStart', profileId, port, allowRemote)
export const callbackReceiverStop = (profileId: string) =>
  consoleCall<ReceiverStatus>('callbackReceiverStop', profileId)
export const callbackReceiverStatus = (profileId: string) =>
  consoleCall<ReceiverStatus>('callbackReceiverStatus', profileId)
export const callbackFeed = (profileId: string, after: number) =>
  consoleCall<FeedItem[]>('callbackFeed', profileId, after)
