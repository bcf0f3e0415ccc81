-- 0013: what the monthly-average estimate can honestly claim (issue 18
-- item 3).
-- `synced_from`: every change from this instant (epoch s) up to
-- `synced_until` is stored, so a Beijing month is complete when it lies
-- inside [synced_from, synced_until]. Existing states take the oldest stored
-- change as a lower bound (it may call a complete month incomplete, never
-- the other way round).
ALTER TABLE order_sync_state ADD COLUMN synced_from INTEGER;
UPDATE order_sync_state
   SET synced_from = coalesce(
       (SELECT min(o.mod_time) FROM orders o WHERE o.profile_id = order_sync_state.profile_id),
       synced_until)
 WHERE synced_until IS NOT NULL;

-- The monthly average order count the user read in the Meituan Union
-- console (数据中心) and typed in; preferred to the app's estimate.
CREATE TABLE tier_figures (
    profile_id     TEXT PRIMARY KEY NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    monthly_orders INTEGER NOT NULL CHECK (monthly_orders >= 0),
    entered_at     TEXT NOT NULL
) STRICT;
