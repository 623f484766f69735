'use strict';
// The embedded server under measurement: the harness's all-in-one process, plus what the bench asks of it between
// measurements (is the read side caught up, has the head stopped moving, how much memory) and the CPU profiler.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { MandateProcess } = require('./harness');
const { OPTS, PARAMS } = require('./params');
const { sleep, request } = require('./lib');
const { benchCertificates } = require('../scripts/test-ca');

class Server {
  /** `env`: settings of this server beyond the bench's own (scenario 10 runs one with the shipped rate limits). */
  constructor({ env = {} } = {}) {
    this.extraEnv = env;
    this.logTail = [];
    this.warnings = 0;
    this.profileDir = null;
    this.mandate = null;
  }

  async start() {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mandate-bench-'));
    this.dataDir = dataDir;
    // Also when the bench ends on a signal or an error.
    process.on('exit', () => fs.rmSync(dataDir, { recursive: true, force: true }));
    const options = { readyTimeoutMs: 30_000, onLine: (line) => this.keep(line) };
    if (OPTS.profile) {
      this.profileDir = path.join(dataDir, 'profiles');
      fs.mkdirSync(this.profileDir);
      Object.assign(options, { execArgv: ['-r', path.join(__dirname, 'profile-preload.js')], ipc: true });
    }
    // The baselines post verify from this one address thousands of times a second: the address limit is lifted for
    // them (scenario 10 measures a server with the limits as shipped).
    // The credential proxy trusts the bench CA, whose certificate the proxy scenario's loopback upstream serves.
    const env = {
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
      MANDATE_BENCH_PROFILE_DIR: this.profileDir || '',
      MANDATE_RATE_LIMIT_ADDRESS_PER_MINUTE: '100000000',
      MANDATE_PROXY_CA_FILE: benchCertificates().caFile,
      ...this.extraEnv,
    };
    this.mandate = await MandateProcess.startEmbedded(env, dataDir, options);
  }

  keep(line) {
    if (!line.trim()) return;
    // The server writes JSON lines; anything else on its output (a crash, a Node warning) counts too.
    if (/"level":"(warn|error|fatal)"|WARN|ERROR|Error/.test(line)) this.warnings++;
    this.logTail.push(line.replace(/\x1b\[[0-9;]*m/g, '').slice(0, 500));
    if (this.logTail.length > 100) this.logTail.shift();
  }

  get port() {
    return this.mandate.node.port;
  }

  get url() {
    return this.mandate.url;
  }

  get child() {
    return this.mandate.node.child;
  }

  get pid() {
    return this.mandate.node.child.pid;
  }

  get alive() {
    return Boolean(this.mandate && this.mandate.node.running);
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

  /** Resident set of the server from /proc (Linux); null elsewhere. */
  memory() {
    try {
      const status = fs.readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
      const kb = (name) => {
        const m = status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm'));
        return m ? Math.round((Number(m[1]) / 1024) * 10) / 10 : null;
      };
      return { rss_mb: kb('VmRSS'), peak_rss_mb: kb('VmHWM') };
    } catch {
      return null;
    }
  }

  /** Round trip to bench/profile-preload.js in the server over IPC. */
  profiler(command, expect, timeoutMs = 30_000) {
    const child = this.child;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.off('message', onMessage);
        reject(new Error(`the server's profiler did not answer "${command}"`));
      }, timeoutMs);
      const onMessage = (message) => {
        if (!message || !message.bench_profile) return;
        clearTimeout(timer);
        child.off('message', onMessage);
        if (message.bench_profile === expect) resolve(message);
        else reject(new Error(`profiler: ${message.error || message.bench_profile}`));
      };
      child.on('message', onMessage);
      child.send({ bench_profile: command });
    });
  }

  async startProfile() {
    await this.profiler('start', 'started');
  }

  /** The main thread's profile and the worker threads' (the storage worker). */
  async stopProfile() {
    const { file, workerFiles } = await this.profiler('stop', 'written');
    return { file, workerFiles: workerFiles || [] };
  }

  async stop() {
    if (this.mandate) await this.mandate.stop();
  }
}

module.exports = { Server };
