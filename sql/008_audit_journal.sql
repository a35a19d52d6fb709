-- 008_audit_journal.sql - how far each audit journal file has been read into
-- partner_api_logs. The responders append every answered call's row to a journal
-- file of their own (one write, no lock, no transaction on the request path); an
-- ingester moves the rows into partner_api_logs in batches, and moves the file's
-- offset here in the same transaction, so a row is taken exactly once whatever
-- crashes when.
CREATE TABLE audit_journal (
    source TEXT PRIMARY KEY,
    offset_bytes INTEGER NOT NULL CHECK (typeof(offset_bytes) = 'integer' AND offset_bytes >= 0),
    rows INTEGER NOT NULL CHECK (rows >= 0),
    updated_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
