-- 0009: one order sync per profile at a time, across processes (the app and
-- `mtu` share the database). A sync holds its profile's lease, renews it
-- with every page, and drops it at the end; a lease whose holder died
-- (killed process) expires and the next sync takes it over.
CREATE TABLE sync_leases (
    profile_id TEXT PRIMARY KEY NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    holder     TEXT NOT NULL,
    -- Epoch seconds (the injected clock's).
    expires_at INTEGER NOT NULL
) STRICT;
