-- 003_loan_contract.sql - what the partner plan's loans and partners carry that
-- lendgate did not keep yet.
--
-- metadata: the partner's own description of the loan (the plan's partnerUserId,
-- loanPurpose, customFields), stored as canonical JSON (keys sorted, no spaces) and
-- returned with the loan, never interpreted; '' when the borrow had none.
-- remaining_credit: the OAID's available credit after this loan, as read on chain when
-- the loan was reserved (the plan's remainingCredit), decimal; '' for loans made
-- before this migration.

ALTER TABLE partner_loans ADD COLUMN metadata TEXT NOT NULL DEFAULT '';
ALTER TABLE partner_loans ADD COLUMN remaining_credit TEXT NOT NULL DEFAULT '';

-- The partner plan's partner fields lendgate did not keep yet: the partner's contact
-- and signing wallets, its onboarding flags, and the admin who created it.
ALTER TABLE partners ADD COLUMN contact_wallet TEXT NOT NULL DEFAULT '';
ALTER TABLE partners ADD COLUMN public_key TEXT NOT NULL DEFAULT '';
ALTER TABLE partners ADD COLUMN kyc_verified INTEGER NOT NULL DEFAULT 0
    CHECK (kyc_verified IN (0, 1));
ALTER TABLE partners ADD COLUMN contract_signed INTEGER NOT NULL DEFAULT 0
    CHECK (contract_signed IN (0, 1));
ALTER TABLE partners ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
