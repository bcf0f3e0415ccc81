// The one door from the UI to the Rust side.
//
// `bindings.ts` is generated from the Rust types (tauri-specta) and is the
// only file allowed to import `@tauri-apps/*`; this module is the only one
// allowed to import `bindings.ts`. Every type and every command name comes
// from there: this file declares no payload type of its own and calls no
// command by string, so a change on the Rust side breaks the type check here.
// Components call the functions below, get plain values back, and see every
// failure as an `IpcFailure` carrying the backend's `{code, message, details?}`.
// Tests replace this module with `vi.mock`, so nothing here may hold UI state.

import { commands, TIERS } from './bindings'
import type { DayUsage, Generation, IpcError, QuotaStatus, Result } from './bindings'
import { IpcFailure, toIpcFailure } from './ipc-failure'

export type * from './bindings'
export { IpcFailure, toIpcFailure }
/** The call-frequency tiers, lowest first, as the Rust side defines them. */
export { TIERS }

/** Today's quota and the last 30 Beijing days, for the quota screen (two commands). */
export type QuotaOverview = { status: QuotaStatus; history: DayUsage[] }

async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (thrown) {
    throw toIpcFailure(thrown)
  }
}

async function callResult<T>(run: () => Promise<Result<T, IpcError>>): Promise<T> {
  const result = await call(run)
  if (result.status === 'ok') return result.data
  throw new IpcFailure(result.error)
}

/** A generated command that cannot fail on the Rust side, with rejections as `IpcFailure`. */
function plain<A extends unknown[], T>(command: (...args: A) => Promise<T>): (...args: A) => Promise<T> {
  return (...args) => call(() => command(...args))
}

/** A generated command returning `Result`: its value, or its error thrown as `IpcFailure`. */
function unwrapped<A extends unknown[], T>(
  command: (...args: A) => Promise<Result<T, IpcError>>,
): (...args: A) => Promise<T> {
  return (...args) => callResult(() => command(...args))
}

// ---------------------------------------------------------------------------
// App and settings.

/** Version and data folder of the running app. */
export const appInfo = plain(commands.appInfo)
/** Tells the app its first screen is painted: a start-up figure for its log. */
export const startupPainted = plain(commands.startupPainted)
export const getSettings = unwrapped(commands.getSettings)
/** Saves and returns the settings as stored (the backend validates too). */
export const saveSettings = unwrapped(commands.saveSettings)

// ---------------------------------------------------------------------------
// Profiles, secrets and quota. Secrets go in (typed or pasted); nothing here
// ever receives one: reveal returns a picture, copy happens in Rust.

/** The saved profiles, oldest first. */
export const listProfiles = unwrapped(commands.listProfiles)
/** Creates a profile; secrets go straight to the OS keychain. */
export const createProfile = unwrapped(commands.createProfile)
/** Creates a profile on the embedded sandbox's demo account. */
export const createSandboxProfile = (generation: Generation = 'legacy') =>
  callResult(() => commands.createSandboxProfile(null, generation))
/** Changes the fields that are not `null`; `base_url` is ignored for sandbox profiles. */
export const updateProfile = unwrapped(commands.updateProfile)
/** Deletes a profile and its keychain entries. */
export const deleteProfile = (id: string): Promise<void> =>
  callResult(() => commands.deleteProfile(id)).then(() => undefined)
/** Stores or replaces one secret. */
export const setSecret = unwrapped(commands.setSecret)
/** Finds the 32-hex key in text pasted from the console and stores it. */
export const importSecretFromText = unwrapped(commands.importSecretFromText)
/** One cheap signed call with a plain-words diagnosis. */
export const verifyProfile = unwrapped(commands.verifyProfile)
/** The secret drawn as a PNG `data:` URL; the text itself never crosses IPC. */
export const revealSecret = unwrapped(commands.revealSecret)
/** Copies the secret in Rust (marked sensitive); returns when it is cleared. */
export const copySecret = unwrapped(commands.copySecret)

/** Today's quota and the last 30 days for one profile. */
export async function quotaStatus(profileId: string): Promise<QuotaOverview> {
  const [status, history] = await Promise.all([
    callResult(() => commands.quotaStatus(profileId)),
    callResult(() => commands.quotaHistory(profileId, 30)),
  ])
  return { status, history }
}
/** What the app observed about a profile's quota, what it suggests, the learned limit. */
export const quotaObservations = unwrapped(commands.quotaObservations)
/** The one probe call beyond a used-up day (costs one call; may be refused). */
export const quotaProbe = unwrapped(commands.quotaProbe)
/** Adopts a learned daily limit (`null`: back to the tier's). */
export const quotaSetLearnedLimit = unwrapped(commands.quotaSetLearnedLimit)

// ---------------------------------------------------------------------------
// Links and orders.

