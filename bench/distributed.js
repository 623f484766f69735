'use strict';
// `npm run bench -- --topology distributed`: Mandate's four services on the local PostgreSQL and Kafka (started by
// deploy/local/up.sh) behind the front door, measured against the embedded all-in-one process in the same run.
//
//   [D1] ingest: single tool calls over HTTP from 32 agents, through the front door (and straight to the passport
//        service, to show what the door costs), and the same load on embedded mode: requests/s, p99, ratio
//   [D2] relay lag: from a call's 201 (with its position) to that position arriving on the events topic, under load
//   [D3] end-to-end revocation: an enforced agent's out-of-scope call -> the compacted revocations topic (keyed by
//        jti) and -> the SSE revocation stream at the front door; p50/p99, target p99 <= 250 ms
//
// Writes bench/results/distributed-<timestamp>.json and bench/results/distributed-latest.json.

const { fork, spawn, execFileSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const { Client } = require('pg');
const { Kafka, logLevel } = require('kafkajs');
const { summarize, freePort, request, expectStatus, toolCall } = require('./lib');

const ROOT = path.resolve(__dirname, '..');
const RESULTS = path.join(__dirname, 'results');
const ADMIN_KEY = 'mdt_admin.bench-instance-admin-key-0123456789';
const DATABASE_URL = process.env.DATABASE_URL || 'postgres://mandate:mandate@127.0.0.1:5432/mandate';
const KAFKA_BROKERS = (process.env.KAFKA_BROKERS || '127.0.0.1:9092').split(',');
const OFFENDING_CALL = { service: 'github', action: 'repos.delete', target: 'acme/bench', outcome: 'success' };
const main = (app) => path.join(ROOT, 'dist', 'apps', app, 'src', 'main.js');

const children = new Set();
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

function params(quick) {
  return quick
    ? { agents: 32, connections: 32, warmup_s: 1, duration_s: 3, relay_probe: 100, revocations: { warmup: 3, iterations: 20 }, timeout_ms: 10_000 }
    : { agents: 32, connections: 32, warmup_s: 3, duration_s: 10, relay_probe: 400, revocations: { warmup: 5, iterations: 60 }, timeout_ms: 10_000 };
}

function startProcess(name, file, port, env) {
  const child = spawn(process.execPath, [file], { cwd: ROOT, env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', NODE_ENV: 'production', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let tail = '';
  const keep = (d) => (tail = (tail + d).slice(-4000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return { name, port, child, tail: () => tail };
}

async function ready(proc, readyPath = '/readyz') {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited during start-up:\n${proc.tail()}`);
    try {
      if ((await request(proc.port, 'GET', readyPath, { timeoutMs: 1000 })).status === 200) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${proc.name} not ready in 60 s:\n${proc.tail()}`);
}

async function stopProcess(proc) {
  if (proc.child.exitCode !== null) return;
  const exited = new Promise((r) => proc.child.once('exit', r));
  proc.child.kill('SIGTERM');
  await exited;
}

/** The all-in-one process on a fresh data dir. */
async function startEmbedded() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mandate-bench-embedded-'));
  const proc = startProcess('embedded', main('mandate'), await freePort(), { MANDATE_DATA_DIR: dataDir, MANDATE_ADMIN_KEY: ADMIN_KEY });
  await ready(proc);
  return { port: proc.port, async stop() { await stopProcess(proc); fs.rmSync(dataDir, { recursive: true, force: true }); } };
}

/** Four services and the door, on a database and a topic prefix of their own. */
async function startDistributed() {
  const id = crypto.randomBytes(4).toString('hex');
  const database = `mandate_bench_${id}`;
  const admin = new Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const url = new URL(DATABASE_URL);
  url.pathname = `/${database}`;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mandate-bench-distributed-'));
  const prefix = `bench${id}.`;
  const ports = await Promise.all([0, 1, 2, 3, 4].map(() => freePort()));
  const shared = {
    MANDATE_STORE: 'postgres', MANDATE_STREAM: 'kafka', DATABASE_URL: url.toString(), KAFKA_BROKERS: KAFKA_BROKERS.join(','),
    MANDATE_KAFKA_TOPIC_PREFIX: prefix, MANDATE_KEYS_DIR: path.join(root, 'keys'), MANDATE_ADMIN_KEY: ADMIN_KEY, MANDATE_ISSUER: `http://127.0.0.1:${ports[4]}`,
  };
  const services = ['passport', 'intent', 'detector', 'audit'].map((name, i) => startProcess(name, main(name), ports[i], { ...shared, MANDATE_DATA_DIR: path.join(root, name) }));
  await ready(services[0]);
  await Promise.all(services.slice(1).map((s) => ready(s)));
  const gateway = startProcess('gateway', main('gateway'), ports[4], {
    MANDATE_PASSPORT_URL: `http://127.0.0.1:${ports[0]}`, MANDATE_INTENT_URL: `http://127.0.0.1:${ports[1]}`,
    MANDATE_DETECTOR_URL: `http://127.0.0.1:${ports[2]}`, MANDATE_AUDIT_URL: `http://127.0.0.1:${ports[3]}`,
  });
  await ready(gateway);
  return {
    port: gateway.port,
    passportPort: ports[0],
    prefix,
    async stop() {
      await Promise.all([gateway, ...services].map(stopProcess));
      fs.rmSync(root, { recursive: true, force: true });
      const db = new Client({ connectionString: DATABASE_URL });
      await db.connect();
      await db.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await db.end();
      const kafkaAdmin = new Kafka({ brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING }).admin();
      await kafkaAdmin.connect();
      const topics = (await kafkaAdmin.listTopics()).filter((t) => t.startsWith(prefix));
      await kafkaAdmin.deleteTopics({ topics }).catch(() => undefined);
      await kafkaAdmin.disconnect();
    },
  };
}

async function fixture(port, agents, mode = 'logged', services = ['slack']) {
  const tenant = await expectStatus(201, port, 'POST', '/v1/tenants', { token: ADMIN_KEY, body: { name: `bench-${mode}` } });
  const key = tenant.admin_key.key;
  const passports = [];
  for (let i = 0; i < agents; i++) {
    const agent = await expectStatus(201, port, 'POST', '/v1/agents', { token: key, body: { name: `bench-${mode}-${i}`, accountability_mode: mode } });
    const p = await expectStatus(201, port, 'POST', '/v1/passports', { token: key, body: { agent_id: agent.id, ttl_seconds: 3600, checkpoint_interval_seconds: 3600, intent: { summary: 'bench', services } } });
    passports.push({ token: p.token, jti: p.jti, agentId: agent.id });
  }
  return { key, passports };
}

function load(port, passports, connections, durationSec) {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, 'load-worker.js'), [], { stdio: 'inherit' });
    children.add(child);
    child.once('exit', () => children.delete(child));
    child.on('message', (m) => (m.ok ? resolve(m.result) : reject(new Error(m.error))));
    child.on('error', reject);
    const body = JSON.stringify(toolCall(0));
    child.send({
      port, connections, durationSec, method: 'POST',
      requests: passports.map((p) => ({ path: `/v1/passports/${p.jti}/actions`, headers: { 'content-type': 'application/json', authorization: `Bearer ${p.token}` }, body })),
    });
  });
}

