// @mantle-rwa/partner-sdk - the partner integration plan's SDK for lendgate.
export {
  MantleRWAPartnerSDK,
  DEFAULT_BASE_URL,
  isInFlight,
  type BorrowResponse,
  type CallOptions,
  type CreditLineResponse,
  type DepositResponse,
  type LoanResponse,
  type MantleRWAPartnerSDKOptions,
  type PositionResponse,
  type RepayOptions,
  type RepayResponse,
  type RetryEvent,
  type StatsResponse,
  type TransactionsQuery,
  type TransactionsResponse,
  type UserLoansQuery,
  type UserLoansResponse,
  type WaitForLoanOptions,
} from './client.js';
export { LendgateError, isLendgateError, type LendgateErrorCode } from './errors.js';
export { parseRetryAfter, type RetryOptions } from './retry.js';
export { signRequest, type SignatureHeaders } from './signing.js';
export {
  WebhookVerificationError,
  standardWebhookKey,
  verifyPlanWebhook,
  verifyStandardWebhook,
  verifyWebhook,
  type VerifyWebhookOptions,
  type WebhookFailure,
  type WebhookHeaders,
  type WebhookScheme,
} from './webhooks.js';
export { SDK_VERSION } from './version.js';
export * from './generated/api.js';
