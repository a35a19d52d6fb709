// Request signing and webhook verification against values computed here from the
// specifications (docs/security.md, docs/webhooks.md), not by the SDK's own code.
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import {
  SDK_VERSION,
  WebhookVerificationError,
  signRequest,
  verifyPlanWebhook,
  verifyStandardWebhook,
  verifyWebhook,
} from '../../dist/esm/index.js';
import { SigningClock } from '../../dist/esm/signing.js';

test('signRequest: the known answer of docs/security.md', () => {
  assert.deepEqual(signRequest('whsec_test', '{"a":1}', 1700000000000), {
    'X-Timestamp': '1700000000000',
    'X-Signature': '33284ebef248a1f463f81384bfb39351b857cb4897c654b820611536fa084f1e',
  });
});

test('signRequest: a GET signs "<ts>." and bytes sign as their string does', () => {
  const secret = 'sig_' + 'ab'.repeat(32);
  const want = createHmac('sha256', secret).update('1700000000001.').digest('hex');
  assert.equal(signRequest(secret, '', 1700000000001)['X-Signature'], want);
  const body = '{"partnerLoanId":"é-1"}';
  assert.equal(signRequest(secret, Buffer.from(body), 5)['X-Signature'], signRequest(secret, body, 5)['X-Signature']);
  assert.throws(() => signRequest('', '', 1), TypeError);
  assert.throws(() => signRequest(secret, '', 1.5), TypeError);
});

test('SigningClock never hands out the same millisecond twice', () => {
  const c = new SigningClock();
  assert.deepEqual([c.next(1000), c.next(1000), c.next(999), c.next(2000)], [1000, 1001, 1002, 2000]);
});

test('SDK_VERSION is the package version', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  assert.equal(SDK_VERSION, pkg.version);
});

// A delivery signed as docs/webhooks.md says lendgate signs it.
function delivery(secrets, body, { ts = Math.floor(Date.now() / 1000), id = 'evt_' + randomBytes(16).toString('hex') } = {}) {
  const std = secrets.map((s) => {
    const key = Buffer.from(s.slice('whsec_'.length), 'base64');
    return 'v1,' + createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64');
  });
  const plan = secrets.map((s) => 'sha256=' + createHmac('sha256', s).update(body).digest('hex'));
  const headers = {
    'webhook-id': id,
    'webhook-timestamp': String(ts),
    'webhook-signature': std.join(' '),
    'x-webhook-timestamp': String(ts * 1000 + 123),
    'x-webhook-signature': plan.length > 1 ? plan[1] : plan[0],
  };
  if (plan.length > 1) headers['x-webhook-signature-next'] = plan[0];
  return headers;
}

const secretA = 'whsec_' + randomBytes(24).toString('base64');
const secretB = 'whsec_' + randomBytes(32).toString('hex'); // lendgate's own form: hex, also base64
const body = JSON.stringify({ id: 'evt_1', type: 'loan.repaid', event: 'loan.repaid', data: { a: 1 } });

test('verifyWebhook: a delivery verifies both ways and comes back parsed', () => {
  const h = delivery([secretA], body);
  const ev = verifyWebhook(body, h, secretA, { scheme: 'both' });
  assert.equal(ev.type, 'loan.repaid');
  assert.doesNotThrow(() => verifyWebhook(Buffer.from(body), h, secretA));
  assert.doesNotThrow(() => verifyWebhook(body, new Headers(h), secretA, { scheme: 'plan' }));
  // Node keeps header names lower-case; any case is accepted.
  const upper = Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toUpperCase(), v]));
  assert.doesNotThrow(() => verifyWebhook(body, upper, secretA, { scheme: 'both' }));
});

test('verifyWebhook: hex secrets as lendgate makes them', () => {
  assert.doesNotThrow(() => verifyWebhook(body, delivery([secretB], body), secretB, { scheme: 'both' }));
});

test('verifyWebhook: a tampered body, a wrong secret, a missing header are refused', () => {
  const h = delivery([secretA], body);
  for (const scheme of ['standard', 'plan']) {
    assert.throws(() => verifyWebhook(body + ' ', h, secretA, { scheme }), (e) => e instanceof WebhookVerificationError && e.reason === 'signature');
    assert.throws(() => verifyWebhook(body, h, secretB, { scheme }), (e) => e.reason === 'signature');
  }
  const { 'webhook-id': _, ...noId } = h;
  assert.throws(() => verifyStandardWebhook(body, noId, secretA), (e) => e.reason === 'missing_header');
  assert.throws(() => verifyWebhook(body, { ...h, 'webhook-id': 'evt_other' }, secretA), (e) => e.reason === 'signature');
  assert.throws(() => verifyWebhook(JSON.parse(body), h, secretA), TypeError);
});

test('verifyWebhook: timestamps outside the tolerance are refused, inside accepted', () => {
  const ts = Math.floor(Date.now() / 1000) - 600;
  const h = delivery([secretA], body, { ts });
  assert.throws(() => verifyStandardWebhook(body, h, secretA), (e) => e.reason === 'timestamp');
  assert.throws(() => verifyPlanWebhook(body, h, secretA), (e) => e.reason === 'timestamp');
  assert.doesNotThrow(() => verifyStandardWebhook(body, h, secretA, { toleranceSeconds: 700 }));
  assert.doesNotThrow(() => verifyStandardWebhook(body, h, secretA, { now: ts * 1000 + 300_000 }));
  assert.throws(() => verifyStandardWebhook(body, h, secretA, { now: ts * 1000 + 301_000 }), (e) => e.reason === 'timestamp');
  const future = delivery([secretA], body, { ts: Math.floor(Date.now() / 1000) + 600 });
  assert.throws(() => verifyStandardWebhook(body, future, secretA), (e) => e.reason === 'timestamp');
});

test('verifyWebhook: during a rotation either secret verifies (two signatures)', () => {
  // New secret first in webhook-signature; X-Webhook-Signature keeps the old one's,
  // X-Webhook-Signature-Next carries the new one's.
  const oldS = secretA;
  const newS = secretB;
  const h = delivery([newS, oldS], body);
  assert.equal(h['webhook-signature'].split(' ').length, 2);
  for (const s of [oldS, newS, [oldS, newS]]) {
    assert.doesNotThrow(() => verifyWebhook(body, h, s, { scheme: 'both' }));
  }
  const other = 'whsec_' + randomBytes(24).toString('base64');
  assert.throws(() => verifyWebhook(body, h, other, { scheme: 'both' }), WebhookVerificationError);
  assert.doesNotThrow(() => verifyWebhook(body, h, [other, newS]));
});

test('verifyWebhook: a signed body that is not a JSON object is refused', () => {
  const text = '[1,2]';
  assert.throws(() => verifyWebhook(text, delivery([secretA], text), secretA), (e) => e.reason === 'body');
});
