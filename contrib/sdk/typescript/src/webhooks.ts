// webhooks.ts - verifying lendgate's webhook deliveries (docs/webhooks.md). Every
// delivery is signed two ways:
//
//   Standard Webhooks 1.0   webhook-id, webhook-timestamp (seconds),
//                           webhook-signature: v1,<base64 HMAC-SHA256(key, id.ts.body)>
//                           key = base64 decoding of the text after "whsec_"; during a
//                           secret rotation the header lists two signatures
//   the plan's              X-Webhook-Timestamp (ms),
//                           X-Webhook-Signature: sha256=<hex HMAC-SHA256(secret, body)>
//                           keyed by the secret's text as shown; during a rotation it
//                           keeps the old secret's and X-Webhook-Signature-Next carries
//                           the new one's
//
// Verify over the raw body bytes, before parsing: re-serialised JSON has other bytes.
import { createHmac, timingSafeEqual } from 'node:crypto';

import type { WebhookEvent } from './generated/api.js';

/** Request headers: a fetch `Headers`, or Node's `req.headers` (any name case). */
export type WebhookHeaders =
  | { get(name: string): string | null }
  | Record<string, string | string[] | undefined>;

/** Which signature a delivery must carry to be accepted. */
export type WebhookScheme = 'standard' | 'plan' | 'both';

export interface VerifyWebhookOptions {
  /**
   * `standard` (the default) checks the Standard Webhooks signature, which covers the
   * event id and timestamp; `plan` the plan's `X-Webhook-Signature`, which covers the
   * body alone; `both` requires both.
   */
  scheme?: WebhookScheme;
  /** The largest difference between the delivery's timestamp and now (default 300 s). */
  toleranceSeconds?: number;
  /** The time to check against, ms since the epoch (default now). */
  now?: number;
}

export type WebhookFailure = 'missing_header' | 'timestamp' | 'signature' | 'body';

/** A delivery that did not verify; `reason` says which check refused it. */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
  readonly reason: WebhookFailure;

  constructor(reason: WebhookFailure, message: string) {
    super(message);
    this.reason = reason;
  }
}

const DEFAULT_TOLERANCE_S = 300;

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    const v = (headers as { get(n: string): string | null }).get(name);
    return v ?? undefined;
  }
  const want = name.toLowerCase();
  for (const [k, v] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (k.toLowerCase() !== want || v === undefined) continue;
    return Array.isArray(v) ? v.join(' ') : v;
  }
  return undefined;
}

function bodyBytes(body: unknown): Buffer {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new TypeError(
    'webhook body must be the raw request body (a string or Buffer), not parsed JSON: ' +
      're-serialised JSON has other bytes than the ones signed',
  );
}

const secretList = (secrets: string | readonly string[]): readonly string[] => {
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  if (!list.length || list.some((s) => typeof s !== 'string' || s === '')) {
    throw new TypeError('webhook secret must be a non-empty string (or a list of them)');
  }
  return list;
};

const sameBytes = (a: Buffer, b: Buffer): boolean => a.length === b.length && timingSafeEqual(a, b);

function checkTime(seconds: number, o: VerifyWebhookOptions | undefined, what: string): void {
  const tolerance = o?.toleranceSeconds ?? DEFAULT_TOLERANCE_S;
  const now = (o?.now ?? Date.now()) / 1000;
  if (Math.abs(now - seconds) > tolerance) {
    throw new WebhookVerificationError(
      'timestamp',
      `${what} is more than ${tolerance} s away from now: refused as a possible replay`,
    );
  }
}

/** The Standard Webhooks key of a `whsec_...` secret: base64 decoding of what follows. */
export function standardWebhookKey(secret: string): Uint8Array {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
}

/**
 * Checks the Standard Webhooks signature of a delivery (`webhook-id`,
 * `webhook-timestamp`, `webhook-signature`) against each secret given; any `v1`
 * signature of the header matching any secret passes (two signatures during a
 * rotation). Throws WebhookVerificationError when it does not verify.
 */
