-- 005_job_leases.sql - jobs that run on one host at a time, across hosts.
--
-- reconcile (and, later, the webhook dispatcher) takes its row for a pass: owner is
-- the process (boot id/pid/start time, see lg_proc_owner), until_ms when the lease
-- runs out if the owner dies on another host. A lease is granted when the row is
-- missing, has run out, is the taker's own, or names a process of the taker's host
-- that the taker found ended.

CREATE TABLE job_leases (
    name     TEXT PRIMARY KEY,
    owner    TEXT NOT NULL,
    until_ms INTEGER NOT NULL
);
