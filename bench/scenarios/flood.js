'use strict';
// Scenario 10: authenticated tool-call logging alone, then the same while other connections flood the unauthenticated
// POST /v1/passports/verify with validly signed tokens, in one run, on a server with the rate limits as shipped.

const { PARAMS } = require('../params');
const { runWorker } = require('../harness');
const { fmt, ratio } = require('../report');
const { Server } = require('../server');
const { createTenant, createAgent, issuePassport } = require('../fixtures');
const { loadJob, loadTimeout, measure } = require('./logging');

/** The flood: validly signed tokens (the agents' own), so every request that is let through costs a mission read. */
function floodJob(server, passports, durationSec) {
  return {
    port: server.port,
    connections: PARAMS.verify_flood.connections,
    durationSec,
    method: 'POST',
    requests: passports.map((p) => ({ path: '/v1/passports/verify', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: p.token }) })),
  };
}

async function scenarioVerifyFlood() {
  const { connections, nice } = PARAMS.verify_flood;
  console.log(`\n[10] tool-call logging under an unauthenticated verify flood (${connections} connections), default rate limits`);
  // A server of its own: the main one has the address limit lifted for its baselines.
  const server = new Server({ env: { MANDATE_RATE_LIMIT_ADDRESS_PER_MINUTE: '' } });
  await server.start();
  try {
    const tenant = await createTenant(server, 'bench-flood');
    const passports = [];
    for (let i = 0; i < PARAMS.agents; i++) passports.push(await issuePassport(server, tenant.key, await createAgent(server, tenant.key, `flood-agent-${i}`)));
    const alone = await measure(server, 'single', passports, 'POST /actions (1 call), alone', false);

    process.stdout.write(`  POST /actions (1 call) during the flood: warm-up ${PARAMS.warmup_s} s`);
    await Promise.all([
      runWorker('load-worker.js', loadJob(server, 'single', passports, PARAMS.warmup_s), loadTimeout(PARAMS.warmup_s)),
      runWorker('load-worker.js', floodJob(server, passports, PARAMS.warmup_s), loadTimeout(PARAMS.warmup_s), { nice }),
    ]);
    await server.settle();
    process.stdout.write(`, measuring ${PARAMS.duration_s} s`);
    // The flood's generator runs niced: on a real deployment the attacker's machine is not the server's.
    const [flooded, flood] = await Promise.all([
      runWorker('load-worker.js', loadJob(server, 'single', passports, PARAMS.duration_s), loadTimeout(PARAMS.duration_s)),
      runWorker('load-worker.js', floodJob(server, passports, PARAMS.duration_s), loadTimeout(PARAMS.duration_s), { nice }),
    ]);
    await server.settle();
    process.stdout.write(`: ${fmt(flooded.ok_requests_per_s, 0)} req/s, p99 ${fmt(flooded.latency_ms.p99, 2)} ms; flood ${fmt(flood.requests_per_s, 0)} req/s (${fmt(flood.status_counts['429'] || 0, 0)} answered 429)\n`);
    return {
      description: `POST /v1/passports/{jti}/actions, 32 connections, alone and then during a flood of POST /v1/passports/verify with validly signed tokens from ${connections} connections (generator at nice ${nice}), default rate limits`,
      alone,
      flooded,
      flood,
      logging_alone_requests_per_s: alone.ok_requests_per_s,
      logging_flooded_requests_per_s: flooded.ok_requests_per_s,
      flood_requests_per_s: flood.requests_per_s,
      flood_answered_429: flood.status_counts['429'] || 0,
      flood_answered_2xx: flood.responses_2xx,
      logging_non_2xx_during_flood: flooded.non_2xx,
      ratio: ratio(flooded.ok_requests_per_s, alone.ok_requests_per_s),
    };
  } finally {
    await server.stop();
  }
}

module.exports = { scenarioVerifyFlood };
