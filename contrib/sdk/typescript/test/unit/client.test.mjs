// The client's transport against a scripted HTTP server on loopback: which failures are
// retried and how long it waits, what is sent, how errors are read. The real API is
// exercised by test/integration/stack.test.mjs.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { test } from 'node:test';

import { LendgateError, MantleRWAPartnerSDK, parseRetryAfter } from '../../dist/esm/index.js';
import { backoffDelay, resolveRetry } from '../../dist/esm/retry.js';

// serve(script): a server answering the i-th request with script[i] (the last one
// repeats). An entry is {status, headers, body} or 'reset' (the socket destroyed
// before any answer). Returns {url, requests, close}.
async function serve(script) {
  const requests = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      requests.push({ method: req.method, url: req.url, headers: req.headers, body, at: performance.now() });
      const step = script[Math.min(requests.length - 1, script.length - 1)];
      if (step === 'reset') {
        req.socket.destroy();
        return;
      }
      if (step === 'hang') return;
      const text = typeof step.body === 'string' ? step.body : JSON.stringify(step.body ?? {});
      res.writeHead(step.status, { 'Content-Type': 'application/json', ...(step.headers ?? {}) });
      res.end(text);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    requests,
    close: () => {
      server.closeAllConnections?.();
      return new Promise((r) => server.close(r));
    },
  };
}

const err = (status, message, extra = {}) => ({
  status,
  body: { success: false, statusCode: status, error: 'E', message, requestId: 'rid-' + status },
  ...extra,
});
const stats = { status: 200, body: { partnerId: 'p1' } };
const fast = { baseDelayMs: 1, maxDelayMs: 5 };
const KEY = 'pk_test_live_' + '0'.repeat(32);

test('parseRetryAfter: seconds, an HTTP date, nonsense', () => {
  assert.equal(parseRetryAfter('3'), 3000);
  assert.equal(parseRetryAfter(' 0 '), 0);
  const now = Date.parse('Wed, 21 Oct 2026 07:28:00 GMT');
  assert.equal(parseRetryAfter('Wed, 21 Oct 2026 07:28:05 GMT', now), 5000);
  assert.equal(parseRetryAfter('Wed, 21 Oct 2026 07:27:00 GMT', now), 0);
  assert.equal(parseRetryAfter('-1'), undefined);
  assert.equal(parseRetryAfter('soon'), undefined);
  assert.equal(parseRetryAfter(null), undefined);
});

test('backoff: full jitter under a doubling, capped ceiling', () => {
  const r = resolveRetry({ baseDelayMs: 100, maxDelayMs: 1000 });
  assert.equal(backoffDelay(1, r, () => 0.999999), 99);
  assert.equal(backoffDelay(3, r, () => 0.999999), 399);
  assert.equal(backoffDelay(10, r, () => 0.999999), 999);
  assert.equal(backoffDelay(2, r, () => 0), 0);
  assert.equal(resolveRetry(false).maxAttempts, 1);
  assert.throws(() => resolveRetry({ maxAttempts: -1 }), TypeError);
});

