'use strict';
// Detector measurements that need no server, each run in its own process (forked by run.js) on the built code in
// dist/. One job per process:
//
//   { kind: 'throughput', history, passes }
//       Generates the history (bench/detector-history.js) and passes it through JSON once (the server's detectors
//       read every event back from the store), then runs every detector over all of it: one warm-up pass
//       and `passes` measured passes, each from a fresh state. Figures: events/s (median pass), findings raised.
//   { kind: 'replay', history, passes }
//       Generates the history, appends it to a fresh SqliteEventStore file (one append per event, in order, in group
//       commits), closes and reopens the store (as after a restart), then times
//       replayReport((after, limit) => store.readAll(after, limit)): reading from SQLite included. The first run is
//       reported as cold; then `passes` measured runs (median is the headline).
//   { kind: 'memory', missions, tenants, agents_per_tenant, calls_per_mission, settle_ms }
//       Needs --expose-gc. Folds `missions` PassportIssued events (distinct missions, all left open) plus
//       `calls_per_mission` in-scope tool calls each through detect(), generating each event on the fly (through JSON,
//       as the server reads it from the store) and dropping it afterwards, so that what stays is the detector state.
//       Resident set and heap after a forced GC, before and after (and again after `settle_ms` and another GC); also
//       the cost of one ClockTicked sweep over every open mission (before any deadline: no findings).

const fs = require('fs');
const os = require('os');
const path = require('path');
const { randomUUID } = require('crypto');
const { generateHistory, T0 } = require('./detector-history');

const DIST = path.join(__dirname, '..', 'dist', 'libs');
const { detect, initialDetectorState, replayReport } = require(path.join(DIST, 'detectors', 'src'));

const mb = (bytes) => Math.round((bytes / 2 ** 20) * 10) / 10;
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
};

function historyFigures(stats, generationMs) {
  return { ...stats, generation_ms: Math.round(generationMs) };
}

function throughput(job) {
  const t0 = performance.now();
  const generated = generateHistory(job.history);
  const generationMs = performance.now() - t0;
  // As the server's detectors get them: read back from the store, i.e. JSON.parsed.
  const events = JSON.parse(JSON.stringify(generated.events));
  const stats = generated.stats;
  generated.events = null;
  let calls = 0;
  for (const e of events) calls += e.type === 'ToolCallsLogged' ? e.data.calls.length : e.type === 'ToolCallLogged' ? 1 : 0;
  const pass = () => {
    const state = initialDetectorState();
    const bySignal = {};
    let findings = 0;
    let revoking = 0;
    const started = performance.now();
    for (let i = 0; i < events.length; i++) {
      const raised = detect(state, events[i]);
      if (raised.length === 0) continue;
      findings += raised.length;
      for (const f of raised) {
        bySignal[f.signal] = (bySignal[f.signal] || 0) + 1;
        if (f.revoke) revoking++;
      }
    }
    const ms = performance.now() - started;
    return { ms, findings, revoking, bySignal };
  };
  const warmup = pass();
  const measured = Array.from({ length: job.passes }, pass);
  const perSecond = measured.map((p) => Math.round(events.length / (p.ms / 1000)));
  const headline = median(perSecond);
  const last = measured[measured.length - 1];
  return {
    history: historyFigures(stats, generationMs),
    events: events.length,
    tool_calls: calls,
    warmup_ms: Math.round(warmup.ms * 10) / 10,
    passes_ms: measured.map((p) => Math.round(p.ms * 10) / 10),
    passes_events_per_s: perSecond,
    events_per_s: headline,
    calls_per_s: Math.round((headline * calls) / events.length),
    us_per_event: Math.round((1e6 / headline) * 1000) / 1000,
    findings: last.findings,
    findings_by_signal: last.bySignal,
    revoking_findings: last.revoking,
    // Every pass must raise the same findings as the generator's own (live) run and as each other.
    findings_match_history: measured.every((p) => p.findings === stats.findings) && warmup.findings === stats.findings,
  };
}

