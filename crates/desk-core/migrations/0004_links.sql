-- 0004: promotion positions (推广位 / sid), the link library and link batches.

-- A sid is the code sent to Meituan; `name` is the user's label for it. The
-- code never changes once created (orders are attributed by it), so "rename"
-- changes the label only; archiving hides it from pickers but keeps its orders.
CREATE TABLE sids (
    id          INTEGER PRIMARY KEY,
    profile_id  TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    sid         TEXT NOT NULL,
    name        TEXT NOT NULL,
    archived    INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    created_at  TEXT NOT NULL,
    UNIQUE (profile_id, sid)
) STRICT;

-- Every generated link with the request that produced it. `request_key` is
-- the canonical form of the request: an identical request is answered from
-- here and spends no call.
CREATE TABLE links (
    id           INTEGER PRIMARY KEY,
    profile_id   TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    request_key  TEXT NOT NULL,
    target_kind  TEXT NOT NULL CHECK (target_kind IN ('act', 'sku', 'text')),
    target       TEXT NOT NULL,
    sid          TEXT NOT NULL,
    -- Comma-separated link type codes of the profile's generation ("1", "1,3").
    link_types   TEXT NOT NULL,
    short_link   INTEGER NOT NULL DEFAULT 0 CHECK (short_link IN (0, 1)),
    url          TEXT NOT NULL,
    -- Link type code -> URL when several types were asked for at once.
    links_json   TEXT NOT NULL DEFAULT '{}',
    label        TEXT,
    created_at   TEXT NOT NULL,
    -- How many times the library answered this request instead of the API.
    library_hits INTEGER NOT NULL DEFAULT 0,
    UNIQUE (profile_id, request_key)
) STRICT;
CREATE INDEX links_by_profile ON links (profile_id, id DESC);

-- A batch is persisted row by row so an interrupted run resumes without
-- repeating finished rows.
CREATE TABLE link_batches (
    id          INTEGER PRIMARY KEY,
    profile_id  TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    source      TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE link_batch_rows (
    batch_id     INTEGER NOT NULL REFERENCES link_batches(id) ON DELETE CASCADE,
    row_no       INTEGER NOT NULL,
    target_kind  TEXT NOT NULL CHECK (target_kind IN ('act', 'sku', 'text')),
    target       TEXT NOT NULL,
    sid          TEXT NOT NULL,
    link_types   TEXT NOT NULL,
    short_link   INTEGER NOT NULL DEFAULT 0 CHECK (short_link IN (0, 1)),
    status       TEXT NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'done', 'library', 'error')),
    url          TEXT,
    error_code   TEXT,
    error        TEXT,
    PRIMARY KEY (batch_id, row_no)
) STRICT;