export const listSids = unwrapped(commands.sidsList)
export const createSid = unwrapped(commands.sidCreate)
export const renameSid = unwrapped(commands.sidRename)
export const archiveSid = unwrapped(commands.sidSetArchived)
/** What fetching a sid's quality score over a range would cost now (0 when fetched today); no call. */
export const previewSidQuality = unwrapped(commands.sidQualityPreview)
/** A sid's daily quality score (1 call, or 0 when fetched today unless refresh). */
export const fetchSidQuality = unwrapped(commands.sidQualityFetch)
/** Generates a link, or answers from the library (`cached`: 0 calls). */
export const generateLink = unwrapped(commands.linkGenerate)
export const linkLibrary = unwrapped(commands.linkLibrary)
export const setLinkLabel = unwrapped(commands.linkSetLabel)
export const deleteLink = unwrapped(commands.linkDelete)
/** The QR code of a text as a PNG data URL, rendered in Rust. */
export const linkQr = unwrapped(commands.linkQr)
export const saveLinkQr = unwrapped(commands.linkSaveQr)
export const exportLinks = unwrapped(commands.linkExport)
/** Shows an exported file in the file manager; refused for a path outside the exports folder. */
export const revealExport = unwrapped(commands.revealExport)
export const createBatch = unwrapped(commands.batchCreate)
export const planBatch = unwrapped(commands.batchPlan)
export const runBatch = unwrapped(commands.batchRun)
export const batchSummary = unwrapped(commands.batchSummary)
/** Failed rows that may work now go back to pending; returns how many. */
export const retryBatchErrors = unwrapped(commands.batchRetryErrors)
export const listBatches = unwrapped(commands.batchList)
export const batchRows = unwrapped(commands.batchRows)
export const exportBatch = unwrapped(commands.batchExport)
export const planSync = unwrapped(commands.ordersSyncPlan)
export const syncOrders = unwrapped(commands.ordersSync)
export const syncStatus = unwrapped(commands.ordersSyncStatus)
export const listOrders = unwrapped(commands.ordersList)
export const orderStats = unwrapped(commands.ordersStats)
export const orderLines = unwrapped(commands.ordersLines)
export const orderDetail = unwrapped(commands.ordersDetail)
/** 查单: asks Meituan for one order by id (1–3 calls) and stores it. */
export const lookupOrder = unwrapped(commands.ordersLookup)
export const exportOrders = unwrapped(commands.ordersExport)
/** Rows written of rows to write by the profile's running export; null when none runs. */
export const exportOrdersProgress = plain(commands.ordersExportProgress)

// ---------------------------------------------------------------------------
// 选品 (product search), 收藏 (favorites) and 小程序码 (issue 20).

/** One page of products: today's cached page (0 calls) or one counted call. */
export const searchProducts = unwrapped(commands.searchProducts)
/** The filters the profile's API generation offers (kept for the day). */
export const searchFilters = unwrapped(commands.searchFilters)
/** A product picture an API answer named, fetched in Rust, as a `data:` URL (the CSP allows no remote image). */
export const searchImage = unwrapped(commands.searchImage)
/** The profile's favorites, kept across restarts. */
export const favoritesList = unwrapped(commands.favoritesList)
export const favoriteAdd = unwrapped(commands.favoriteAdd)
export const favoriteRemove = unwrapped(commands.favoriteRemove)
/** A batch of every favorite for one sid; returns the batch id (the links screen opens the newest batch). */
export const favoritesToBatch = unwrapped(commands.favoritesToBatch)
/** The 小程序码 of an act (legacy) or sku (media) and sid: one call the first time, then from the library. */
export const miniCode = unwrapped(commands.miniCode)
/** Saves a 小程序码 as a PNG in the exports folder; returns its path. */
export const saveMiniCode = unwrapped(commands.miniCodeSave)
/** Puts the 小程序码 image on the clipboard. */
export const copyMiniCode = unwrapped(commands.miniCodeCopy)

// ---------------------------------------------------------------------------
// Console workflows and the callback: working days, tier advisor, API
// authorization, request tracker, callback URL / test push / receiver.

export const workdaysDue = unwrapped(commands.workdaysDue)
export const tierReport = unwrapped(commands.tierReport)
export const setConsoleAverage = unwrapped(commands.tierSetConsoleAverage)
export const authorizationView = unwrapped(commands.authorizationView)
export const authorizationApply = unwrapped(commands.authorizationApply)
export const authorizationRefresh = unwrapped(commands.authorizationRefresh)
export const authorizationMark = unwrapped(commands.authorizationMark)
export const requestsHistory = unwrapped(commands.requestsHistory)
export const frequencyRequest = unwrapped(commands.frequencyRequest)
export const recordRequestOutcome = unwrapped(commands.requestRecordOutcome)
export const specialCaseDraft = unwrapped(commands.specialCaseDraft)
export const specialCaseFile = unwrapped(commands.specialCaseFile)
export const requestsRefresh = unwrapped(commands.requestsRefresh)
/** Opens https://union.meituan.com/ in the system browser (the address is fixed in Rust). */
export const openConsole = unwrapped(commands.openConsole)
export const callbackConfig = unwrapped(commands.callbackConfig)
export const callbackValidateUrl = unwrapped(commands.callbackValidateUrl)
/** `pastedSecret` only for real profiles; it goes to the keychain and never comes back. */
export const callbackRegister = unwrapped(commands.callbackRegister)
export const callbackTestPush = unwrapped(commands.callbackTestPush)
export const callbackReceiverStart = unwrapped(commands.callbackReceiverStart)
export const callbackReceiverStop = unwrapped(commands.callbackReceiverStop)
export const callbackReceiverStatus = unwrapped(commands.callbackReceiverStatus)
export const callbackFeed = unwrapped(commands.callbackFeed)
/** Signature debugger: checks a pasted request or push with the profile's secret (read in Rust; only masked text comes back). */
export const checkSignature = unwrapped(commands.debuggerCheck)
