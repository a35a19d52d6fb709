-- 011_cluster_guards.sql - rate counters and the replay cache shared by every host
-- ([store] cluster_guards; store.h: lg_store_rate_take, lg_store_replay_claim).
-- Both are written on the store's second, non-syncing connection: losing the last
-- counts to a power cut only lets a few requests more through, and it spares every
-- partner request an fsync. Rows past expires_at_ms hold nothing and are pruned by
-- the writes themselves (the expiry indexes make that one index seek).

-- One row per key: the fixed window counted in, its count and the count of the
-- window before (store.h explains the sliding estimate made of them).
CREATE TABLE guard_rates (
    key TEXT PRIMARY KEY,
    window_start_ms INTEGER NOT NULL CHECK (window_start_ms >= 0),
    current INTEGER NOT NULL CHECK (current >= 0),
    previous INTEGER NOT NULL CHECK (previous >= 0),
    expires_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX guard_rates_expiry ON guard_rates (expires_at_ms);

-- The SHA-256 of each accepted request signature (never the signature itself), kept
-- until expires_at_ms.
CREATE TABLE guard_replays (
    digest BLOB PRIMARY KEY CHECK (typeof(digest) = 'blob' AND length(digest) = 32),
    expires_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX guard_replays_expiry ON guard_replays (expires_at_ms);
