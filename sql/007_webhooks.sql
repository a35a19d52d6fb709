-- 007_webhooks.sql - webhook delivery, the end states of a debt, chain cursors.
--
-- The migration runner applies this with foreign keys off and checks them before it
-- commits (SQLite's procedure for changing a table other tables refer to): the
-- tables whose CHECKs change are rebuilt and renamed into place.

-- Partners: the secret a rotation replaced, kept until prev_until so deliveries carry
-- both signatures; the endpoint switched off by a 410 (or an admin) until re-enabled;
-- the last event sequence number; when a limit warning was last sent (once per
-- crossing: the day for the daily limit, a flag for the total one).
ALTER TABLE partners ADD COLUMN webhook_secret_prev TEXT NOT NULL DEFAULT '';
ALTER TABLE partners ADD COLUMN webhook_secret_prev_until_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE partners ADD COLUMN webhook_disabled_at_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE partners ADD COLUMN webhook_disabled_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE partners ADD COLUMN event_seq INTEGER NOT NULL DEFAULT 0
    CHECK (typeof(event_seq) = 'integer' AND event_seq >= 0);
ALTER TABLE partners ADD COLUMN limit_warn_day TEXT NOT NULL DEFAULT '';
ALTER TABLE partners ADD COLUMN limit_warn_total INTEGER NOT NULL DEFAULT 0
    CHECK (limit_warn_total IN (0, 1));

-- Events: a stable id, the partner's sequence number, the data (the payload without
-- its envelope, which the dispatcher adds), and the delivery state. status: 0
-- PENDING, 1 DELIVERING (claimed by owner until lease_until_ms), 2 DELIVERED, 3 DEAD
-- (every attempt of the schedule failed), 4 SKIPPED (no endpoint when it was due).
CREATE TABLE webhook_outbox_v2 (
    id INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    partner_id TEXT NOT NULL,
    seq INTEGER NOT NULL CHECK (typeof(seq) = 'integer' AND seq > 0),
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    status INTEGER NOT NULL CHECK (status BETWEEN 0 AND 4),
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at_ms INTEGER NOT NULL,
    owner TEXT NOT NULL DEFAULT '',
    lease_until_ms INTEGER NOT NULL DEFAULT 0,
    last_status_code INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at_ms INTEGER NOT NULL,
    delivered_at_ms INTEGER NOT NULL DEFAULT 0,
    updated_at_ms INTEGER NOT NULL,
    UNIQUE (partner_id, seq)
);
INSERT INTO webhook_outbox_v2 (id, event_id, partner_id, seq, event_type, payload, status,
                               attempts, next_attempt_at_ms, last_error, created_at_ms,
                               delivered_at_ms, updated_at_ms)
    SELECT id, 'evt_' || lower(hex(randomblob(16))), partner_id,
           ROW_NUMBER() OVER (PARTITION BY partner_id ORDER BY id), event_type, payload,
           CASE status WHEN 1 THEN 0 ELSE status END, attempts, next_attempt_at_ms, last_error,
           created_at_ms, delivered_at_ms, created_at_ms
    FROM webhook_outbox;
UPDATE partners SET event_seq =
    (SELECT COUNT(*) FROM webhook_outbox_v2 WHERE webhook_outbox_v2.partner_id = partners.id);
DROP TABLE webhook_outbox;
ALTER TABLE webhook_outbox_v2 RENAME TO webhook_outbox;
-- The head of each partner's queue, and what is due.
CREATE INDEX webhook_outbox_partner_seq ON webhook_outbox (partner_id, status, seq);
CREATE INDEX webhook_outbox_due ON webhook_outbox (status, next_attempt_at_ms);
CREATE INDEX webhook_outbox_partner_created ON webhook_outbox (partner_id, created_at_ms);
CREATE INDEX webhook_outbox_created ON webhook_outbox (created_at_ms);

-- Every delivery attempt: when, what the endpoint answered (status 0: no answer) and
-- the first bytes of its body, how long it took, what became of the event (outcome:
-- 0 DELIVERED, 1 RETRY, 2 DEAD, 3 ENDPOINT_DISABLED). Never a secret or a signature.
CREATE TABLE webhook_attempts (
    id INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL,
    partner_id TEXT NOT NULL,
    attempt INTEGER NOT NULL CHECK (attempt > 0),
    url TEXT NOT NULL,
    started_at_ms INTEGER NOT NULL,
    status_code INTEGER NOT NULL,
    latency_ms INTEGER NOT NULL CHECK (latency_ms >= 0),
    outcome INTEGER NOT NULL CHECK (outcome BETWEEN 0 AND 3),
    response_head TEXT NOT NULL DEFAULT '',
    error TEXT NOT NULL DEFAULT '',
    dispatcher TEXT NOT NULL DEFAULT ''
);
CREATE INDEX webhook_attempts_event ON webhook_attempts (event_id, id);
CREATE INDEX webhook_attempts_partner ON webhook_attempts (partner_id, started_at_ms);

