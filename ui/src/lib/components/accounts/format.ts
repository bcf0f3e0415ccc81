// Small display helpers shared by the accounts and quota screens.

/** `HH:MM:SS` of an RFC 3339 time, as written (the backend writes +08:00). */
export function clockTime(rfc3339: string): string {
  const m = rfc3339.match(/T(\d{2}:\d{2}:\d{2})/)
  return m ? m[1] : rfc3339
}

/** `MM-DD HH:MM` of an RFC 3339 time, as written. */
export function shortDateTime(rfc3339: string): string {
  const m = rfc3339.match(/^\d{4}-(\d{2}-\d{2})T(\d{2}:\d{2})/)
  return m ? `${m[1]} ${m[2]}` : rfc3339
}
