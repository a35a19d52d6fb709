// signing.ts - lendgate's request signatures (docs/security.md, "Request signing"):
//
//   X-Timestamp: <milliseconds since the epoch, decimal, no sign, no leading zero>
//   X-Signature: hex(HMAC-SHA256(signing_secret, X-Timestamp + "." + raw body))
//
// The key is the secret's text exactly as shown (`sig_` included); a GET signs "<ts>.".
import { createHmac } from 'node:crypto';

export interface SignatureHeaders {
  'X-Timestamp': string;
  'X-Signature': string;
}

/**
 * The headers that sign one request: `body` is the exact bytes sent (the empty string
 * for a request without a body), `timestampMs` the signing time (now by default).
 */
export function signRequest(
  signingSecret: string,
  body: string | Uint8Array,
  timestampMs: number = Date.now(),
): SignatureHeaders {
  if (!signingSecret) throw new TypeError('signRequest: the signing secret is empty');
  if (!Number.isSafeInteger(timestampMs) || timestampMs <= 0) {
    throw new TypeError('signRequest: the timestamp must be a positive whole number of milliseconds');
  }
  const ts = String(timestampMs);
  const mac = createHmac('sha256', Buffer.from(signingSecret, 'utf8'));
  mac.update(`${ts}.`, 'utf8');
  mac.update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
  return { 'X-Timestamp': ts, 'X-Signature': mac.digest('hex') };
}

/**
 * Hands out signing timestamps that never repeat within one client: lendgate refuses a
 * signature it has seen in the last 10 minutes, and two bodiless requests signed in the
 * same millisecond would carry the same one.
 */
export class SigningClock {
  private last = 0;

  next(now: number = Date.now()): number {
    this.last = Math.max(now, this.last + 1);
    return this.last;
  }
}
