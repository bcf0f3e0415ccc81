-- 0018: 小程序码 (issue 20 item 2). A mini-program code is a link in the
-- library (links: legacy /api/miniCode, media get_referral_link linkType 6)
-- whose URL names an image; the image is fetched once and kept as a file in
-- <data folder>/minicodes/. One row per link that has its image kept: asked
-- again, the code is answered from here with no call and no fetch.
CREATE TABLE minicodes (
    link_id     INTEGER PRIMARY KEY REFERENCES links(id) ON DELETE CASCADE,
    -- File name inside <data folder>/minicodes/ (never a path).
    file        TEXT NOT NULL,
    -- png, jpeg, gif or webp (as its first bytes say).
    kind        TEXT NOT NULL,
    bytes       INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    fetched_at  TEXT NOT NULL
) STRICT;