export function verifyStandardWebhook(
  body: string | Uint8Array,
  headers: WebhookHeaders,
  secrets: string | readonly string[],
  options?: VerifyWebhookOptions,
): void {
  const raw = bodyBytes(body);
  const keys = secretList(secrets).map(standardWebhookKey);
  const id = header(headers, 'webhook-id');
  const ts = header(headers, 'webhook-timestamp');
  const sigs = header(headers, 'webhook-signature');
  if (!id || !ts || !sigs) {
    throw new WebhookVerificationError('missing_header', 'webhook-id, webhook-timestamp or webhook-signature missing');
  }
  if (!/^\d{1,15}$/.test(ts)) throw new WebhookVerificationError('timestamp', 'webhook-timestamp is not a number of seconds');
  checkTime(Number(ts), options, 'webhook-timestamp');
  const given = sigs
    .split(/\s+/)
    .map((s) => s.split(','))
    .filter(([version, value]) => version === 'v1' && value)
    .map(([, value]) => Buffer.from(value as string, 'base64'));
  const signed = Buffer.concat([Buffer.from(`${id}.${ts}.`, 'utf8'), raw]);
  for (const key of keys) {
    const mac = createHmac('sha256', key).update(signed).digest();
    if (given.some((g) => sameBytes(g, mac))) return;
  }
  throw new WebhookVerificationError('signature', 'webhook-signature does not match the body');
}

/**
 * Checks the plan's `X-Webhook-Signature: sha256=<hex>` (and, during a rotation,
 * `X-Webhook-Signature-Next`) against each secret given, and that
 * `X-Webhook-Timestamp` is within the tolerance. That signature covers the body only,
 * so it cannot bound replays: drop events whose `id` you have processed before.
 */
export function verifyPlanWebhook(
  body: string | Uint8Array,
  headers: WebhookHeaders,
  secrets: string | readonly string[],
  options?: VerifyWebhookOptions,
): void {
  const raw = bodyBytes(body);
  const list = secretList(secrets);
  const ts = header(headers, 'x-webhook-timestamp');
  const sigs = [header(headers, 'x-webhook-signature'), header(headers, 'x-webhook-signature-next')]
    .filter((s): s is string => typeof s === 'string' && s.length > 0);
  if (!ts || !sigs.length) {
    throw new WebhookVerificationError('missing_header', 'X-Webhook-Timestamp or X-Webhook-Signature missing');
  }
  if (!/^\d{1,16}$/.test(ts)) {
    throw new WebhookVerificationError('timestamp', 'X-Webhook-Timestamp is not a number of milliseconds');
  }
  checkTime(Number(ts) / 1000, options, 'X-Webhook-Timestamp');
  const given = sigs
    .map((s) => /^sha256=([0-9a-fA-F]{64})$/.exec(s.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Buffer.from(m[1] as string, 'hex'));
  for (const secret of list) {
    const mac = createHmac('sha256', Buffer.from(secret, 'utf8')).update(raw).digest();
    if (given.some((g) => sameBytes(g, mac))) return;
  }
  throw new WebhookVerificationError('signature', 'X-Webhook-Signature does not match the body');
}

/**
 * Verifies a delivery (the Standard Webhooks signature unless `options.scheme` says
 * otherwise) and returns its parsed body. `secrets` may list the old and the new secret
 * while you switch over after a rotation.
 */
export function verifyWebhook(
  body: string | Uint8Array,
  headers: WebhookHeaders,
  secrets: string | readonly string[],
  options?: VerifyWebhookOptions,
): WebhookEvent {
  const scheme = options?.scheme ?? 'standard';
  if (scheme !== 'standard' && scheme !== 'plan' && scheme !== 'both') {
    throw new TypeError(`unknown webhook scheme ${String(scheme)}`);
  }
  if (scheme !== 'plan') verifyStandardWebhook(body, headers, secrets, options);
  if (scheme !== 'standard') verifyPlanWebhook(body, headers, secrets, options);
  let event: unknown;
  try {
    event = JSON.parse(bodyBytes(body).toString('utf8'));
  } catch {
    throw new WebhookVerificationError('body', 'the signed body is not JSON');
  }
  if (!event || typeof event !== 'object' || Array.isArray(event)) {
    throw new WebhookVerificationError('body', 'the signed body is not a JSON object');
  }
  return event as WebhookEvent;
}
