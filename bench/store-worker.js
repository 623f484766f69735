'use strict';
// Raw-insert baseline: the built SqliteEventStore used directly, no HTTP, no Nest, no decider. Run in its own process
// (forked by run.js) against a fresh temp file. W concurrent writers (promises), each on its own stream, append
// batches of B events back to back; the store's group commit folds what arrives in one event-loop turn into one
// transaction and one fsync, exactly as in the server. With calls_per_event > 1 each event is a ToolCallsLogged holding
// that many calls: the shape the server stores for one batched request.
//
// Job: { writers, batch_size, calls_per_event?, warmup_ms, duration_ms }

const fs = require('fs');
const os = require('os');
const path = require('path');
const { randomUUID, randomBytes } = require('crypto');
const { summarize } = require('./lib');

const { SqliteEventStore } = require(path.join(__dirname, '..', 'dist', 'libs', 'event-store', 'src'));

function call(i) {
  return { service: 'slack', action: 'chat.postMessage', target: `#bench-${i % 8}`, outcome: 'success' };
}

function event(mission, i, callsPerEvent) {
  const now = new Date().toISOString();
  const ref = { missionId: mission.missionId, jti: mission.jti, agentId: mission.agentId };
  // The same payloads the server records: one call, or one batch of calls.
  const [type, data] =
    callsPerEvent > 1
      ? ['ToolCallsLogged', { ...ref, calls: Array.from({ length: callsPerEvent }, (_, c) => call(c)), at: now }]
      : ['ToolCallLogged', { ...ref, ...call(i), at: now }];
  return {
    id: randomUUID(),
    type,
    schemaVersion: 1,
    tenantId: 'ten_bench',
    occurredAt: now,
    actor: { kind: 'passport', id: mission.jti },
    causationId: null,
    correlationId: randomUUID(),
    data,
  };
}

async function run(job) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mandate-bench-store-'));
  // Also on an abrupt exit (killed by the orchestrator's timeout, a crash).
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const store = new SqliteEventStore({ file: path.join(dir, 'events.db') });
  try {
    const missions = Array.from({ length: job.writers }, (_, w) => {
      const suffix = randomBytes(16).toString('base64url');
      return { missionId: `msn_${suffix}`, jti: `pp_${suffix}`, agentId: `agt_bench${w}`, version: 0 };
    });
    let measuring = false;
    let stop = false;
    let events = 0;
    let appends = 0;
    const latencies = [];

    const writer = async (mission) => {
      while (!stop) {
        const batch = Array.from({ length: job.batch_size }, (_, i) => event(mission, i, job.calls_per_event || 1));
        const t0 = performance.now();
        const result = await store.append(mission.missionId, batch, mission.version);
        const ms = performance.now() - t0;
        mission.version = result.streamVersion;
        if (measuring && !stop) {
          events += batch.length;
          appends += 1;
          latencies.push(ms);
        }
      }
    };

    let failure = null;
    const writers = missions.map((m) =>
      writer(m).catch((error) => {
        stop = true;
        failure = failure || error;
      }),
    );
    await new Promise((r) => setTimeout(r, job.warmup_ms));
    measuring = true;
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, job.duration_ms));
    stop = true;
    const elapsedSec = (performance.now() - t0) / 1000;
    await Promise.all(writers);
    if (failure) throw failure;
    return {
      writers: job.writers,
      batch_size: job.batch_size,
      duration_s: Math.round(elapsedSec * 1000) / 1000,
      appends,
      events,
      events_per_s: Math.round(events / elapsedSec),
      calls_per_event: job.calls_per_event || 1,
      calls_per_s: Math.round((events * (job.calls_per_event || 1)) / elapsedSec),
      appends_per_s: Math.round((appends / elapsedSec) * 10) / 10,
      append_latency_ms: summarize(latencies),
    };
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

process.on('message', (job) => {
  run(job).then(
    (result) => process.send({ ok: true, result }, () => process.exit(0)),
    (error) => process.send({ ok: false, error: String((error && error.stack) || error) }, () => process.exit(1)),
  );
});
process.on('disconnect', () => process.exit(2));
