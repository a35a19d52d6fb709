// Generated from docs/openapi.yaml by scripts/gen-types.mjs; do not edit.
// `npm run generate` rewrites it, `npm run check:types` fails when it differs from
// what the contract gives now.
/* eslint-disable */

/** The version of the API contract (`info.version`) these types come from. */
export const API_VERSION = "1.0.0";

/** USDC base units (6 decimals) as a decimal string, 0 or more. */
export type Amount = string;

/**
 * USDC base units (6 decimals) as a decimal string greater than zero and at most
 * 18446744073709551615: digits only, no sign, exponent, decimal point or leading zero.
 */
export type PositiveAmount = string;

/** An unsigned 256-bit integer as a decimal string (token amounts in the token's own units). */
export type Uint256 = string;

/** An EVM address, 0x and 40 hex digits (responses use the EIP-55 checksum form). */
export type Address = string;

/** A transaction hash, 0x and 64 hex digits. */
export type TxHash = string;

/** An RFC 3339 UTC time with milliseconds. */
export type Timestamp = string;

/** A UTC day (`YYYY-MM-DD`) or an RFC 3339 time. */
export type DateOrTime = string;

/** A percentage with its sign, as in the plan (`"5.0%"`). */
export type Percentage = string;

/** The partner's own loan id, unique per partner. */
export type PartnerLoanId = string;

/** A partner id (`partner_<prefix>_NNN` when lendgate makes it). */
export type PartnerId = string;

/** lendgate's id of the loan (a UUID). */
export type InternalLoanId = string;

/**
 * A token id (uint256) greater than zero: a JSON integer up to 2^53 as in the plan (never a
 * float, never 0 or below), or a decimal string (needed for ids beyond 2^53, which a JSON
 * number cannot carry exactly).
 */
export type TokenIdInput = number | string;

/**
 * A token or position id (uint256): a JSON integer up to 2^53, a decimal string beyond (a
 * JSON number cannot carry it exactly).
 */
export type TokenId = number | string;

/**
 * The loan's state:
 * - `ACTIVE`: borrowed and paid out; debt remains.
 * - `REPAID`: the debt is repaid in full.
 * - `DEFAULTED`: written off as not repaid.
 * - `LIQUIDATED`: the debt was closed by liquidating the collateral.
 * - `PENDING` (added by lendgate): the limits are reserved and the borrow
 *   transaction is sent but not yet mined; reconcile finishes or fails it.
 * - `SETTLING` (added by lendgate): the borrow is mined (the debt exists on chain)
 *   and the payout to the settlement address is not yet mined; reconcile retries
 *   the payout until the partner is paid.
 * - `FAILED` (added by lendgate): the borrow was refused or reverted on chain; no
 *   debt, the reservation is released, `failureReason` says why.
 */
export type LoanStatus = "ACTIVE" | "REPAID" | "DEFAULTED" | "LIQUIDATED" | "PENDING" | "SETTLING" | "FAILED";

/** Who repaid (`PARTNER` for every repayment made through this API). */
export type RepaymentSource = "PARTNER" | "USER" | "LIQUIDATION";

/**
 * The kind of money movement:
 * - `BORROW`: principal borrowed from the pool for a loan.
 * - `REPAY`: a repayment applied to a loan.
 * - `FEE` (added by lendgate): the platform fee kept from a borrow.
 * - `PAYOUT` (added by lendgate): the net amount sent to the settlement address.
 * - `DEPOSIT` (added by lendgate): a partner transfer credited to its repayment
 *   balance (belongs to no loan).
 * - `LIQUIDATION` (added by lendgate): the vault liquidated the position and
 *   cleared the loan's remaining debt.
 */
export type TransactionType = "BORROW" | "REPAY" | "FEE" | "PAYOUT" | "DEPOSIT" | "LIQUIDATION";

/**
 * `SUCCESS`: mined and recorded. `PENDING` and `FAILED` (added by lendgate): not yet mined,
 * or failed (given back).
 */
export type TransactionStatus = "SUCCESS" | "PENDING" | "FAILED";

export type PartnerStatus = "ACTIVE" | "SUSPENDED" | "INACTIVE";

