'use strict';
// Scenarios 1 and 2: tool-call logging, one call and 100 calls per request, from 32 agents (autocannon in a worker).

const { OPTS, PARAMS } = require('../params');
const { toolCall, intentBody } = require('../lib');
const fs = require('fs');
const path = require('path');
const { fork } = require('child_process');
const { runWorker, track } = require('../harness');
const { fmt, ratio } = require('../report');

function loadJob(server, kind, passports, durationSec) {
  const base = { port: server.port, connections: PARAMS.connections, durationSec };
  if (kind === 'bare') return { ...base, method: 'GET', requests: [{ path: '/healthz' }] };
  // The same pipeline as a logging request (JSON body, guard, validation pipe, problem-free answer) with no work:
  // a malformed token is answered {active:false} before any signature check or storage.
  if (kind === 'bare-post') {
    return { ...base, method: 'POST', requests: [{ path: '/v1/passports/verify', headers: { 'content-type': 'application/json' }, body: '{"token":"not-a-token"}' }] };
  }
  if (kind === 'intent') {
    const intent = JSON.stringify(intentBody(PARAMS.intents.named_intent));
    return {
      ...base,
      method: 'POST',
      requests: passports.map((p) => ({ path: '/v1/intents', headers: { 'content-type': 'application/json', authorization: `Bearer ${p.token}` }, body: intent })),
      // A 201 is not enough: the intent must have been auto-approved by the policy.
      expectBody: '"status":"approved"',
    };
  }
  const body =
    kind === 'single'
      ? JSON.stringify(toolCall(0))
      : JSON.stringify({ calls: Array.from({ length: PARAMS.batch_size }, (_, i) => toolCall(i)) });
  return {
    ...base,
    method: 'POST',
    requests: passports.map((p) => ({
      path: `/v1/passports/${p.jti}/actions`,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${p.token}` },
      body,
    })),
  };
}

const loadTimeout = (durationSec) => durationSec * 1000 + 60_000;

/** CPU seconds a process has used, all its threads (Linux /proc; null elsewhere); `tid`: one of its threads only. */
function cpuSeconds(pid, tid = null) {
  try {
    const fields = fs.readFileSync(tid === null ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** CPU seconds of each thread of a process, by thread id (Linux /proc; {} elsewhere). */
function threadCpuSeconds(pid) {
  try {
    return Object.fromEntries(fs.readdirSync(`/proc/${pid}/task`).map((tid) => [tid, cpuSeconds(pid, tid)]).filter(([, s]) => s !== null));
  } catch {
    return {};
  }
}

/** Busy and total jiffies of the whole machine, all CPUs (Linux /proc/stat; null elsewhere). */
function machineJiffies() {
  try {
    const [, ...fields] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const values = fields.map(Number);
    const total = values.reduce((a, b) => a + b, 0);
    // idle and iowait
    return { busy: total - values[3] - (values[4] || 0), total };
  } catch {
    return null;
  }
}

async function readCounters(counters) {
  const entries = Object.entries(counters);
  if (entries.length === 0) return null;
  return Object.fromEntries(await Promise.all(entries.map(async ([name, read]) => [name, await read()])));
}

/**
 * Warm-up, settle, measure (optionally profiled), settle. Returns the measured figures plus store bookkeeping.
 * `kind` names one of loadJob's loads, or is a function of the duration that returns the job. `processes` (name →
 * function returning pids) adds their CPU time per answered request, e.g. the proxy scenario's upstream and nginx;
 * `counters` (name → async function returning numeric fields) adds how much each field grew during the measurement.
 */
async function measure(server, kind, passports, label, profileThis, { processes = {}, counters = {} } = {}) {
  const job = (durationSec) => (typeof kind === 'function' ? kind(durationSec) : loadJob(server, kind, passports, durationSec));
  process.stdout.write(`  ${label}: warm-up ${PARAMS.warmup_s} s`);
  await runWorker('load-worker.js', job(PARAMS.warmup_s), loadTimeout(PARAMS.warmup_s));
  await server.settle();
  // The warm-up's last requests must have landed before the count starts.
  const head0 = (await server.quiesce()).head;
  process.stdout.write(`, measuring ${PARAMS.duration_s} s`);
  if (profileThis) await server.startProfile();
  const others = Object.entries(processes).map(([name, pids]) => ({ name, pids: pids() }));
  const cpuOf = (pids) => {
    let sum = 0;
    for (const pid of pids) {
      const seconds = cpuSeconds(pid);
      if (seconds === null) return null;
      sum += seconds;
    }
    return sum;
  };
  const others0 = others.map(({ pids }) => cpuOf(pids));
  const counted0 = await readCounters(counters);
  const machine0 = machineJiffies();
  const cpu0 = cpuSeconds(server.pid);
  const threads0 = threadCpuSeconds(server.pid);
  const result = await runWorker('load-worker.js', job(PARAMS.duration_s), loadTimeout(PARAMS.duration_s));
  const cpu1 = cpuSeconds(server.pid);
  const threads1 = threadCpuSeconds(server.pid);
  const machine1 = machineJiffies();
  const others1 = others.map(({ pids }) => cpuOf(pids));
  const counted1 = await readCounters(counters);
  if (counted0) result.counters = Object.fromEntries(Object.entries(counted1).map(([name, fields]) => [name, Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v - counted0[name][k]]))]));
  // What each answered request cost the server in CPU, every thread counted: steadier than req/s on a shared machine.
  if (cpu0 !== null && cpu1 !== null && result.responses > 0) result.server_cpu_us_per_request = Math.round(((cpu1 - cpu0) * 1e6) / result.responses);
  // The event loop's own share (the main thread), and the other threads' busiest first: the storage worker, then
  // V8's GC helpers and libuv's pool.
  if (result.responses > 0 && threads1[server.pid] !== undefined) {
    const perRequest = (tid) => Math.round(((threads1[tid] - (threads0[tid] || 0)) * 1e6) / result.responses);
    result.server_main_thread_cpu_us_per_request = perRequest(String(server.pid));
    result.server_other_threads_cpu_us_per_request = Object.keys(threads1).filter((tid) => tid !== String(server.pid)).map(perRequest).filter((us) => us > 0).sort((a, b) => b - a);
  }
  if (others.length > 0 && result.responses > 0) {
    result.cpu_us_per_request = Object.fromEntries(
      others.map(({ name }, i) => [name, others0[i] === null || others1[i] === null ? null : Math.round(((others1[i] - others0[i]) * 1e6) / result.responses)]),
    );
  }
  // How busy the whole machine was (every process, the bench's and anyone else's): near 100 % means CPU-bound.
  if (machine0 && machine1 && machine1.total > machine0.total) result.machine_cpu_busy_pct = Math.round((1000 * (machine1.busy - machine0.busy)) / (machine1.total - machine0.total)) / 10;
  const profiled = profileThis ? await server.stopProfile() : null;
  const settle = await server.settle();
  const quiet = await server.quiesce();
  process.stdout.write(`: ${fmt(result.ok_requests_per_s, 0)} req/s, p99 ${fmt(result.latency_ms.p99, 2)} ms, server CPU ${fmt(result.server_cpu_us_per_request, 0)} µs/request (main thread ${fmt(result.server_main_thread_cpu_us_per_request, 0)}${result.server_other_threads_cpu_us_per_request?.length ? `, other threads ${result.server_other_threads_cpu_us_per_request.slice(0, 3).join(' / ')}` : ''}), machine ${fmt(result.machine_cpu_busy_pct, 0)} % busy\n`);
  result.events_appended = quiet.head - head0;
  result.read_model_lag_at_end_events = settle.lag_events_at_end;
  result.read_model_catch_up_ms = settle.catch_up_ms;
  if (profiled) Object.assign(result, { profile_file: profiled.file, worker_profile_files: profiled.workerFiles });
  return result;
}


/** A bare Fastify server with verify's route and compiled schema (bench/bare-fastify.js), until `stop()`. */
function startBareFastify() {
  return new Promise((resolve, reject) => {
    const child = track(fork(path.join(__dirname, '..', 'bare-fastify.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    child.once('message', ({ port }) => resolve({ port, pid: child.pid, stop: () => child.kill('SIGKILL') }));
    child.once('exit', (code) => reject(new Error(`bare-fastify.js exited (${code}) before listening`)));
  });
}

/** The same load against the bare Fastify server: nothing to settle there, nothing stored. */
async function measureBareFastify(passports) {
  const bare = await startBareFastify();
  try {
    const server = { port: bare.port, pid: bare.pid, settle: async () => ({}), quiesce: async () => ({ head: 0 }) };
    return await measure(server, 'bare-post', passports, 'bare Fastify POST, same schema', false);
  } finally {
    bare.stop();
  }
}

async function scenarioLogging(server, passports) {
  console.log('\n[1] tool-call logging, one call per request, 32 agents');
  const profile = OPTS.profile;
  const bare = await measure(server, 'bare', passports, 'GET /healthz (bare route)', profile === 'bare');
  const bareFastify = await measureBareFastify(passports);
  const barePost = await measure(server, 'bare-post', passports, 'POST /v1/passports/verify, validated no-op', profile === 'bare-post');
  const logging = await measure(server, 'single', passports, 'POST /actions (1 call)', profile === 'logging');
  // autocannon stops counting at the deadline with one request in flight per connection: those still get logged.
  const inFlight = logging.events_appended - logging.responses_2xx;
  const consistent = inFlight >= 0 && inFlight <= PARAMS.connections;
  return {
    description: 'POST /v1/passports/{jti}/actions with one tool call, 32 connections, each with its own passport',
    bare_route: bare,
    logging,
    requests_per_s: logging.ok_requests_per_s,
    p50_ms: logging.latency_ms.p50,
    p99_ms: logging.latency_ms.p99,
    errors: logging.errors + logging.timeouts,
    non_2xx: logging.non_2xx,
    bare_requests_per_s: bare.ok_requests_per_s,
    ratio_to_bare: ratio(logging.ok_requests_per_s, bare.ok_requests_per_s),
    // Fastify alone, judging the same body with the same compiled schema: what Mandate's stack costs on top of it.
    bare_fastify_post: bareFastify,
    bare_fastify_post_requests_per_s: bareFastify.ok_requests_per_s,
    ratio_validated_noop_to_bare_fastify: ratio(barePost.ok_requests_per_s, bareFastify.ok_requests_per_s),
    // Mandate's own ceiling for a validated JSON POST on this machine: logging cannot beat it.
    bare_post: barePost,
    bare_post_requests_per_s: barePost.ok_requests_per_s,
    ratio_to_bare_post: ratio(logging.ok_requests_per_s, barePost.ok_requests_per_s),
    // Every 201 is exactly one appended event; at most one in-flight request per connection may add one more.
    events_match_responses: consistent,
    events_beyond_counted_responses: inFlight,
  };
}

async function scenarioBatched(server, passports) {
  console.log(`\n[2] batched logging, ${PARAMS.batch_size} calls per request, 32 agents`);
  const batch = await measure(server, 'batch', passports, `POST /actions (${PARAMS.batch_size} calls)`, OPTS.profile === 'batch');
  process.stdout.write(`  raw SqliteEventStore.append, ${PARAMS.raw_store.writers} writers x ${PARAMS.raw_store.batch_size} events`);
  const raw = await runWorker('store-worker.js', PARAMS.raw_store, PARAMS.raw_store.warmup_ms + PARAMS.raw_store.duration_ms + 60_000);
  process.stdout.write(`: ${fmt(raw.events_per_s, 0)} events/s\n`);
  // The server stores a batched request as one ToolCallsLogged event: this is the raw store doing that same work.
  const rb = PARAMS.raw_store_batched;
  process.stdout.write(`  raw SqliteEventStore.append, ${rb.writers} writers x 1 event of ${rb.calls_per_event} calls`);
  const rawBatched = await runWorker('store-worker.js', rb, rb.warmup_ms + rb.duration_ms + 60_000);
  process.stdout.write(`: ${fmt(rawBatched.calls_per_s, 0)} calls/s\n`);
  const callsPerSecond = Math.round(batch.ok_requests_per_s * PARAMS.batch_size);
  return {
    description: `POST /v1/passports/{jti}/actions with {"calls":[${PARAMS.batch_size} calls]}, 32 connections; baseline: raw appends`,
    http: batch,
    calls_per_s: callsPerSecond,
    requests_per_s: batch.ok_requests_per_s,
    p50_ms: batch.latency_ms.p50,
    p99_ms: batch.latency_ms.p99,
    errors: batch.errors + batch.timeouts,
    non_2xx: batch.non_2xx,
    // One event per accepted batch; requests still in flight at the stop may add up to one each.
    events_match_responses: (() => {
      const extra = batch.events_appended - batch.responses_2xx;
      return extra >= 0 && extra <= PARAMS.connections;
    })(),
    events_beyond_counted_responses: batch.events_appended - batch.responses_2xx,
    raw_store: raw,
    raw_events_per_s: raw.events_per_s,
    raw_store_batched: rawBatched,
    raw_batched_calls_per_s: rawBatched.calls_per_s,
    ratio_to_raw_store: ratio(callsPerSecond, rawBatched.calls_per_s),
    ratio_to_raw_per_call_events: ratio(callsPerSecond, raw.events_per_s),
  };
}


module.exports = { measure, loadJob, loadTimeout, scenarioLogging, scenarioBatched };
