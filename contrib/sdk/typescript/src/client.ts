// client.ts - MantleRWAPartnerSDK, the plan's partner client, over Node's own fetch.
import { randomUUID } from 'node:crypto';

import { LendgateError } from './errors.js';
import type {
  Address,
  LoanStatus,
  OperationId,
  OperationPathParams,
  OperationQuery,
  OperationRequestBody,
  OperationResponses,
  PartnerLoanId,
  TxHash,
} from './generated/api.js';
import { operations } from './generated/api.js';
import {
  RETRY_STATUSES,
  backoffDelay,
  neverSent,
  parseRetryAfter,
  resolveRetry,
  sleep,
  type ResolvedRetry,
  type RetryOptions,
} from './retry.js';
import { SigningClock, signRequest } from './signing.js';
import { SDK_VERSION } from './version.js';

/** The plan's default base URL. */
export const DEFAULT_BASE_URL = 'https://api.mantle-rwa.com';

/** What the client tells `onRetry` before it waits for another attempt. */
export interface RetryEvent {
  /** The operation (its operationId in docs/openapi.yaml). */
  operation: OperationId;
  /** The attempt that failed, from 1. */
  attempt: number;
  /** How long the client waits before the next attempt, in ms. */
  delayMs: number;
  /** The failed attempt's HTTP status; 0 when no answer came. */
  statusCode: number;
  /** The server's `Retry-After`, in ms, when it sent one. */
  retryAfterMs: number | undefined;
  /** The failure of that attempt. */
  error: LendgateError;
}

export interface MantleRWAPartnerSDKOptions {
  /**
   * The partner's request signing secret (`sig_...`). When set, every authenticated
   * request carries `X-Timestamp` and `X-Signature` (docs/security.md).
   */
  signingSecret?: string;
  /** Retry policy, or `false` for none. */
  retry?: RetryOptions | false;
  /**
   * The longest one attempt may take, in ms (default 60000). A borrow may take the
   * server's request budget (25 s by default) before it answers.
   */
  timeoutMs?: number;
  /** A fetch to use instead of the global one. */
  fetch?: typeof fetch;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
  /** Called before each retry's wait (logging, metrics). */
  onRetry?: (event: RetryEvent) => void;
}

/** Per-call options. */
export interface CallOptions {
  /**
   * The request's id (1 to 64 of `A-Z a-z 0-9 . _ : -`), sent as `X-Request-Id` on
   * every attempt and kept by lendgate in its logs. A UUID by default.
   */
  requestId?: string;
  /** Aborts the call, retries and waits included. */
  signal?: AbortSignal;
}

/** Options of {@link MantleRWAPartnerSDK.repay}. */
export interface RepayOptions extends CallOptions {
  /**
   * The repayment's `Idempotency-Key` (1 to 64 printable ASCII characters), sent on
   * every attempt: lendgate makes one repayment of the loan per key, and a repeat with
   * the same body answers as the first did. A new UUID per call by default; pass your
   * own to retry a repayment across calls (after a crash, from a queue), the same body
   * with the same key.
   */
  idempotencyKey?: string;
}

export interface WaitForLoanOptions extends CallOptions {
  /** Give up after this many ms (default 120000). */
  timeoutMs?: number;
  /** The first wait between two reads, in ms (default 1000); it grows to maxIntervalMs. */
  intervalMs?: number;
  /** The longest wait between two reads, in ms (default 5000). */
  maxIntervalMs?: number;
}

type Success<Op extends OperationId> = {
  [S in keyof OperationResponses[Op]]: S extends 200 | 201 | 202 ? OperationResponses[Op][S] : never;
}[keyof OperationResponses[Op]];

/** The credit line of an OAID. */
export type CreditLineResponse = Success<'getCreditLine'>;
/** A vault position. */
export type PositionResponse = Success<'getPositionDetails'>;
/** 201 `BorrowResult`, or 202 `BorrowAccepted` while the chain confirms (`status` PENDING or SETTLING). */
export type BorrowResponse = Success<'borrow'>;
/** 200 `RepayResult`, or 202 `RepayAccepted` while the chain confirms (`status` PENDING). */
export type RepayResponse = Success<'repay'>;
export type DepositResponse = Success<'creditDeposit'>;
export type LoanResponse = Success<'getLoan'>;
export type UserLoansResponse = Success<'getUserLoans'>;
export type StatsResponse = Success<'getPartnerStats'>;
export type TransactionsResponse = Success<'getPartnerTransactions'>;
export type UserLoansQuery = OperationQuery['getUserLoans'];
export type TransactionsQuery = OperationQuery['getPartnerTransactions'];

