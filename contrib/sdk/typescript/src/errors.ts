// errors.ts - the one error type the client throws for a call that did not succeed.

/** Why a call failed without an HTTP answer, or with one the SDK could not read. */
export type LendgateErrorCode =
  /** lendgate (or a proxy before it) answered with an HTTP error status. */
  | 'HTTP_ERROR'
  /** No answer: the connection failed or was cut. */
  | 'NETWORK_ERROR'
  /** No answer within the SDK's `timeoutMs` for one attempt. */
  | 'TIMEOUT'
  /** A 2xx answer whose body is not the JSON object the contract promises. */
  | 'INVALID_RESPONSE'
  /** `waitForLoan` gave up before the loan left PENDING/SETTLING. */
  | 'WAIT_TIMEOUT';

export interface LendgateErrorInit {
  statusCode: number;
  message: string;
  code: LendgateErrorCode;
  operation: string;
  method: string;
  path: string;
  requestId?: string | undefined;
  error?: string | undefined;
  body?: unknown;
  retryAfterMs?: number | undefined;
  attempts: number;
  cause?: unknown;
}

/**
 * A call lendgate refused or that did not complete. `statusCode` is the HTTP status (0
 * when no answer came), `message` lendgate's own message (it names the field at fault:
 * `"borrowAmount: must be ..."`), `requestId` the id lendgate gave the request (the
 * body's `requestId`, else the `X-Request-Id` header, else the one the SDK sent).
 */
export class LendgateError extends Error {
  override readonly name = 'LendgateError';
  /** The HTTP status of the answer; 0 when none came. */
  readonly statusCode: number;
  /** The request's id: quote it when asking the operator about a call. */
  readonly requestId: string | undefined;
  /** The HTTP reason phrase lendgate sent (`"Bad Request"`, ...). */
  readonly error: string | undefined;
  /** The field the message names (`"borrowAmount"` for `"borrowAmount: must be ..."`). */
  readonly field: string | undefined;
  /** What kind of failure this is. */
  readonly code: LendgateErrorCode;
  /** The SDK method's operation (its operationId in docs/openapi.yaml). */
  readonly operation: string;
  readonly method: string;
  /** The request path, without the base URL. */
  readonly path: string;
  /** The parsed error body (`ErrorResponse`), when there was one. */
  readonly body: unknown;
  /** How long the server asked to wait (`Retry-After`), in ms, when it did. */
  readonly retryAfterMs: number | undefined;
  /** How many attempts were made, retries included. */
  readonly attempts: number;

  constructor(init: LendgateErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.statusCode = init.statusCode;
    this.requestId = init.requestId;
    this.error = init.error;
    this.code = init.code;
    this.operation = init.operation;
    this.method = init.method;
    this.path = init.path;
    this.body = init.body;
    this.retryAfterMs = init.retryAfterMs;
    this.attempts = init.attempts;
    this.field = fieldOf(init.message);
  }
}

/** `true` when err is a LendgateError (also one from another copy of the SDK). */
export function isLendgateError(err: unknown): err is LendgateError {
  return err instanceof LendgateError || (err instanceof Error && err.name === 'LendgateError');
}

// lendgate's messages name a bad input first: "borrowAmount: must be ...",
// "metadata.partnerUserId: ...", "ipAllowlist[1]: ...".
function fieldOf(message: string): string | undefined {
  const m = /^([A-Za-z_][A-Za-z0-9_]*(?:\[\d+\]|\.[A-Za-z_][A-Za-z0-9_]*)*): /.exec(message);
  return m ? m[1] : undefined;
}
