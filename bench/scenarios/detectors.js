'use strict';
// Scenarios 6 to 9 and 7b: detector throughput, replay speed and memory (forked workers, no server), an offending call
// revoked by the detectors, and the server's own admin replay over everything the run wrote.

const http = require('http');
const { PARAMS, OFFENDING_CALL } = require('../params');
const { sleep, summarize, request, expectStatus } = require('../lib');
const { ADMIN_KEY, runWorker, revocationArrival } = require('../harness');
const { createTenant, createAgent, issuePassport } = require('../fixtures');
const { fmt } = require('../report');

async function scenarioDetectorThroughput() {
  const p = PARAMS.detector_throughput;
  console.log(`\n[6] detector throughput (in a process of its own, no server)`);
  process.stdout.write(`  history of ${p.history.missions} missions, warm-up pass, ${p.passes} measured passes`);
  const r = await runWorker('detector-worker.js', { kind: 'throughput', history: p.history, passes: p.passes }, 300_000);
  process.stdout.write(`: ${fmt(r.events_per_s, 0)} events/s, ${r.findings} findings\n`);
  return {
    description:
      'every detector (detect()) over a generated history of missions in mixed modes, read back through JSON as from the ' +
      'store; one warm-up pass, then measured passes each from a fresh state; events/s of the median pass',
    ...r,
  };
}

async function scenarioDetectorReplay() {
  const p = PARAMS.detector_replay;
  console.log(`\n[7] replay speed: replayReport over a SqliteEventStore file (in a process of its own, no server)`);
  process.stdout.write(`  history of ${p.history.missions} missions written to a fresh store, cold run, ${p.passes} measured runs`);
  const r = await runWorker('detector-worker.js', { kind: 'replay', history: p.history, passes: p.passes }, 600_000);
  process.stdout.write(`: ${fmt(r.events_per_s, 0)} events/s (cold ${fmt(r.cold_events_per_s, 0)}), identical ${r.report.identical}\n`);
  return {
    description:
      'the generated history (with the findings and detector revocations the live runner would have recorded) appended ' +
      'to a fresh SqliteEventStore, store closed and reopened, then replayReport((after, limit) => store.readAll(after, limit)): ' +
      'events/s including the reads from SQLite; median of the measured runs',
    ...r,
  };
}

async function scenarioDetectorMemory() {
  const p = PARAMS.detector_memory;
  console.log(`\n[9] resident memory with ${fmt(p.missions, 0)} active missions (in a process of its own, node --expose-gc)`);
  process.stdout.write(`  ${fmt(p.missions, 0)} PassportIssued + ${p.calls_per_mission} tool calls each through detect()`);
  const r = await runWorker('detector-worker.js', { kind: 'memory', ...p }, 300_000, { execArgv: ['--expose-gc'] });
  process.stdout.write(`: RSS ${fmt(r.rss_mb, 1)} MB, heap used ${fmt(r.heap_used_mb, 1)} MB\n`);
  return {
    description:
      `a process that only holds the detector state: ${p.missions} open missions (distinct, ${p.tenants} tenants x ` +
      `${p.agents_per_tenant} agents), each issued and then using its passport ${p.calls_per_mission} times; every event ` +
      'passes through JSON as when read from the store and is dropped after detect(); RSS and heap after forced GC',
    ...r,
  };
}


/** The enforced agents of scenario 8, on a tenant of their own (default detector settings: scope_drift revokes). */
async function createDetectorFixture(server) {
  const tenant = await createTenant(server, 'bench-detectors');
  const settings = await expectStatus(200, server.port, 'GET', '/v1/detectors/settings', { token: tenant.key });
  if (settings.actions.scope_drift !== 'revoke') throw new Error(`a new tenant's scope_drift action is ${settings.actions.scope_drift}, not revoke`);
  const agents = [];
  for (let i = 0; i < PARAMS.detector_revocation.agents; i++) agents.push(await createAgent(server, tenant.key, `bench-enforced-${i}`, 'enforced'));
  return { key: tenant.key, agents };
}

/**
 * One offence: issue an enforced passport for slack; t0; log a github call with it; as soon as that answers, verify
 * until inactive; wait for the SSE frame. Then, untimed, ask the security-events API for the finding.
 */
