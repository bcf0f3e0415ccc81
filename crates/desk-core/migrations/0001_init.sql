-- 0001: settings (key/value; values are JSON text, never secrets).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;