/**
 * The tier; it sets the default request rate (BASIC 100, PREMIUM 500, ENTERPRISE 2000 a
 * minute).
 */
export type PartnerTier = "BASIC" | "PREMIUM" | "ENTERPRISE";

/**
 * The one error body of every 4xx and 5xx answer lendgate itself makes (the plan's shape,
 * with `requestId` added by lendgate).
 */
export interface ErrorResponse {
  success: false;
  /** The HTTP status, repeated. */
  statusCode: number;
  /** The status's reason phrase (`Bad Request`, `Forbidden`, …). */
  error: string;
  /** What was wrong, naming the field; the plan's words for the plan's refusals. */
  message: string;
  /** Added by lendgate. The request's id, as in `X-Request-Id`. */
  requestId: string;
}

/** `ErrorResponse` of a 400. */
export type Error400 = ErrorResponse & {
  statusCode?: 400;
  error?: "Bad Request";
};

/** `ErrorResponse` of a 401. */
export type Error401 = ErrorResponse & {
  statusCode?: 401;
  error?: "Unauthorized";
};

/** `ErrorResponse` of a 403. */
export type Error403 = ErrorResponse & {
  statusCode?: 403;
  error?: "Forbidden";
};

/** `ErrorResponse` of a 404. */
export type Error404 = ErrorResponse & {
  statusCode?: 404;
  error?: "Not Found";
};

/** `ErrorResponse` of a 409. */
export type Error409 = ErrorResponse & {
  statusCode?: 409;
  error?: "Conflict";
};

/** `ErrorResponse` of a 413. */
export type Error413 = ErrorResponse & {
  statusCode?: 413;
  error?: "Payload Too Large";
};

/** `ErrorResponse` of a 415. */
export type Error415 = ErrorResponse & {
  statusCode?: 415;
  error?: "Unsupported Media Type";
};

/** `ErrorResponse` of a 429. */
export type Error429 = ErrorResponse & {
  statusCode?: 429;
  error?: "Too Many Requests";
};

/** `ErrorResponse` of a 500. */
export type Error500 = ErrorResponse & {
  statusCode?: 500;
  error?: "Internal Server Error";
};

/** `ErrorResponse` of a 502. */
export type Error502 = ErrorResponse & {
  statusCode?: 502;
  error?: "Bad Gateway";
};

/** `ErrorResponse` of a 503. */
export type Error503 = ErrorResponse & {
  statusCode?: 503;
  error?: "Service Unavailable";
};

/** `ErrorResponse` of a 504. */
export type Error504 = ErrorResponse & {
  statusCode?: 504;
  error?: "Gateway Timeout";
};

/** An OAID's credit line as the chain has it. */
export interface CreditLine {
  oaidTokenId: TokenId;
  creditLimit: Amount;
  creditUsed: Amount;
  /** `creditLimit - creditUsed` (0 when used exceeds the limit). */
  availableCredit: Amount;
  /** Whether the credit line may be borrowed against. */
  active: boolean;
  /** The OAID's holder. */
  owner: Address;
}

/** A vault collateral position as the chain has it. */
export interface Position {
  positionId: TokenId;
  user: Address;
  collateralToken: Address;
  /** Collateral in the collateral token's own units. */
  collateralAmount: Uint256;
  /** The collateral's value in USDC base units. */
  collateralValueUSD: Uint256;
  /** The position's debt in USDC base units. */
  usdcBorrowed: Uint256;
  /**
   * `collateralValueUSD * LTV / usdcBorrowed` as a number (1.0 is exactly at the LTV limit,
   * below 1.0 can be liquidated); null when nothing is borrowed (the vault reports 2^256 - 1,
   * which no JSON number carries).
   */
  healthFactor: number | null;
  active: boolean;
  /** `RWA` (70% LTV) or `PRIVATE` (private asset, 60% LTV). */
  tokenType: "RWA" | "PRIVATE";
  /** Added by lendgate. The OAID the position backs. */
  oaidTokenId?: TokenId;
}

