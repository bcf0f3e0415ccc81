-- 0016: 推广位质量分 (issue 20 item 3): the daily quality grade and
-- repurchase rate Meituan reports per sid (legacy /api/getqualityscorebysid),
-- kept per profile, sid, score type and day so a chart reopened the same
-- day costs no call. Values are stored as Meituan sent them (text).
CREATE TABLE quality_scores (
    profile_id      TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    sid             TEXT NOT NULL,
    score_type      INTEGER NOT NULL,
    day             TEXT NOT NULL,
    quality_grade   TEXT,
    repurchase_rate TEXT,
    fetched_at      TEXT NOT NULL,
    PRIMARY KEY (profile_id, sid, score_type, day)
) STRICT, WITHOUT ROWID;

-- Each range asked of Meituan and when (Beijing day and instant): a range
-- inside one fetched today is answered from quality_scores, including its
-- days Meituan had no row for.
CREATE TABLE quality_fetches (
    profile_id  TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    sid         TEXT NOT NULL,
    score_type  INTEGER NOT NULL,
    first_day   TEXT NOT NULL,
    last_day    TEXT NOT NULL,
    fetched_day TEXT NOT NULL,
    fetched_at  TEXT NOT NULL
) STRICT;
CREATE INDEX quality_fetches_by_sid ON quality_fetches (profile_id, sid, score_type, fetched_day);