async function ingest(label, port, passports, p) {
  process.stdout.write(`  ${label}: warm-up ${p.warmup_s} s`);
  await load(port, passports, p.connections, p.warmup_s);
  process.stdout.write(`, measuring ${p.duration_s} s`);
  const result = await load(port, passports, p.connections, p.duration_s);
  process.stdout.write(`: ${Math.round(result.ok_requests_per_s)} req/s, p99 ${result.latency_ms.p99.toFixed(2)} ms\n`);
  return result;
}

/** A consumer of one topic that records when each message arrived, by a key the caller picks. */
async function topicWatcher(topic, keyOf) {
  const kafka = new Kafka({ brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `bench-watch-${crypto.randomUUID()}`, maxWaitTimeInMs: 100 });
  const arrivals = new Map();
  const waiters = new Map();
  const joined = new Promise((r) => consumer.on(consumer.events.GROUP_JOIN, r));
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: false });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const key = keyOf(message);
      const at = performance.now();
      if (!arrivals.has(key)) arrivals.set(key, at);
      waiters.get(key)?.(at);
    },
  });
  await joined;
  return {
    arrival(key, timeoutMs) {
      if (arrivals.has(key)) return Promise.resolve(arrivals.get(key));
      return new Promise((resolve) => {
        const timer = setTimeout(() => (waiters.delete(key), resolve(null)), timeoutMs);
        waiters.set(key, (at) => (clearTimeout(timer), waiters.delete(key), resolve(at)));
      });
    },
    stop: () => consumer.disconnect(),
  };
}

