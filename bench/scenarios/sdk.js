'use strict';
// Scenario 13: the SDKs' own overhead. The Python SDK's LangChain integration (callback handler and middleware) on an
// ungated tool call, beside the same create_agent loop without them, against this run's server; compared with one
// HTTP round trip to it measured in the same run (bench/sdk/python_overhead.py does the measuring, in the project's
// SDK venv made by scripts/sdk-venv.sh).

const path = require('path');
const { execFileSync, spawn } = require('child_process');
const { PARAMS } = require('../params');
const { ADMIN_KEY } = require('../harness');

const ROOT = path.join(__dirname, '..', '..');

function runPython(script, args) {
  const venv = execFileSync('bash', [path.join(ROOT, 'scripts', 'sdk-venv.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(venv, 'bin', 'python'), [path.join(ROOT, script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      const last = out.trim().split('\n').pop();
      if (code !== 0 || !last) return reject(new Error(`${script} exited with ${code}: ${err.slice(-2000)}`));
      resolve(JSON.parse(last));
    });
  });
}

async function scenarioSdkOverhead(server) {
  const { iterations, warmup } = PARAMS.sdk;
  process.stdout.write(`\n[13] SDK overhead: an ungated LangChain tool call with Mandate's handler and middleware, beside without (Python, ${iterations} iterations)\n`);
  const python = await runPython('bench/sdk/python_overhead.py', [server.url, ADMIN_KEY, String(iterations), String(warmup)]);
  const f = (x) => x.toFixed(3);
  console.log(`  create_agent, one tool call: without ${f(python.plain_ms.p50)} ms p50, with ${f(python.with_mandate_ms.p50)} ms p50: added ${f(python.added_p50_ms)} ms (paired ${f(python.added_paired_p50_ms)} ms)`);
  console.log(`  one round trip to Mandate (log one call, SDK): p50 ${f(python.round_trip_log_call_ms.p50)} ms; GET /healthz p50 ${f(python.round_trip_healthz_ms.p50)} ms`);
  console.log(`  added / round trip: ${f(python.ratio_added_to_round_trip)} (target < 0.2); calls recorded ${python.calls_recorded} of ${python.calls_expected}`);
  return { python };
}

module.exports = { scenarioSdkOverhead };