/**
 * The partner's own data about the loan: stored with the loan and returned with it as given,
 * never interpreted. Members beyond the three named ones are allowed, but bounded: at most
 * 64 members per object, 4 levels of nesting and 1024 bytes as canonical JSON; past them the
 * borrow is a 400 naming `metadata` and the limit.
 */
export interface LoanMetadata {
  /** The partner's id of the user. */
  partnerUserId?: string;
  /** Why the user borrows. */
  loanPurpose?: string;
  /** Anything else the partner wants kept with the loan (any JSON value). */
  customFields?: unknown;
  [key: string]: unknown;
}

export interface BorrowRequest {
  oaidTokenId: TokenIdInput;
  /** The borrower's wallet; must own the OAID on chain (else 403). */
  userWallet: Address;
  borrowAmount: PositiveAmount;
  /** The partner's loan id; the idempotency key of the borrow. */
  partnerLoanId: PartnerLoanId;
  metadata?: LoanMetadata;
}

/** The plan's borrow response. */
export interface BorrowResult {
  success: true;
  internalLoanId: InternalLoanId;
  /** The principal borrowed (`borrowAmount`). */
  borrowedAmount: Amount;
  /** `borrowedAmount - platformFee`, sent to the settlement address. */
  netAmountTransferred: Amount;
  /** floor(borrowedAmount * platformFeePercentage / 10000). */
  platformFee: Amount;
  /** The OAID's available credit after this loan. */
  remainingCredit: Amount;
  /** The vault borrow transaction. */
  txHash: TxHash;
  message: string;
  /** Added by lendgate. The loan's status (`ACTIVE`, or `REPAID` on a later replay). */
  status?: LoanStatus;
  /** Added by lendgate. The partner's loan id, echoed. */
  partnerLoanId?: PartnerLoanId;
  /** Added by lendgate. The payout transfer to the settlement address. */
  transferTxHash?: string | null;
}

/**
 * Added by lendgate: the borrow response while the chain is confirming (202): the plan's
 * fields known so far, and `status`.
 */
export interface BorrowAccepted {
  success: true;
  internalLoanId: InternalLoanId;
  borrowedAmount: Amount;
  netAmountTransferred?: Amount;
  platformFee?: Amount;
  remainingCredit?: Amount;
  /** The borrow transaction once it is sent, else null. */
  txHash?: string | null;
  message: string;
  /** `PENDING` (borrow not yet mined) or `SETTLING` (payout not yet mined). */
  status: "PENDING" | "SETTLING";
  partnerLoanId?: PartnerLoanId;
}

export interface RepayRequest {
  partnerLoanId: PartnerLoanId;
  /** At most the loan's remaining debt. */
  repaymentAmount: PositiveAmount;
  /**
   * A USDC transfer from the partner's settlement address to the platform wallet that funds
   * this repayment (verified on chain and credited once, as a deposit; what it moved beyond
   * the amount stays in the repayment balance). Without it the repayment is drawn from the
   * partner's repayment balance.
   */
  repaymentTxHash?: TxHash;
}

/** The plan's repay response. */
export interface RepayResult {
  success: true;
  remainingDebt: Amount;
  loanStatus: LoanStatus;
  /** The vault repay transaction. */
  txHash: TxHash;
  /** "Loan fully repaid" or "Partial repayment processed". */
  message: string;
  /** Added by lendgate. The repayment this request made. */
  repayment?: RepaymentRecord;
}

/**
 * Added by lendgate: the repay response while the chain is confirming (202): the plan's
 * fields known so far, and `status`.
 */
export interface RepayAccepted {
  success: true;
  /** The debt before this repayment is applied. */
  remainingDebt?: Amount;
  loanStatus: LoanStatus;
  /** The repay transaction once it is sent, else null. */
  txHash?: string | null;
  message: string;
  /** The repayment's state. */
  status: "PENDING";
  /** Added by lendgate. The repayment this request made. */
  repayment?: RepaymentRecord;
}

/** Added by lendgate. */
export interface DepositRequest {
  /** A USDC transfer from the partner's settlement address to the platform wallet. */
  txHash: TxHash;
}

/** Added by lendgate. */
export interface DepositResult {
  success: true;
  txHash: TxHash;
  /** The USDC the transaction moved to the platform wallet, credited. */
  amount: Amount;
  /** The partner's repayment balance now. */
  balance: Amount;
  message: string;
}

