-- 0007: the callback URL registered per profile (the 回调密钥 itself lives in
-- the keychain only) and the order events the local receiver accepted.
CREATE TABLE callback_config (
    profile_id    TEXT PRIMARY KEY NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    url           TEXT NOT NULL,
    registered_at TEXT NOT NULL,
    via           TEXT NOT NULL CHECK (via IN ('sandbox', 'manual'))
) STRICT;

-- One row per distinct order event. `scope` is the profile id the receiver
-- runs for ('' for `mtu callback serve` without a profile); `event_key` is
-- the SHA-256 of the signed fields without `sign`, so a replayed push maps
-- to the same row and only bumps `duplicates`.
CREATE TABLE callback_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    scope       TEXT NOT NULL,
    event_key   TEXT NOT NULL,
    order_id    TEXT NOT NULL,
    status      TEXT NOT NULL,
    mod_time    TEXT NOT NULL DEFAULT '',
    pay_time    TEXT NOT NULL DEFAULT '',
    sid         TEXT NOT NULL DEFAULT '',
    pay_price   TEXT NOT NULL DEFAULT '',
    appkey      TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL,
    received_at TEXT NOT NULL,
    duplicates  INTEGER NOT NULL DEFAULT 0,
    UNIQUE (scope, event_key)
) STRICT;
CREATE INDEX callback_events_by_scope ON callback_events (scope, id);
CREATE TRIGGER callback_events_follow_profiles AFTER DELETE ON profiles
BEGIN
    DELETE FROM callback_events WHERE scope = old.id;
END;