/** The revocation SSE stream at the door: when each jti's frame arrived. */
function sseWatcher(port, token) {
  return new Promise((resolve, reject) => {
    const arrivals = new Map();
    const waiters = new Map();
    const req = http.get({ host: '127.0.0.1', port, path: '/v1/revocations/stream', headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`revocation stream answered ${res.statusCode}`));
      let buffer = '';
      res.on('data', (chunk) => {
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame.split('\n').find((l) => l.startsWith('data:'));
          if (!data) continue;
          const jti = JSON.parse(data.slice(5)).jti;
          const at = performance.now();
          if (!arrivals.has(jti)) arrivals.set(jti, at);
          waiters.get(jti)?.(at);
        }
      });
      resolve({
        arrival(jti, timeoutMs) {
          if (arrivals.has(jti)) return Promise.resolve(arrivals.get(jti));
          return new Promise((done) => {
            const timer = setTimeout(() => (waiters.delete(jti), done(null)), timeoutMs);
            waiters.set(jti, (at) => (clearTimeout(timer), waiters.delete(jti), done(at)));
          });
        },
        stop: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}

/** [D2] While the 32 agents load the door, one more agent logs calls one at a time: 201 -> on the events topic. */
async function relayLag(system, passports, probe, p) {
  const watcher = await topicWatcher(`${system.prefix}events`, (m) => m.headers['mandate-position'].toString());
  const loading = load(system.port, passports, p.connections, Math.max(3, Math.ceil(p.duration_s / 2)));
  const lags = [];
  let missing = 0;
  for (let i = 0; i < p.relay_probe; i++) {
    const reply = await request(system.port, 'POST', `/v1/passports/${probe.jti}/actions`, { token: probe.token, body: toolCall(i) });
    if (reply.status !== 201) throw new Error(`probe call answered ${reply.status}`);
    const at = await watcher.arrival(String(reply.body.position), p.timeout_ms);
    if (at === null) missing++;
    else lags.push(Math.max(0, at - reply.at));
  }
  const underLoad = await loading;
  await watcher.stop();
  return { description: 'time from a tool call\'s 201 (with its position) to that position arriving on the events topic, sequential probe beside the 32-agent load', samples: lags.length, missing, lag_ms: summarize(lags), load_during_probe_req_s: Math.round(underLoad.ok_requests_per_s) };
}

/** [D3] Out-of-scope call by an enforced agent -> compacted revocations topic, and -> SSE stream at the door. */
async function revocation(system, p) {
  const tenant = await fixture(system.port, 0, 'enforced');
  const agents = [];
  for (let i = 0; i < 4; i++) agents.push((await expectStatus(201, system.port, 'POST', '/v1/agents', { token: tenant.key, body: { name: `bench-enforced-${i}`, accountability_mode: 'enforced' } })).id);
  const topic = await topicWatcher(`${system.prefix}revocations`, (m) => m.key.toString());
  const sse = await sseWatcher(system.port, tenant.key);
  const rounds = [];
  for (let i = 0; i < p.revocations.warmup + p.revocations.iterations; i++) {
    const passport = await expectStatus(201, system.port, 'POST', '/v1/passports', { token: tenant.key, body: { agent_id: agents[i % agents.length], ttl_seconds: 3600, checkpoint_interval_seconds: 3600, intent: { summary: 'bench', services: ['slack'] } } });
    const t0 = performance.now();
    const call = await request(system.port, 'POST', `/v1/passports/${passport.jti}/actions`, { token: passport.token, body: OFFENDING_CALL });
    if (call.status !== 201) throw new Error(`offending call answered ${call.status}`);
    const [onTopic, onSse] = await Promise.all([topic.arrival(passport.jti, p.timeout_ms), sse.arrival(passport.jti, p.timeout_ms)]);
    if (i >= p.revocations.warmup) rounds.push({ topic: onTopic === null ? null : onTopic - t0, sse: onSse === null ? null : onSse - t0 });
  }
  await topic.stop();
  sse.stop();
  const got = (k) => rounds.map((r) => r[k]).filter((v) => v !== null);
  return {
    description: 'issue an enforced passport for slack; t0; log a github call (scope drift) through the door; detector (Kafka) -> revoke command (Kafka) -> passport service -> relay -> revocations topic keyed by jti, and -> audit service -> SSE at the door',
    iterations: rounds.length,
    missing_topic: rounds.filter((r) => r.topic === null).length,
    missing_sse: rounds.filter((r) => r.sse === null).length,
    to_revocations_topic_ms: summarize(got('topic')),
    to_sse_ms: summarize(got('sse')),
  };
}

async function run(opts) {
  const p = params(opts.quick);
  execFileSync('bash', [path.join(ROOT, 'deploy', 'local', 'up.sh')], { stdio: 'inherit' });
  const results = { topology: 'distributed', mode: opts.quick ? 'quick' : 'full', started_at: new Date().toISOString(), machine: { cpus: os.cpus().length, cpu_model: os.cpus()[0]?.model, node: process.version }, params: p };

  console.log('\n[D1] ingest, single tool calls, 32 agents');
  const embedded = await startEmbedded();
  try {
    const fx = await fixture(embedded.port, p.agents);
    results.ingest_embedded = await ingest('embedded (one process, SQLite)', embedded.port, fx.passports, p);
  } finally {
    await embedded.stop();
  }
  const system = await startDistributed();
  try {
    const fx = await fixture(system.port, p.agents);
    results.ingest_distributed = await ingest('distributed, through the front door', system.port, fx.passports, p);
    results.ingest_distributed_direct = await ingest('distributed, straight to the passport service', system.passportPort, fx.passports, p);
    results.ratio_distributed_to_embedded = results.ingest_distributed.ok_requests_per_s / results.ingest_embedded.ok_requests_per_s;
    console.log(`  ratio distributed / embedded: ${results.ratio_distributed_to_embedded.toFixed(2)}`);

    console.log('\n[D2] relay lag under load');
    const probe = (await fixture(system.port, 1)).passports[0];
    results.relay_lag = await relayLag(system, fx.passports, probe, p);
    console.log(`  201 -> events topic: p50 ${results.relay_lag.lag_ms.p50.toFixed(2)} ms, p99 ${results.relay_lag.lag_ms.p99.toFixed(2)} ms (${results.relay_lag.samples} samples, ${results.relay_lag.missing} missing)`);

    console.log('\n[D3] offending call -> revocation (idle system, sequential)');
    results.revocation = await revocation(system, p);
    const r = results.revocation;
    console.log(`  -> revocations topic: p50 ${r.to_revocations_topic_ms.p50.toFixed(2)} ms, p99 ${r.to_revocations_topic_ms.p99.toFixed(2)} ms`);
    console.log(`  -> SSE at the door:   p50 ${r.to_sse_ms.p50.toFixed(2)} ms, p99 ${r.to_sse_ms.p99.toFixed(2)} ms (target p99 <= 250 ms: ${r.to_sse_ms.p99 <= 250 && r.to_revocations_topic_ms.p99 <= 250 && r.missing_sse + r.missing_topic === 0 ? 'met' : 'MISSED'})`);
  } finally {
    await system.stop();
  }
  results.finished_at = new Date().toISOString();
  fs.mkdirSync(RESULTS, { recursive: true });
  const file = path.join(RESULTS, `distributed-${results.started_at.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify(results, null, 2));
  fs.writeFileSync(path.join(RESULTS, 'distributed-latest.json'), JSON.stringify(results, null, 2));
  console.log(`\nresults: ${path.relative(ROOT, file)}`);
}

module.exports = { run };