/** One applied repayment of a loan (the plan's `repaymentHistory` entry). */
export interface Repayment {
  /**
   * Added by lendgate. `REPAYMENT`: the partner's repayment. `LIQUIDATION`: the vault
   * liquidated the position and cleared the loan's remaining debt (`txHash` is the
   * liquidation's transaction, `repaidBy` is `LIQUIDATION`).
   */
  type: "REPAYMENT" | "LIQUIDATION";
  amount: Amount;
  timestamp: Timestamp;
  /** The vault repay transaction (null while it is not yet sent). */
  txHash: string | null;
  repaidBy: RepaymentSource;
  /** Added by lendgate. The partner's transfer that funded it, when one was given. */
  repaymentTxHash?: string | null;
}

/**
 * Added by lendgate. One repayment in any state, as lendgate tracks it from the request to
 * the chain.
 */
export interface RepaymentRecord {
  /** lendgate's id of the repayment. */
  repaymentId?: string;
  amount: Amount;
  /**
   * `PENDING`: reserved against the debt, chain work in flight. `APPLIED`: repaid on chain and
   * recorded. `FAILED`: refused or reverted; the reservation and any balance it drew are given
   * back.
   */
  status: "PENDING" | "APPLIED" | "FAILED";
  /** The partner's transfer that funded it, when one was given. */
  repaymentTxHash?: string | null;
  /** The vault repay transaction. */
  repayTxHash?: string | null;
  failureReason?: string | null;
  createdAt?: Timestamp;
}

/** A partner loan (the plan's loan response and `PartnerLoan` fields). */
export interface Loan {
  partnerLoanId: PartnerLoanId;
  internalLoanId: InternalLoanId;
  userWallet: Address;
  oaidTokenId: TokenId;
  principalAmount: Amount;
  remainingDebt: Amount;
  totalRepaid: Amount;
  status: LoanStatus;
  borrowedAt: Timestamp;
  /** Applied repayments, oldest first. */
  repaymentHistory: Array<Repayment>;
  platformFeeCharged: Amount;
  /** The vault borrow transaction (null before it is sent). */
  borrowTxHash: string | null;
  /** The repayment that brought the debt to zero (null until then). */
  repayTxHash: string | null;
  lastRepaymentAt: string | null;
  /** The borrow request's `metadata`, as given (null when none was). */
  metadata: {
    [key: string]: unknown;
  } | null;
  partnerId?: PartnerId;
  /** The vault position backing the loan. */
  solvencyPositionId?: TokenId;
  /** Added by lendgate. What the settlement address receives. */
  netAmountTransferred?: Amount;
  /** Added by lendgate. The payout transfer to the settlement address. */
  transferTxHash?: string | null;
  /** Added by lendgate. Why a `FAILED` loan failed, or why a `DEFAULTED` loan is in default. */
  failureReason?: string | null;
  /**
   * Added by lendgate. Every repayment of the loan in any state (pending and failed ones too),
   * oldest first; `repaymentHistory` holds the applied ones.
   */
  repayments?: Array<RepaymentRecord>;
  createdAt?: Timestamp;
  updatedAt?: Timestamp;
}

/**
 * A loan in a list: the plan's fields (lendgate answers each with the full `Loan` object, so
 * every field of `Loan` may be there too).
 */
export interface LoanSummary {
  partnerLoanId: PartnerLoanId;
  principalAmount: Amount;
  remainingDebt: Amount;
  status: LoanStatus;
  borrowedAt: Timestamp;
  internalLoanId?: InternalLoanId;
  userWallet?: Address;
  oaidTokenId?: TokenId;
}

export interface UserLoans {
  /** Loans matching, over all pages. */
  total: number;
  limit: number;
  offset: number;
  loans: Array<LoanSummary>;
}

