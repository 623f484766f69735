#!/usr/bin/env node
'use strict';
// Mandate benchmark. See bench/README.md.
//
//   node bench/run.js            full run (about 2 minutes)
//   node bench/run.js --quick    smoke check (short durations)
//   node bench/run.js --profile[=logging|batch|bare|intents]
//                                 also CPU-profile the server during that measurement (default: logging) and print
//                                 where the time goes; profiled figures are slower than unprofiled ones.
//
// Expects a build in dist/ (`npm run bench` builds first). Starts the server as a child process on a free port with a
// fresh data dir, drives load from a separate forked process (autocannon), runs the server-less detector measurements
// (throughput, replay from SQLite, memory) in forked processes of their own (bench/detector-worker.js), and writes
// bench/results/<timestamp>.json and bench/results/latest.json.

const { fork, spawn, execFileSync } = require('child_process');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const { sleep, summarize, freePort, request, expectStatus, toolCall, intentBody } = require('./lib');

const ROOT = path.resolve(__dirname, '..');
const MAIN = path.join(ROOT, 'dist', 'apps', 'mandate', 'src', 'main.js');
const RESULTS = path.join(__dirname, 'results');
const ADMIN_KEY = 'mdt_admin.bench-instance-admin-key-0123456789';

// ---------------------------------------------------------------------------------------------------------------
// Options

function parseArgs(argv) {
  const opts = { quick: false, profile: null, revocationUnderLoad: true, topology: 'embedded' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') opts.quick = true;
    else if (arg === '--topology') opts.topology = argv[++i];
    else if (arg.startsWith('--topology=')) opts.topology = arg.slice('--topology='.length);
    else if (arg === '--profile') opts.profile = 'logging';
    else if (arg.startsWith('--profile=')) opts.profile = arg.slice('--profile='.length);
    else if (arg === '--no-revocation-under-load') opts.revocationUnderLoad = false;
    else if (arg === '--help' || arg === '-h') {
      console.log('usage: node bench/run.js [--quick] [--topology embedded|distributed] [--profile[=logging|batch|bare|intents]] [--no-revocation-under-load]');
      process.exit(0);
    } else {
      console.error(`unknown argument ${arg} (try --help)`);
      process.exit(2);
    }
  }
  if (!['embedded', 'distributed'].includes(opts.topology)) {
    console.error('--topology takes embedded or distributed');
    process.exit(2);
  }
  if (opts.profile && !['logging', 'batch', 'bare', 'intents'].includes(opts.profile)) {
    console.error('--profile takes logging, batch, bare or intents');
    process.exit(2);
  }
  return opts;
}

const OPTS = parseArgs(process.argv.slice(2));

const PARAMS = OPTS.quick
  ? {
      mode: 'quick',
      connections: 32,
      agents: 32,
      warmup_s: 1,
      duration_s: 3,
      batch_size: 100,
      raw_store: { writers: 32, batch_size: 100, warmup_ms: 500, duration_ms: 2000 },
      raw_store_batched: { writers: 32, batch_size: 1, calls_per_event: 100, warmup_ms: 500, duration_ms: 2000 },
      revocation: { warmup_iterations: 5, iterations: 30, wait_timeout_ms: 5000 },
      revocation_under_load: { load_duration_s: 5, iterations: 20 },
      intents: { agents: 32, named_intent: 'stripe:refunds:create' },
      intent_decision: { warmup_iterations: 5, iterations: 30, head_start_ms: 20, wait_seconds: 30, wait_timeout_ms: 5000, max_missed: 5, named_intent: 'stripe:refunds:manual' },
      detector_throughput: { history: { missions: 1000 }, passes: 3 },
      detector_replay: { history: { missions: 1000 }, passes: 2 },
      detector_revocation: { warmup_iterations: 5, iterations: 30, agents: 4, wait_timeout_ms: 5000 },
      detector_memory: { missions: 100_000, tenants: 4, agents_per_tenant: 8, calls_per_mission: 2, settle_ms: 2000 },
      admin_replay: { timeout_ms: 180_000 },
      settle_timeout_ms: 60_000,
    }
  : {
      mode: 'full',
      connections: 32,
      agents: 32,
      warmup_s: 3,
      duration_s: 10,
      batch_size: 100,
      raw_store: { writers: 32, batch_size: 100, warmup_ms: 1000, duration_ms: 5000 },
      raw_store_batched: { writers: 32, batch_size: 1, calls_per_event: 100, warmup_ms: 1000, duration_ms: 5000 },
      revocation: { warmup_iterations: 10, iterations: 200, wait_timeout_ms: 5000 },
      revocation_under_load: { load_duration_s: 12, iterations: 100 },
      intents: { agents: 32, named_intent: 'stripe:refunds:create' },
      intent_decision: { warmup_iterations: 10, iterations: 200, head_start_ms: 20, wait_seconds: 30, wait_timeout_ms: 5000, max_missed: 5, named_intent: 'stripe:refunds:manual' },
      detector_throughput: { history: { missions: 2000 }, passes: 5 },
      detector_replay: { history: { missions: 2000 }, passes: 3 },
      detector_revocation: { warmup_iterations: 10, iterations: 200, agents: 4, wait_timeout_ms: 5000 },
      detector_memory: { missions: 100_000, tenants: 4, agents_per_tenant: 8, calls_per_mission: 2, settle_ms: 2000 },
      admin_replay: { timeout_ms: 300_000 },
      settle_timeout_ms: 90_000,
    };
PARAMS.revocation_under_load.enabled = OPTS.revocationUnderLoad;

const TARGETS = {
  logging_rps: 5000,
  logging_p99_ms: 20,
  batch_calls_per_s: 50_000,
  revocation_p99_ms: 50,
  intent_decision_p99_ms: 50,
  detector_revocation_p99_ms: 50,
  replay_events_per_s: 100_000,
  memory_100k_missions_rss_mb: 300,
};

/** The call scenario 8's enforced agents make with a passport whose mission names only slack. */
const OFFENDING_CALL = { service: 'github', action: 'repos.delete', target: 'acme/bench', outcome: 'success' };

/** The intents policy of the bench's intents tenant: one named intent is auto-approved, everything else waits for a person. */
const INTENT_POLICY = {
  default: 'require_approval',
  default_approvals: 1,
  rules: [{ name: 'bench auto', match: { named_intent: PARAMS.intents.named_intent }, decision: 'auto_approve' }],
};