async function offendOnce(server, fixture, stream, round) {
  const timeout = PARAMS.detector_revocation.wait_timeout_ms;
  const passport = await issuePassport(server, fixture.key, fixture.agents[round % fixture.agents.length], ['slack']);
  const t0 = performance.now();
  const action = await request(server.port, 'POST', `/v1/passports/${passport.jti}/actions`, { token: passport.token, body: OFFENDING_CALL });
  if (action.status !== 201) throw new Error(`the offending call answered ${action.status}: ${JSON.stringify(action.body).slice(0, 500)}`);
  const actionMs = action.at - t0;
  let retries = 0;
  let verifyMs = null;
  let firstVerifyMs = null;
  let verifyReason = null;
  let inactiveVerifyMs = null;
  for (;;) {
    const v = await request(server.port, 'POST', '/v1/passports/verify', { body: { token: passport.token } });
    if (v.status !== 200) throw new Error(`verify answered ${v.status}: ${JSON.stringify(v.body)}`);
    if (firstVerifyMs === null) firstVerifyMs = v.ms;
    if (v.body.active === false) {
      verifyMs = v.at - t0;
      verifyReason = v.body.reason;
      inactiveVerifyMs = v.ms;
      break;
    }
    if (performance.now() > t0 + timeout) break;
    retries++;
  }
  const frame = await revocationArrival(stream, passport.jti, t0 + timeout - performance.now());
  const arrivedAt = frame === null ? null : frame.at;
  const sseReason = frame === null ? null : frame.data.reason;
  // Read-your-writes on the findings API: once the detectors have handled the call, its finding is listed.
  const listed = await request(server.port, 'GET', `/v1/security-events?jti=${passport.jti}&wait_for_position=${action.body.position}`, { token: fixture.key, timeoutMs: 15_000 });
  const finding = listed.status === 200 ? listed.body.security_events.find((f) => f.signal === 'scope_drift') : undefined;
  return {
    actionMs,
    verifyMs,
    firstVerifyMs,
    inactiveVerifyMs,
    sseMs: arrivedAt === null ? null : arrivedAt - t0,
    // The SSE frame may arrive before the verify loop ends (it is measured from the same t0 either way).
    sseBeforeVerify: arrivedAt !== null && verifyMs !== null && arrivedAt - t0 < verifyMs,
    retries,
    verifyReason,
    sseReason,
    sseReasonOk: typeof sseReason === 'string' && sseReason.startsWith('detector scope_drift'),
    listedStatus: listed.status,
    findingListed: Boolean(finding),
    findingRevoked: Boolean(finding && finding.revoked),
  };
}

async function scenarioDetectorRevocation(server, fixture, stream) {
  const p = PARAMS.detector_revocation;
  console.log('\n[8] offending call -> detector revocation (idle server, sequential)');
  process.stdout.write(`  warm-up ${p.warmup_iterations}, measuring ${p.iterations}`);
  for (let i = 0; i < p.warmup_iterations; i++) await offendOnce(server, fixture, stream, i);
  const rounds = [];
  for (let i = 0; i < p.iterations; i++) rounds.push(await offendOnce(server, fixture, stream, p.warmup_iterations + i));
  const sse = rounds.map((r) => r.sseMs).filter((v) => v !== null);
  const verify = rounds.map((r) => r.verifyMs).filter((v) => v !== null);
  const retries = rounds.map((r) => r.retries);
  const count = (list) => list.reduce((acc, v) => ((acc[v ?? 'none'] = (acc[v ?? 'none'] || 0) + 1), acc), {});
  const figures = {
    description:
      `issue an enforced passport (services [slack]); t0; POST /v1/passports/{jti}/actions ${JSON.stringify(OFFENDING_CALL)}; ` +
      '(a) t0 -> the SSE revocation frame for the jti (reason "detector scope_drift: ..."); (b) t0 -> first verify answering ' +
      'active:false, polled as soon as the call has answered; then, untimed, GET /v1/security-events?jti=&wait_for_position=',
    iterations: rounds.length,
    agents: fixture.agents.length,
    sse_ms: summarize(sse),
    verify_ms: summarize(verify),
    action_response_ms: summarize(rounds.map((r) => r.actionMs)),
    verify_response_ms: summarize(rounds.map((r) => r.firstVerifyMs).filter((v) => v !== null)),
    // The round trip of the verify call that answered active:false (the first one also records PassportUseRefused).
    inactive_verify_response_ms: summarize(rounds.map((r) => r.inactiveVerifyMs).filter((v) => v !== null)),
    sse_missed: rounds.length - sse.length,
    verify_never_inactive: rounds.length - verify.length,
    verify_retries_total: retries.reduce((a, b) => a + b, 0),
    verify_retries_max: retries.length ? Math.max(...retries) : 0,
    verify_iterations_needing_retry: retries.filter((r) => r > 0).length,
    verify_reasons: count(rounds.map((r) => r.verifyReason)),
    sse_reason_not_scope_drift: rounds.filter((r) => r.sseMs !== null && !r.sseReasonOk).length,
    sse_reason_examples: [...new Set(rounds.map((r) => r.sseReason))].slice(0, 3),
    sse_before_verify: rounds.filter((r) => r.sseBeforeVerify).length,
    security_events_status: count(rounds.map((r) => r.listedStatus)),
    finding_not_listed: rounds.filter((r) => !r.findingListed).length,
    finding_listed_not_revoked: rounds.filter((r) => r.findingListed && !r.findingRevoked).length,
    sse_frames_seen: stream.events.length,
    server_memory_after: server.memory(),
  };
  process.stdout.write(`: SSE p99 ${fmt(figures.sse_ms.p99, 2)} ms, verify p99 ${fmt(figures.verify_ms.p99, 2)} ms, missed ${figures.sse_missed}\n`);
  return figures;
}

