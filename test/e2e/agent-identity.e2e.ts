/**
 * Agent identity: an agent's runtime holds its own Ed25519 key pair (the private half never leaves it), enrolls the
 * public half once with a token an operator gave it, opens its own missions within a ceiling, and proves possession of
 * its key on every use of its passports (DPoP, RFC 9449). A stolen passport is useless without the key.
 */
import { randomUUID } from 'crypto';
import { call, newTenant, Reply, Tenant } from './support/client';
import { AgentClient } from './support/agent-client';
import { MandateProcess, MandateServer } from './support/server';

let server: MandateServer;
let tenant: Tenant;

const send = (method: string, path: string, options: Parameters<typeof call>[3] = {}) => call(server, method, path, options);

const ceiling = { allowed_services: ['slack', 'github'], max_ttl_seconds: 900, max_concurrent_missions: 2 };

/** An agent registered by the operator with a ceiling, and a client enrolled for it: from here on, no operator key. */
async function enrolledAgent(withCeiling: Record<string, unknown> | null = ceiling): Promise<AgentClient> {
  const registered = await send('POST', '/v1/agents', { token: tenant.adminKey, body: { name: `self-${randomUUID().slice(0, 8)}`, accountability_mode: 'logged', ...(withCeiling ? { ceiling: withCeiling } : {}) } });
  expect(registered.status).toBe(201);
  const enrollment = await send('POST', `/v1/agents/${registered.body.id}/enrollments`, { token: tenant.adminKey, body: {} });
  expect(enrollment.status).toBe(201);
  const client = await AgentClient.create(server);
  const enrolled = await client.enroll(enrollment.body.token);
  expect(enrolled.status).toBe(201);
  expect(enrolled.body.key_id).toBe(client.keyId);
  return client;
}

async function openMission(client: AgentClient, body: Record<string, unknown> = {}): Promise<Reply> {
  return client.openMission({ ttl_seconds: 600, intent: { summary: 'triage tickets', services: ['slack'] }, ...body });
}

const refusalsOf = async (jti: string, position: number) =>
  (await tenant.audit(`?jti=${jti}&type=PassportUseRefused&wait_for_position=${position}`)).map((e) => e.code);

beforeAll(async () => {
  server = await MandateProcess.start();
  tenant = await newTenant(server, 'agent-identity');
});
afterAll(() => server?.stop());

it('given an enrolled agent, when it opens its own mission and works under it with proofs of its key, then every step is accepted and the passport is bound to the key', async () => {
  const agent = await enrolledAgent();
  const opened = await openMission(agent);
  expect(opened.status).toBe(201);
  const passport = opened.body.token as string;
  expect(opened.body.bound_key).toBe(agent.keyId);
  expect(JSON.parse(Buffer.from(passport.split('.')[1], 'base64url').toString()).cnf).toEqual({ jkt: agent.keyId });

  const jti = opened.body.jti;
  expect((await agent.use('POST', `/v1/passports/${jti}/actions`, passport, { service: 'slack', action: 'post', outcome: 'success' })).status).toBe(201);
  expect((await agent.use('POST', `/v1/passports/${jti}/checkpoint`, passport, { services_used: ['slack'], actions_count: 1, summary: 'one post' })).status).toBe(200);

  // Verify and introspection (a form, as RFC 7662 gateways send it) tell a downstream service what to check.
  const verified = await send('POST', '/v1/passports/verify', { body: { token: passport } });
  expect(verified.body).toMatchObject({ active: true, cnf: { jkt: agent.keyId } });
  const introspected = await fetch(`${server.url}/v1/passports/introspect`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: passport }) });
  expect(await introspected.json()).toMatchObject({ active: true, token_type: 'DPoP', client_id: agent.agentId, sub: agent.agentId, jti, scope: 'slack', cnf: { jkt: agent.keyId } });

  const checkedOut = await agent.use('POST', `/v1/passports/${jti}/checkout`, passport, { summary: 'done', outcome: 'success' });
  expect(checkedOut.status).toBe(200);
  const trail = await tenant.audit(`?jti=${jti}&wait_for_position=${checkedOut.body.position}`);
  expect(trail.map((e) => [e.type, e.actor.kind])).toEqual([
    ['PassportIssued', 'agent'],
    ['ToolCallLogged', 'passport'],
    ['CheckpointRecorded', 'passport'],
    ['MissionCheckedOut', 'passport'],
  ]);
});