/**
 * `true` for a borrow or repay lendgate accepted but the chain has not finished (202:
 * `BorrowAccepted`, `RepayAccepted`); `false` for a finished one (`BorrowResult`,
 * `RepayResult`).
 */
export function isInFlight<T extends BorrowResponse | RepayResponse>(
  r: T,
): r is Extract<T, { status: 'PENDING' | 'SETTLING' }> {
  const status = (r as { status?: unknown }).status;
  return status === 'PENDING' || status === 'SETTLING';
}

/**
 * How an operation may be retried:
 * - `safe`: repeating it cannot act twice (reads; a borrow, idempotent on
 *   partnerLoanId; a deposit, idempotent on txHash): every retryable failure.
 * - `unsafe`: a repayment without an `Idempotency-Key`, which lendgate would not
 *   deduplicate: only failures that prove the request did nothing (429, a 503 with
 *   Retry-After, which lendgate sends only before a handler runs, and connections that
 *   never opened). {@link MantleRWAPartnerSDK.repay} always sends a key, which makes
 *   its repayment `safe`.
 */
const RETRY_CLASS: Record<OperationId, 'safe' | 'unsafe'> = {
  getCreditLine: 'safe',
  getPositionDetails: 'safe',
  borrow: 'safe',
  repay: 'unsafe',
  creditDeposit: 'safe',
  getLoan: 'safe',
  getUserLoans: 'safe',
  getPartnerStats: 'safe',
  getPartnerTransactions: 'safe',
};

interface Request<Op extends OperationId> {
  path?: OperationPathParams[Op];
  query?: OperationQuery[Op];
  body?: OperationRequestBody[Op];
  /** The call's Idempotency-Key: the request is then safe to repeat. */
  idempotencyKey?: string;
}

const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,64}$/;

class TimedOut extends Error {}

function segment(name: string, value: unknown): string {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new TypeError(`${name}: ${value} is not a whole number a JSON number carries exactly; pass it as a string`);
  }
  const text = typeof value === 'bigint' || typeof value === 'number' ? value.toString() : value;
  if (typeof text !== 'string' || text === '' || text === '.' || text === '..') {
    throw new TypeError(`${name} must be a non-empty string or number`);
  }
  return encodeURIComponent(text);
}

function elapsedSince(start: number): number {
  return performance.now() - start;
}

/**
 * The plan's partner client for lendgate: credit lines, borrow, repay, loans, stats and
 * transactions. Every method resolves with the response body as docs/openapi.yaml types
 * it, or rejects with a {@link LendgateError}.
 */
export class MantleRWAPartnerSDK {
  readonly baseUrl: string;
  private readonly apiKey: string | undefined;
  private readonly signingSecret: string | undefined;
  private readonly retry: ResolvedRetry;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly extraHeaders: Record<string, string>;
  private readonly onRetry: ((e: RetryEvent) => void) | undefined;
  private readonly clock = new SigningClock();

