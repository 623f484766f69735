'use strict';
// Scenario 12: single-call tool logging with passports bound to the agents' own Ed25519 keys (DPoP, RFC 9449), beside
// bearer passports in the same run. 32 agents, each with its own key enrolled and a passport bound to it; every request
// carries a fresh proof signed by the load generator (bench/load-worker.js), on the same cores as the server.

const http = require('http');
const { generateKeyPairSync, createHash, randomUUID, sign } = require('crypto');
const { OPTS, PARAMS } = require('../params');
const { expectStatus, toolCall } = require('../lib');
const { createTenant } = require('../fixtures');
const { measure } = require('./logging');
const { ratio } = require('../report');

const actionsPath = (jti) => `/v1/passports/${jti}/actions`;

/**
 * A tenant of its own with 32 agents registered with a ceiling, each enrolled with a key made here, and a passport
 * the operator issued bound to that key (bind_to_key). The private keys go to the load generator as PEM.
 */
async function createDpopFixture(server) {
  const { agents, ceiling } = PARAMS.dpop;
  const tenant = await createTenant(server, 'bench-dpop');
  const holders = [];
  for (let i = 0; i < agents; i++) {
    const agent = await expectStatus(201, server.port, 'POST', '/v1/agents', { token: tenant.key, body: { name: `bench-dpop-agent-${i}`, accountability_mode: 'logged', ceiling } });
    const { token } = await expectStatus(201, server.port, 'POST', `/v1/agents/${agent.id}/enrollments`, { token: tenant.key, body: {} });
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const { kty, crv, x } = publicKey.export({ format: 'jwk' });
    const jwk = { kty, crv, x };
    const enrolled = await expectStatus(201, server.port, 'POST', '/v1/agents/enroll', { body: { token, jwk } });
    const passport = await expectStatus(201, server.port, 'POST', '/v1/passports', {
      token: tenant.key,
      body: { agent_id: agent.id, ttl_seconds: ceiling.max_ttl_seconds, checkpoint_interval_seconds: 3600, intent: { summary: 'bench dpop', services: ['slack'] }, bind_to_key: enrolled.key_id },
    });
    holders.push({ jti: passport.jti, token: passport.token, jwk, keyId: enrolled.key_id, privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }), privateKey });
  }
  return { key: tenant.key, holders };
}

/** One POST with the given headers; resolves { status, body }. */
function post(port, path, headers, body) {
  return new Promise((resolve, reject) => {
    const payload = Buffer.from(body);
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path, headers: { ...headers, 'content-type': 'application/json', 'content-length': payload.length } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(payload);
  });
}

/** The same proof the load generator signs, for the checks before the load. */
function proofFor(holder, htu) {
  const b64 = (text) => Buffer.from(text).toString('base64url');
  const ath = createHash('sha256').update(holder.token).digest('base64url');
  const input = `${b64(JSON.stringify({ alg: 'EdDSA', typ: 'dpop+jwt', jwk: holder.jwk }))}.${b64(JSON.stringify({ htm: 'POST', htu, iat: Math.floor(Date.now() / 1000), jti: randomUUID(), ath }))}`;
  return `${input}.${sign(null, Buffer.from(input), holder.privateKey).toString('base64url')}`;
}

/**
 * Before any load: a bound passport without a proof is refused (401), so a 2xx under load means its proof was
 * verified; with a proof it is accepted (201); the same proof again is refused as a replay.
 */
async function sanityChecks(server, holder) {
  const path = actionsPath(holder.jti);
  const body = JSON.stringify(toolCall(0));
  const without = await post(server.port, path, { authorization: `DPoP ${holder.token}` }, body);
  if (without.status !== 401) throw new Error(`a bound passport without a proof was answered ${without.status}, expected 401: ${without.body.slice(0, 300)}`);
  const proof = proofFor(holder, `http://127.0.0.1:${server.port}${path}`);
  const withProof = await post(server.port, path, { authorization: `DPoP ${holder.token}`, dpop: proof }, body);
  if (withProof.status !== 201) throw new Error(`a bound passport with a proof was answered ${withProof.status}, expected 201: ${withProof.body.slice(0, 500)}`);
  const replayed = await post(server.port, path, { authorization: `DPoP ${holder.token}`, dpop: proof }, body);
  if (replayed.status !== 401) throw new Error(`a replayed proof was answered ${replayed.status}, expected 401: ${replayed.body.slice(0, 300)}`);
}

const figuresOf = (m) => ({
  requests_per_s: m.ok_requests_per_s,
  p50_ms: m.latency_ms.p50,
  p99_ms: m.latency_ms.p99,
  server_cpu_us_per_request: m.server_cpu_us_per_request,
  server_main_thread_cpu_us_per_request: m.server_main_thread_cpu_us_per_request,
  load_generator_cpu_us_per_request: m.load_generator_cpu_us_per_request,
  machine_cpu_busy_pct: m.machine_cpu_busy_pct,
});