describe('a bound passport without its key', () => {
  let agent: AgentClient;
  let passport: string;
  let jti: string;
  const actions = () => `/v1/passports/${jti}/actions`;
  const call1 = { service: 'slack', action: 'post', outcome: 'success' };

  beforeAll(async () => {
    agent = await enrolledAgent({ ...ceiling, max_concurrent_missions: 10 });
    const opened = await openMission(agent);
    passport = opened.body.token;
    jti = opened.body.jti;
  });

  it('given a stolen passport and no proof, then 401 DPOP_PROOF_MISSING with the DPoP challenge, recorded as a refused use', async () => {
    const stolen = await send('POST', actions(), { token: passport, body: call1 });
    expect([stolen.status, stolen.body.code]).toEqual([401, 'DPOP_PROOF_MISSING']);
    expect(stolen.headers.get('www-authenticate')).toBe('DPoP algs="EdDSA", error="invalid_dpop_proof"');
    expect(await refusalsOf(jti, stolen.body.position)).toContain('DPOP_PROOF_MISSING');
  });

  it('given a stolen passport, then every use needs the proof: intents, the gate, the proxy, checkpoint and checkout too', async () => {
    const uses: Array<[string, unknown]> = [
      ['/v1/intents', { named_intent: 'slack:post', target: 'slack', action: 'post', parameters: { url: 'https://slack.com/api/chat.postMessage', method: 'POST' }, reason: 'x' }],
      ['/v1/intents/simulate', { named_intent: 'slack:post', target: 'slack', action: 'post', parameters: { url: 'https://slack.com/api/chat.postMessage', method: 'POST' }, reason: 'x' }],
      ['/v1/intents/int_x/consume', { service: 'slack', method: 'POST', url: 'https://slack.com/api/chat.postMessage' }],
      ['/v1/proxy', { service: 'slack', method: 'POST', url: 'https://slack.com/api/chat.postMessage' }],
      [`/v1/passports/${jti}/checkpoint`, { services_used: ['slack'], actions_count: 1, summary: 'x' }],
      [`/v1/passports/${jti}/checkout`, { summary: 'x', outcome: 'success' }],
    ];
    for (const [path, body] of uses) {
      const reply = await send('POST', path, { token: passport, body });
      expect([path, reply.status, reply.body.code]).toEqual([path, 401, 'DPOP_PROOF_MISSING']);
    }
  });

  it("given the thief's own key, then 401 DPOP_KEY_MISMATCH, recorded", async () => {
    const thief = await AgentClient.create(server);
    const reply = await agent.use('POST', actions(), passport, call1, await thief.proof('POST', actions(), passport));
    expect([reply.status, reply.body.code]).toEqual([401, 'DPOP_KEY_MISMATCH']);
    expect(await refusalsOf(jti, reply.body.position)).toContain('DPOP_KEY_MISMATCH');
  });

  it('given a proof used twice, then the second is 401 DPOP_PROOF_REPLAYED', async () => {
    const proof = await agent.proof('POST', actions(), passport);
    expect((await agent.use('POST', actions(), passport, call1, proof)).status).toBe(201);
    const replayed = await agent.use('POST', actions(), passport, call1, proof);
    expect([replayed.status, replayed.body.code]).toEqual([401, 'DPOP_PROOF_REPLAYED']);
  });

  it('given a proof for another URL or another method, then 401 DPOP_PROOF_INVALID', async () => {
    const otherUrl = await agent.proof('POST', `/v1/passports/${jti}/checkout`, passport);
    expect((await agent.use('POST', actions(), passport, call1, otherUrl)).body.code).toBe('DPOP_PROOF_INVALID');
    const otherMethod = await agent.proof('GET', actions(), passport);
    expect((await agent.use('POST', actions(), passport, call1, otherMethod)).body.code).toBe('DPOP_PROOF_INVALID');
    const otherPassport = await agent.proof('POST', actions(), `${passport}x`);
    expect((await agent.use('POST', actions(), passport, call1, otherPassport)).body.code).toBe('DPOP_PROOF_INVALID');
  });

  it('given clock skew, then a proof 30 s old or 30 s ahead is accepted and one 2 minutes old is 401 DPOP_PROOF_STALE', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await agent.use('POST', actions(), passport, call1, await agent.proof('POST', actions(), passport, { iat: now - 30 }))).status).toBe(201);
    expect((await agent.use('POST', actions(), passport, call1, await agent.proof('POST', actions(), passport, { iat: now + 30 }))).status).toBe(201);
    const stale = await agent.use('POST', actions(), passport, call1, await agent.proof('POST', actions(), passport, { iat: now - 120 }));
    expect([stale.status, stale.body.code]).toEqual([401, 'DPOP_PROOF_STALE']);
  });

  it('given the key revoked by an operator, then the passports bound to it are revoked and a proof by it is refused', async () => {
    const second = await openMission(agent);
    const revoked = await send('POST', `/v1/agents/${agent.agentId}/keys/${agent.keyId}/revoke`, { token: tenant.adminKey, body: { reason: 'laptop lost' } });
    expect(revoked.status).toBe(200);
    expect(revoked.body.passports_revoked).toBe(2);
    const after = await agent.use('POST', `/v1/passports/${second.body.jti}/actions`, second.body.token, call1);
    expect(after.status).toBe(401);
    expect(['DPOP_KEY_REVOKED', 'PASSPORT_REVOKED']).toContain(after.body.code);
    // Nor can the key open missions any more.
    expect((await openMission(agent)).status).toBe(401);
    const keys = await send('GET', `/v1/agents/${agent.agentId}/keys`, { token: tenant.adminKey });
    expect(keys.body.keys).toEqual([{ key_id: agent.keyId, jwk: agent.publicJwk, enrolled_at: expect.any(String), status: 'revoked' }]);
  });
});

