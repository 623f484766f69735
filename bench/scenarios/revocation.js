'use strict';
// Scenario 3 (and 3b under load): an operator revokes; how soon the SSE stream and verify know.

const { PARAMS } = require('../params');
const { sleep, summarize, request } = require('../lib');
const { runWorker, revocationArrival } = require('../harness');
const { issuePassport } = require('../fixtures');
const { loadJob, loadTimeout } = require('./logging');
const { fmt } = require('../report');

/** One revocation: issue, t0, revoke, verify until inactive, wait for the SSE frame. */
async function revokeOnce(server, fixture, stream) {
  const passport = await issuePassport(server, fixture.key, fixture.agentId);
  const t0 = performance.now();
  const revoke = await request(server.port, 'POST', `/v1/passports/${passport.jti}/revoke`, { token: fixture.key, body: { reason: 'bench' } });
  if (revoke.status !== 200) throw new Error(`revoke answered ${revoke.status}: ${JSON.stringify(revoke.body)}`);
  const revokeMs = performance.now() - t0;
  let retries = 0;
  let verifyMs = null;
  let firstVerifyMs = null;
  let reason = null;
  const verifyDeadline = t0 + PARAMS.revocation.wait_timeout_ms;
  for (;;) {
    const v = await request(server.port, 'POST', '/v1/passports/verify', { body: { token: passport.token } });
    if (v.status !== 200) throw new Error(`verify answered ${v.status}: ${JSON.stringify(v.body)}`);
    if (firstVerifyMs === null) firstVerifyMs = v.ms;
    if (v.body.active === false) {
      verifyMs = performance.now() - t0;
      reason = v.body.reason;
      break;
    }
    if (performance.now() > verifyDeadline) break;
    retries++;
  }
  const frame = await revocationArrival(stream, passport.jti, t0 + PARAMS.revocation.wait_timeout_ms - performance.now());
  return { revokeMs, verifyMs, firstVerifyMs, sseMs: frame === null ? null : frame.at - t0, retries, reason };
}

function revocationFigures(rounds) {
  const sse = rounds.map((r) => r.sseMs).filter((v) => v !== null);
  const verify = rounds.map((r) => r.verifyMs).filter((v) => v !== null);
  const retries = rounds.map((r) => r.retries);
  return {
    iterations: rounds.length,
    sse_ms: summarize(sse),
    verify_ms: summarize(verify),
    revoke_response_ms: summarize(rounds.map((r) => r.revokeMs)),
    // The round trip of the first verify call alone (sent when the revoke response arrived).
    verify_response_ms: summarize(rounds.map((r) => r.firstVerifyMs).filter((v) => v !== null)),
    sse_missed: rounds.length - sse.length,
    verify_never_inactive: rounds.length - verify.length,
    verify_retries_total: retries.reduce((a, b) => a + b, 0),
    verify_retries_max: retries.length ? Math.max(...retries) : 0,
    verify_iterations_needing_retry: retries.filter((r) => r > 0).length,
    verify_reasons: rounds.reduce((acc, r) => ((acc[r.reason ?? 'none'] = (acc[r.reason ?? 'none'] || 0) + 1), acc), {}),
  };
}

async function scenarioRevocation(server, fixture, stream) {
  console.log('\n[3] revocation latency (idle server, sequential)');
  const p = PARAMS.revocation;
  process.stdout.write(`  warm-up ${p.warmup_iterations}, measuring ${p.iterations}`);
  for (let i = 0; i < p.warmup_iterations; i++) await revokeOnce(server, fixture, stream);
  const rounds = [];
  for (let i = 0; i < p.iterations; i++) rounds.push(await revokeOnce(server, fixture, stream));
  const figures = revocationFigures(rounds);
  process.stdout.write(`: SSE p99 ${fmt(figures.sse_ms.p99, 2)} ms, verify p99 ${fmt(figures.verify_ms.p99, 2)} ms\n`);
  return {
    description: 'issue a passport; t0; POST revoke; (a) t0 -> SSE frame for the jti; (b) t0 -> first verify answering active:false',
    ...figures,
    sse_frames_seen: stream.events.length,
  };
}

async function scenarioRevocationUnderLoad(server, fixture, stream, passports) {
  const p = PARAMS.revocation_under_load;
  console.log(`\n[3b] revocation latency while 32 agents log tool calls (informational)`);
  process.stdout.write(`  ${p.load_duration_s} s of logging load, up to ${p.iterations} revocations`);
  // Three busy processes on two cores: the load generator runs at a lower priority so that the revoking client (this
  // process) is not left waiting for a CPU, which would add scheduling delay to every figure it takes.
  const load = runWorker('load-worker.js', loadJob(server, 'single', passports, p.load_duration_s), loadTimeout(p.load_duration_s), { nice: 10 });
  let loadDone = false;
  load.then(
    () => (loadDone = true),
    () => (loadDone = true),
  );
  const startedAt = performance.now();
  await sleep(Math.min(2000, (p.load_duration_s * 1000) / 4));
  const rounds = [];
  // Stop a little before the load ends so every revocation is measured under load.
  const stopAt = startedAt + p.load_duration_s * 1000 - 1000;
  while (rounds.length < p.iterations && performance.now() < stopAt && !loadDone) {
    rounds.push(await revokeOnce(server, fixture, stream));
  }
  const loadResult = await load;
  await server.settle();
  const figures = revocationFigures(rounds);
  process.stdout.write(`: ${rounds.length} done, SSE p99 ${fmt(figures.sse_ms.p99, 2)} ms, verify p99 ${fmt(figures.verify_ms.p99, 2)} ms\n`);
  return {
    description:
      'scenario 3 repeated while POST /actions (1 call) runs at 32 connections; server, load generator (niced) and ' +
      'this client share the CPUs, so the figures include some CPU scheduling delay of the client',
    ...figures,
    load: {
      ok_requests_per_s: loadResult.ok_requests_per_s,
      latency_ms: loadResult.latency_ms,
      non_2xx: loadResult.non_2xx,
      errors: loadResult.errors + loadResult.timeouts,
    },
  };
}

module.exports = { scenarioRevocation, scenarioRevocationUnderLoad };