/** POST /v1/admin/replay on the bench server, over everything the run has written. */
async function scenarioAdminReplay(server) {
  console.log('\n[7b] POST /v1/admin/replay on the bench server (its whole history)');
  const head = (await server.readiness()).head;
  const memoryBefore = server.memory();
  process.stdout.write(`  ${fmt(head, 0)} events in the store`);
  // Meanwhile, how responsive the server stays: GET /healthz back to back, 5 ms apart, on a connection of its own.
  let replaying = true;
  const probes = [];
  const probeAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const probing = (async () => {
    while (replaying) {
      try {
        probes.push((await request(server.port, 'GET', '/healthz', { agent: probeAgent, timeoutMs: PARAMS.admin_replay.timeout_ms })).ms);
      } catch {
        /* counted by their absence */
      }
      await sleep(5);
    }
  })();
  const t0 = performance.now();
  const res = await request(server.port, 'POST', '/v1/admin/replay', { token: ADMIN_KEY, timeoutMs: PARAMS.admin_replay.timeout_ms }).finally(() => (replaying = false));
  const wallMs = performance.now() - t0;
  await probing;
  probeAgent.destroy();
  if (res.status !== 200) throw new Error(`POST /v1/admin/replay answered ${res.status}: ${JSON.stringify(res.body).slice(0, 500)}`);
  const r = res.body;
  const kinds = {};
  for (const d of [...(r.differences || []), ...(r.revocation_differences || [])]) kinds[d.kind] = (kinds[d.kind] || 0) + 1;
  process.stdout.write(`: ${fmt(r.events_per_second, 0)} events/s, identical ${r.identical}\n`);
  return {
    description: 'POST /v1/admin/replay with the instance admin key at the end of the run: the server rebuilds every detector from its own store',
    store_head: head,
    events: r.events,
    events_per_second: r.events_per_second,
    duration_ms: r.duration_ms,
    response_ms: Math.round(wallMs),
    identical: r.identical,
    // Since the endpoint also rebuilds every read model, `identical` covers both; this is the detectors' part alone.
    detectors_identical: (r.differences || []).length === 0 && (r.revocation_differences || []).length === 0,
    read_model_differences: r.read_models && Array.isArray(r.read_models.differences) ? r.read_models.differences.length : null,
    first_read_model_differences: r.read_models && Array.isArray(r.read_models.differences) ? r.read_models.differences.slice(0, 3) : [],
    findings: r.findings,
    revocations: r.revocations,
    differences: (r.differences || []).length,
    revocation_differences: (r.revocation_differences || []).length,
    difference_kinds: kinds,
    first_differences: [...(r.differences || []).slice(0, 3), ...(r.revocation_differences || []).slice(0, 3)],
    healthz_during_replay_ms: summarize(probes),
    server_memory_before: memoryBefore,
    server_memory_after: server.memory(),
  };
}

module.exports = { createDetectorFixture, scenarioDetectorThroughput, scenarioDetectorReplay, scenarioDetectorMemory, scenarioDetectorRevocation, scenarioAdminReplay };
