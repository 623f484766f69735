'use strict';
// Small helpers shared by the bench scripts and its workers: statistics, one timed HTTP request, request bodies.
// Plain CommonJS, no dependencies beyond Node itself (the processes and SSE client are in harness.js).

const http = require('http');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Nearest-rank percentile of an ascending-sorted numeric array (or typed array); null when empty. */
function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** Summary of latency samples in milliseconds, rounded to microseconds. */
function summarize(samples) {
  const sorted = Float64Array.from(samples).sort();
  const round = (v) => (v === null || v === undefined ? null : Math.round(v * 1000) / 1000);
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    mean: round(sorted.length ? sum / sorted.length : null),
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
    p999: round(percentile(sorted, 99.9)),
    max: round(sorted.length ? sorted[sorted.length - 1] : null),
  };
}

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 8 });

/**
 * One JSON request to 127.0.0.1. Resolves { status, body, headers, ms, at } (body parsed when JSON; `at` is the
 * performance.now() when the whole response had arrived); rejects only on a transport error or the timeout (of
 * socket inactivity), never on an HTTP status.
 */
function request(port, method, path, { token, body, timeoutMs = 10_000, agent = keepAlive } = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? null : Buffer.from(JSON.stringify(body));
    const headers = { accept: 'application/json' };
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = payload.length;
    }
    if (token) headers.authorization = `Bearer ${token}`;
    const started = performance.now();
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed = text;
        try {
          parsed = text ? JSON.parse(text) : null;
        } catch {
          /* keep the text */
        }
        const at = performance.now();
        resolve({ status: res.statusCode, body: parsed, headers: res.headers, ms: at - started, at });
      });
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

/** Like request(), but throws unless the status is the expected one. */
async function expectStatus(expected, port, method, path, options) {
  const res = await request(port, method, path, options);
  if (res.status !== expected) {
    throw new Error(`${method} ${path} answered ${res.status}, expected ${expected}: ${JSON.stringify(res.body).slice(0, 500)}`);
  }
  return res.body;
}

/** A tool call shaped like what an agent SDK would send. */
function toolCall(i = 0) {
  return { service: 'slack', action: 'chat.postMessage', target: `#bench-${i % 8}`, outcome: 'success' };
}

/** An intent as an agent would submit it before a Stripe refund (POST /v1/intents). */
function intentBody(namedIntent) {
  return {
    named_intent: namedIntent,
    target: 'stripe',
    action: 'POST /v1/refunds',
    parameters: { url: 'https://api.stripe.com/v1/refunds', method: 'POST', body: { charge: 'ch_bench', amount: 4200 } },
    amount: { value: 42, currency: 'EUR' },
    reason: 'bench',
  };
}

module.exports = { sleep, percentile, summarize, request, expectStatus, toolCall, intentBody, keepAlive };
