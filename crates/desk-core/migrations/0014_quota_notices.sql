-- 0014: which quota notices a profile got on a Beijing day (issue 19 item
-- 14): the desktop notification at 80 % and at 100 % of the daily limit
-- comes once per profile per day. `percent` is the highest threshold
-- notified (80 or 100); a row of an earlier day is stale and is deleted
-- when the next notice is recorded.
CREATE TABLE quota_notices (
    profile_id  TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    day         TEXT NOT NULL,
    percent     INTEGER NOT NULL CHECK (percent IN (80, 100)),
    notified_at TEXT NOT NULL,
    PRIMARY KEY (profile_id, day)
) STRICT;