it("given an enforced agent's bound passport, when someone presents it with a proof from another key, then stolen_passport (critical) revokes it", async () => {
  const registered = await send('POST', '/v1/agents', { token: tenant.adminKey, body: { name: 'enforced-self', accountability_mode: 'enforced', ceiling } });
  const enrollment = await send('POST', `/v1/agents/${registered.body.id}/enrollments`, { token: tenant.adminKey, body: {} });
  const agent = await AgentClient.create(server);
  await agent.enroll(enrollment.body.token);
  const opened = await openMission(agent);
  const path = `/v1/passports/${opened.body.jti}/actions`;
  const thief = await AgentClient.create(server);
  const stolen = await agent.use('POST', path, opened.body.token, { service: 'slack', action: 'post' }, await thief.proof('POST', path, opened.body.token));
  expect(stolen.body.code).toBe('DPOP_KEY_MISMATCH');
  const findings = await send('GET', `/v1/security-events?jti=${opened.body.jti}&wait_for_position=${stolen.body.position}`, { token: tenant.adminKey });
  expect(findings.body.security_events).toEqual([expect.objectContaining({ signal: 'stolen_passport', severity: 'critical', revoked: true })]);
  // The revocation is the passport service's to write (in distributed mode, from the detector's command): await it.
  const deadline = Date.now() + 15_000;
  let status = '';
  while (status !== 'revoked' && Date.now() < deadline) status = (await send('GET', `/v1/passports/${opened.body.jti}`, { token: tenant.adminKey })).body.status;
  expect(status).toBe('revoked');
  // The owner's next use, with its own key, finds the passport revoked.
  const owner = await agent.use('POST', path, opened.body.token, { service: 'slack', action: 'post' });
  expect([owner.status, owner.body.code]).toEqual([401, 'PASSPORT_REVOKED']);
});

describe("the agent's own key opens missions within its ceiling, and nothing else", () => {
  it('given more services, a longer TTL or more missions at once than allowed, then 403 AGENT_CEILING_EXCEEDED naming each, recorded', async () => {
    const agent = await enrolledAgent();
    const services = await openMission(agent, { intent: { summary: 'x', services: ['slack', 'stripe'] } });
    expect([services.status, services.body.code, services.body.exceeded]).toEqual([403, 'AGENT_CEILING_EXCEEDED', ['services']]);
    const ttl = await openMission(agent, { ttl_seconds: 1800 });
    expect(ttl.body.exceeded).toEqual(['ttl']);
    expect((await openMission(agent)).status).toBe(201);
    expect((await openMission(agent)).status).toBe(201);
    const third = await openMission(agent);
    expect(third.body.exceeded).toEqual(['concurrent_missions']);
    // The first refusal of the minute is stored; the repeats are answered the same without growing the history.
    const refused = (await tenant.audit(`?agent_id=${agent.agentId}&type=AgentMissionRefused&wait_for_position=${services.body.position}`));
    expect(refused.map((e) => [e.code, e.what.exceeded])).toEqual([['AGENT_CEILING_EXCEEDED', ['services']]]);
  });

  it('given an agent without a ceiling, then it may open nothing itself (no_ceiling)', async () => {
    const agent = await enrolledAgent(null);
    const reply = await openMission(agent);
    expect([reply.status, reply.body.exceeded]).toEqual([403, ['no_ceiling']]);
  });

  it('given an assertion, then other agents, keys and the audit are closed to it, and it opens missions for itself only', async () => {
    const agent = await enrolledAgent();
    for (const [method, path] of [['GET', '/v1/agents'], ['GET', '/v1/audit'], ['POST', '/v1/keys'], ['GET', `/v1/agents/${agent.agentId}`]]) {
      const reply = await agent.send(method, path, { token: await agent.assertion(), body: method === 'POST' ? { name: 'x', role: 'admin' } : undefined });
      expect([path, reply.status, reply.body.code]).toEqual([path, 403, 'FORBIDDEN']);
    }
    const other = await send('POST', '/v1/agents', { token: tenant.adminKey, body: { name: 'someone-else', ceiling } });
    const forOther = await agent.send('POST', '/v1/passports', { token: await agent.assertion(), body: { agent_id: other.body.id, intent: { summary: 'x', services: ['slack'] } } });
    expect([forOther.status, forOther.body.code]).toEqual([403, 'FORBIDDEN']);
  });

  it('given an assertion used twice, too long-lived, for another audience or expired, then 401', async () => {
    const agent = await enrolledAgent();
    const body = { agent_id: agent.agentId, ttl_seconds: 300, intent: { summary: 'x', services: ['slack'] } };
    const assertion = await agent.assertion();
    expect((await agent.send('POST', '/v1/passports', { token: assertion, body })).status).toBe(201);
    expect((await agent.send('POST', '/v1/passports', { token: assertion, body })).status).toBe(401);
    const now = Math.floor(Date.now() / 1000);
    expect((await agent.send('POST', '/v1/passports', { token: await agent.assertion({ exp: now + 3600 }), body })).status).toBe(401);
    expect((await agent.send('POST', '/v1/passports', { token: await agent.assertion({ aud: 'https://elsewhere.example' }), body })).status).toBe(401);
    expect((await agent.send('POST', '/v1/passports', { token: await agent.assertion({ iat: now - 3000, exp: now - 2950 }), body })).status).toBe(401);
  });
});

