'use strict';
// Scenario 13 (TypeScript): what the SDK's LangChain.js integration adds to one ungated tool call, against a local
// Mandate. The same measure as bench/sdk/python_overhead.py, in Node: the same `createAgent` loop (langchain-core's
// scripted chat model asking for one tool call, then answering) runs with and without Mandate's callback handler and
// middleware, alternately, on a warm process. The difference of the two medians is the SDK's added latency; it is
// compared with one round trip to Mandate measured in the same run (one call reported through the SDK, i.e. what the
// handler would cost if it sent each record before the tool returned; and a bare `GET /healthz` for reference). An
// ungated call should wait on no network I/O: records go in the background, in batches. A third run of the same loop
// with an empty callback handler splits the figure: what LangChain.js itself charges for any handler, and what
// Mandate's handler and middleware add beyond it. Prints one JSON object on its last line.
//
// It loads the SDK's CommonJS build (bash scripts/sdk-typescript.sh makes it) and LangChain.js from the SDK's own
// node_modules, as an app that installed both would.
//
// usage: node bench/sdk/typescript_overhead.js BASE_URL ADMIN_KEY ITERATIONS WARMUP

const fs = require('fs');
const os = require('os');
const path = require('path');
const { createRequire } = require('module');

const SDK = path.join(__dirname, '..', '..', 'sdks', 'typescript');
const fromSdk = createRequire(path.join(SDK, 'package.json'));
const { Mandate } = require(path.join(SDK, 'dist', 'cjs', 'index.js'));
const { MandateCallbackHandler, mandateMiddleware } = require(path.join(SDK, 'dist', 'cjs', 'langchain', 'index.js'));
const { createAgent } = fromSdk('langchain');
const { AIMessage } = fromSdk('@langchain/core/messages');
const { fakeModel } = fromSdk('@langchain/core/testing');
const { tool } = fromSdk('@langchain/core/tools');
const { BaseCallbackHandler } = fromSdk('@langchain/core/callbacks/base');

/** A handler that does nothing: what any callback handler costs in LangChain.js, Mandate's or another. */
class EmptyHandler extends BaseCallbackHandler {
  name = 'EmptyHandler';
}

/** Turns for `runs` runs: a tool call (a fresh id each time, as a model gives), then the answer. */
function scripted(runs) {
  const model = fakeModel();
  for (let n = 1; n <= runs; n += 1) {
    model.respondWithTools([{ name: 'lookup', args: { ticket: n }, id: `call_${n}` }]).respond(new AIMessage('done'));
  }
  return model;
}

/** Look a ticket up (local work only): the tool is ungated, so nothing in it waits on the network. */
const lookup = tool(async ({ ticket }) => `ticket ${ticket}: open`, {
  name: 'lookup',
  description: 'Look a ticket up.',
  schema: { type: 'object', properties: { ticket: { type: 'integer' } }, required: ['ticket'] },
});

const median = (values) => {
  const ordered = [...values].sort((a, b) => a - b);
  const mid = Math.floor(ordered.length / 2);
  return ordered.length % 2 ? ordered[mid] : (ordered[mid - 1] + ordered[mid]) / 2;
};
const percentile = (values, q) => {
  const ordered = [...values].sort((a, b) => a - b);
  return ordered[Math.min(ordered.length - 1, Math.floor(q * ordered.length))];
};
const ms = (from, to) => Number(to - from) / 1e6;
const now = () => process.hrtime.bigint();

