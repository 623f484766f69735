'use strict';
// What the bench takes from the end-to-end suites' harness (test/e2e/support): the processes, embedded or
// distributed, and the SSE client. Plus the bench's own forked workers, tracked the same way so that nothing outlives
// the bench.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync, fork } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const SOURCE = path.join(ROOT, 'test', 'e2e', 'support');
const BUILT = path.join(ROOT, 'dist', 'test', 'e2e', 'support');

// The harness is TypeScript (Jest runs it from source); the bench compiles it into dist/ when its build is missing
// or older than the source, so `node bench/run.js` after `npm run build` is all it takes.
const stale = ['server', 'sse'].some((name) => {
  const built = path.join(BUILT, `${name}.js`);
  return !fs.existsSync(built) || fs.statSync(built).mtimeMs < fs.statSync(path.join(SOURCE, `${name}.ts`)).mtimeMs;
});
if (stale) execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(__dirname, 'tsconfig.harness.json')], { stdio: 'inherit' });
const { ADMIN_KEY, MandateProcess, DistributedMandate, track, killAll, freePort } = require(path.join(BUILT, 'server'));
const { SseClient } = require(path.join(BUILT, 'sse'));

/** The revocation frame for `jti` (its `at` is when it arrived), or null when none came within `timeoutMs`. */
function revocationArrival(stream, jti, timeoutMs) {
  return stream.next((e) => e.event === 'revocation' && e.data.jti === jti, Math.max(0, timeoutMs)).catch(() => null);
}

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

module.exports = { ROOT, ADMIN_KEY, MandateProcess, DistributedMandate, SseClient, track, killAll, freePort, revocationArrival, runWorker };
