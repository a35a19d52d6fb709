-- 006_audit_spool.sql - API log rows that waited in a responder's spool file.
--
-- A row the store could not take when its call was answered (the database locked past
-- the busy timeout, or unable to write) is appended to a spool file under the state
-- directory with an id of its own, and inserted later by reconcile. The id makes the
-- insert happen once, however often a drain is repeated after a crash. Rows written
-- at once have none.

ALTER TABLE partner_api_logs ADD COLUMN spool_id TEXT;
CREATE UNIQUE INDEX partner_api_logs_spool ON partner_api_logs (spool_id)
    WHERE spool_id IS NOT NULL;