async function replay(job) {
  const { SqliteEventStore } = require(path.join(DIST, 'event-store', 'src'));
  const t0 = performance.now();
  let { events, stats } = generateHistory(job.history);
  const generationMs = performance.now() - t0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mandate-bench-replay-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'events.db');
  let store = new SqliteEventStore({ file });
  try {
    // In history order: everything queued in one turn is one transaction, committed in queue order.
    const chunk = 5000;
    const w0 = performance.now();
    for (let i = 0; i < events.length; i += chunk) {
      const pending = [];
      for (const e of events.slice(i, i + chunk)) {
        pending.push(
          store.append(e.streamId, [{ id: e.id, type: e.type, schemaVersion: e.schemaVersion, tenantId: e.tenantId, occurredAt: e.occurredAt, actor: e.actor, causationId: e.causationId, correlationId: e.correlationId, data: e.data }], 'any'),
        );
      }
      const results = await Promise.all(pending);
      const last = results[results.length - 1];
      if (last.position !== Math.min(i + chunk, events.length)) throw new Error(`store position ${last.position} after ${Math.min(i + chunk, events.length)} events`);
    }
    const writeMs = performance.now() - w0;
    const count = events.length;
    events = null; // only the store holds the history now
    await store.close();
    const fileBytes = fs.statSync(file).size;
    store = new SqliteEventStore({ file });

    const run = async () => {
      const started = performance.now();
      const report = await replayReport((after, limit) => store.readAll(after, limit));
      const ms = performance.now() - started;
      return { ms, report };
    };
    const cold = await run();
    const measured = [];
    for (let i = 0; i < job.passes; i++) measured.push(await run());
    const perSecond = measured.map((r) => Math.round(r.report.events / (r.ms / 1000)));
    const r = measured[measured.length - 1].report;
    const differenceKinds = {};
    for (const d of r.differences) differenceKinds[d.kind] = (differenceKinds[d.kind] || 0) + 1;
    for (const d of r.revocation_differences) differenceKinds[d.kind] = (differenceKinds[d.kind] || 0) + 1;
    return {
      history: historyFigures(stats, generationMs),
      events: count,
      store_file_mb: mb(fileBytes),
      write_ms: Math.round(writeMs),
      write_events_per_s: Math.round(count / (writeMs / 1000)),
      cold_ms: Math.round(cold.ms * 10) / 10,
      cold_events_per_s: Math.round(cold.report.events / (cold.ms / 1000)),
      passes_ms: measured.map((m) => Math.round(m.ms * 10) / 10),
      passes_events_per_s: perSecond,
      events_per_s: median(perSecond),
      report: {
        events: r.events,
        findings: r.findings,
        revocations: r.revocations,
        identical: r.identical,
        differences: r.differences.length,
        revocation_differences: r.revocation_differences.length,
        difference_kinds: differenceKinds,
        first_differences: [...r.differences.slice(0, 3), ...r.revocation_differences.slice(0, 3)],
        duration_ms: r.duration_ms,
        events_per_second: r.events_per_second,
      },
      all_identical: [cold, ...measured].every((m) => m.report.identical),
      events_read_match: [cold, ...measured].every((m) => m.report.events === count),
    };
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function memory(job) {
  if (typeof global.gc !== 'function') throw new Error('the memory job needs node --expose-gc');
  const sample = () => {
    global.gc();
    global.gc();
    const m = process.memoryUsage();
    return { rss_mb: mb(m.rss), heap_used_mb: mb(m.heapUsed), heap_total_mb: mb(m.heapTotal), external_mb: mb(m.external), array_buffers_mb: mb(m.arrayBuffers) };
  };
  const before = sample();
  const state = initialDetectorState();
  let position = 0;
  let findings = 0;
  let detectMs = 0;
  // The server's detectors only ever see events read back from the store (follow() pages through readAll, which
  // JSON.parses each stored body): each event goes through JSON the same way, so the strings the state keeps are
  // the same flat strings the server would keep.
  const fold = (type, tenantId, streamId, actor, at, data) => {
    const event = JSON.parse(JSON.stringify({
      id: randomUUID(), type, schemaVersion: 1, streamId, streamVersion: 1, position: ++position, tenantId, occurredAt: new Date(at).toISOString(),
      actor, causationId: null, correlationId: randomUUID(), data,
    }));
    const t = performance.now();
    findings += detect(state, event).length;
    detectMs += performance.now() - t;
  };
  const agents = [];
  for (let t = 0; t < job.tenants; t++) {
    for (let a = 0; a < job.agents_per_tenant; a++) {
      const agentId = `agt_mem${t}_${a}`;
      const tenantId = `ten_mem${t}`;
      const mode = ['enforced', 'logged', 'standard'][(t + a) % 3];
      fold('AgentRegistered', tenantId, `agent-${agentId}`, { kind: 'operator', id: 'key' }, T0, { agentId, tenantId, name: 'a', description: '', accountabilityMode: mode, registeredAt: new Date(T0).toISOString() });
      agents.push({ agentId, tenantId, mode });
    }
  }
  const started = performance.now();
  // One mission issued every 10 ms of event time: 100,000 missions span ~17 minutes, all open (TTL 3600 s,
  // checkpoint interval 3600 s), each with its calls 1 s apart (so they stay in the burst window).
  for (let i = 0; i < job.missions; i++) {
    const agent = agents[i % agents.length];
    const suffix = randomUUID().replace(/-/g, '').slice(0, 22);
    const ref = { missionId: `msn_${suffix}`, jti: `pp_${suffix}`, agentId: agent.agentId };
    const at = T0 + i * 10;
    const stream = `mission-${ref.missionId}`;
    const issuer = { kind: 'operator', id: 'key' };
    const end = new Date(at + 3_600_000).toISOString();
    fold('PassportIssued', agent.tenantId, stream, issuer, at, {
      ...ref, tenantId: agent.tenantId, accountabilityMode: agent.mode, intent: { summary: `mission ${i}`, services: ['slack', 'github'] },
      ttlSeconds: 3600, checkpointIntervalSeconds: 3600, issuedAt: new Date(at).toISOString(), expiresAt: end, leashExpiresAt: end, checkpointDueAt: end,
      idempotencyKey: null, requestFingerprint: randomUUID(),
    });
    for (let c = 1; c <= job.calls_per_mission; c++) {
      fold('ToolCallLogged', agent.tenantId, stream, { kind: 'passport', id: ref.jti }, at + c * 1000, {
        ...ref, service: c % 2 ? 'slack' : 'github', action: 'chat.postMessage', target: `#bench-${c}`, outcome: 'success', at: new Date(at + c * 1000).toISOString(),
      });
    }
  }
  const foldMs = performance.now() - started;
  // A tick sweeps every open mission: before any deadline it raises nothing, but it costs one look at each.
  const tickAt = T0 + job.missions * 10 + 5000;
  const detectBeforeTick = detectMs;
  fold('ClockTicked', '_system', 'clock', { kind: 'system', id: 'clock' }, tickAt, { at: new Date(tickAt).toISOString() });
  const tickMs = detectMs - detectBeforeTick;
  const after = sample();
  // V8 gives pages back lazily: the same after a short pause and another forced GC, for context.
  await new Promise((resolve) => setTimeout(resolve, job.settle_ms ?? 2000));
  const settled = sample();
  const missions = state.missions.size;
  const open = [...state.missions.values()].filter((m) => !m.closed).length;
  return {
    missions,
    open_missions: open,
    agents: agents.length,
    events_folded: position,
    findings,
    generate_and_fold_ms: Math.round(foldMs),
    detect_ms: Math.round(detectMs),
    detect_events_per_s: Math.round(position / (detectMs / 1000)),
    tick_sweep_ms: Math.round(tickMs * 100) / 100,
    before,
    after,
    after_settled: settled,
    settle_ms: job.settle_ms ?? 2000,
    rss_mb: after.rss_mb,
    heap_used_mb: after.heap_used_mb,
    rss_delta_mb: Math.round((after.rss_mb - before.rss_mb) * 10) / 10,
    heap_delta_mb: Math.round((after.heap_used_mb - before.heap_used_mb) * 10) / 10,
    heap_bytes_per_mission: Math.round(((after.heap_used_mb - before.heap_used_mb) * 2 ** 20) / missions),
    node_flags: process.execArgv,
  };
}

const JOBS = { throughput, replay, memory };

process.on('message', (job) => {
  Promise.resolve()
    .then(() => {
      const fn = JOBS[job.kind];
      if (!fn) throw new Error(`unknown job kind ${job.kind}`);
      return fn(job);
    })
    .then(
      (result) => process.send({ ok: true, result }, () => process.exit(0)),
      (error) => process.send({ ok: false, error: String((error && error.stack) || error) }, () => process.exit(1)),
    );
});
process.on('disconnect', () => process.exit(2));