  constructor(apiKey: string | undefined, baseUrl: string = DEFAULT_BASE_URL, options: MantleRWAPartnerSDKOptions = {}) {
    if (!/^https?:\/\//i.test(baseUrl)) throw new TypeError(`baseUrl must be an http(s) URL, not ${JSON.stringify(baseUrl)}`);
    this.apiKey = apiKey || undefined;
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.signingSecret = options.signingSecret || undefined;
    this.retry = resolveRetry(options.retry);
    this.timeoutMs = options.timeoutMs ?? 60_000;
    if (!(this.timeoutMs > 0)) throw new TypeError('timeoutMs must be greater than 0');
    const f = options.fetch ?? globalThis.fetch;
    if (typeof f !== 'function') throw new TypeError('no fetch: Node.js 18 or newer is needed (or pass options.fetch)');
    this.fetchImpl = f;
    this.extraHeaders = { ...(options.headers ?? {}) };
    this.onRetry = options.onRetry;
  }

  /** An OAID's credit line, read from the chain (public: no API key needed). */
  getCreditLine(oaidTokenId: number | string | bigint, options?: CallOptions): Promise<CreditLineResponse> {
    return this.call('getCreditLine', { path: { oaidTokenId: oaidTokenId as string } }, options);
  }

  /** A vault collateral position, read from the chain (public). */
  getPosition(positionId: number | string | bigint, options?: CallOptions): Promise<PositionResponse> {
    return this.call('getPositionDetails', { path: { positionId: positionId as string } }, options);
  }

  /**
   * Borrows for a user. Idempotent on `partnerLoanId`: the same request again returns
   * the stored result, so the client retries it safely. A 202 answer (`status` PENDING
   * or SETTLING) means the chain has not finished: see {@link waitForLoan}.
   */
  borrow(params: OperationRequestBody['borrow'], options?: CallOptions): Promise<BorrowResponse> {
    return this.call('borrow', { body: params }, options);
  }

  /**
   * Repays a loan, funded by `repaymentTxHash` or the partner's repayment balance. Sent
   * with an `Idempotency-Key` (`options.idempotencyKey`, else a new UUID for this
   * call, the same on each of its attempts), so it is retried like a borrow: a repeat
   * never repays twice. A 202 answer (`status` PENDING) means the chain has not
   * finished.
   */
  repay(params: OperationRequestBody['repay'], options: RepayOptions = {}): Promise<RepayResponse> {
    const idempotencyKey = options.idempotencyKey ?? randomUUID();
    if (typeof idempotencyKey !== 'string' || !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      return Promise.reject(new TypeError('idempotencyKey must be 1 to 64 printable ASCII characters'));
    }
    return this.call('repay', { body: params, idempotencyKey }, options);
  }

  /**
   * Credits a USDC transfer from the settlement address to the platform wallet to the
   * partner's repayment balance (idempotent on the transaction hash).
   */
  deposit(txHash: TxHash, options?: CallOptions): Promise<DepositResponse> {
    return this.call('creditDeposit', { body: { txHash } }, options);
  }

  /** One of the partner's loans, with its repayments. */
  getLoan(partnerLoanId: PartnerLoanId, options?: CallOptions): Promise<LoanResponse> {
    return this.call('getLoan', { path: { partnerLoanId } }, options);
  }

  /** A user's loans made through this partner, newest first, one page (20 by default). */
  getUserLoans(
    userWallet: Address,
    statusOrQuery?: LoanStatus | UserLoansQuery,
    options?: CallOptions,
  ): Promise<UserLoansResponse> {
    const query: UserLoansQuery = typeof statusOrQuery === 'string' ? { status: statusOrQuery } : { ...(statusOrQuery ?? {}) };
    return this.call('getUserLoans', { path: { userWallet }, query }, options);
  }

  /** The partner's limits, usage, lifetime totals and repayment balance. */
  getStats(options?: CallOptions): Promise<StatsResponse> {
    return this.call('getPartnerStats', {}, options);
  }

  /** The partner's ledger (borrows, payouts, fees, repayments, deposits), newest first. */
  getTransactions(query?: TransactionsQuery, options?: CallOptions): Promise<TransactionsResponse> {
    return this.call('getPartnerTransactions', { query: { ...(query ?? {}) } }, options);
  }

  /**
   * Reads the loan until it is no longer PENDING or SETTLING (a 202 borrow finishing)
   * and returns it: ACTIVE, or FAILED with its `failureReason`. Rejects with a
   * LendgateError of code WAIT_TIMEOUT after `timeoutMs`.
   */
  async waitForLoan(partnerLoanId: PartnerLoanId, options: WaitForLoanOptions = {}): Promise<LoanResponse> {
    const timeoutMs = options.timeoutMs ?? 120_000;
    const maxInterval = options.maxIntervalMs ?? 5_000;
    let interval = Math.min(options.intervalMs ?? 1_000, maxInterval);
    const start = performance.now();
    for (;;) {
      const loan = await this.getLoan(partnerLoanId, options);
      if (loan.status !== 'PENDING' && loan.status !== 'SETTLING') return loan;
      if (elapsedSince(start) + interval > timeoutMs) {
        throw new LendgateError({
          statusCode: 0,
          code: 'WAIT_TIMEOUT',
          message: `loan ${partnerLoanId} is still ${loan.status} after ${timeoutMs} ms`,
          operation: 'getLoan',
          method: 'GET',
          path: operations.getLoan.path.replace('{partnerLoanId}', encodeURIComponent(partnerLoanId)),
          attempts: 1,
          body: loan,
        });
      }
      await sleep(interval, options.signal);
      interval = Math.min(maxInterval, Math.ceil(interval * 1.5));
    }
  }

  // ------------------------------------------------------------------ transport

  private async call<Op extends OperationId>(op: Op, req: Request<Op>, options: CallOptions = {}): Promise<Success<Op>> {
    const route = operations[op];
    const params = (req.path ?? {}) as Record<string, unknown>;
    const path = route.path.replace(/\{([A-Za-z0-9_]+)\}/g, (_, name: string) => segment(name, params[name]));
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries((req.query ?? {}) as Record<string, unknown>)) {
      if (v !== undefined && v !== null) qs.set(k, String(v));
    }
    const search = qs.toString();
    const target = search ? `${path}?${search}` : path;
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    const requestId = options.requestId ?? randomUUID();
    const start = performance.now();
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(op, route.method, target, route.auth, body, req.idempotencyKey, requestId, attempt, options.signal);
      if (!(outcome instanceof LendgateError)) return outcome as Success<Op>;
      const err = outcome;
      if (attempt >= this.retry.maxAttempts || !this.retryable(op, req.idempotencyKey !== undefined, err)) throw err;
      let delay = backoffDelay(attempt, this.retry);
      if (err.retryAfterMs !== undefined) {
        // Never sooner than asked; a little jitter so clients told the same do not return together.
        delay = err.retryAfterMs + Math.floor(Math.random() * Math.min(1000, this.retry.baseDelayMs));
      }
      if (elapsedSince(start) + delay > this.retry.maxElapsedMs) throw err;
      this.onRetry?.({
        operation: op,
        attempt,
        delayMs: delay,
        statusCode: err.statusCode,
        retryAfterMs: err.retryAfterMs,
        error: err,
      });
      await sleep(delay, options.signal);
    }
  }

  private retryable(op: OperationId, keyed: boolean, err: LendgateError): boolean {
    if (err.code === 'INVALID_RESPONSE' || err.code === 'WAIT_TIMEOUT') return false;
    const answered = err.code === 'HTTP_ERROR';
    if (answered && !RETRY_STATUSES.has(err.statusCode)) return false;
    if (RETRY_CLASS[op] === 'safe' || keyed) return true;
    if (!answered) return neverSent(err.cause);
    return err.statusCode === 429 || (err.statusCode === 503 && err.retryAfterMs !== undefined);
  }

  /** One HTTP exchange: the parsed 2xx body, or the LendgateError that describes the failure. */
  private async attempt(
    op: OperationId,
    method: string,
    target: string,
    auth: boolean,
    body: string | undefined,
    idempotencyKey: string | undefined,
    requestId: string,
    attempts: number,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': `lendgate-partner-sdk/${SDK_VERSION} node/${process.versions.node}`,
      ...this.extraHeaders,
      'X-Request-Id': requestId,
    };
    if (idempotencyKey !== undefined) headers['Idempotency-Key'] = idempotencyKey;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (auth && this.apiKey) headers.Authorization = `Bearer ${this.apiKey}`;
    // Signed afresh for every attempt: lendgate refuses a signature it has seen before.
    if (auth && this.signingSecret) Object.assign(headers, signRequest(this.signingSecret, body ?? '', this.clock.next()));
    const base = { operation: op, method, path: target, attempts };
    if (signal?.aborted) throw signal.reason;
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(new TimedOut()), this.timeoutMs);
    const onAbort = () => ctl.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    let res: Response;
    let text: string;
    try {
      res = await this.fetchImpl(`${this.baseUrl}${target}`, { method, headers, body, signal: ctl.signal });
      text = await res.text();
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      const timedOut = ctl.signal.aborted && ctl.signal.reason instanceof TimedOut;
      return new LendgateError({
        ...base,
        statusCode: 0,
        code: timedOut ? 'TIMEOUT' : 'NETWORK_ERROR',
        message: timedOut
          ? `${method} ${target}: no answer within ${this.timeoutMs} ms`
          : `${method} ${target}: ${e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e)}`,
        requestId,
        cause: e,
      });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    const obj = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
    if (res.ok) {
      if (obj) return obj;
      return new LendgateError({
        ...base,
        statusCode: res.status,
        code: 'INVALID_RESPONSE',
        message: `${method} ${target}: answered ${res.status} without a JSON object`,
        requestId: res.headers.get('x-request-id') ?? requestId,
        body: text,
      });
    }
    const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
    return new LendgateError({
      ...base,
      statusCode: res.status,
      code: 'HTTP_ERROR',
      message: str(obj?.message) ?? `${method} ${target}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`,
      error: str(obj?.error) ?? (res.statusText || undefined),
      requestId: str(obj?.requestId) ?? res.headers.get('x-request-id') ?? requestId,
      body: obj ?? text,
      retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
    });
  }
}
