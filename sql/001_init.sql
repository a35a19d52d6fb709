-- 001_init.sql - lendgate's SQLite schema.
--
-- Money is INTEGER micro-USDC. Every money column is checked to hold an integer
-- >= 0: SQLite turns an overflowing sum into a REAL, and the check then refuses the
-- row instead of storing a rounded amount. uint256 values (token ids, position ids,
-- vault figures) are decimal TEXT. Times are INTEGER milliseconds since the epoch,
-- UTC. Enumerations hold the values of the lg_* enums of include/lendgate/store.h.
-- schema_migrations is created by the migration runner itself.

CREATE TABLE partners (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    key_prefix TEXT NOT NULL UNIQUE,
    status INTEGER NOT NULL CHECK (status IN (0, 1, 2)),
    tier INTEGER NOT NULL CHECK (tier IN (0, 1, 2)),
    daily_limit INTEGER NOT NULL CHECK (typeof(daily_limit) = 'integer' AND daily_limit >= 0),
    total_limit INTEGER NOT NULL CHECK (typeof(total_limit) = 'integer' AND total_limit >= 0),
    fee_bps INTEGER NOT NULL CHECK (fee_bps BETWEEN 0 AND 10000),
    settlement_address TEXT NOT NULL,
    webhook_url TEXT NOT NULL,
    webhook_secret TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    rate_limit_rpm INTEGER NOT NULL CHECK (rate_limit_rpm >= 0),
    signing_required INTEGER NOT NULL CHECK (signing_required IN (0, 1)),
    signing_secret TEXT NOT NULL,
    ip_allowlist TEXT NOT NULL,
    outstanding INTEGER NOT NULL DEFAULT 0
        CHECK (typeof(outstanding) = 'integer' AND outstanding >= 0),
    total_borrowed INTEGER NOT NULL DEFAULT 0
        CHECK (typeof(total_borrowed) = 'integer' AND total_borrowed >= 0),
    total_repaid INTEGER NOT NULL DEFAULT 0
        CHECK (typeof(total_repaid) = 'integer' AND total_repaid >= 0),
    total_fees INTEGER NOT NULL DEFAULT 0
        CHECK (typeof(total_fees) = 'integer' AND total_fees >= 0),
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
);
CREATE INDEX partners_created ON partners (created_at_ms, id);
CREATE INDEX partners_status_created ON partners (status, created_at_ms, id);
CREATE INDEX partners_tier_created ON partners (tier, created_at_ms, id);

-- Several keys per partner: rotation keeps the old one valid until expires_at_ms.
-- NULL times mean "never" (expires, revoked, last used).
CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners (id),
    key_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    env TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER,
    revoked_at_ms INTEGER,
    last_used_at_ms INTEGER
);
CREATE INDEX api_keys_partner ON api_keys (partner_id, created_at_ms);

CREATE TABLE partner_loans (
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
    status INTEGER NOT NULL CHECK (status BETWEEN 0 AND 4),
    request_hash TEXT NOT NULL,
    day TEXT NOT NULL,
    borrow_tx TEXT NOT NULL DEFAULT '',
    transfer_tx TEXT NOT NULL DEFAULT '',
    failure_reason TEXT NOT NULL DEFAULT '',
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    UNIQUE (partner_id, partner_loan_id),
    -- Principal is either still owed or repaid; a failed loan owes nothing.
    CHECK (status = 4 OR remaining + repaid = amount)
);
CREATE INDEX partner_loans_partner_created ON partner_loans (partner_id, created_at_ms);
CREATE INDEX partner_loans_wallet_created ON partner_loans (user_wallet, created_at_ms);
CREATE INDEX partner_loans_status_created ON partner_loans (status, created_at_ms);
CREATE INDEX partner_loans_created ON partner_loans (created_at_ms);

CREATE TABLE loan_repayments (
    id TEXT PRIMARY KEY NOT NULL,
    loan_id TEXT NOT NULL REFERENCES partner_loans (id),
    partner_id TEXT NOT NULL REFERENCES partners (id),
    amount INTEGER NOT NULL CHECK (typeof(amount) = 'integer' AND amount > 0),
    proof_tx TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
    repay_tx TEXT NOT NULL DEFAULT '',
    status INTEGER NOT NULL CHECK (status BETWEEN 0 AND 2),
    failure_reason TEXT NOT NULL DEFAULT '',
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
);
-- A partner's transfer proves one repayment: a proof held by a pending or applied
-- repayment cannot be used again (in any letter case); a failed one frees it.
CREATE UNIQUE INDEX loan_repayments_proof ON loan_repayments (proof_tx)
    WHERE proof_tx <> '' AND status <> 2;
CREATE INDEX loan_repayments_loan ON loan_repayments (loan_id, created_at_ms);
CREATE INDEX loan_repayments_status ON loan_repayments (status, created_at_ms);

CREATE TABLE solvency_positions (
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
    PRIMARY KEY (wallet, oaid)
);