/** One money movement of the partner's ledger. */
export interface Transaction {
  timestamp: Timestamp;
  type: TransactionType;
  /** The loan it belongs to; null for a `DEPOSIT`. */
  partnerLoanId: string | null;
  amount: Amount;
  /** The loan's borrower; null for a `DEPOSIT`. */
  userWallet: string | null;
  /** The transaction that moved the money (null while not yet sent). */
  txHash: string | null;
  status: TransactionStatus;
  /** Added by lendgate. lendgate's id of the loan (null for a `DEPOSIT`). */
  internalLoanId?: string | null;
  /** Added by lendgate. The ledger row id. */
  id?: number;
}

export interface Transactions {
  /** Rows matching, over all pages. */
  total: number;
  /** Added by lendgate. The page size used. */
  limit: number;
  /** Added by lendgate. The rows skipped. */
  offset: number;
  transactions: Array<Transaction>;
}

/** The plan's partner statistics, with the repayment balance added by lendgate. */
export interface PartnerStats {
  partnerId: PartnerId;
  /**
   * Added by lendgate: the figures are those of the key's environment. A sandbox key's loans,
   * limits, usage and totals are kept apart from the live key's.
   */
  environment?: "live" | "sandbox";
  partnerName: string;
  tier: PartnerTier;
  status: PartnerStatus;
  limits: {
    /** Principal the partner may borrow per UTC day. */
    dailyBorrowLimit: Amount;
    /** Principal the partner may have outstanding. */
    totalBorrowLimit: Amount;
    /** Principal of loans not yet repaid (in-flight loans included). */
    currentOutstanding: Amount;
  };
  usage: {
    /** Borrowed (or reserved) today, UTC. */
    dailyBorrowed: Amount;
    dailyRemaining: Amount;
    totalRemaining: Amount;
    /** currentOutstanding / totalBorrowLimit as a percentage (`"5.0%"`). */
    utilizationRate: Percentage;
  };
  lifetime: {
    totalBorrowed: Amount;
    totalRepaid: Amount;
    activeLoans: number;
    repaidLoans: number;
  };
  /**
   * Added by lendgate. The partner's credited deposits not yet used by repayments: what
   * repayments without a `repaymentTxHash` can draw on.
   */
  repaymentBalance: Amount;
}

/** Added by lendgate. `evt_` + 32 hex digits, stable across attempts and replays. */
export type WebhookEventId = string;

/**
 * Added by lendgate. The keys every delivered body carries besides the event's data: the
 * data's own keys sit at the top level too (the plan's readers), and again under `data`
 * (Standard Webhooks' readers).
 */
export interface WebhookEnvelope {
  id: WebhookEventId;
  type: string;
  /** The same as type. */
  event: string;
  timestamp: Timestamp;
  sequence: number;
  partnerId: PartnerId;
  /**
   * Added by lendgate: whose event it is, the partner's live key's or its sandbox key's (a
   * sandbox loan's events say sandbox).
   */
  environment?: "live" | "sandbox";
  data: {
    [key: string]: unknown;
  };
}

/** The data of the loan events. */
export interface WebhookLoanData {
  partnerId: PartnerId;
  partnerLoanId: PartnerLoanId;
  internalLoanId: string;
  userWallet: string;
  oaidTokenId: string;
  /** The event's own figure (a borrow's principal, a repayment's or liquidation's sum). */
  amount: Amount;
  borrowedAmount: Amount;
  platformFee: Amount;
  netAmountTransferred: Amount;
  remainingDebt: Amount;
  totalRepaid: Amount;
  loanStatus: LoanStatus;
  txHash: string;
  failureReason?: string;
  timestamp: Timestamp;
}

/** The data of partner.suspended and partner.activated. */
export interface WebhookPartnerData {
  partnerId: PartnerId;
  partnerName: string;
  status: PartnerStatus;
  timestamp: Timestamp;
}

/** The data of partner.key_rotated. */
export type WebhookKeyRotatedData = WebhookPartnerData & {
  /** The display prefix of the new key. */
  keyPrefix: string;
  previousKeysExpireAt?: Timestamp;
};

/** The data of partner.limit_approaching. */
export interface WebhookLimitData {
  partnerId: PartnerId;
  limitType: "daily" | "total";
  limit: Amount;
  used: Amount;
  thresholdBps: string;
  /** The UTC day (daily only). */
  day?: string;
  timestamp: Timestamp;
}

