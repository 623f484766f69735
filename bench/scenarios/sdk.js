'use strict';
// Scenario 13: the SDKs' own overhead. Each SDK's LangChain integration (callback handler and middleware) on an
// ungated tool call, beside the same create_agent loop without them, against this run's server; compared with one
// HTTP round trip to it measured in the same run. bench/sdk/python_overhead.py does the measuring for Python, in the
// project's SDK venv made by scripts/sdk-venv.sh; bench/sdk/typescript_overhead.js for TypeScript (LangChain.js), on
// the SDK's build made by scripts/sdk-typescript.sh. Each half is measured on its own: one failing leaves the other.

const path = require('path');
const { execFileSync, spawn } = require('child_process');
const { PARAMS } = require('../params');
const { ADMIN_KEY } = require('../harness');

const ROOT = path.join(__dirname, '..', '..');

/** Runs a measuring script to its end; its last line of output is its JSON result. */
function runScript(command, script, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [path.join(ROOT, script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
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

function runPython(script, args) {
  const venv = execFileSync('bash', [path.join(ROOT, 'scripts', 'sdk-venv.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  return runScript(path.join(venv, 'bin', 'python'), script, args);
}

function runNode(script, args) {
  // The SDK's dependencies (LangChain.js) installed, its build made from the sources as they are now.
  execFileSync('bash', [path.join(ROOT, 'scripts', 'sdk-typescript.sh')], { stdio: ['ignore', 2, 'inherit'] });
  return runScript(process.execPath, script, args);
}

/** One SDK's half: its figures, or the error that stopped it (said, and kept in the report). */
async function half(name, measure) {
  try {
    return await measure();
  } catch (error) {
    console.error(`bench: scenario 13 (${name}) failed: ${error.stack || error}`);
    return { error: String(error.message || error) };
  }
}

function print(name, sdk) {
  const f = (x) => x.toFixed(3);
  if (sdk.error) return console.log(`  ${name}: ERROR ${sdk.error}`);
  console.log(`  ${name}: create_agent, one tool call: without ${f(sdk.plain_ms.p50)} ms p50, with ${f(sdk.with_mandate_ms.p50)} ms p50: added ${f(sdk.added_p50_ms)} ms (paired ${f(sdk.added_paired_p50_ms)} ms)`);
  console.log(`  ${name}: one round trip to Mandate (log one call, SDK): p50 ${f(sdk.round_trip_log_call_ms.p50)} ms; GET /healthz p50 ${f(sdk.round_trip_healthz_ms.p50)} ms`);
  console.log(`  ${name}: added / round trip: ${f(sdk.ratio_added_to_round_trip)} (target < 0.2); calls recorded ${sdk.calls_recorded} of ${sdk.calls_expected}`);
  if (sdk.with_any_handler_ms) {
    console.log(`  ${name}: of which LangChain.js's own price of any callback handler ${f(sdk.added_by_langchain_callbacks_p50_ms)} ms (an empty handler: ${f(sdk.with_any_handler_ms.p50)} ms p50), Mandate's ${f(sdk.added_by_mandate_p50_ms)} ms (${f(sdk.ratio_added_by_mandate_to_round_trip)} of a round trip)`);
  }
}

async function scenarioSdkOverhead(server) {
  const { iterations, warmup } = PARAMS.sdk;
  process.stdout.write(`\n[13] SDK overhead: an ungated LangChain tool call with Mandate's handler and middleware, beside without (Python and TypeScript, ${iterations} iterations)\n`);
  const args = [server.url, ADMIN_KEY, String(iterations), String(warmup)];
  const python = await half('Python', () => runPython('bench/sdk/python_overhead.py', args));
  print('Python', python);
  const typescript = await half('TypeScript', () => runNode('bench/sdk/typescript_overhead.js', args));
  print('TypeScript', typescript);
  if (python.error && typescript.error) throw new Error(`both halves failed: Python: ${python.error}; TypeScript: ${typescript.error}`);
  return { python, typescript };
}

module.exports = { scenarioSdkOverhead };