-- Loans take their end states DEFAULTED (5) and LIQUIDATED (6). A liquidated loan's
-- debt is cleared by the vault: its LIQUIDATION entry (kind 1 below) counts as repaid.
CREATE TABLE partner_loans_v2 (
    id TEXT PRIMARY KEY NOT NULL,
    partner_id TEXT NOT NULL REFERENCES partners (id),
    partner_loan_id TEXT NOT NULL,
    user_wallet TEXT NOT NULL COLLATE NOCASE,
    oaid TEXT NOT NULL,
    position_id TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (typeof(amount) = 'integer' AND amount > 0),
    fee INTEGER NOT NULL CHECK (typeof(fee) = 'integer' AND fee >= 0 AND fee <= amount),
    net INTEGER NOT NULL CHECK (typeof(net) = 'integer' AND net = amount - fee),
    remaining INTEGER NOT NULL CHECK (typeof(remaining) = 'integer' AND remaining >= 0),
    repaid INTEGER NOT NULL CHECK (typeof(repaid) = 'integer' AND repaid >= 0),
    repay_pending INTEGER NOT NULL
        CHECK (typeof(repay_pending) = 'integer' AND repay_pending BETWEEN 0 AND remaining),
    status INTEGER NOT NULL CHECK (status BETWEEN 0 AND 6),
    request_hash TEXT NOT NULL,
    day TEXT NOT NULL,
    borrow_tx TEXT NOT NULL DEFAULT '',
    transfer_tx TEXT NOT NULL DEFAULT '',
    failure_reason TEXT NOT NULL DEFAULT '',
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    metadata TEXT NOT NULL DEFAULT '',
    remaining_credit TEXT NOT NULL DEFAULT '',
    owner TEXT NOT NULL DEFAULT '',
    lease_until_ms INTEGER NOT NULL DEFAULT 0,
    UNIQUE (partner_id, partner_loan_id),
    -- Principal is either still owed or repaid; a failed loan owes nothing.
    CHECK (status = 4 OR remaining + repaid = amount)
);
INSERT INTO partner_loans_v2 SELECT id, partner_id, partner_loan_id, user_wallet, oaid,
    position_id, amount, fee, net, remaining, repaid, repay_pending, status, request_hash, day,
    borrow_tx, transfer_tx, failure_reason, created_at_ms, updated_at_ms, metadata,
    remaining_credit, owner, lease_until_ms FROM partner_loans;
DROP TABLE partner_loans;
ALTER TABLE partner_loans_v2 RENAME TO partner_loans;
CREATE INDEX partner_loans_partner_created ON partner_loans (partner_id, created_at_ms);
CREATE INDEX partner_loans_wallet_created ON partner_loans (user_wallet, created_at_ms);
CREATE INDEX partner_loans_status_created ON partner_loans (status, created_at_ms);
CREATE INDEX partner_loans_created ON partner_loans (created_at_ms);

-- Repayment entries: 0 REPAYMENT (the partner's), 1 LIQUIDATION (the vault cleared
-- the debt; repay_tx is the liquidation's transaction).
ALTER TABLE loan_repayments ADD COLUMN kind INTEGER NOT NULL DEFAULT 0 CHECK (kind IN (0, 1));

-- The ledger takes LIQUIDATION rows (kind 5).
CREATE TABLE partner_ledger_v3 (
    id INTEGER PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners (id),
    loan_id TEXT REFERENCES partner_loans (id),
    partner_loan_id TEXT NOT NULL,
    kind INTEGER NOT NULL CHECK (kind BETWEEN 0 AND 5),
    amount INTEGER NOT NULL CHECK (typeof(amount) = 'integer' AND amount >= 0),
    tx_hash TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    CHECK ((kind = 4) = (loan_id IS NULL))
);
INSERT INTO partner_ledger_v3 SELECT id, partner_id, loan_id, partner_loan_id, kind, amount,
    tx_hash, created_at_ms FROM partner_ledger;
DROP TABLE partner_ledger;
ALTER TABLE partner_ledger_v3 RENAME TO partner_ledger;
CREATE INDEX partner_ledger_partner_created ON partner_ledger (partner_id, created_at_ms);
CREATE INDEX partner_ledger_loan ON partner_ledger (loan_id);

-- Where a scan of chain logs stopped (name: "liquidations"): the last block read.
CREATE TABLE chain_cursors (
    name TEXT PRIMARY KEY,
    block INTEGER NOT NULL CHECK (block >= 0),
    updated_at_ms INTEGER NOT NULL
);
