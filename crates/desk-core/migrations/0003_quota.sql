-- 0003: the quota ledger. Meituan counts calls per appkey per Beijing day, so
-- the ledger does too. A call is reserved here (counted) before it is sent.
CREATE TABLE quota_days (
    appkey              TEXT NOT NULL,
    day                 TEXT NOT NULL,           -- Beijing date, YYYY-MM-DD
    used                INTEGER NOT NULL DEFAULT 0 CHECK (used >= 0),
    -- Set when the server refused for quota: the day is over whatever `used` says.
    server_exhausted_at TEXT,
    PRIMARY KEY (appkey, day)
) STRICT;

-- One row per reserved call: what was called and how it went. Never a
-- secret, a signature or a request body.
CREATE TABLE call_log (
    id          INTEGER PRIMARY KEY,
    -- No foreign key: the history outlives a deleted profile.
    profile_id  TEXT,
    appkey      TEXT NOT NULL,
    day         TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    endpoint    TEXT NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('pending', 'ok', 'error')),
    http_status INTEGER,
    api_code    TEXT,
    error_code  TEXT,
    latency_ms  INTEGER
) STRICT;
CREATE INDEX call_log_by_day ON call_log (appkey, day);
