-- 002_partner_balance.sql - partners' repayment balances.
--
-- Platform money and partner money never mix: a repayment is paid only from USDC its
-- partner sent the platform wallet. Each such transfer is credited once, by its
-- transaction hash (partner_deposits), to partners.deposited; repayments draw on it
-- (partners.balance_used, loan_repayments.funded) and a failed one gives its draw
-- back. Repayments made before this migration drew nothing (funded = 0).

ALTER TABLE partners ADD COLUMN deposited INTEGER NOT NULL DEFAULT 0
    CHECK (typeof(deposited) = 'integer' AND deposited >= 0);
ALTER TABLE partners ADD COLUMN balance_used INTEGER NOT NULL DEFAULT 0
    CHECK (typeof(balance_used) = 'integer' AND balance_used >= 0);

ALTER TABLE loan_repayments ADD COLUMN funded INTEGER NOT NULL DEFAULT 0
    CHECK (typeof(funded) = 'integer' AND funded >= 0);

CREATE TABLE partner_deposits (
    tx_hash TEXT PRIMARY KEY NOT NULL COLLATE NOCASE,
    partner_id TEXT NOT NULL REFERENCES partners (id),
    amount INTEGER NOT NULL CHECK (typeof(amount) = 'integer' AND amount > 0),
    created_at_ms INTEGER NOT NULL
);
CREATE INDEX partner_deposits_partner_created ON partner_deposits (partner_id, created_at_ms);

-- The ledger takes DEPOSIT rows (kind 4), which belong to no loan: SQLite changes a
-- CHECK or a NOT NULL only by rebuilding the table.
CREATE TABLE partner_ledger_v2 (
    id INTEGER PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners (id),
    loan_id TEXT REFERENCES partner_loans (id),
    partner_loan_id TEXT NOT NULL,
    kind INTEGER NOT NULL CHECK (kind BETWEEN 0 AND 4),
    amount INTEGER NOT NULL CHECK (typeof(amount) = 'integer' AND amount >= 0),
    tx_hash TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    CHECK ((kind = 4) = (loan_id IS NULL))
);
INSERT INTO partner_ledger_v2 (id, partner_id, loan_id, partner_loan_id, kind, amount, tx_hash,
                               created_at_ms)
    SELECT id, partner_id, loan_id, partner_loan_id, kind, amount, tx_hash, created_at_ms
    FROM partner_ledger;
DROP TABLE partner_ledger;
ALTER TABLE partner_ledger_v2 RENAME TO partner_ledger;
CREATE INDEX partner_ledger_partner_created ON partner_ledger (partner_id, created_at_ms);
CREATE INDEX partner_ledger_loan ON partner_ledger (loan_id);
