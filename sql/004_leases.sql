-- 004_leases.sql - who is working on a loan or a repayment in flight.
--
-- A borrow or repay request records its process (owner: boot id/pid/start time, see
-- lg_proc_owner) and how long it may need (lease_until_ms) in the same transaction
-- that starts the work, and clears both when it answers 202 and leaves the rest to
-- reconcile. Reconcile takes over at once when the lease is clear, has expired, or
-- names a process of this host that has ended; it never touches work whose owner is
-- alive within its lease. Rows from before this migration have no owner.

ALTER TABLE partner_loans ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE partner_loans ADD COLUMN lease_until_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE loan_repayments ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE loan_repayments ADD COLUMN lease_until_ms INTEGER NOT NULL DEFAULT 0;
