'use strict';
// Scenarios 4 and 5: intents auto-approved under load, and how soon a waiting long-poll hears a person's decision.

const http = require('http');
const { OPTS, PARAMS, INTENT_POLICY } = require('../params');
const { sleep, summarize, request, expectStatus, intentBody } = require('../lib');
const { createTenant, createAgent, issuePassport } = require('../fixtures');
const { measure } = require('./logging');
const { fmt, ratio } = require('../report');

/**
 * The intents tenant: the policy of params.js, 32 logged agents with a Stripe passport each, and an approver key. One intent
 * of each kind is submitted as a sanity check (auto-approved / pending).
 */
async function createIntentsFixture(server) {
  const tenant = await createTenant(server, 'bench-intents');
  await expectStatus(200, server.port, 'PUT', '/v1/policies/intents', { token: tenant.key, body: INTENT_POLICY });
  const passports = [];
  for (let i = 0; i < PARAMS.intents.agents; i++) {
    const agentId = await createAgent(server, tenant.key, `bench-intent-agent-${i}`);
    passports.push(await issuePassport(server, tenant.key, agentId, ['stripe']));
  }
  const approver = await expectStatus(201, server.port, 'POST', '/v1/keys', { token: tenant.key, body: { name: 'bench approver', role: 'approver' } });
  const auto = await expectStatus(201, server.port, 'POST', '/v1/intents', { token: passports[0].token, body: intentBody(PARAMS.intents.named_intent) });
  if (auto.status !== 'approved') throw new Error(`an intent the policy auto-approves came back ${auto.status}: ${JSON.stringify(auto).slice(0, 500)}`);
  const manual = await expectStatus(201, server.port, 'POST', '/v1/intents', { token: passports[0].token, body: intentBody(PARAMS.intent_decision.named_intent) });
  if (manual.status !== 'pending') throw new Error(`an intent that needs approval came back ${manual.status}: ${JSON.stringify(manual).slice(0, 500)}`);
  return { tenantId: tenant.tenantId, key: tenant.key, approverKey: approver.key, passports };
}

async function scenarioIntents(server, fixture, logging) {
  console.log(`\n[4] intents submitted and auto-approved, ${fixture.passports.length} agents`);
  const intents = await measure(server, 'intent', fixture.passports, `POST /v1/intents (${PARAMS.intents.named_intent})`, OPTS.profile === 'intents');
  // Every 201 is IntentSubmitted + IntentAutoApproved (the passport use check appends nothing for an active passport);
  // a request still in flight at the stop may add its two as well.
  const extra = intents.events_appended - 2 * intents.responses_2xx;
  const loggingRps = logging && !logging.error ? logging.requests_per_s : null;
  return {
    description:
      `POST /v1/intents with ${PARAMS.intents.named_intent}, which the tenant's policy auto-approves; ` +
      `${PARAMS.connections} connections, each with its own passport (logged agent, services [stripe])`,
    policy: INTENT_POLICY,
    http: intents,
    intents_per_s: intents.ok_requests_per_s,
    requests_per_s: intents.ok_requests_per_s,
    p50_ms: intents.latency_ms.p50,
    p99_ms: intents.latency_ms.p99,
    errors: intents.errors + intents.timeouts,
    non_2xx: intents.non_2xx,
    not_approved: intents.unexpected_2xx_bodies,
    events_per_response: 2,
    events_match_responses: extra >= 0 && extra <= 2 * PARAMS.connections,
    events_beyond_counted_responses: extra,
    // The same run's single-call logging (scenario 1), for scale: both are one authenticated JSON POST and one append.
    logging_requests_per_s: loggingRps,
    ratio_to_logging: ratio(intents.ok_requests_per_s, loggingRps),
  };
}

