-- 010_sandbox.sql - the sandbox. A partner's sandbox keys belong to its sandbox twin:
-- a partners row of its own (id "<live id>.sandbox", live_id naming the live partner),
-- so the twin's loans, limits, daily usage, totals, ledger and webhook events are kept
-- apart from the live partner's by the partner id every one of them already carries.
-- The twin takes the live partner's settings (a change of the live partner is copied
-- onto it in the same transaction) and keeps its own money columns.
ALTER TABLE partners ADD COLUMN live_id TEXT REFERENCES partners (id);
CREATE UNIQUE INDEX partners_live_id ON partners (live_id) WHERE live_id IS NOT NULL;

-- What the chain side writes is kept per chain: the sandbox runs on a chain of its own,
-- where the same wallet may hold an OAID of the same number, and its transactions are
-- watched by the sandbox's reconcile only. sandbox is 1 on the rows written through a
-- sandbox store handle (lg_store_set_sandbox).
ALTER TABLE chain_txs ADD COLUMN sandbox INTEGER NOT NULL DEFAULT 0 CHECK (sandbox IN (0, 1));

CREATE TABLE solvency_positions_v2 (
    sandbox INTEGER NOT NULL DEFAULT 0 CHECK (sandbox IN (0, 1)),
    wallet TEXT NOT NULL COLLATE NOCASE,
    oaid TEXT NOT NULL,
    position_id TEXT NOT NULL,
    collateral_token TEXT NOT NULL,
    collateral_amount TEXT NOT NULL,
    collateral_value TEXT NOT NULL,
    usdc_borrowed TEXT NOT NULL,
    health_factor TEXT NOT NULL,
    token_type INTEGER NOT NULL,
    active INTEGER NOT NULL CHECK (active IN (0, 1)),
    total_partner_debt INTEGER NOT NULL DEFAULT 0
        CHECK (typeof(total_partner_debt) = 'integer' AND total_partner_debt >= 0),
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (sandbox, wallet, oaid)
);
INSERT INTO solvency_positions_v2 SELECT 0, wallet, oaid, position_id, collateral_token,
    collateral_amount, collateral_value, usdc_borrowed, health_factor, token_type, active,
    total_partner_debt, updated_at_ms FROM solvency_positions;

CREATE TABLE solvency_position_loans_v2 (
    id INTEGER PRIMARY KEY,
    sandbox INTEGER NOT NULL DEFAULT 0 CHECK (sandbox IN (0, 1)),
    wallet TEXT NOT NULL COLLATE NOCASE,
    oaid TEXT NOT NULL,
    loan_id TEXT NOT NULL UNIQUE REFERENCES partner_loans (id),
    debt INTEGER NOT NULL CHECK (typeof(debt) = 'integer' AND debt >= 0),
    repaid INTEGER NOT NULL DEFAULT 0 CHECK (repaid IN (0, 1)),
    attached_at_ms INTEGER NOT NULL,
    FOREIGN KEY (sandbox, wallet, oaid) REFERENCES solvency_positions (sandbox, wallet, oaid)
);
INSERT INTO solvency_position_loans_v2 SELECT id, 0, wallet, oaid, loan_id, debt, repaid,
    attached_at_ms FROM solvency_position_loans;

DROP TABLE solvency_position_loans;
DROP TABLE solvency_positions;
ALTER TABLE solvency_positions_v2 RENAME TO solvency_positions;
ALTER TABLE solvency_position_loans_v2 RENAME TO solvency_position_loans;
CREATE INDEX solvency_position_loans_position
    ON solvency_position_loans (sandbox, wallet, oaid, id);
