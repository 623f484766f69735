'use strict';
// Tenants, agents and passports for the scenarios, made over HTTP like any client would (untimed).

const { ADMIN_KEY } = require('./harness');
const { expectStatus } = require('./lib');

async function createTenant(server, name) {
  const tenant = await expectStatus(201, server.port, 'POST', '/v1/tenants', { token: ADMIN_KEY, body: { name } });
  return { tenantId: tenant.tenant_id, key: tenant.admin_key.key };
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