// ---------------------------------------------------------------------------------------------------------------
// Child processes: every one we start is killed when we exit, whatever the reason.

const children = new Set();
let dataDirToRemove = null;

function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function killAll() {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
  if (dataDirToRemove) {
    try {
      fs.rmSync(dataDirToRemove, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
    dataDirToRemove = null;
  }
}

process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    console.error(`\nbench: ${signal}, stopping`);
    killAll();
    process.exit(130);
  });
}
process.on('uncaughtException', (error) => {
  console.error('bench: uncaught exception', error);
  killAll();
  process.exit(1);
});
process.on('unhandledRejection', (error) => {
  console.error('bench: unhandled rejection', error);
  killAll();
  process.exit(1);
});

/** Forks a bench worker, hands it one job, resolves with its answer; kills it if it overruns. */
function runWorker(script, job, timeoutMs, { nice = 0, execArgv } = {}) {
  return new Promise((resolve, reject) => {
    const child = track(fork(path.join(__dirname, script), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], ...(execArgv ? { execArgv } : {}) }));
    if (nice) {
      try {
        os.setPriority(child.pid, nice);
      } catch {
        /* not allowed here: run at normal priority */
      }
    }
    let settled = false;
    const finish = (fn, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn(value);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(reject, new Error(`${script} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('message', (message) => (message.ok ? finish(resolve, message.result) : finish(reject, new Error(message.error))));
    child.on('exit', (code, signal) => finish(reject, new Error(`${script} exited (${signal || code}) without an answer`)));
    child.on('error', (error) => finish(reject, error));
    child.send(job);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The server

class Server {
  constructor() {
    this.logTail = [];
    this.warnings = 0;
    this.profileDir = null;
  }

  async start() {
    if (!fs.existsSync(MAIN)) throw new Error(`${path.relative(ROOT, MAIN)} is missing: run "npm run build" first (or use "npm run bench")`);
    this.port = await freePort();
    this.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mandate-bench-'));
    dataDirToRemove = this.dataDir;
    const args = [];
    if (OPTS.profile) {
      this.profileDir = path.join(this.dataDir, 'profiles');
      fs.mkdirSync(this.profileDir);
      args.push('-r', path.join(__dirname, 'profile-preload.js'));
    }
    args.push(MAIN);
    this.child = track(
      spawn(process.execPath, args, {
        cwd: ROOT,
        env: {
          ...process.env,
          PORT: String(this.port),
          HOST: '127.0.0.1',
          MANDATE_DATA_DIR: this.dataDir,
          MANDATE_ADMIN_KEY: ADMIN_KEY,
          LOG_LEVEL: 'warn',
          MANDATE_BENCH_PROFILE_DIR: this.profileDir || '',
          NODE_ENV: 'production',
        },
        stdio: OPTS.profile ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
      }),
    );
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    const collect = (stream) => {
      let partial = '';
      stream.on('data', (chunk) => {
        const lines = (partial + chunk.toString('utf8')).split('\n');
        partial = lines.pop();
        for (const line of lines) {
          if (!line.trim()) continue;
          if (/WARN|ERROR|Error/.test(line)) this.warnings++;
          this.logTail.push(line.replace(/\x1b\[[0-9;]*m/g, '').slice(0, 500));
          if (this.logTail.length > 100) this.logTail.shift();
        }
      });
    };
    collect(this.child.stdout);
    collect(this.child.stderr);

    const deadline = Date.now() + 30_000;
    let exited = null;
    this.exited.then((e) => (exited = e));
    while (Date.now() < deadline) {
      if (exited) throw new Error(`the server exited during start-up (${exited.signal || exited.code}):\n${this.logTail.join('\n')}`);
      try {
        const res = await request(this.port, 'GET', '/readyz', { timeoutMs: 1000 });
        if (res.status === 200) return;
      } catch {
        /* not listening yet */
      }
      await sleep(100);
    }
    throw new Error(`the server did not become ready within 30 s:\n${this.logTail.join('\n')}`);
  }

  get alive() {
    return this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  async readiness() {
    const res = await request(this.port, 'GET', '/readyz', { timeoutMs: 10_000 });
    return { status: res.status, position: res.body.position, head: res.body.head };
  }

  /** Waits until the read models have caught up with the event store (the projector runs in the server). */
  async settle(timeoutMs = PARAMS.settle_timeout_ms) {
    const t0 = performance.now();
    const first = await this.readiness();
    let last = first;
    while (performance.now() - t0 < timeoutMs) {
      if (last.position >= last.head) {
        return { lag_events_at_end: first.head - first.position, catch_up_ms: Math.round(performance.now() - t0), head: last.head };
      }
      await sleep(50);
      last = await this.readiness();
    }
    return { lag_events_at_end: first.head - first.position, catch_up_ms: null, head: last.head, timed_out: true };
  }

  /**
   * Waits until the store head has not moved for `quietMs` and the read models are at it. When autocannon stops, the
   * requests it had in flight are dropped by the client but still run to completion on the server; a slow route (an
   * intent takes tens of ms under load) may append after settle() has already seen position = head.
   */
  async quiesce(quietMs = 200, timeoutMs = PARAMS.settle_timeout_ms) {
    const t0 = performance.now();
    let last = await this.readiness();
    let since = performance.now();
    while (performance.now() - t0 < timeoutMs) {
      await sleep(50);
      const now = await this.readiness();
      if (now.head !== last.head) {
        last = now;
        since = performance.now();
      } else if (performance.now() - since >= quietMs && now.position >= now.head) {
        return now;
      }
    }
    return { ...last, timed_out: true };
  }

  /** Round trip to bench/profile-preload.js in the server over IPC. */
  profiler(command, expect, timeoutMs = 30_000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.child.off('message', onMessage);
        reject(new Error(`the server's profiler did not answer "${command}"`));
      }, timeoutMs);
      const onMessage = (message) => {
        if (!message || !message.bench_profile) return;
        clearTimeout(timer);
        this.child.off('message', onMessage);
        if (message.bench_profile === expect) resolve(message);
        else reject(new Error(`profiler: ${message.error || message.bench_profile}`));
      };
      this.child.on('message', onMessage);
      this.child.send({ bench_profile: command });
    });
  }

  async startProfile() {
    await this.profiler('start', 'started');
  }

  async stopProfile() {
    return (await this.profiler('stop', 'written')).file;
  }

  async stop() {
    if (!this.child) return;
    if (this.alive) {
      this.child.kill('SIGTERM');
      const done = await Promise.race([this.exited, sleep(5000).then(() => null)]);
      if (!done) this.child.kill('SIGKILL');
      await this.exited;
    }
    fs.rmSync(this.dataDir, { recursive: true, force: true });
    dataDirToRemove = null;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Fixtures

async function createTenant(server, name) {
  const tenant = await expectStatus(201, server.port, 'POST', '/v1/tenants', { token: ADMIN_KEY, body: { name } });
  return { tenantId: tenant.tenant_id, key: tenant.admin_key.key };
}

async function createAgent(server, key, name, mode = 'logged') {
  const agent = await expectStatus(201, server.port, 'POST', '/v1/agents', { token: key, body: { name, accountability_mode: mode } });
  return agent.id;
}

async function issuePassport(server, key, agentId, services = ['slack']) {
  const p = await expectStatus(201, server.port, 'POST', '/v1/passports', {
    token: key,
    body: { agent_id: agentId, ttl_seconds: 3600, checkpoint_interval_seconds: 3600, intent: { summary: 'bench', services } },
  });
  return { token: p.token, jti: p.jti };
}

/**
 * The intents tenant: the policy above, 32 logged agents with a Stripe passport each, and an approver key. One intent
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

// ---------------------------------------------------------------------------------------------------------------
// Load helpers

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

/** Warm-up, settle, measure (optionally profiled), settle. Returns the measured figures plus store bookkeeping. */
async function measure(server, kind, passports, label, profileThis) {
  process.stdout.write(`  ${label}: warm-up ${PARAMS.warmup_s} s`);
  await runWorker('load-worker.js', loadJob(server, kind, passports, PARAMS.warmup_s), loadTimeout(PARAMS.warmup_s));
  await server.settle();
  // The warm-up's last requests must have landed before the count starts.
  const head0 = (await server.quiesce()).head;
  process.stdout.write(`, measuring ${PARAMS.duration_s} s`);
  if (profileThis) await server.startProfile();
  const result = await runWorker('load-worker.js', loadJob(server, kind, passports, PARAMS.duration_s), loadTimeout(PARAMS.duration_s));
  const profileFile = profileThis ? await server.stopProfile() : null;
  const settle = await server.settle();
  const quiet = await server.quiesce();
  process.stdout.write(`: ${fmt(result.ok_requests_per_s, 0)} req/s, p99 ${fmt(result.latency_ms.p99, 2)} ms\n`);
  result.events_appended = quiet.head - head0;
  result.read_model_lag_at_end_events = settle.lag_events_at_end;
  result.read_model_catch_up_ms = settle.catch_up_ms;
  if (profileFile) result.profile_file = profileFile;
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// Scenarios

async function scenarioLogging(server, passports) {
  console.log('\n[1] tool-call logging, one call per request, 32 agents');
  const profile = OPTS.profile;
  const bare = await measure(server, 'bare', passports, 'GET /healthz (bare route)', profile === 'bare');
  const barePost = await measure(server, 'bare-post', passports, 'POST /v1/passports/verify, validated no-op', false);
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
    // The framework's own ceiling for a validated JSON POST on this machine: logging cannot beat it.
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

/** One SSE subscriber to /v1/revocations/stream; records when each jti's frame arrived. */
class RevocationSubscriber {
  constructor(port, key) {
    this.port = port;
    this.key = key;
    this.arrivals = new Map();
    this.reasons = new Map();
    this.waiters = new Map();
    this.frames = 0;
    this.keepalives = 0;
    this.malformed = 0;
  }

  open() {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: this.port,
          method: 'GET',
          path: '/v1/revocations/stream',
          headers: { accept: 'text/event-stream', authorization: `Bearer ${this.key}` },
          agent: false,
        },
        (res) => {
          if (res.statusCode !== 200) {
            reject(new Error(`revocation stream answered ${res.statusCode}`));
            res.resume();
            return;
          }
          this.res = res;
          res.setEncoding('utf8');
          let buffer = '';
          let opened = false;
          res.on('data', (chunk) => {
            const at = performance.now();
            buffer += chunk;
            let end;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              const block = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              this.onBlock(block, at);
              if (!opened) {
                opened = true;
                resolve();
              }
            }
          });
          res.on('error', () => {});
          res.on('close', () => (this.closed = true));
        },
      );
      req.on('error', reject);
      req.setTimeout(10_000, () => {
        if (!this.res) req.destroy(new Error('revocation stream did not answer within 10 s'));
      });
      this.req = req;
      req.end();
    });
  }

  onBlock(block, at) {
    const fields = {};
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.keepalives++;
        continue;
      }
      const colon = line.indexOf(':');
      const name = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (name === 'data') data += (data ? '\n' : '') + value;
      else fields[name] = value;
    }
    if (fields.event !== 'revocation') return;
    this.frames++;
    try {
      const { jti, reason } = JSON.parse(data);
      if (!this.arrivals.has(jti)) {
        this.arrivals.set(jti, at);
        this.reasons.set(jti, reason);
      }
      const wake = this.waiters.get(jti);
      if (wake) {
        this.waiters.delete(jti);
        wake(at);
      }
    } catch {
      this.malformed++;
    }
  }

  /** Resolves with the arrival time of jti's frame, or null after timeoutMs. */
  arrival(jti, timeoutMs) {
    if (this.arrivals.has(jti)) return Promise.resolve(this.arrivals.get(jti));
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(jti);
        resolve(null);
      }, timeoutMs);
      this.waiters.set(jti, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
  }

  close() {
    if (this.req) this.req.destroy();
  }
}