/** The data of webhook.test. */
export interface WebhookTestData {
  partnerId: PartnerId;
  message: string;
  timestamp: Timestamp;
}

/** The route of each operation the SDK calls; `auth` says whether it takes the API key. */
export const operations = {
  getCreditLine: { method: "GET", path: "/partners/public/oaid/{oaidTokenId}/credit-line", auth: false },
  getPositionDetails: { method: "GET", path: "/partners/public/position/{positionId}/details", auth: false },
  borrow: { method: "POST", path: "/partners/borrow", auth: true },
  repay: { method: "POST", path: "/partners/repay", auth: true },
  creditDeposit: { method: "POST", path: "/partners/deposits", auth: true },
  getLoan: { method: "GET", path: "/partners/loan/{partnerLoanId}", auth: true },
  getUserLoans: { method: "GET", path: "/partners/user/{userWallet}/loans", auth: true },
  getPartnerStats: { method: "GET", path: "/partners/my/stats", auth: true },
  getPartnerTransactions: { method: "GET", path: "/partners/my/transactions", auth: true },
} as const;

/** The operations the SDK calls, by their operationId in the contract. */
export type OperationId = keyof typeof operations;

/** The path parameters of each operation. */
export interface OperationPathParams {
  getCreditLine: {
    /** The OAID token id (uint256, decimal). */
    oaidTokenId: string;
  };
  getPositionDetails: {
    /** The vault position id (uint256, decimal). */
    positionId: string;
  };
  borrow: Record<string, never>;
  repay: Record<string, never>;
  creditDeposit: Record<string, never>;
  getLoan: {
    /** The partner's own loan id. */
    partnerLoanId: PartnerLoanId;
  };
  getUserLoans: {
    /** The borrower's wallet (either case; mixed case must be a valid EIP-55 checksum). */
    userWallet: Address;
  };
  getPartnerStats: Record<string, never>;
  getPartnerTransactions: Record<string, never>;
}

/** The query parameters of each operation. */
export interface OperationQuery {
  getCreditLine: Record<string, never>;
  getPositionDetails: Record<string, never>;
  borrow: Record<string, never>;
  repay: Record<string, never>;
  creditDeposit: Record<string, never>;
  getLoan: Record<string, never>;
  getUserLoans: {
    /** Only loans in this status (case-insensitive). */
    status?: LoanStatus;
    /** Page size, 1 to 100 (default 20). */
    limit?: number;
    /** Rows to skip (default 0). */
    offset?: number;
  };
  getPartnerStats: Record<string, never>;
  getPartnerTransactions: {
    /** Only rows at or after this day (`YYYY-MM-DD`, UTC) or RFC 3339 time. */
    startDate?: DateOrTime;
    /**
     * Only rows before this day (`YYYY-MM-DD`, UTC) or RFC 3339 time; must be after `startDate`.
     * Added by lendgate for the audit logs.
     */
    endDate?: DateOrTime;
    /** Page size, 1 to 100 (default 20). */
    limit?: number;
    /** Rows to skip (default 0). */
    offset?: number;
  };
}

/** The JSON request body of each operation (undefined: it takes none). */
export interface OperationRequestBody {
  getCreditLine: undefined;
  getPositionDetails: undefined;
  borrow: BorrowRequest;
  repay: RepayRequest;
  creditDeposit: DepositRequest;
  getLoan: undefined;
  getUserLoans: undefined;
  getPartnerStats: undefined;
  getPartnerTransactions: undefined;
}

