-- 0020: the day totals tell an undocumented order status from 已付款.
-- An order whose raw status no source names is kept in `orders` as `paid`
-- (the table's CHECK allows only the six documented words) and read back as
-- unknown by its raw status: legacy 1 and media 2 are 已付款, anything else
-- stored as `paid` is unknown (orders::sql::KNOWN_PAID). The totals kept by
-- 0015's triggers now hold such an order under `unknown`, so the 已付款 and
-- 其他/未知 filters are answered from them like every other status (over
-- 1,000,000 orders the 已付款 filter had fallen back to a scan: ~5.4 s).
-- The triggers are made again with that status, and the totals rebuilt.
DROP TRIGGER orders_day_totals_insert;
DROP TRIGGER orders_day_totals_delete;
DROP TRIGGER orders_day_totals_update;

DELETE FROM order_day_totals;
INSERT INTO order_day_totals (profile_id, pay_day, sid, status, line_key, orders,
        pay_price_cents, commission_cents, refund_price_cents)
    SELECT profile_id, pay_day, sid,
           CASE WHEN status = 'paid' AND NOT ((platform IS NULL AND raw_status = 1)
                  OR (platform IS NOT NULL AND raw_status = 2))
             THEN 'unknown' ELSE status END,
           coalesce(line_key, ''), count(*),
           sum(pay_price_cents), sum(profit_cents + cpa_profit_cents), sum(refund_price_cents)
    FROM orders GROUP BY 1, 2, 3, 4, 5;

CREATE TRIGGER orders_day_totals_insert AFTER INSERT ON orders
BEGIN
    INSERT INTO order_day_totals (profile_id, pay_day, sid, status, line_key, orders,
            pay_price_cents, commission_cents, refund_price_cents)
        VALUES (NEW.profile_id, NEW.pay_day, NEW.sid,
                CASE WHEN NEW.status = 'paid' AND NOT ((NEW.platform IS NULL AND NEW.raw_status = 1)
                  OR (NEW.platform IS NOT NULL AND NEW.raw_status = 2))
             THEN 'unknown' ELSE NEW.status END,
                coalesce(NEW.line_key, ''), 1,
                NEW.pay_price_cents, NEW.profit_cents + NEW.cpa_profit_cents,
                NEW.refund_price_cents)
        ON CONFLICT (profile_id, pay_day, sid, status, line_key) DO UPDATE SET
            orders = orders + 1,
            pay_price_cents = pay_price_cents + excluded.pay_price_cents,
            commission_cents = commission_cents + excluded.commission_cents,
            refund_price_cents = refund_price_cents + excluded.refund_price_cents;
END;

CREATE TRIGGER orders_day_totals_delete AFTER DELETE ON orders
BEGIN
    UPDATE order_day_totals SET
            orders = orders - 1,
            pay_price_cents = pay_price_cents - OLD.pay_price_cents,
            commission_cents = commission_cents - (OLD.profit_cents + OLD.cpa_profit_cents),
            refund_price_cents = refund_price_cents - OLD.refund_price_cents
        WHERE profile_id = OLD.profile_id AND pay_day = OLD.pay_day AND sid = OLD.sid
          AND status = CASE WHEN OLD.status = 'paid' AND NOT ((OLD.platform IS NULL AND OLD.raw_status = 1)
                  OR (OLD.platform IS NOT NULL AND OLD.raw_status = 2))
             THEN 'unknown' ELSE OLD.status END
          AND line_key = coalesce(OLD.line_key, '');
END;

CREATE TRIGGER orders_day_totals_update AFTER UPDATE OF profile_id, pay_day, sid, status,
        line_key, pay_price_cents, profit_cents, cpa_profit_cents, refund_price_cents,
        raw_status, platform ON orders
    WHEN OLD.profile_id IS NOT NEW.profile_id OR OLD.pay_day IS NOT NEW.pay_day
      OR OLD.sid IS NOT NEW.sid OR OLD.status IS NOT NEW.status
      OR OLD.line_key IS NOT NEW.line_key OR OLD.pay_price_cents IS NOT NEW.pay_price_cents
      OR OLD.profit_cents IS NOT NEW.profit_cents
      OR OLD.cpa_profit_cents IS NOT NEW.cpa_profit_cents
      OR OLD.refund_price_cents IS NOT NEW.refund_price_cents
      OR OLD.raw_status IS NOT NEW.raw_status OR OLD.platform IS NOT NEW.platform
BEGIN
    UPDATE order_day_totals SET
            orders = orders - 1,
            pay_price_cents = pay_price_cents - OLD.pay_price_cents,
            commission_cents = commission_cents - (OLD.profit_cents + OLD.cpa_profit_cents),
            refund_price_cents = refund_price_cents - OLD.refund_price_cents
        WHERE profile_id = OLD.profile_id AND pay_day = OLD.pay_day AND sid = OLD.sid
          AND status = CASE WHEN OLD.status = 'paid' AND NOT ((OLD.platform IS NULL AND OLD.raw_status = 1)
                  OR (OLD.platform IS NOT NULL AND OLD.raw_status = 2))
             THEN 'unknown' ELSE OLD.status END
          AND line_key = coalesce(OLD.line_key, '');
    INSERT INTO order_day_totals (profile_id, pay_day, sid, status, line_key, orders,
            pay_price_cents, commission_cents, refund_price_cents)
        VALUES (NEW.profile_id, NEW.pay_day, NEW.sid,
                CASE WHEN NEW.status = 'paid' AND NOT ((NEW.platform IS NULL AND NEW.raw_status = 1)
                  OR (NEW.platform IS NOT NULL AND NEW.raw_status = 2))
             THEN 'unknown' ELSE NEW.status END,
                coalesce(NEW.line_key, ''), 1,
                NEW.pay_price_cents, NEW.profit_cents + NEW.cpa_profit_cents,
                NEW.refund_price_cents)
        ON CONFLICT (profile_id, pay_day, sid, status, line_key) DO UPDATE SET
            orders = orders + 1,
            pay_price_cents = pay_price_cents + excluded.pay_price_cents,
            commission_cents = commission_cents + excluded.commission_cents,
            refund_price_cents = refund_price_cents + excluded.refund_price_cents;
END;
