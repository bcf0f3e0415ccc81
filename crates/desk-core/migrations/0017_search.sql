-- 0017: 选品 (issue 20 item 1): search pages kept for the Beijing day they
-- were fetched (a page asked again that day costs no call), the day's
-- filter lists, the image URLs search answers named (the only ones the
-- app fetches) with their cached file, and the 收藏 list.
CREATE TABLE search_pages (
    profile_id  TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    query_key   TEXT NOT NULL,
    page        INTEGER NOT NULL,
    day         TEXT NOT NULL,
    page_json   TEXT NOT NULL,
    search_id   TEXT,
    fetched_at  TEXT NOT NULL,
    PRIMARY KEY (profile_id, query_key, page)
) STRICT, WITHOUT ROWID;

CREATE TABLE search_filters (
    profile_id   TEXT NOT NULL PRIMARY KEY REFERENCES profiles(id) ON DELETE CASCADE,
    day          TEXT NOT NULL,
    filters_json TEXT NOT NULL,
    fetched_at   TEXT NOT NULL
) STRICT;

CREATE TABLE search_images (
    profile_id TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    url        TEXT NOT NULL,
    file       TEXT,
    mime       TEXT,
    named_at   TEXT NOT NULL,
    PRIMARY KEY (profile_id, url)
) STRICT, WITHOUT ROWID;

CREATE TABLE favorites (
    profile_id TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    item_json  TEXT NOT NULL,
    added_at   TEXT NOT NULL,
    PRIMARY KEY (profile_id, key)
) STRICT;