/** The JSON body of each answer of each operation, by HTTP status. */
export interface OperationResponses {
  getCreditLine: {
    200: CreditLine;
    400: Error400;
    404: Error404;
    413: Error413;
    429: Error429;
    500: Error500;
    502: Error502;
    503: Error503;
    504: Error504;
  };
  getPositionDetails: {
    200: Position;
    400: Error400;
    404: Error404;
    413: Error413;
    429: Error429;
    500: Error500;
    502: Error502;
    503: Error503;
    504: Error504;
  };
  borrow: {
    201: BorrowResult;
    202: BorrowAccepted;
    400: Error400;
    401: Error401;
    403: Error403;
    404: Error404;
    409: Error409;
    413: Error413;
    415: Error415;
    429: Error429;
    500: Error500;
    502: Error502;
    503: Error503;
    504: Error504;
  };
  repay: {
    200: RepayResult;
    202: RepayAccepted;
    400: Error400;
    401: Error401;
    403: Error403;
    404: Error404;
    409: Error409;
    413: Error413;
    415: Error415;
    429: Error429;
    500: Error500;
    502: Error502;
    503: Error503;
    504: Error504;
  };
  creditDeposit: {
    200: DepositResult;
    201: DepositResult;
    400: Error400;
    401: Error401;
    403: Error403;
    409: Error409;
    413: Error413;
    415: Error415;
    429: Error429;
    500: Error500;
    502: Error502;
    503: Error503;
    504: Error504;
  };
  getLoan: {
    200: Loan;
    400: Error400;
    401: Error401;
    403: Error403;
    404: Error404;
    413: Error413;
    429: Error429;
    500: Error500;
    503: Error503;
  };
  getUserLoans: {
    200: UserLoans;
    400: Error400;
    401: Error401;
    403: Error403;
    413: Error413;
    429: Error429;
    500: Error500;
    503: Error503;
  };
  getPartnerStats: {
    200: PartnerStats;
    400: Error400;
    401: Error401;
    403: Error403;
    413: Error413;
    429: Error429;
    500: Error500;
    503: Error503;
  };
  getPartnerTransactions: {
    200: Transactions;
    400: Error400;
    401: Error401;
    403: Error403;
    413: Error413;
    429: Error429;
    500: Error500;
    503: Error503;
  };
}

/**
 * The body of a `loan.borrowed` delivery. A loan was borrowed and paid out (ACTIVE).
 * Delivered in order per partner (sequence), retried on the [webhook] retry_schedule until
 * the endpoint answers 2xx; 410 switches the endpoint off.
 */
export type WebhookLoanBorrowedEvent = WebhookEnvelope & WebhookLoanData & {
  type?: "loan.borrowed";
  event?: "loan.borrowed";
  data?: WebhookLoanData;
};

/**
 * The body of a `loan.pending` delivery. A borrow was answered 202: the chain has not
 * finished it yet. Delivered in order per partner (sequence), retried on the [webhook]
 * retry_schedule until the endpoint answers 2xx; 410 switches the endpoint off.
 */
export type WebhookLoanPendingEvent = WebhookEnvelope & WebhookLoanData & {
  type?: "loan.pending";
  event?: "loan.pending";
  data?: WebhookLoanData;
};

/**
 * The body of a `loan.failed` delivery. A borrow failed; the reservation was released
 * (failureReason says why). Delivered in order per partner (sequence), retried on the
 * [webhook] retry_schedule until the endpoint answers 2xx; 410 switches the endpoint off.
 */
export type WebhookLoanFailedEvent = WebhookEnvelope & WebhookLoanData & {
  type?: "loan.failed";
  event?: "loan.failed";
  data?: WebhookLoanData;
};

/**
 * The body of a `loan.repayment_received` delivery. A repayment was applied. Delivered in
 * order per partner (sequence), retried on the [webhook] retry_schedule until the endpoint
 * answers 2xx; 410 switches the endpoint off.
 */
export type WebhookLoanRepaymentReceivedEvent = WebhookEnvelope & WebhookLoanData & {
  type?: "loan.repayment_received";
  event?: "loan.repayment_received";
  data?: WebhookLoanData;
};

/**
 * The body of a `loan.repaid` delivery. A repayment took the loan's remaining debt to zero.
 * Delivered in order per partner (sequence), retried on the [webhook] retry_schedule until
 * the endpoint answers 2xx; 410 switches the endpoint off.
 */
export type WebhookLoanRepaidEvent = WebhookEnvelope & WebhookLoanData & {
  type?: "loan.repaid";
  event?: "loan.repaid";
  data?: WebhookLoanData;
};

/**
 * The body of a `loan.defaulted` delivery. A loan was marked DEFAULTED. Delivered in order
 * per partner (sequence), retried on the [webhook] retry_schedule until the endpoint answers
 * 2xx; 410 switches the endpoint off.
 */