/**
 * `logging`: scenario 1's figures when it ran in this run; otherwise single-call logging with bearer passports is
 * measured here, on the main tenant's passports, just before the DPoP phase.
 */
async function scenarioDpopLogging(server, { bearerPassports, logging }) {
  const agents = PARAMS.dpop.agents;
  console.log(`\n[12] tool-call logging with DPoP-bound passports, 1 call per request, ${agents} agents, a fresh proof per request`);
  const fixture = await createDpopFixture(server);
  await sanityChecks(server, fixture.holders[0]);

  let bearer;
  if (logging && !logging.error) {
    bearer = { source: 'scenario 1 (tool_call_logging) of this run', ...figuresOf(logging.logging) };
  } else {
    const measured = await measure(server, 'single', bearerPassports, 'POST /actions (1 call), bearer passports, same-run baseline', false);
    bearer = { source: 'measured in this scenario (scenario 1 did not run)', ...figuresOf(measured), measurement: measured };
  }

  const body = JSON.stringify(toolCall(0));
  const job = (durationSec) => ({
    port: server.port,
    connections: PARAMS.connections,
    durationSec,
    method: 'POST',
    requests: fixture.holders.map((h) => ({
      path: actionsPath(h.jti),
      headers: { 'content-type': 'application/json', authorization: `DPoP ${h.token}` },
      body,
      dpop: { privateKeyPem: h.privateKeyPem, jwk: h.jwk, passport: h.token, htu: `http://127.0.0.1:${server.port}${actionsPath(h.jti)}` },
    })),
  });
  const dpop = await measure(server, job, null, 'POST /actions (1 call), DPoP-bound passports', OPTS.profile === 'dpop');
  // A refused proof is a broken benchmark, not a slow one: say what the server said.
  if (dpop.non_2xx > 0 || dpop.errors > 0 || dpop.timeouts > 0) {
    throw new Error(
      `DPoP logging: ${dpop.non_2xx} non-2xx (${JSON.stringify(dpop.status_counts)}), ${dpop.errors} errors, ${dpop.timeouts} timeouts; first problem: ${dpop.first_problem ? `${dpop.first_problem.status} ${dpop.first_problem.body}` : 'none recorded'}`,
    );
  }
  const extra = dpop.events_appended - dpop.responses_2xx;
  return {
    description:
      `POST /v1/passports/{jti}/actions with one tool call, ${PARAMS.connections} connections, each with its own agent's passport bound to that agent's enrolled Ed25519 key ` +
      '(Authorization: DPoP, a fresh EdDSA proof per request, signed by the load generator on the same cores); baseline: the same with bearer passports',
    load_generator_note: 'the load generator signs every proof itself (Ed25519, synchronously before each request): that costs client CPU on the same 2 cores as the server, so the DPoP req/s is held down by the client too',
    dpop,
    bearer,
    requests_per_s: dpop.ok_requests_per_s,
    p50_ms: dpop.latency_ms.p50,
    p99_ms: dpop.latency_ms.p99,
    server_cpu_us_per_request: dpop.server_cpu_us_per_request,
    server_main_thread_cpu_us_per_request: dpop.server_main_thread_cpu_us_per_request,
    load_generator_cpu_us_per_request: dpop.load_generator_cpu_us_per_request,
    dpop_signing_us_per_request: dpop.dpop_signing_us_per_request,
    errors: dpop.errors + dpop.timeouts,
    non_2xx: dpop.non_2xx,
    bearer_requests_per_s: bearer.requests_per_s,
    ratio_to_bearer: ratio(dpop.ok_requests_per_s, bearer.requests_per_s),
    // The same comparison in the server's CPU per answered request, steadier than req/s on a shared machine.
    cpu_ratio_bearer_to_dpop: ratio(bearer.server_cpu_us_per_request, dpop.server_cpu_us_per_request),
    added_server_cpu_us_per_request:
      dpop.server_cpu_us_per_request === undefined || bearer.server_cpu_us_per_request === undefined ? null : dpop.server_cpu_us_per_request - bearer.server_cpu_us_per_request,
    // One event per 201; a request in flight per connection at the stop may add one more, and the credential_burst
    // detector's warning and critical finding once per fresh passport (crossed during the measurement when it is slow).
    events_match_responses: extra >= 0 && extra <= PARAMS.connections + 2 * PARAMS.dpop.agents,
    events_beyond_counted_responses: extra,
  };
}

module.exports = { scenarioDpopLogging };
