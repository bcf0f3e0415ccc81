-- 0020: what the app observed about Meituan's quota (issue 18 item 10).
-- The daily limit (the tier) and the reset at 北京时间 0 点 are our
-- assumptions: no source states the reset time. These tables keep what
-- Meituan actually did, so the app can adjust and say so.

-- One row per observation, per profile, kept 90 days (pruned on write).
-- kind: early_refusal = Meituan refused for quota before the local count
-- reached the assumed limit; accepted_after_used_up = a probe the user asked
-- for after the local count said "used up" was accepted; probe_refused = such
-- a probe was refused for quota (the limit is confirmed for that day).
-- `used` is the day's local count then (including that call);
-- `assumed_limit` the daily limit the app assumed then.
CREATE TABLE quota_observations (
    id            INTEGER PRIMARY KEY,
    profile_id    TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    observed_at   TEXT NOT NULL,           -- RFC 3339, +08:00
    day           TEXT NOT NULL,           -- Beijing date, YYYY-MM-DD
    kind          TEXT NOT NULL CHECK (kind IN ('early_refusal', 'accepted_after_used_up', 'probe_refused',
                                        'refused_above_limit')),
    used          INTEGER NOT NULL CHECK (used >= 0),
    assumed_limit INTEGER NOT NULL CHECK (assumed_limit > 0)
) STRICT;
CREATE INDEX quota_observations_by_profile ON quota_observations (profile_id, day);

-- A daily limit learned from observations, set by the user from the app's
-- suggestion. The ledger uses it instead of the tier's while the profile's
-- tier is still `tier` (a new tier drops it).
CREATE TABLE quota_learned_limits (
    profile_id  TEXT PRIMARY KEY NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    daily_limit INTEGER NOT NULL CHECK (daily_limit > 0),
    tier        TEXT NOT NULL,
    set_at      TEXT NOT NULL
) STRICT;

-- probe_call_id: the call-log row of the day's latest probe (one at a time).
-- reopened: Meituan accepted a probe after the day was used up; the ledger
-- lets calls through again until Meituan refuses one.
ALTER TABLE quota_days ADD COLUMN probe_call_id INTEGER;
ALTER TABLE quota_days ADD COLUMN reopened INTEGER NOT NULL DEFAULT 0 CHECK (reopened IN (0, 1));

-- Early refusals already in the ledger become observations, against each
-- profile's tier now (the limit the quota screen has been showing).
INSERT INTO quota_observations (profile_id, observed_at, day, kind, used, assumed_limit)
SELECT p.id, q.server_exhausted_at, q.day, 'early_refusal', q.used, CAST(p.tier AS INTEGER)
  FROM quota_days q JOIN profiles p ON p.appkey = q.appkey
 WHERE q.server_exhausted_at IS NOT NULL
   AND p.tier <> 'unlimited'
   AND q.used < CAST(p.tier AS INTEGER);