-- The partner loans of a position (its partner_loans[]), each with the debt it
-- still adds to total_partner_debt.
CREATE TABLE solvency_position_loans (
    id INTEGER PRIMARY KEY,
    wallet TEXT NOT NULL COLLATE NOCASE,
    oaid TEXT NOT NULL,
    loan_id TEXT NOT NULL UNIQUE REFERENCES partner_loans (id),
    debt INTEGER NOT NULL CHECK (typeof(debt) = 'integer' AND debt >= 0),
    repaid INTEGER NOT NULL DEFAULT 0 CHECK (repaid IN (0, 1)),
    attached_at_ms INTEGER NOT NULL,
    FOREIGN KEY (wallet, oaid) REFERENCES solvency_positions (wallet, oaid)
);
CREATE INDEX solvency_position_loans_position ON solvency_position_loans (wallet, oaid, id);

-- The hot write of every authenticated request: no foreign key, so logging never
-- fails for a partner that is being changed, and rows of unauthenticated requests
-- (partner_id '') are kept too.
CREATE TABLE partner_api_logs (
    id INTEGER PRIMARY KEY,
    partner_id TEXT NOT NULL,
    request_id TEXT NOT NULL,
    route TEXT NOT NULL,
    method TEXT NOT NULL,
    client_ip TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    payload TEXT NOT NULL,
    status_code INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    success INTEGER NOT NULL CHECK (success IN (0, 1)),
    error_message TEXT NOT NULL,
    wallet TEXT NOT NULL,
    oaid TEXT NOT NULL,
    loan_id TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL
);
CREATE INDEX partner_api_logs_partner_created ON partner_api_logs (partner_id, created_at_ms);
CREATE INDEX partner_api_logs_created ON partner_api_logs (created_at_ms);

CREATE TABLE partner_ledger (
    id INTEGER PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners (id),
    loan_id TEXT NOT NULL REFERENCES partner_loans (id),
    partner_loan_id TEXT NOT NULL,
    kind INTEGER NOT NULL CHECK (kind BETWEEN 0 AND 3),
    amount INTEGER NOT NULL CHECK (typeof(amount) = 'integer' AND amount >= 0),
    tx_hash TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL
);
CREATE INDEX partner_ledger_partner_created ON partner_ledger (partner_id, created_at_ms);
CREATE INDEX partner_ledger_loan ON partner_ledger (loan_id);

CREATE TABLE partner_daily_usage (
    partner_id TEXT NOT NULL REFERENCES partners (id),
    day TEXT NOT NULL,
    borrowed INTEGER NOT NULL CHECK (typeof(borrowed) = 'integer' AND borrowed >= 0),
    PRIMARY KEY (partner_id, day)
) WITHOUT ROWID;

CREATE TABLE webhook_outbox (
    id INTEGER PRIMARY KEY,
    partner_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    status INTEGER NOT NULL CHECK (status BETWEEN 0 AND 3),
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at_ms INTEGER NOT NULL,
    lease_until_ms INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at_ms INTEGER NOT NULL,
    delivered_at_ms INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (status, next_attempt_at_ms);
CREATE INDEX webhook_outbox_lease ON webhook_outbox (status, lease_until_ms);
CREATE INDEX webhook_outbox_status_created ON webhook_outbox (status, created_at_ms);
CREATE INDEX webhook_outbox_partner_created ON webhook_outbox (partner_id, created_at_ms);
CREATE INDEX webhook_outbox_created ON webhook_outbox (created_at_ms);

-- Addresses are stored lowercase.
CREATE TABLE nonces (
    chain_id INTEGER NOT NULL CHECK (chain_id >= 0),
    address TEXT NOT NULL,
    next_nonce INTEGER NOT NULL CHECK (typeof(next_nonce) = 'integer' AND next_nonce >= 0),
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (chain_id, address)
) WITHOUT ROWID;

-- Every signed transaction, before broadcast; several versions may share a nonce.
CREATE TABLE chain_txs (
    id INTEGER PRIMARY KEY,
    loan_id TEXT,
    repayment_id TEXT,
    purpose INTEGER NOT NULL CHECK (purpose BETWEEN 0 AND 4),
    chain_id INTEGER NOT NULL CHECK (chain_id >= 0),
    from_addr TEXT NOT NULL COLLATE NOCASE,
    nonce INTEGER NOT NULL CHECK (nonce >= 0),
    hash TEXT NOT NULL UNIQUE COLLATE NOCASE,
    raw TEXT NOT NULL,
    state INTEGER NOT NULL CHECK (state BETWEEN 0 AND 4),
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
);
CREATE INDEX chain_txs_nonce ON chain_txs (chain_id, from_addr, nonce);
CREATE INDEX chain_txs_loan ON chain_txs (loan_id);
CREATE INDEX chain_txs_repayment ON chain_txs (repayment_id);
CREATE INDEX chain_txs_state ON chain_txs (state);

CREATE TABLE admin_audit (
    id INTEGER PRIMARY KEY,
    admin TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    before_json TEXT NOT NULL,
    after_json TEXT NOT NULL,
    request_id TEXT NOT NULL,
    client_ip TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL
);
CREATE INDEX admin_audit_created ON admin_audit (created_at_ms);
CREATE INDEX admin_audit_admin_created ON admin_audit (admin, created_at_ms);
CREATE INDEX admin_audit_action_created ON admin_audit (action, created_at_ms);
CREATE INDEX admin_audit_target_created ON admin_audit (target, created_at_ms);
