-- 0011: an order's business line with its generation and platform. The two
-- API generations number lines differently (legacy 4 is 优选, media
-- platform 1 line 4 is 团好货), so `business_line` alone cannot be named or
-- filtered. `line_key` is meituan_union::OrderLine::key(): `legacy:2:1`,
-- `legacy:3`, `media:1:7`; NULL when Meituan sent no line.
ALTER TABLE orders ADD COLUMN platform INTEGER;
ALTER TABLE orders ADD COLUMN sub_business_line INTEGER;
ALTER TABLE orders ADD COLUMN line_key TEXT;

-- Media orders are the ones stored with `orderId` (legacy: `orderid`); a
-- media order without `platform` was asked for with the default, 1.
UPDATE orders SET
    platform = CASE WHEN json_extract(raw_json, '$.orderId') IS NOT NULL
                    THEN CAST(coalesce(json_extract(raw_json, '$.platform'), 1) AS INTEGER) END,
    sub_business_line = CASE WHEN json_extract(raw_json, '$.orderId') IS NULL
                              AND CAST(json_extract(raw_json, '$.subBusinessLine') AS INTEGER) > 0
                             THEN CAST(json_extract(raw_json, '$.subBusinessLine') AS INTEGER) END;

UPDATE orders SET line_key = CASE
    WHEN business_line IS NULL THEN NULL
    WHEN platform IS NOT NULL THEN 'media:' || platform || ':' || business_line
    WHEN sub_business_line IS NOT NULL THEN 'legacy:' || business_line || ':' || sub_business_line
    ELSE 'legacy:' || business_line END;

CREATE INDEX orders_by_line ON orders (profile_id, line_key, pay_time);
