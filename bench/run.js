#!/usr/bin/env node
'use strict';
// Mandate benchmark. See bench/README.md.
//
//   npm run bench                 build, then the full run (about 4 minutes)
//   node bench/run.js --quick     smoke check (short durations) on the existing build (npm run build && npm run build:harness)
//   node bench/run.js --profile[=logging|batch|bare|bare-post|intents|proxy|dpop]
//                                 also CPU-profile the server during that measurement (default: logging) and print
//                                 where the time goes; profiled figures are slower than unprofiled ones.
//   node bench/run.js --topology distributed   the four services beside embedded mode (scenarios/distributed.js)
//   node bench/run.js --only=verify_flood       one scenario (its key in the report), after the shared fixtures
//   node bench/run.js --quick --only=tool_call_logging,dpop_logging   DPoP-bound beside bearer passports
//
// Starts the server with the end-to-end suites' harness (bench/harness.js) on a free port with a fresh data dir,
// drives load from a separate forked process (autocannon), runs the server-less detector measurements in forked
// processes of their own, and writes bench/results/<timestamp>.json and bench/results/latest.json. The scenarios are
// in bench/scenarios/, their sizes and targets in bench/params.js, the summary in bench/report.js.

const fs = require('fs');
const path = require('path');
const { OPTS, PARAMS } = require('./params');
const { expectStatus, toolCall } = require('./lib');
const { ROOT, SseClient, killAll } = require('./harness');
const { Server } = require('./server');
const { createTenant, createAgent, issuePassport } = require('./fixtures');
const { machineFacts, targetRows, printSummary } = require('./report');
const { scenarioLogging, scenarioBatched } = require('./scenarios/logging');
const { scenarioRevocation, scenarioRevocationUnderLoad } = require('./scenarios/revocation');
const { createIntentsFixture, scenarioIntents, scenarioIntentDecision } = require('./scenarios/intents');
const detectors = require('./scenarios/detectors');
const { scenarioVerifyFlood } = require('./scenarios/flood');
const { scenarioProxy } = require('./scenarios/proxy');
const { scenarioDpopLogging } = require('./scenarios/dpop');
const { scenarioSdkOverhead } = require('./scenarios/sdk');
const { scenarioConsole } = require('./scenarios/console');

const RESULTS = path.join(__dirname, 'results');

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

