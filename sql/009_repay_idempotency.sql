-- 009_repay_idempotency.sql - the Idempotency-Key of POST /partners/repay. A repayment
-- made with a key keeps it (NULL for none); a second request with the same key for the
-- same loan finds that repayment instead of drawing again. The index makes the key
-- unique per loan among pending and applied repayments, so of two concurrent retries
-- one inserts and the other finds it; a failed repayment, whose draw was given back,
-- frees its key for a new attempt, as a failed one frees its proof.
ALTER TABLE loan_repayments ADD COLUMN idem_key TEXT;
CREATE UNIQUE INDEX loan_repayments_idem_key ON loan_repayments (loan_id, idem_key)
    WHERE idem_key IS NOT NULL AND status <> 2;
