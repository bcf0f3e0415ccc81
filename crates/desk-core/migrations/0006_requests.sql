-- 0006: console requests per profile: API authorization applications
-- (API 授权), frequency requests (频次申请) and special-case requests
-- (特殊情况申请), with their due times and outcomes. Never holds a secret.
CREATE TABLE console_requests (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    profile_id      TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('authorization', 'frequency', 'special_case')),
    status          TEXT NOT NULL CHECK (status IN ('filed', 'granted', 'refused')),
    -- 1 for a first application of its kind, 2 for the second, ...
    attempt         INTEGER NOT NULL DEFAULT 1,
    tier_before     TEXT,
    requested_tier  TEXT,
    tier_after      TEXT,
    monthly_average INTEGER,
    justification   TEXT,
    -- RFC 3339, +08:00.
    filed_at        TEXT NOT NULL,
    due_at          TEXT NOT NULL,
    answered_at     TEXT,
    -- When the "answer due" notification was shown (so it is shown once).
    notified_at     TEXT,
    note            TEXT,
    -- 'sandbox' when performed against the sandbox console, 'manual' when
    -- the user did it in the browser and marks the outcome.
    via             TEXT NOT NULL CHECK (via IN ('sandbox', 'manual'))
) STRICT;
CREATE INDEX console_requests_by_profile ON console_requests (profile_id, id);