async function main() {
  // Four processes on Kafka and PostgreSQL, measured beside embedded mode in the same run.
  if (OPTS.topology === 'distributed') return require('./scenarios/distributed').run(OPTS);
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

  let revocations = null;
  let detectorRevocations = null;
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
      if (OPTS.only && !OPTS.only.includes(key)) return;
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
    // Beside scenario 1's single-call logging, its same-run baseline (measured here when scenario 1 did not run).
    await scenario('proxy', () => scenarioProxy(server, { loggingPassports: passports, logging: report.scenarios.tool_call_logging }));
    // DPoP-bound passports beside bearer ones: scenario 1's figures, or measured here when it did not run.
    await scenario('dpop_logging', () => scenarioDpopLogging(server, { bearerPassports: passports, logging: report.scenarios.tool_call_logging }));
    await scenario('sdk_overhead', () => scenarioSdkOverhead(server));

    // Revocations on a tenant of their own, so the stream carries only what this scenario revokes.
    const revTenant = await createTenant(server, 'bench-revocation');
    const fixture = { key: revTenant.key, agentId: await createAgent(server, revTenant.key, 'bench-revoked') };
    revocations = await SseClient.open(server, revTenant.key);
    await scenario('revocation', () => scenarioRevocation(server, fixture, revocations));
    if (PARAMS.revocation_under_load.enabled) {
      await scenario('revocation_under_load', () => scenarioRevocationUnderLoad(server, fixture, revocations, passports));
    }

    // Intents on a tenant of their own (its policy, its agents, an approver key); built by whichever scenario runs first.
    let intentsFixture = null;
    const intents = async () => (intentsFixture ??= await createIntentsFixture(server));
    await scenario('intents_auto_approve', async () => scenarioIntents(server, await intents(), report.scenarios.tool_call_logging));
    await scenario('intent_decision', async () => scenarioIntentDecision(server, await intents()));

    // Detectors. An offending call by an enforced agent, on a tenant of its own with its own revocation stream.
    await scenario('detector_revocation', async () => {
      const fixture = await detectors.createDetectorFixture(server);
      detectorRevocations = await SseClient.open(server, fixture.key);
      return detectors.scenarioDetectorRevocation(server, fixture, detectorRevocations);
    });
    // The console in a browser, on tenants of its own.
    await scenario('console', () => scenarioConsole(server));
    // The server-less ones, each in a process of its own (the server idles meanwhile).
    await scenario('detector_throughput', detectors.scenarioDetectorThroughput, { needsServer: false });
    await scenario('detector_replay', detectors.scenarioDetectorReplay, { needsServer: false });
    await scenario('detector_memory', detectors.scenarioDetectorMemory, { needsServer: false });
    // Last, so that it replays everything this run wrote.
    await scenario('admin_replay', () => detectors.scenarioAdminReplay(server));
    // On a server of its own, with the rate limits as shipped.
    await scenario('verify_flood', scenarioVerifyFlood, { needsServer: false });
  } catch (error) {
    console.error(`bench: ${error.stack || error}`);
    report.errors.push(String(error.message || error));
  } finally {
    if (revocations) revocations.close();
    if (detectorRevocations) detectorRevocations.close();
    report.server = { alive_at_end: server.alive, memory_at_end: server.alive ? server.memory() : null, log_lines_with_warnings: server.warnings, log_tail: server.logTail.slice(-30) };
    // Profile: summarize before the data dir goes away.
    const profiled = Object.values(report.scenarios).flatMap((s) => [s.logging, s.bare_route, s.bare_post, s.http, s.via_mandate, s.dpop]).find((m) => m && m.profile_file);
    if (profiled) {
      const { summarizeProfile, printSummary: printProfile } = require('./profile-summary');
      fs.mkdirSync(RESULTS, { recursive: true });
      const stem = path.join(RESULTS, `${startedAt.toISOString().replace(/[:.]/g, '-')}-${OPTS.profile}`);
      const keep = `${stem}.cpuprofile`;
      fs.copyFileSync(profiled.profile_file, keep);
      profiled.profile_file = path.relative(ROOT, keep);
      const summary = summarizeProfile(JSON.parse(fs.readFileSync(keep, 'utf8')));
      report.profile = { scenario: OPTS.profile, file: path.relative(ROOT, keep), summary, workers: [] };
      console.log(`\nCPU profile of the server's main thread during "${OPTS.profile}" (${path.relative(ROOT, keep)})`);
      printProfile(summary);
      // The worker threads: the storage worker commits the appends and projects the read models.
      (profiled.worker_profile_files || []).forEach((workerFile, i) => {
        const keepWorker = `${stem}-worker-${i + 1}.cpuprofile`;
        fs.copyFileSync(workerFile, keepWorker);
        const workerSummary = summarizeProfile(JSON.parse(fs.readFileSync(keepWorker, 'utf8')), 15);
        report.profile.workers.push({ file: path.relative(ROOT, keepWorker), summary: workerSummary });
        console.log(`\nCPU profile of worker thread ${i + 1} during "${OPTS.profile}" (${path.relative(ROOT, keepWorker)})`);
        printProfile(workerSummary);
      });
      profiled.worker_profile_files = report.profile.workers.map((w) => w.file);
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
  // A partial run (--only) is not the bench's figure of record.
  if (!OPTS.only) fs.writeFileSync(path.join(RESULTS, 'latest.json'), json);
  printSummary(report);
  console.log(`results: ${path.relative(ROOT, file)}${OPTS.only ? '' : ' (and bench/results/latest.json)'}, ${report.duration_s} s`);
  // A missed target is a finding, not a failure; a scenario that could not run is.
  process.exit(report.errors.length > 0 ? 1 : 0);
}

main().catch((error) => {
  console.error(`bench: ${error.stack || error}`);
  killAll();
  process.exit(1);
});