test('a read is retried on 502/503/504 and a dropped connection, with one request id', async () => {
  const s = await serve([err(502, 'a'), err(503, 'b'), 'reset', err(504, 'c'), stats]);
  const seen = [];
  const sdk = new MantleRWAPartnerSDK(KEY, s.url, { retry: { ...fast, maxAttempts: 5 }, onRetry: (e) => seen.push(e.statusCode) });
  try {
    assert.deepEqual(await sdk.getStats(), { partnerId: 'p1' });
    assert.deepEqual(seen, [502, 503, 0, 504]);
    assert.equal(new Set(s.requests.map((r) => r.headers['x-request-id'])).size, 1);
    assert.equal(s.requests[0].headers.authorization, `Bearer ${KEY}`);
    assert.match(s.requests[0].headers['user-agent'], /^lendgate-partner-sdk\//);
  } finally {
    await s.close();
  }
});

test('429 waits as long as Retry-After says (seconds or a date), then succeeds', async () => {
  const date = new Date(Date.now() + 2000).toUTCString();
  const s = await serve([err(429, 'slow down', { headers: { 'Retry-After': '1' } }),
    err(429, 'again', { headers: { 'Retry-After': date } }), stats]);
  const delays = [];
  const sdk = new MantleRWAPartnerSDK(KEY, s.url, { retry: fast, onRetry: (e) => delays.push([e.retryAfterMs, e.delayMs]) });
  try {
    await sdk.getStats();
    assert.equal(s.requests.length, 3);
    assert.ok(s.requests[1].at - s.requests[0].at >= 1000, 'the second attempt came before Retry-After');
    assert.ok(s.requests[2].at - s.requests[1].at >= delays[1][0] - 5, 'the third attempt came before the date');
    assert.equal(delays[0][0], 1000);
    assert.ok(delays[1][0] > 0 && delays[1][0] <= 2000);
  } finally {
    await s.close();
  }
});

test('a Retry-After past maxElapsedMs ends the retries at once with the 429', async () => {
  const s = await serve([err(429, 'Rate limit exceeded: 2 requests per minute; retry after 60 s', { headers: { 'Retry-After': '60' } })]);
  const sdk = new MantleRWAPartnerSDK(KEY, s.url, { retry: { ...fast, maxElapsedMs: 5000 } });
  try {
    await assert.rejects(sdk.getStats({ requestId: 'mine-1' }), (e) => {
      assert.ok(e instanceof LendgateError);
      assert.equal(e.statusCode, 429);
      assert.equal(e.retryAfterMs, 60000);
      assert.equal(e.attempts, 1);
      assert.equal(e.requestId, 'rid-429');
      return true;
    });
    assert.equal(s.requests.length, 1);
    assert.equal(s.requests[0].headers['x-request-id'], 'mine-1');
  } finally {
    await s.close();
  }
});

test('attempts are bounded: the last failure is thrown with the attempt count', async () => {
  const s = await serve([err(503, 'Chain node unavailable')]);
  const sdk = new MantleRWAPartnerSDK(KEY, s.url, { retry: { ...fast, maxAttempts: 3 } });
  try {
    await assert.rejects(sdk.getCreditLine(1), (e) => e.statusCode === 503 && e.attempts === 3 && e.message === 'Chain node unavailable');
    assert.equal(s.requests.length, 3);
    assert.equal(s.requests[0].headers.authorization, undefined, 'a public read sends no key');
  } finally {
    await s.close();
  }
});

test('4xx other than 429 is not retried and is typed', async () => {
  const s = await serve([err(400, 'borrowAmount: must be a whole number of USDC base units greater than zero (digits only)')]);
  const sdk = new MantleRWAPartnerSDK(KEY, s.url, { retry: fast });
  try {
    const body = { oaidTokenId: 1, userWallet: '0x' + '1'.repeat(40), borrowAmount: '1.5', partnerLoanId: 'x' };
    await assert.rejects(sdk.borrow(body), (e) => e.statusCode === 400 && e.field === 'borrowAmount' && e.error === 'E');
    assert.equal(s.requests.length, 1);
    assert.deepEqual(JSON.parse(s.requests[0].body), body);
    assert.equal(s.requests[0].headers['content-type'], 'application/json');
  } finally {
    await s.close();
  }
});

test('a borrow (idempotent on partnerLoanId) is retried on 502 and a dropped connection', async () => {
  const s = await serve([err(502, 'The chain node failed (eth_call)'), 'reset', { status: 201, body: { success: true } }]);
  const sdk = new MantleRWAPartnerSDK(KEY, s.url, { retry: fast });
  try {
    await sdk.borrow({ oaidTokenId: 1, userWallet: '0x' + '1'.repeat(40), borrowAmount: '1', partnerLoanId: 'b-1' });
    assert.equal(s.requests.length, 3);
    assert.equal(new Set(s.requests.map((r) => r.body)).size, 1, 'every attempt sends the same body');
  } finally {
    await s.close();
  }
});

test('a repay carries an Idempotency-Key, the same on every attempt, and is retried like a borrow', async () => {
  const repay = { partnerLoanId: 'r-1', repaymentAmount: '5' };
  const ok = { status: 200, body: { success: true } };
  const cases = [
    { script: [err(429, 'r', { headers: { 'Retry-After': '0' } }), ok], want: 2 },
    { script: [err(503, 'Chain node busy, retry shortly', { headers: { 'Retry-After': '0' } }), ok], want: 2 },
    { script: [err(503, 'Store unavailable'), ok], want: 2 },
    { script: [err(502, 'The chain node failed'), ok], want: 2 },
    { script: [err(504, 'The chain node did not answer in time'), ok], want: 2 },
    { script: ['reset', ok], want: 2 },
    { script: [err(409, 'Idempotency-Key: already used for a different repayment'), ok], want: 1 },
  ];
  const keys = new Set();
  for (const c of cases) {
    const s = await serve(c.script);
    const sdk = new MantleRWAPartnerSDK(KEY, s.url, { retry: fast });
    try {
      const p = sdk.repay(repay);
      if (c.want === 2) await p;
      else await assert.rejects(p, LendgateError);
      assert.equal(s.requests.length, c.want, JSON.stringify(c.script[0]));
      const sent = new Set(s.requests.map((r) => r.headers['idempotency-key']));
      assert.equal(sent.size, 1, 'one key for every attempt of a call');
      const [key] = sent;
      assert.match(key, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.notEqual(key, s.requests[0].headers['x-request-id']);
      keys.add(key);
    } finally {
      await s.close();
    }
  }
  assert.equal(keys.size, cases.length, 'a new key for every call');
});

test("a repay sends the caller's Idempotency-Key; a malformed one is refused before sending", async () => {
  const s = await serve([err(504, 'The chain node did not answer in time'), { status: 200, body: { success: true } }]);
  const sdk = new MantleRWAPartnerSDK(KEY, s.url, { retry: fast });
  try {
    await sdk.repay({ partnerLoanId: 'r-2', repaymentAmount: '5' }, { idempotencyKey: 'order-77/repay-1' });
    assert.deepEqual(
      s.requests.map((r) => r.headers['idempotency-key']),
      ['order-77/repay-1', 'order-77/repay-1'],
    );
    for (const bad of ['', 'x'.repeat(65), 'caf\u00e9', 'a\nb']) {
      await assert.rejects(sdk.repay({ partnerLoanId: 'r-2', repaymentAmount: '5' }, { idempotencyKey: bad }), TypeError);
    }
    assert.equal(s.requests.length, 2);
    // Other calls send no key.
    await sdk.getStats();
    assert.equal(s.requests[2].headers['idempotency-key'], undefined);
  } finally {
    await s.close();
  }
});

test('a refused connection is retried, also for a repay; then a typed network error', async () => {
  const s = await serve([stats]);
  const url = s.url;
  await s.close();
  const seen = [];
  const sdk = new MantleRWAPartnerSDK(KEY, url, { retry: { ...fast, maxAttempts: 3 }, onRetry: (e) => seen.push(e.attempt) });
  await assert.rejects(sdk.repay({ partnerLoanId: 'r', repaymentAmount: '1' }), (e) => {
    assert.equal(e.code, 'NETWORK_ERROR');
    assert.equal(e.statusCode, 0);
    assert.equal(e.attempts, 3);
    assert.match(e.message, /ECONNREFUSED/);
    return true;
  });
  assert.deepEqual(seen, [1, 2]);
});

test('an attempt that gets no answer in timeoutMs is a TIMEOUT, retried for reads', async () => {
  const s = await serve(['hang', stats]);
  const sdk = new MantleRWAPartnerSDK(KEY, s.url, { retry: fast, timeoutMs: 300 });
  try {
    assert.deepEqual(await sdk.getLoan('l-1'), { partnerId: 'p1' });
    assert.equal(s.requests.length, 2);
  } finally {
    await s.close();
  }
  const h = await serve(['hang']);
  const once1 = new MantleRWAPartnerSDK(KEY, h.url, { retry: false, timeoutMs: 200 });
  try {
    await assert.rejects(once1.getLoan('l-1'), (e) => e.code === 'TIMEOUT' && e.statusCode === 0);
  } finally {
    await h.close();
  }
});

test('an abort signal ends the call and its waits', async () => {
  const s = await serve([err(503, 'x', { headers: { 'Retry-After': '20' } })]);
  const sdk = new MantleRWAPartnerSDK(KEY, s.url, { retry: { ...fast, maxElapsedMs: 60000 } });
  const ctl = new AbortController();
  try {
    const p = sdk.getStats({ signal: ctl.signal });
    while (s.requests.length < 1) await new Promise((r) => setImmediate(r));
    ctl.abort(new Error('caller gave up'));
    await assert.rejects(p, /caller gave up/);
  } finally {
    await s.close();
  }
});

test('signing: authenticated calls are signed afresh per attempt, public ones not at all', async () => {
  const s = await serve([err(503, 'x', { headers: { 'Retry-After': '0' } }), stats]);
  const secret = 'sig_' + 'cd'.repeat(32);
  const sdk = new MantleRWAPartnerSDK(KEY, s.url, { signingSecret: secret, retry: fast });
  try {
    await sdk.getStats();
    const [a, b] = s.requests;
    assert.notEqual(a.headers['x-timestamp'], b.headers['x-timestamp']);
    const { signRequest } = await import('../../dist/esm/index.js');
    for (const r of [a, b]) {
      assert.equal(r.headers['x-signature'], signRequest(secret, r.body, Number(r.headers['x-timestamp']))['X-Signature']);
    }
  } finally {
    await s.close();
  }
  const p = await serve([{ status: 200, body: { oaidTokenId: 1 } }]);
  try {
    await new MantleRWAPartnerSDK(KEY, p.url, { signingSecret: secret }).getCreditLine(1);
    assert.equal(p.requests[0].headers['x-signature'], undefined);
  } finally {
    await p.close();
  }
});

test('paths and queries: ids encoded, base URL path kept, status or a query object', async () => {
  const s = await serve([stats]);
  const sdk = new MantleRWAPartnerSDK(KEY, `${s.url}/api/`, { retry: false });
  try {
    await sdk.getLoan('a b/c');
    await sdk.getUserLoans('0xabc', 'ACTIVE');
    await sdk.getUserLoans('0xabc', { limit: 5, offset: 10 });
    await sdk.getTransactions({ startDate: '2026-01-01' });
    await sdk.getCreditLine(12345678901234567890n);
    await sdk.getPosition('7');
    assert.deepEqual(s.requests.map((r) => r.url), [
      '/api/partners/loan/a%20b%2Fc',
      '/api/partners/user/0xabc/loans?status=ACTIVE',
      '/api/partners/user/0xabc/loans?limit=5&offset=10',
      '/api/partners/my/transactions?startDate=2026-01-01',
      '/api/partners/public/oaid/12345678901234567890/credit-line',
      '/api/partners/public/position/7/details',
    ]);
    await assert.rejects(sdk.getLoan('..'), TypeError);
    await assert.rejects(sdk.getCreditLine(2 ** 60), TypeError);
  } finally {
    await s.close();
  }
});

test('an error body that is not lendgate\'s (a proxy page) still gives a typed error', async () => {
  const s = await serve([{ status: 502, body: '<html>bad gateway</html>', headers: { 'Content-Type': 'text/html', 'X-Request-Id': 'proxy-1' } }]);
  const sdk = new MantleRWAPartnerSDK(KEY, s.url, { retry: false });
  try {
    await assert.rejects(sdk.getStats(), (e) => e.statusCode === 502 && e.requestId === 'proxy-1' && /HTTP 502/.test(e.message));
  } finally {
    await s.close();
  }
  const t = await serve([{ status: 200, body: 'not json' }]);
  try {
    await assert.rejects(new MantleRWAPartnerSDK(KEY, t.url).getStats(), (e) => e.code === 'INVALID_RESPONSE' && e.attempts === 1);
  } finally {
    await t.close();
  }
});