async function main() {
  const [baseUrl, adminKey, iterationsText, warmupText] = process.argv.slice(2);
  const iterations = Number(iterationsText);
  const warmup = Number(warmupText);
  const quiet = { info: () => undefined, warn: (message) => console.error(message) };
  const admin = new Mandate({ baseUrl, apiKey: adminKey, logger: quiet });
  const tenant = await admin.tenants.create(`bench-sdk-typescript-${process.pid}`);
  const operator = new Mandate({ baseUrl, apiKey: tenant.admin_key.key, logger: quiet });
  const agent = await operator.agents.register('bench-sdk', { accountabilityMode: 'logged', allowedServices: ['langchain'] });
  const { token } = await operator.agents.enrollmentToken(agent.id);
  const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mandate-bench-keys-'));
  const runtime = new Mandate({ baseUrl, agentId: agent.id, keyDir, enrollmentToken: token, logger: quiet });

  const runs = warmup + iterations;
  const plainTimes = [];
  const mandateTimes = [];
  const reportTimes = [];
  const healthTimes = [];
  const anyHandlerTimes = [];
  const mission = await runtime.mission({ intent: "bench: the SDK's overhead", services: ['langchain'], checkpointInterval: '10m' });
  try {
    const plain = createAgent({ model: scripted(runs), tools: [lookup] });
    const guarded = createAgent({ model: scripted(runs), tools: [lookup], middleware: [mandateMiddleware(mission)] });
    const handler = new MandateCallbackHandler(mission);
    const withAnyHandler = createAgent({ model: scripted(runs), tools: [lookup] });
    const empty = new EmptyHandler();
    const question = { messages: [{ role: 'user', content: 'look up the ticket' }] };
    for (let i = 0; i < runs; i += 1) {
      const t0 = now();
      await plain.invoke(question);
      const t1 = now();
      await guarded.invoke(question, { callbacks: [handler] });
      const t2 = now();
      // One round trip to Mandate: one call reported now and its answer awaited (what the handler avoids).
      await mission.report({ service: 'langchain', action: 'bench.round_trip', outcome: 'success' });
      const t3 = now();
      const health = await fetch(`${baseUrl}/healthz`);
      await health.arrayBuffer();
      const t4 = now();
      await withAnyHandler.invoke(question, { callbacks: [empty] });
      const t5 = now();
      if (i >= warmup) {
        plainTimes.push(ms(t0, t1));
        mandateTimes.push(ms(t1, t2));
        reportTimes.push(ms(t2, t3));
        healthTimes.push(ms(t3, t4));
        anyHandlerTimes.push(ms(t4, t5));
      }
    }
    await mission.flush();
  } finally {
    await mission.close();
    fs.rmSync(keyDir, { recursive: true, force: true });
  }
  const view = await operator.passports.get(mission.jti);

  const plainP50 = median(plainTimes);
  const mandateP50 = median(mandateTimes);
  const added = mandateP50 - plainP50;
  const roundTrip = median(reportTimes);
  const healthz = median(healthTimes);
  const anyHandlerP50 = median(anyHandlerTimes);
  const result = {
    iterations,
    warmup,
    node: process.version,
    plain_ms: { p50: plainP50, p99: percentile(plainTimes, 0.99) },
    with_mandate_ms: { p50: mandateP50, p99: percentile(mandateTimes, 0.99) },
    added_p50_ms: added,
    // The same, as the median of each iteration's own difference (both runs of an iteration share the moment).
    added_paired_p50_ms: median(mandateTimes.map((m, i) => m - plainTimes[i])),
    round_trip_log_call_ms: { p50: roundTrip, p99: percentile(reportTimes, 0.99) },
    round_trip_healthz_ms: { p50: healthz, p99: percentile(healthTimes, 0.99) },
    ratio_added_to_round_trip: added / roundTrip,
    ratio_added_to_healthz: added / healthz,
    // The same loop with an empty handler: LangChain.js's own price of any handler, and Mandate's share beyond it.
    with_any_handler_ms: { p50: anyHandlerP50, p99: percentile(anyHandlerTimes, 0.99) },
    added_by_langchain_callbacks_p50_ms: anyHandlerP50 - plainP50,
    added_by_mandate_p50_ms: mandateP50 - anyHandlerP50,
    ratio_added_by_mandate_to_round_trip: (mandateP50 - anyHandlerP50) / roundTrip,
    // Every guarded call was recorded (reported once each) besides the round-trip probes: nothing was skipped.
    calls_recorded: view.actions_logged,
    calls_expected: 2 * runs,
  };
  console.log(JSON.stringify(result));
}

main().catch((error) => {
  console.error(error.stack || String(error));
  process.exit(1);
});
