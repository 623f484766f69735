'use strict';
// Scenario 14: how soon an open console shows what happened, beside a plain SSE client in the same run.
//
// Two events, each measured many times in sequence on an otherwise idle server:
//   (a) an agent submits an intent        -> its card in the console's approval queue (li[data-intent-id])
//   (b) an enforced agent's offending call -> the detector's revocation in the console's feed (#revocations li[data-jti])
// Everything is timed in the browser, on one clock: the agent's request is sent from the page itself (fetch), the
// console's DOM change is stamped by a MutationObserver, and the baseline is a plain SSE reader in the same page (fetch
// and a frame split, nothing else) following the same stream with the same key. The ratio console / plain is what the
// console itself adds (its parsing, its state, its DOM) on top of the stream; the target is ≤ 1.5 at the median.

const { execFileSync } = require('child_process');
const path = require('path');
const { PARAMS, TARGETS, OFFENDING_CALL } = require('../params');
const { expectStatus, intentBody, summarize } = require('../lib');
const { ROOT } = require('../harness');
const { createTenant, createAgent, issuePassport } = require('../fixtures');
const { fmt } = require('../report');

/**
 * Runs in the page: follows `streamPath` with a plain fetch reader and stamps the first frame naming each `field`
 * value (an intent id, a jti) into window.__plain; and stamps each console element matching `selector` (by its
 * `attribute`) into window.__console as the MutationObserver sees it added.
 */
function instrument({ key, streams }) {
  const now = () => performance.now();
  window.__plain = {};
  window.__console = {};
  for (const { streamPath, field, selector, attribute } of streams) {
    const observer = new MutationObserver((records) => {
      const at = now();
      for (const record of records)
        for (const node of record.addedNodes) {
          if (node.nodeType !== 1) continue;
          const matches = node.matches(selector) ? [node] : [...node.querySelectorAll(selector)];
          for (const element of matches) window.__console[element.getAttribute(attribute)] ??= at;
        }
    });
    observer.observe(document.body, { childList: true, subtree: true });
    const pattern = new RegExp(`"${field}":"([^"]+)"`);
    void (async () => {
      const response = await fetch(streamPath, { headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' }, cache: 'no-store' });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        const at = now();
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const match = pattern.exec(buffer.slice(0, end));
          if (match) window.__plain[match[1]] ??= at;
          buffer = buffer.slice(end + 2);
        }
      }
    })();
  }
}

/** Runs in the page: one agent request, with the time it was sent; answers the id the event will carry. */
async function send({ path: requestPath, token, body, idField }) {
  const t0 = performance.now();
  const response = await fetch(requestPath, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = await response.json();
  return { t0, status: response.status, id: idField ? answer[idField] : null };
}

async function measureRounds(page, rounds, warmup, once) {
  const consoleMs = [];
  const plainMs = [];
  for (let i = 0; i < warmup + rounds; i++) {
    const { t0, id } = await once(i);
    await page.waitForFunction((seen) => window.__plain[seen] !== undefined && window.__console[seen] !== undefined, id, { timeout: 10_000 });
    const [plainAt, consoleAt] = await page.evaluate((seen) => [window.__plain[seen], window.__console[seen]], id);
    if (i < warmup) continue;
    plainMs.push(plainAt - t0);
    consoleMs.push(consoleAt - t0);
  }
  const consoleFigures = summarize(consoleMs);
  const plainFigures = summarize(plainMs);
  return {
    iterations: rounds,
    console_ms: consoleFigures,
    plain_sse_ms: plainFigures,
    ratio_p50: Math.round((consoleFigures.p50 / plainFigures.p50) * 1000) / 1000,
    ratio_p99: Math.round((consoleFigures.p99 / plainFigures.p99) * 1000) / 1000,
  };
}

async function scenarioConsole(server) {
  const p = PARAMS.console;
  console.log(`\n[14] console: intent -> queue card, detector revocation -> feed, in Chromium beside a plain SSE reader (${p.iterations} each)`);
  const { chromium } = require('playwright-core');
  const executablePath = execFileSync('bash', [path.join(ROOT, 'scripts', 'browser.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const tenant = await createTenant(server, 'bench-console');
  const intentAgent = await createAgent(server, tenant.key, 'bench-console-intents', 'logged');
  const intentPassport = await issuePassport(server, tenant.key, intentAgent, ['stripe']);
  const offender = await createAgent(server, tenant.key, 'bench-console-offender', 'enforced');
  const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
  try {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    const origin = `http://127.0.0.1:${server.port}`;
    await page.goto(`${origin}/console`);
    // The plain readers subscribe first, before the console signs in: the server writes each frame to them first, so
    // any order effect counts against the console, not for it.
    await page.evaluate(instrument, {
      key: tenant.key,
      streams: [
        { streamPath: '/v1/intents/stream', field: 'id', selector: 'li[data-intent-id]', attribute: 'data-intent-id' },
        { streamPath: '/v1/revocations/stream', field: 'jti', selector: '#revocations li[data-jti]', attribute: 'data-jti' },
      ],
    });
    await page.fill('#key', tenant.key);
    await page.press('#key', 'Enter');
    await page.locator('#who-text', { hasText: 'admin key' }).waitFor();
    await page.locator('#approvals-page .feed-state[data-state="live"]').waitFor({ state: 'attached' });
    await page.locator('#revocations .feed-state[data-state="live"]').waitFor({ state: 'attached' });

    const intents = await measureRounds(page, p.iterations, p.warmup, async () => {
      const sent = await page.evaluate(send, { path: '/v1/intents', token: intentPassport.token, body: { ...intentBody('stripe:refunds:create'), expires_in: 3600 }, idField: 'id' });
      if (sent.status !== 201) throw new Error(`the intent answered ${sent.status}`);
      return sent;
    });
    // Decided after measuring (untimed), so that the queue on screen stays as long as the warm-up left it.
    const queued = await expectStatus(200, server.port, 'GET', '/v1/intents?status=pending&limit=500', { token: tenant.key });
    for (const intent of queued.intents) await expectStatus(200, server.port, 'POST', `/v1/intents/${intent.id}/reject`, { token: tenant.key, body: {} });

    const revocations = await measureRounds(page, p.iterations, p.warmup, async () => {
      const passport = await issuePassport(server, tenant.key, offender, ['slack']);
      const sent = await page.evaluate(send, { path: `/v1/passports/${passport.jti}/actions`, token: passport.token, body: OFFENDING_CALL });
      if (sent.status !== 201) throw new Error(`the offending call answered ${sent.status}`);
      return { t0: sent.t0, id: passport.jti };
    });
    const line = (name, m) =>
      console.log(`  ${name}: console p50 ${fmt(m.console_ms.p50, 2)} ms p99 ${fmt(m.console_ms.p99, 2)} ms; plain SSE p50 ${fmt(m.plain_sse_ms.p50, 2)} ms p99 ${fmt(m.plain_sse_ms.p99, 2)} ms; ratio p50 ${fmt(m.ratio_p50, 2)}`);
    line('intent -> queue card', intents);
    line('detector revocation -> feed', revocations);
    return {
      description:
        'in Chromium (Debian), one page: the agent request sent with fetch from the page (t0), the console element stamped by a MutationObserver, ' +
        'and a plain fetch SSE reader of the same stream and key in the same page as the baseline; sequential, idle server',
      browser: browser.version(),
      target_ratio: TARGETS.console_to_plain_sse,
      intent_to_queue: intents,
      revocation_to_feed: revocations,
    };
  } finally {
    await browser.close();
  }
}

module.exports = { scenarioConsole };
