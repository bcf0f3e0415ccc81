-- 0010: when the API authorization status was last established by the app
-- (a verify, an authorization step, or the user recording the console's
-- answer). NULL: never checked, so the screens say 未检查 rather than
-- presenting the default 'not_open' as a fact (issue 19 item 5). Profiles
-- whose status was already set by a step count as checked.
ALTER TABLE profiles ADD COLUMN auth_checked_at TEXT;
UPDATE profiles SET auth_checked_at = created_at WHERE auth_status != 'not_open';
