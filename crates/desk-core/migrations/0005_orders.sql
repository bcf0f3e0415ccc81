-- 0005: synced orders and the per-profile sync cursor.
-- profile_id is TEXT because profiles.id is (random hex, 0002).
CREATE TABLE orders (
    profile_id          TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    order_id            TEXT NOT NULL,
    pay_time            INTEGER NOT NULL,       -- epoch seconds
    mod_time            INTEGER NOT NULL,       -- epoch seconds (legacy modTime / media updateTime)
    sid                 TEXT NOT NULL DEFAULT '',
    -- normalized: paid | completed | refunded | cancelled | risk | settled
    status              TEXT NOT NULL
                        CHECK (status IN ('paid', 'completed', 'refunded', 'cancelled', 'risk', 'settled')),
    raw_status          INTEGER NOT NULL,
    business_line       INTEGER,
    act_id              TEXT,
    product_name        TEXT,
    pay_price_cents     INTEGER NOT NULL,
    profit_cents        INTEGER NOT NULL,
    -- CPA commission (legacy cpaProfit / media cpaProfit), kept apart from the CPS profit.
    cpa_profit_cents    INTEGER NOT NULL DEFAULT 0,
    refund_price_cents  INTEGER NOT NULL DEFAULT 0,
    refund_profit_cents INTEGER NOT NULL DEFAULT 0,
    raw_json            TEXT NOT NULL,
    -- Beijing date of pay_time (YYYY-MM-DD), for per-day totals and filters.
    pay_day             TEXT NOT NULL,
    PRIMARY KEY (profile_id, order_id)
) STRICT;
CREATE INDEX orders_by_pay_time ON orders (profile_id, pay_time);
CREATE INDEX orders_by_sid ON orders (profile_id, sid, pay_time);
CREATE INDEX orders_by_mod_time ON orders (profile_id, mod_time);

-- Where a profile's order sync stands. `synced_until`: every modification up
-- to this instant (epoch s) is stored. While a run is in progress, `run_*`
-- and the window/page/scroll cursor say what the next page is; the cursor is
-- written in the same transaction as that page's orders, so a run killed
-- anywhere resumes without fetching a page twice.
CREATE TABLE order_sync_state (
    profile_id    TEXT PRIMARY KEY NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    synced_until  INTEGER,
    run_from      INTEGER,
    run_to        INTEGER,
    window_start  INTEGER,
    line_index    INTEGER NOT NULL DEFAULT 0,
    next_page     INTEGER NOT NULL DEFAULT 1,
    total_pages   INTEGER,
    scroll_id     TEXT,
    pages_done    INTEGER NOT NULL DEFAULT 0,
    updated_at    TEXT
) STRICT;