export type WebhookLoanDefaultedEvent = WebhookEnvelope & WebhookLoanData & {
  type?: "loan.defaulted";
  event?: "loan.defaulted";
  data?: WebhookLoanData;
};

/**
 * The body of a `loan.liquidated` delivery. The vault liquidated the position; amount is
 * what cleared the loan. Delivered in order per partner (sequence), retried on the [webhook]
 * retry_schedule until the endpoint answers 2xx; 410 switches the endpoint off.
 */
export type WebhookLoanLiquidatedEvent = WebhookEnvelope & WebhookLoanData & {
  type?: "loan.liquidated";
  event?: "loan.liquidated";
  data?: WebhookLoanData;
};

/**
 * The body of a `partner.suspended` delivery. The partner was suspended. Delivered in order
 * per partner (sequence), retried on the [webhook] retry_schedule until the endpoint answers
 * 2xx; 410 switches the endpoint off.
 */
export type WebhookPartnerSuspendedEvent = WebhookEnvelope & WebhookPartnerData & {
  type?: "partner.suspended";
  event?: "partner.suspended";
  data?: WebhookPartnerData;
};

/**
 * The body of a `partner.activated` delivery. The partner was activated again. Delivered in
 * order per partner (sequence), retried on the [webhook] retry_schedule until the endpoint
 * answers 2xx; 410 switches the endpoint off.
 */
export type WebhookPartnerActivatedEvent = WebhookEnvelope & WebhookPartnerData & {
  type?: "partner.activated";
  event?: "partner.activated";
  data?: WebhookPartnerData;
};

/**
 * The body of a `partner.key_rotated` delivery. A new API key was made; older keys stop at
 * previousKeysExpireAt. Delivered in order per partner (sequence), retried on the [webhook]
 * retry_schedule until the endpoint answers 2xx; 410 switches the endpoint off.
 */
export type WebhookPartnerKeyRotatedEvent = WebhookEnvelope & WebhookKeyRotatedData & {
  type?: "partner.key_rotated";
  event?: "partner.key_rotated";
  data?: WebhookKeyRotatedData;
};

/**
 * The body of a `partner.limit_approaching` delivery. A reservation took daily usage or
 * outstanding principal to the configured share of its limit. Delivered in order per partner
 * (sequence), retried on the [webhook] retry_schedule until the endpoint answers 2xx; 410
 * switches the endpoint off.
 */
export type WebhookPartnerLimitApproachingEvent = WebhookEnvelope & WebhookLimitData & {
  type?: "partner.limit_approaching";
  event?: "partner.limit_approaching";
  data?: WebhookLimitData;
};

/**
 * The body of a `webhook.test` delivery. A test event an admin or the partner asked for.
 * Delivered in order per partner (sequence), retried on the [webhook] retry_schedule until
 * the endpoint answers 2xx; 410 switches the endpoint off.
 */
export type WebhookWebhookTestEvent = WebhookEnvelope & WebhookTestData & {
  type?: "webhook.test";
  event?: "webhook.test";
  data?: WebhookTestData;
};

/** Every webhook event body, by event type. */
export interface WebhookEventMap {
  "loan.borrowed": WebhookLoanBorrowedEvent;
  "loan.pending": WebhookLoanPendingEvent;
  "loan.failed": WebhookLoanFailedEvent;
  "loan.repayment_received": WebhookLoanRepaymentReceivedEvent;
  "loan.repaid": WebhookLoanRepaidEvent;
  "loan.defaulted": WebhookLoanDefaultedEvent;
  "loan.liquidated": WebhookLoanLiquidatedEvent;
  "partner.suspended": WebhookPartnerSuspendedEvent;
  "partner.activated": WebhookPartnerActivatedEvent;
  "partner.key_rotated": WebhookPartnerKeyRotatedEvent;
  "partner.limit_approaching": WebhookPartnerLimitApproachingEvent;
  "webhook.test": WebhookWebhookTestEvent;
}

/** Any webhook event body; narrow it on `type`. */
export type WebhookEvent = WebhookEventMap[keyof WebhookEventMap];