describe('enrollment tokens', () => {
  async function tokenFor(agentId: string, body: Record<string, unknown> = {}): Promise<string> {
    const reply = await send('POST', `/v1/agents/${agentId}/enrollments`, { token: tenant.adminKey, body });
    expect(reply.status).toBe(201);
    return reply.body.token;
  }

  it('given a token used once, when it is used again, then 409 ENROLLMENT_TOKEN_USED, even with another key', async () => {
    const agentId = await tenant.agent('logged', 'enroll-twice');
    const token = await tokenFor(agentId);
    expect((await (await AgentClient.create(server)).enroll(token)).status).toBe(201);
    const again = await (await AgentClient.create(server)).enroll(token);
    expect([again.status, again.body.code]).toEqual([409, 'ENROLLMENT_TOKEN_USED']);
  });

  it('given a token past its expiry, then 401 ENROLLMENT_TOKEN_EXPIRED', async () => {
    const agentId = await tenant.agent('logged', 'enroll-late');
    const reply = await send('POST', `/v1/agents/${agentId}/enrollments`, { token: tenant.adminKey, body: { expires_in_seconds: 1 } });
    // The token's own expiry is the event waited for.
    const expiresAt = Date.parse(reply.body.expires_at);
    while (Date.now() <= expiresAt) await new Promise((resolve) => setTimeout(resolve, expiresAt - Date.now() + 5));
    const late = await (await AgentClient.create(server)).enroll(reply.body.token);
    expect([late.status, late.body.code]).toEqual([401, 'ENROLLMENT_TOKEN_EXPIRED']);
  });

  it("given another tenant's token, or a token with its secret changed, then 401 ENROLLMENT_TOKEN_INVALID", async () => {
    const other = await newTenant(server, 'agent-identity-other');
    const otherAgent = await other.agent('logged', 'theirs');
    const mine = await tenant.agent('logged', 'mine');
    const token = await tokenFor(mine);
    const [prefix, , , enrollmentId, secret] = token.split('.');
    const moved = [prefix, other.tenantId, otherAgent, enrollmentId, secret].join('.');
    const client = await AgentClient.create(server);
    expect((await client.enroll(moved)).body.code).toBe('ENROLLMENT_TOKEN_INVALID');
    const tampered = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
    expect((await client.enroll(tampered)).body.code).toBe('ENROLLMENT_TOKEN_INVALID');
    expect((await client.enroll(token)).status).toBe(201);
  });

  it('given enrollment, then the audit holds the token created and the key enrolled, never the token itself', async () => {
    const agentId = await tenant.agent('logged', 'audited');
    const token = await tokenFor(agentId);
    const client = await AgentClient.create(server);
    const enrolled = await client.enroll(token);
    const trail = await tenant.audit(`?agent_id=${agentId}&wait_for_position=${enrolled.body.position}`);
    expect(trail.map((e) => e.type)).toEqual(['AgentRegistered', 'EnrollmentTokenCreated', 'AgentKeyEnrolled']);
    const exported = await send('GET', '/v1/audit/export', { token: tenant.adminKey });
    expect(String(exported.body).includes(token.split('.')[4])).toBe(false);
  });
});
