-- 0002: profiles (accounts). Secrets are never here: they live in the OS
-- keychain under service "union-desk", user "profile-<id>-<kind>".
CREATE TABLE profiles (
    -- Random 64-bit hex, so keychain entries of two data folders never collide.
    id                   TEXT PRIMARY KEY NOT NULL,
    name                 TEXT NOT NULL UNIQUE COLLATE NOCASE,
    appkey               TEXT NOT NULL,
    generation           TEXT NOT NULL CHECK (generation IN ('legacy', 'media')),
    -- NULL exactly for a sandbox profile: the embedded sandbox's address
    -- changes at every start and is resolved at call time.
    base_url             TEXT,
    sandbox              INTEGER NOT NULL DEFAULT 0 CHECK (sandbox IN (0, 1)),
    tier                 TEXT NOT NULL
                         CHECK (tier IN ('2000', '3000', '6000', '15000', 'unlimited')),
    auth_status          TEXT NOT NULL DEFAULT 'not_open'
                         CHECK (auth_status IN ('not_open', 'applying', 'open', 'refused')),
    -- How many times authorization was applied for (the first is answered in
    -- about an hour, a later one in two working days).
    auth_applications    INTEGER NOT NULL DEFAULT 0,
    auth_applied_at      TEXT,
    -- The last four characters of each secret, for the masked display
    -- (`••••1a2b`) without a keychain read per list; NULL = no secret stored.
    api_secret_hint      TEXT CHECK (api_secret_hint IS NULL OR length(api_secret_hint) <= 4),
    callback_secret_hint TEXT CHECK (callback_secret_hint IS NULL OR length(callback_secret_hint) <= 4),
    created_at           TEXT NOT NULL,
    CHECK ((sandbox = 1) = (base_url IS NULL))
) STRICT;