/** One revocation: issue, t0, revoke, verify until inactive, wait for the SSE frame. */
async function revokeOnce(server, fixture, subscriber) {
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
  const arrivedAt = await subscriber.arrival(passport.jti, Math.max(0, t0 + PARAMS.revocation.wait_timeout_ms - performance.now()));
  return { revokeMs, verifyMs, firstVerifyMs, sseMs: arrivedAt === null ? null : arrivedAt - t0, retries, reason };
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

async function scenarioRevocation(server, fixture, subscriber) {
  console.log('\n[3] revocation latency (idle server, sequential)');
  const p = PARAMS.revocation;
  process.stdout.write(`  warm-up ${p.warmup_iterations}, measuring ${p.iterations}`);
  for (let i = 0; i < p.warmup_iterations; i++) await revokeOnce(server, fixture, subscriber);
  const rounds = [];
  for (let i = 0; i < p.iterations; i++) rounds.push(await revokeOnce(server, fixture, subscriber));
  const figures = revocationFigures(rounds);
  process.stdout.write(`: SSE p99 ${fmt(figures.sse_ms.p99, 2)} ms, verify p99 ${fmt(figures.verify_ms.p99, 2)} ms\n`);
  return {
    description: 'issue a passport; t0; POST revoke; (a) t0 -> SSE frame for the jti; (b) t0 -> first verify answering active:false',
    ...figures,
    sse_frames_seen: subscriber.frames,
  };
}

async function scenarioRevocationUnderLoad(server, fixture, subscriber, passports) {
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
    rounds.push(await revokeOnce(server, fixture, subscriber));
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

// ---------------------------------------------------------------------------------------------------------------
// Detector scenarios

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

/** Resident set of the server from /proc (Linux); null elsewhere. */
function serverMemory(server) {
  try {
    const status = fs.readFileSync(`/proc/${server.child.pid}/status`, 'utf8');
    const kb = (name) => {
      const m = status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm'));
      return m ? Math.round((Number(m[1]) / 1024) * 10) / 10 : null;
    };
    return { rss_mb: kb('VmRSS'), peak_rss_mb: kb('VmHWM') };
  } catch {
    return null;
  }
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
async function offendOnce(server, fixture, subscriber, round) {
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
  const arrivedAt = await subscriber.arrival(passport.jti, Math.max(0, t0 + timeout - performance.now()));
  const sseReason = arrivedAt === null ? null : subscriber.reasons.get(passport.jti);
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

async function scenarioDetectorRevocation(server, fixture, subscriber) {
  const p = PARAMS.detector_revocation;
  console.log('\n[8] offending call -> detector revocation (idle server, sequential)');
  process.stdout.write(`  warm-up ${p.warmup_iterations}, measuring ${p.iterations}`);
  for (let i = 0; i < p.warmup_iterations; i++) await offendOnce(server, fixture, subscriber, i);
  const rounds = [];
  for (let i = 0; i < p.iterations; i++) rounds.push(await offendOnce(server, fixture, subscriber, p.warmup_iterations + i));
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
    sse_frames_seen: subscriber.frames,
    server_memory_after: serverMemory(server),
  };
  process.stdout.write(`: SSE p99 ${fmt(figures.sse_ms.p99, 2)} ms, verify p99 ${fmt(figures.verify_ms.p99, 2)} ms, missed ${figures.sse_missed}\n`);
  return figures;
}

/** POST /v1/admin/replay on the bench server, over everything the run has written. */
async function scenarioAdminReplay(server) {
  console.log('\n[7b] POST /v1/admin/replay on the bench server (its whole history)');
  const head = (await server.readiness()).head;
  const memoryBefore = serverMemory(server);
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
    server_memory_after: serverMemory(server),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Reporting

function ratio(a, b) {
  return a && b ? Math.round((a / b) * 1000) / 1000 : null;
}

function fmt(value, digits = 1) {
  if (value === null || value === undefined || Number.isNaN(value)) return '-';
  return Number(value).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function machineFacts() {
  const cpus = os.cpus();
  let git = null;
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() !== '';
    git = { commit, dirty };
  } catch {
    /* not a git checkout */
  }
  let autocannonVersion = null;
  try {
    autocannonVersion = require('autocannon/package.json').version;
  } catch {
    /* ignore */
  }
  return {
    hostname: os.hostname(),
    cpus: cpus.length,
    available_parallelism: os.availableParallelism ? os.availableParallelism() : cpus.length,
    cpu_model: cpus[0] ? cpus[0].model : null,
    total_memory_gb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.platform()} ${os.release()}`,
    arch: os.arch(),
    node: process.version,
    autocannon: autocannonVersion,
    tmpdir: os.tmpdir(),
    git,
  };
}

function targetRows(s) {
  const rows = [];
  // comparator null: a figure with no target of its own (target and met are null, informational).
  const add = (id, description, measured, comparator, target, unit, informational = false) =>
    rows.push({
      id,
      description,
      measured,
      target: comparator ? `${comparator} ${target}` : null,
      unit,
      met: !comparator
        ? null
        : measured === null || measured === undefined
          ? false
          : comparator === '>='
            ? measured >= target
            : measured <= target,
      ...(informational || !comparator ? { informational: true } : {}),
    });
  if (s.tool_call_logging && !s.tool_call_logging.error) {
    add('logging_throughput', 'tool-call logging, 1 call/request, 32 agents', s.tool_call_logging.requests_per_s, '>=', TARGETS.logging_rps, 'req/s');
    add('logging_p99', 'tool-call logging p99 latency', s.tool_call_logging.p99_ms, '<=', TARGETS.logging_p99_ms, 'ms');
  }
  if (s.batched_logging && !s.batched_logging.error) {
    add('batch_throughput', `batched logging, ${PARAMS.batch_size} calls/request`, s.batched_logging.calls_per_s, '>=', TARGETS.batch_calls_per_s, 'calls/s');
  }
  if (s.revocation && !s.revocation.error) {
    add('revocation_sse_p99', 'revoke -> SSE frame p99', s.revocation.sse_ms.p99, '<=', TARGETS.revocation_p99_ms, 'ms');
    add('revocation_verify_p99', 'revoke -> verify inactive p99', s.revocation.verify_ms.p99, '<=', TARGETS.revocation_p99_ms, 'ms');
  }
  if (s.revocation_under_load && !s.revocation_under_load.error && s.revocation_under_load.iterations > 0) {
    add('revocation_sse_p99_under_load', 'revoke -> SSE frame p99, under logging load', s.revocation_under_load.sse_ms.p99, '<=', TARGETS.revocation_p99_ms, 'ms', true);
    add('revocation_verify_p99_under_load', 'revoke -> verify inactive p99, under logging load', s.revocation_under_load.verify_ms.p99, '<=', TARGETS.revocation_p99_ms, 'ms', true);
  }
  if (s.intents_auto_approve && !s.intents_auto_approve.error) {
    add('intents_auto_approve_throughput', 'intents submitted and auto-approved, 32 agents', s.intents_auto_approve.intents_per_s, null, null, 'req/s');
  }
  if (s.intent_decision && !s.intent_decision.error) {
    const d = s.intent_decision;
    add('intent_decision_long_poll_p99', 'approve -> waiting long-poll returns, p99', d.long_poll_ms.p99, '<=', TARGETS.intent_decision_p99_ms, 'ms');
    // A missed wake-up has no latency to put in the percentiles: it fails the target outright.
    const lost = d.long_poll_missed + d.warmup_missed;
    if (lost > 0) Object.assign(rows[rows.length - 1], { met: false, missed: lost });
  }
  if (s.detector_throughput && !s.detector_throughput.error) {
    add('detector_throughput', 'detector throughput, all detectors (no server)', s.detector_throughput.events_per_s, null, null, 'events/s');
  }
  if (s.detector_replay && !s.detector_replay.error) {
    const r = s.detector_replay;
    add('replay_speed', 'replay from SQLite (replayReport, no server)', r.events_per_s, '>=', TARGETS.replay_events_per_s, 'events/s');
    // A replay that does not come out identical is not the replay the target is about.
    if (!r.all_identical || !r.events_read_match) Object.assign(rows[rows.length - 1], { met: false, identical: r.all_identical });
  }
  if (s.admin_replay && !s.admin_replay.error) {
    const r = s.admin_replay;
    add('admin_replay_speed', 'POST /v1/admin/replay on the bench server', r.events_per_second, '>=', TARGETS.replay_events_per_s, 'events/s', true);
    Object.assign(rows[rows.length - 1], { identical: r.identical, events: r.events, note: 'events/s of the detector replay alone (the read-model rebuild is in response_ms); this history includes scenario 2\'s 100-call batch events' });
  }
  if (s.detector_revocation && !s.detector_revocation.error) {
    const d = s.detector_revocation;
    add('detector_revocation_sse_p99', 'offending call -> SSE revocation frame p99', d.sse_ms.p99, '<=', TARGETS.detector_revocation_p99_ms, 'ms');
    // A revocation that never came (or came for another reason) has no latency: it fails the target outright.
    const lost = d.sse_missed + d.sse_reason_not_scope_drift;
    if (lost > 0) Object.assign(rows[rows.length - 1], { met: false, missed: lost });
    add('detector_revocation_verify_p99', 'offending call -> verify inactive p99', d.verify_ms.p99, '<=', TARGETS.detector_revocation_p99_ms, 'ms');
    if (d.verify_never_inactive > 0) Object.assign(rows[rows.length - 1], { met: false, missed: d.verify_never_inactive });
  }
  if (s.detector_memory && !s.detector_memory.error) {
    const m = s.detector_memory;
    add('memory_100k_missions_rss', `resident memory, ${fmt(m.missions, 0)} active missions`, m.rss_mb, '<=', TARGETS.memory_100k_missions_rss_mb, 'MB');
  }
  return rows;
}

function printDetectorSummary(report, line) {
  const s = report.scenarios;
  if (s.detector_throughput) {
    const t = s.detector_throughput;
    console.log('\n 6. Detector throughput (all detectors, generated history, no server)');
    if (t.error) line('ERROR', t.error);
    else {
      const h = t.history;
      line('history', `${fmt(t.events, 0)} events (${fmt(t.tool_calls, 0)} tool calls), ${fmt(h.missions, 0)} missions, ${h.tenants} tenants, ${h.agents} agents`);
      line('detect() over all of it', `${fmt(t.events_per_s, 0)} events/s (${fmt(t.us_per_event, 3)} us/event; ${fmt(t.calls_per_s, 0)} tool calls/s)`);
      line('  passes (ms)', `warm-up ${fmt(t.warmup_ms, 1)}; measured ${t.passes_ms.map((v) => fmt(v, 1)).join(' / ')}`);
      line('findings raised (revoking)', `${t.findings} (${t.revoking_findings}): ${Object.entries(t.findings_by_signal).map(([k, v]) => `${k} ${v}`).join(', ')}`);
      line('same findings as the live run of the history', t.findings_match_history ? 'yes' : 'NO');
    }
  }
  if (s.detector_replay || s.admin_replay) console.log('\n 7. Replay speed');
  if (s.detector_replay) {
    const r = s.detector_replay;
    if (r.error) line('ERROR', r.error);
    else {
      line('store', `${fmt(r.events, 0)} events appended in ${fmt(r.write_ms / 1000, 1)} s (${fmt(r.write_events_per_s, 0)} events/s), file ${fmt(r.store_file_mb, 1)} MB`);
      line('replayReport over SqliteEventStore.readAll', `${fmt(r.events_per_s, 0)} events/s (median of ${r.passes_ms.length}); cold ${fmt(r.cold_events_per_s, 0)} events/s`);
      line('  runs (ms)', `cold ${fmt(r.cold_ms, 1)}; measured ${r.passes_ms.map((v) => fmt(v, 1)).join(' / ')}`);
      line('identical (findings live / replayed)', `${r.report.identical ? 'yes' : 'NO'} (${r.report.findings.live} / ${r.report.findings.replayed}; revocations ${r.report.revocations.live} / ${r.report.revocations.replayed})${r.all_identical ? '' : ', NOT identical in every run'}`);
    }
  }
  if (s.admin_replay) {
    const a = s.admin_replay;
    if (a.error) line('POST /v1/admin/replay: ERROR', a.error);
    else {
      line('POST /v1/admin/replay (bench server)', `${fmt(a.events_per_second, 0)} events/s, ${fmt(a.events, 0)} events in ${fmt(a.duration_ms, 0)} ms (response ${fmt(a.response_ms, 0)} ms)`);
      line('  identical (findings live / replayed)', `${a.identical ? 'yes' : 'NO'} (${a.findings.live} / ${a.findings.replayed}; revocations ${a.revocations.live} / ${a.revocations.replayed})${a.detectors_identical ? '' : `; detector differences ${JSON.stringify(a.difference_kinds)}`}${a.read_model_differences ? `; read-model differences ${a.read_model_differences}` : ''}`);
      line('  GET /healthz meanwhile', `${a.healthz_during_replay_ms.count} answered, p50 ${fmt(a.healthz_during_replay_ms.p50, 2)} ms   max ${fmt(a.healthz_during_replay_ms.max, 2)} ms`);
      if (a.server_memory_after) line('  server RSS before / after / peak', `${fmt(a.server_memory_before?.rss_mb, 1)} / ${fmt(a.server_memory_after.rss_mb, 1)} / ${fmt(a.server_memory_after.peak_rss_mb, 1)} MB`);
    }
  }
  if (s.detector_revocation) {
    const d = s.detector_revocation;
    console.log('\n 8. Offending call -> detector revocation (idle server, sequential, enforced agents)');
    if (d.error) line('ERROR', d.error);
    else {
      line('iterations (agents)', `${d.iterations} (${d.agents})`);
      line('call -> SSE frame (detector scope_drift)', `p50 ${fmt(d.sse_ms.p50, 2)} ms   p99 ${fmt(d.sse_ms.p99, 2)} ms   max ${fmt(d.sse_ms.max, 2)} ms   missed ${d.sse_missed}   other reason ${d.sse_reason_not_scope_drift}`);
      line('call -> verify answers active:false', `p50 ${fmt(d.verify_ms.p50, 2)} ms   p99 ${fmt(d.verify_ms.p99, 2)} ms   max ${fmt(d.verify_ms.max, 2)} ms   never ${d.verify_never_inactive}`);
      line('  verify retries (total / max / rounds)', `${d.verify_retries_total} / ${d.verify_retries_max} / ${d.verify_iterations_needing_retry}`);
      line('offending call / verify response times', `p50 ${fmt(d.action_response_ms.p50, 2)} / ${fmt(d.verify_response_ms.p50, 2)} ms   p99 ${fmt(d.action_response_ms.p99, 2)} / ${fmt(d.verify_response_ms.p99, 2)} ms`);
      line('  the verify that answered active:false', `p50 ${fmt(d.inactive_verify_response_ms.p50, 2)} ms   p99 ${fmt(d.inactive_verify_response_ms.p99, 2)} ms; SSE frame first in ${d.sse_before_verify} of ${d.iterations}`);
      line('finding listed (GET /v1/security-events)', `${d.iterations - d.finding_not_listed} of ${d.iterations}, ${d.finding_listed_not_revoked} listed but not revoked`);
      if (d.server_memory_after) line('server RSS after (peak)', `${fmt(d.server_memory_after.rss_mb, 1)} MB (${fmt(d.server_memory_after.peak_rss_mb, 1)} MB)`);
    }
  }
  if (s.detector_memory) {
    const m = s.detector_memory;
    console.log(`\n 9. Resident memory with ${fmt(report.parameters.detector_memory.missions, 0)} active missions (detector state only, forced GC)`);
    if (m.error) line('ERROR', m.error);
    else {
      line('RSS before / after', `${fmt(m.before.rss_mb, 1)} / ${fmt(m.after.rss_mb, 1)} MB (${fmt(m.after_settled.rss_mb, 1)} MB after ${m.settle_ms} ms and another GC)`);
      line('heap used before / after', `${fmt(m.before.heap_used_mb, 1)} / ${fmt(m.after.heap_used_mb, 1)} MB (heap total ${fmt(m.after.heap_total_mb, 1)} MB), ${fmt(m.heap_bytes_per_mission, 0)} bytes/mission`);
      line('events folded / findings', `${fmt(m.events_folded, 0)} / ${m.findings}; detect() ${fmt(m.detect_events_per_s, 0)} events/s`);
      line('one ClockTicked sweep over all missions', `${fmt(m.tick_sweep_ms, 2)} ms`);
    }
  }
}

function printSummary(report) {
  const s = report.scenarios;
  const line = (label, value) => console.log(`  ${label.padEnd(44)} ${value}`);
  console.log('\n================================================================================');
  console.log(` Mandate bench (${report.parameters.mode}), ${report.machine.cpus} CPUs (${report.machine.cpu_model}), Node ${report.machine.node}`);
  console.log('================================================================================');
  if (s.tool_call_logging) {
    const t = s.tool_call_logging;
    console.log('\n 1. Tool-call logging, 1 call/request, 32 agents / 32 connections');
    if (t.error) line('ERROR', t.error);
    else {
      line('POST /actions', `${fmt(t.requests_per_s, 0)} req/s   p50 ${fmt(t.p50_ms, 2)} ms   p99 ${fmt(t.p99_ms, 2)} ms`);
      line('  errors / non-2xx', `${t.errors} / ${t.non_2xx}`);
      line('GET /healthz (bare route)', `${fmt(t.bare_requests_per_s, 0)} req/s   p50 ${fmt(t.bare_route.latency_ms.p50, 2)} ms   p99 ${fmt(t.bare_route.latency_ms.p99, 2)} ms`);
      line('ratio logging / bare', fmt(t.ratio_to_bare, 3));
      line('POST verify, validated no-op', `${fmt(t.bare_post_requests_per_s, 0)} req/s   p50 ${fmt(t.bare_post.latency_ms.p50, 2)} ms   p99 ${fmt(t.bare_post.latency_ms.p99, 2)} ms`);
      line('ratio logging / validated no-op POST', fmt(t.ratio_to_bare_post, 3));
      line('events appended vs 201 responses', `${t.logging.events_appended} / ${t.logging.responses_2xx} (${t.events_match_responses ? 'consistent' : 'INCONSISTENT'}; in flight at stop: ${t.events_beyond_counted_responses})`);
      line('read-model lag at end of load', `${t.logging.read_model_lag_at_end_events} events, caught up in ${fmt(t.logging.read_model_catch_up_ms, 0)} ms`);
    }
  }
  if (s.batched_logging) {
    const b = s.batched_logging;
    console.log(`\n 2. Batched logging, ${report.parameters.batch_size} calls/request`);
    if (b.error) line('ERROR', b.error);
    else {
      line('POST /actions (batch)', `${fmt(b.calls_per_s, 0)} calls/s (${fmt(b.requests_per_s, 0)} req/s)   p50 ${fmt(b.p50_ms, 2)} ms   p99 ${fmt(b.p99_ms, 2)} ms`);
      line('  errors / non-2xx', `${b.errors} / ${b.non_2xx}`);
      line('raw store, 1 event of 100 calls per append', `${fmt(b.raw_batched_calls_per_s, 0)} calls/s   append p99 ${fmt(b.raw_store_batched.append_latency_ms.p99, 2)} ms`);
      line('ratio HTTP calls/s / raw (same stored shape)', fmt(b.ratio_to_raw_store, 3));
      line('raw store, 100 one-call events per append', `${fmt(b.raw_events_per_s, 0)} events/s   append p99 ${fmt(b.raw_store.append_latency_ms.p99, 2)} ms`);
      line('ratio HTTP calls/s / raw one-call events/s', fmt(b.ratio_to_raw_per_call_events, 3));
      line('events appended vs 201 responses (1 per batch)', `${b.http.events_appended} / ${b.http.responses_2xx} (${b.events_match_responses ? 'consistent' : 'INCONSISTENT'})`);
      line('read-model lag at end of load', `${b.http.read_model_lag_at_end_events} events, caught up in ${fmt(b.http.read_model_catch_up_ms, 0)} ms`);
    }
  }
  for (const [key, title] of [
    ['revocation', ' 3. Revocation latency (idle server)'],
    ['revocation_under_load', ' 3b. Revocation latency under logging load (informational)'],
  ]) {
    const r = s[key];
    if (!r) continue;
    console.log(`\n${title}`);
    if (r.error) {
      line('ERROR', r.error);
      continue;
    }
    line('iterations', String(r.iterations));
    line('revoke -> SSE frame', `p50 ${fmt(r.sse_ms.p50, 2)} ms   p99 ${fmt(r.sse_ms.p99, 2)} ms   max ${fmt(r.sse_ms.max, 2)} ms   missed ${r.sse_missed}`);
    line('revoke -> verify answers active:false', `p50 ${fmt(r.verify_ms.p50, 2)} ms   p99 ${fmt(r.verify_ms.p99, 2)} ms   max ${fmt(r.verify_ms.max, 2)} ms`);
    line('  verify retries (total / max / rounds)', `${r.verify_retries_total} / ${r.verify_retries_max} / ${r.verify_iterations_needing_retry}`);
    line('revoke / verify response times', `p50 ${fmt(r.revoke_response_ms.p50, 2)} / ${fmt(r.verify_response_ms.p50, 2)} ms   p99 ${fmt(r.revoke_response_ms.p99, 2)} / ${fmt(r.verify_response_ms.p99, 2)} ms`);
    if (r.load) line('logging load meanwhile', `${fmt(r.load.ok_requests_per_s, 0)} req/s   p99 ${fmt(r.load.latency_ms.p99, 2)} ms`);
  }
  if (s.intents_auto_approve) {
    const t = s.intents_auto_approve;
    console.log(`\n 4. Intents submitted and auto-approved, ${report.parameters.intents.agents} agents / ${report.parameters.connections} connections`);
    if (t.error) line('ERROR', t.error);
    else {
      line('POST /v1/intents (auto-approved)', `${fmt(t.intents_per_s, 0)} req/s   p50 ${fmt(t.p50_ms, 2)} ms   p99 ${fmt(t.p99_ms, 2)} ms`);
      line('  errors / non-2xx / 201 not approved', `${t.errors} / ${t.non_2xx} / ${t.not_approved}`);
      line('ratio to single-call logging (scenario 1)', t.ratio_to_logging === null ? '- (scenario 1 did not run)' : `${fmt(t.ratio_to_logging, 3)} (logging ${fmt(t.logging_requests_per_s, 0)} req/s)`);
      line('events appended vs 2 x 201 responses', `${t.http.events_appended} / ${2 * t.http.responses_2xx} (${t.events_match_responses ? 'consistent' : 'INCONSISTENT'}; in flight at stop: ${t.events_beyond_counted_responses})`);
      line('read-model lag at end of load', `${t.http.read_model_lag_at_end_events} events, caught up in ${fmt(t.http.read_model_catch_up_ms, 0)} ms`);
    }
  }
  if (s.intent_decision) {
    const d = s.intent_decision;
    console.log('\n 5. Decision -> long-poll latency (idle server, sequential)');
    if (d.error) line('ERROR', d.error);
    else {
      line('iterations (long-poll head start)', `${d.iterations} (${d.head_start_ms} ms)${d.stopped_early ? ', STOPPED EARLY after missed wake-ups' : ''}`);
      line('approve -> long-poll returns approved', `p50 ${fmt(d.long_poll_ms.p50, 2)} ms   p99 ${fmt(d.long_poll_ms.p99, 2)} ms   max ${fmt(d.long_poll_ms.max, 2)} ms   missed ${d.long_poll_missed}${d.warmup_missed ? ` (+${d.warmup_missed} in warm-up)` : ''}`);
      line('approve response time', `p50 ${fmt(d.approve_response_ms.p50, 2)} ms   p99 ${fmt(d.approve_response_ms.p99, 2)} ms   max ${fmt(d.approve_response_ms.max, 2)} ms`);
      line('long-poll answered before approve response', `${d.long_poll_before_approve_response} of ${d.long_poll_ms.count}`);
    }
  }
  printDetectorSummary(report, line);
  console.log('\n Targets');
  for (const t of report.targets) {
    const verdict = t.met === null ? 'informational' : t.met ? 'met' : t.informational ? 'missed (informational)' : 'MISSED';
    const extra = [t.missed ? `${t.missed} missed` : null, t.identical === false ? 'NOT identical' : null].filter(Boolean).join(', ');
    console.log(`  ${t.description.padEnd(50)} ${fmt(t.measured, t.unit === 'ms' ? 2 : t.unit === 'MB' ? 1 : 0).padStart(10)} ${t.unit.padEnd(8)} target ${(t.target ?? 'none').padEnd(9)} ${verdict}${extra ? ` (${extra})` : ''}`);
  }
  if (report.errors.length) {
    console.log('\n Errors');
    for (const e of report.errors) console.log(`  ${e}`);
  }
  if (report.profile) console.log(`\n (server was CPU-profiled during the "${report.profile.scenario}" measurement: its figures are lower than unprofiled)`);
  console.log('');
}

// ---------------------------------------------------------------------------------------------------------------

async function main() {
  // Four processes on Kafka and PostgreSQL, measured beside embedded mode in the same run (bench/distributed.js).
  if (OPTS.topology === 'distributed') return require('./distributed').run(OPTS);
  const startedAt = new Date();
  const report = {
    schema: 'mandate-bench/1',
    started_at: startedAt.toISOString(),
    finished_at: null,
    machine: machineFacts(),
    parameters: { ...PARAMS, profile: OPTS.profile },
    scenarios: {},
    targets: [],
    server: null,
    errors: [],
  };
  console.log(`Mandate bench (${PARAMS.mode}): ${report.machine.cpus} CPUs, Node ${process.version}, autocannon ${report.machine.autocannon}`);

  const server = new Server();
  try {
    await server.start();
  } catch (error) {
    console.error(`bench: the server failed to start: ${error.message}`);
    killAll();
    process.exit(3);
  }
  console.log(`server pid ${server.child.pid} on 127.0.0.1:${server.port}, data dir ${server.dataDir}`);

  let subscriber = null;
  let detectorSubscriber = null;
  try {
    // Fixtures: one tenant with 32 logged agents, one passport each.
    const main = await createTenant(server, 'bench');
    const passports = [];
    for (let i = 0; i < PARAMS.agents; i++) {
      const agentId = await createAgent(server, main.key, `bench-agent-${i}`);
      passports.push(await issuePassport(server, main.key, agentId));
    }
    // Sanity check before loading: one call must be accepted.
    await expectStatus(201, server.port, 'POST', `/v1/passports/${passports[0].jti}/actions`, { token: passports[0].token, body: toolCall(0) });

    const scenario = async (key, fn, { needsServer = true } = {}) => {
      try {
        if (needsServer && !server.alive) throw new Error('the server is no longer running');
        report.scenarios[key] = await fn();
      } catch (error) {
        process.stdout.write('\n');
        console.error(`bench: scenario ${key} failed: ${error.stack || error}`);
        report.scenarios[key] = { error: String(error.message || error) };
        report.errors.push(`${key}: ${error.message || error}`);
      }
    };

    await scenario('tool_call_logging', () => scenarioLogging(server, passports));
    await scenario('batched_logging', () => scenarioBatched(server, passports));

    // Revocations on a tenant of their own, so the stream carries only what this scenario revokes.
    const revTenant = await createTenant(server, 'bench-revocation');
    const fixture = { key: revTenant.key, agentId: await createAgent(server, revTenant.key, 'bench-revoked') };
    subscriber = new RevocationSubscriber(server.port, revTenant.key);
    await subscriber.open();
    await scenario('revocation', () => scenarioRevocation(server, fixture, subscriber));
    if (PARAMS.revocation_under_load.enabled) {
      await scenario('revocation_under_load', () => scenarioRevocationUnderLoad(server, fixture, subscriber, passports));
    }

    // Intents on a tenant of their own (its policy, its agents, an approver key); built by whichever scenario runs first.
    let intentsFixture = null;
    const intents = async () => (intentsFixture ??= await createIntentsFixture(server));
    await scenario('intents_auto_approve', async () => scenarioIntents(server, await intents(), report.scenarios.tool_call_logging));
    await scenario('intent_decision', async () => scenarioIntentDecision(server, await intents()));

    // Detectors. An offending call by an enforced agent, on a tenant of its own with its own revocation stream.
    await scenario('detector_revocation', async () => {
      const fixture = await createDetectorFixture(server);
      detectorSubscriber = new RevocationSubscriber(server.port, fixture.key);
      await detectorSubscriber.open();
      return scenarioDetectorRevocation(server, fixture, detectorSubscriber);
    });
    // The server-less ones, each in a process of its own (the server idles meanwhile).
    await scenario('detector_throughput', scenarioDetectorThroughput, { needsServer: false });
    await scenario('detector_replay', scenarioDetectorReplay, { needsServer: false });
    await scenario('detector_memory', scenarioDetectorMemory, { needsServer: false });
    // Last, so that it replays everything this run wrote.
    await scenario('admin_replay', () => scenarioAdminReplay(server));
  } catch (error) {
    console.error(`bench: ${error.stack || error}`);
    report.errors.push(String(error.message || error));
  } finally {
    if (subscriber) subscriber.close();
    if (detectorSubscriber) detectorSubscriber.close();
    report.server = { alive_at_end: server.alive, memory_at_end: server.alive ? serverMemory(server) : null, log_lines_with_warnings: server.warnings, log_tail: server.logTail.slice(-30) };
    // Profile: summarize before the data dir goes away.
    const profiled = Object.values(report.scenarios).flatMap((s) => [s.logging, s.bare_route, s.http]).find((m) => m && m.profile_file);
    if (profiled) {
      const { summarizeProfile, printSummary: printProfile } = require('./profile-summary');
      fs.mkdirSync(RESULTS, { recursive: true });
      const keep = path.join(RESULTS, `${startedAt.toISOString().replace(/[:.]/g, '-')}-${OPTS.profile}.cpuprofile`);
      fs.copyFileSync(profiled.profile_file, keep);
      profiled.profile_file = path.relative(ROOT, keep);
      const summary = summarizeProfile(JSON.parse(fs.readFileSync(keep, 'utf8')));
      report.profile = { scenario: OPTS.profile, file: path.relative(ROOT, keep), summary };
      console.log(`\nCPU profile of the server during "${OPTS.profile}" (${path.relative(ROOT, keep)})`);
      printProfile(summary);
    }
    await server.stop();
  }

  report.targets = targetRows(report.scenarios);
  report.finished_at = new Date().toISOString();
  report.duration_s = Math.round((Date.now() - startedAt.getTime()) / 100) / 10;

  fs.mkdirSync(RESULTS, { recursive: true });
  const file = path.join(RESULTS, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  const json = JSON.stringify(report, null, 2) + '\n';
  fs.writeFileSync(file, json);
  fs.writeFileSync(path.join(RESULTS, 'latest.json'), json);
  printSummary(report);
  console.log(`results: ${path.relative(ROOT, file)} (and bench/results/latest.json), ${report.duration_s} s`);
  // A missed target is a finding, not a failure; a scenario that could not run is.
  process.exit(report.errors.length > 0 ? 1 : 0);
}

main().catch((error) => {
  console.error(`bench: ${error.stack || error}`);
  killAll();
  process.exit(1);
});