/** One decision: submit an intent that needs approval; long-poll it; after a head start, t0 and approve it. */
async function decideOnce(server, fixture, longPollAgent) {
  const p = PARAMS.intent_decision;
  const passport = fixture.passports[0];
  const submitted = await request(server.port, 'POST', '/v1/intents', { token: passport.token, body: intentBody(p.named_intent) });
  if (submitted.status !== 201 || submitted.body.status !== 'pending') {
    throw new Error(`submitting ${p.named_intent} answered ${submitted.status}: ${JSON.stringify(submitted.body).slice(0, 500)}`);
  }
  const intentId = submitted.body.id;
  // The long-poll on its own kept-alive connection. Its timeout is of socket inactivity, so it bounds the wait.
  let polled = null;
  const poll = request(server.port, 'GET', `/v1/intents/${intentId}?wait=${p.wait_seconds}`, {
    token: passport.token,
    agent: longPollAgent,
    timeoutMs: p.head_start_ms + p.wait_timeout_ms,
  }).then(
    (res) => (polled = { res }),
    (error) => (polled = { error }),
  );
  // The server reads the intent, then parks the request until a command changes it: give it time to get there.
  await sleep(p.head_start_ms);
  const returnedEarly = polled !== null;
  const t0 = performance.now();
  const approve = await request(server.port, 'POST', `/v1/intents/${intentId}/approve`, { token: fixture.approverKey, body: { note: 'bench' } });
  if (approve.status !== 200) throw new Error(`approve answered ${approve.status}: ${JSON.stringify(approve.body).slice(0, 500)}`);
  if (approve.body.status !== 'approved') throw new Error(`approve left the intent ${approve.body.status}`);
  await poll;
  const round = { approveMs: approve.at - t0, submitMs: submitted.ms, returnedEarly, latencyMs: null, beforeApproveResponse: false, missed: null };
  if (polled.error) {
    longPollAgent.destroy(); // the timed-out socket is gone; the next round opens a new one
    round.missed = `no answer: ${polled.error.message}`;
  } else if (polled.res.status !== 200) {
    throw new Error(`the long-poll answered ${polled.res.status}: ${JSON.stringify(polled.res.body).slice(0, 500)}`);
  } else if (returnedEarly || polled.res.body.status !== 'approved') {
    round.missed = `returned ${returnedEarly ? 'before the decision' : 'after it'} with status ${polled.res.body.status}`;
  } else {
    round.latencyMs = polled.res.at - t0;
    round.beforeApproveResponse = polled.res.at < approve.at;
  }
  return round;
}

async function scenarioIntentDecision(server, fixture) {
  const p = PARAMS.intent_decision;
  console.log('\n[5] decision -> long-poll latency (idle server, sequential)');
  process.stdout.write(`  warm-up ${p.warmup_iterations}, measuring ${p.iterations} (head start ${p.head_start_ms} ms)`);
  const longPollAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const rounds = [];
  // A missed wake-up costs up to wait_timeout_ms: stop after a few (warm-up included) rather than spend minutes on them.
  let missed = 0;
  let warmupMissed = 0;
  let stoppedEarly = false;
  try {
    for (let i = 0; i < p.warmup_iterations && missed < p.max_missed; i++) {
      if ((await decideOnce(server, fixture, longPollAgent)).missed) warmupMissed = ++missed;
    }
    for (let i = 0; i < p.iterations; i++) {
      if (missed >= p.max_missed) {
        stoppedEarly = true;
        break;
      }
      const round = await decideOnce(server, fixture, longPollAgent);
      rounds.push(round);
      if (round.missed) missed++;
    }
  } finally {
    longPollAgent.destroy();
  }
  const measured = rounds.filter((r) => r.latencyMs !== null);
  const figures = {
    description:
      `submit ${p.named_intent} (policy: require_approval, 1 approval); GET /v1/intents/{id}?wait=${p.wait_seconds} with the passport; ` +
      `after a ${p.head_start_ms} ms head start, t0 and POST /v1/intents/{id}/approve with an approver key; t0 -> the long-poll's ` +
      `response (status approved) has arrived`,
    iterations: rounds.length,
    head_start_ms: p.head_start_ms,
    long_poll_ms: summarize(measured.map((r) => r.latencyMs)),
    approve_response_ms: summarize(rounds.map((r) => r.approveMs)),
    submit_response_ms: summarize(rounds.map((r) => r.submitMs)),
    // How often the waiting agent heard of the decision before the approver's own response arrived.
    long_poll_before_approve_response: measured.filter((r) => r.beforeApproveResponse).length,
    long_poll_missed: rounds.length - measured.length,
    missed_details: rounds.filter((r) => r.missed).map((r) => r.missed).slice(0, 10),
    warmup_missed: warmupMissed,
    stopped_early: stoppedEarly,
  };
  process.stdout.write(`: p99 ${fmt(figures.long_poll_ms.p99, 2)} ms, missed ${figures.long_poll_missed}\n`);
  return figures;
}

module.exports = { createIntentsFixture, scenarioIntents, scenarioIntentDecision };
