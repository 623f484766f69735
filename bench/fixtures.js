'use strict';
// Tenants, agents and passports for the scenarios, made over HTTP like any client would (untimed).

const { ADMIN_KEY } = require('./harness');
const { expectStatus } = require('./lib');

/**
 * A tenant whose passports may log as fast as this instance allows (PUT /v1/limits to the maxima): the scenarios
 * measure throughput, and 32 agents at bench rates exceed the default of 6,000 requests a minute per passport.
 */
async function createTenant(server, name) {
  const tenant = await expectStatus(201, server.port, 'POST', '/v1/tenants', { token: ADMIN_KEY, body: { name } });
  const key = tenant.admin_key.key;
  const { maxima } = await expectStatus(200, server.port, 'GET', '/v1/limits', { token: key });
  await expectStatus(200, server.port, 'PUT', '/v1/limits', { token: key, body: maxima });
  return { tenantId: tenant.tenant_id, key };
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

module.exports = { createTenant, createAgent, issuePassport };
