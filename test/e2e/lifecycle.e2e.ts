import { createRemoteJWKSet, jwtVerify, decodeJwt } from 'jose';
import { call, newTenant, Tenant } from './support/client';
import { MandateProcess, MandateServer } from './support/server';
import { SseClient } from './support/sse';

describe('a mission from passport to audit, over HTTP against the real process', () => {
  let server: MandateServer;
  let acme: Tenant;
  let stream: SseClient;

  beforeAll(async () => {
    server = await MandateProcess.start();
    acme = await newTenant(server, 'acme');
    stream = await SseClient.open(server, acme.adminKey);
  });
  afterAll(async () => {
    stream?.close();
    await server?.stop();
  });

  describe('agents', () => {
    it('registers an agent in enforced mode by default, gets it, lists it and changes its mode', async () => {
      const registered = await call(server, 'POST', '/v1/agents', { token: acme.adminKey, body: { name: 'triage', description: 'support triage' } });
      expect(registered.status).toBe(201);
      expect(registered.body).toMatchObject({ name: 'triage', accountability_mode: 'enforced', status: 'active' });
      const id = registered.body.id;
      expect(id).toMatch(/^agt_/);

      expect((await call(server, 'GET', `/v1/agents/${id}`, { token: acme.adminKey })).body).toMatchObject({ id, description: 'support triage' });
      const list = await call(server, 'GET', '/v1/agents', { token: acme.adminKey });
      expect(list.body.agents.map((a: { id: string }) => a.id)).toContain(id);

      const changed = await call(server, 'PATCH', `/v1/agents/${id}`, { token: acme.adminKey, body: { accountability_mode: 'logged' } });
      expect(changed.status).toBe(200);
      expect(changed.body.accountability_mode).toBe('logged');
      const audit = await acme.audit(`?agent_id=${id}&wait_for_position=${changed.body.position}`);
      expect(audit.map((e) => e.type)).toEqual(['AgentRegistered', 'AccountabilityModeChanged']);
    });

    it('paginates the agent list with a cursor', async () => {
      const other = await newTenant(server, 'paging');
      const ids = [];
      for (let i = 0; i < 5; i++) ids.push(await other.agent('standard', `agent-${i}`));
      const first = await call(server, 'GET', '/v1/agents?limit=3', { token: other.adminKey });
      const second = await call(server, 'GET', `/v1/agents?limit=3&cursor=${first.body.next_cursor}`, { token: other.adminKey });
      expect([...first.body.agents, ...second.body.agents].map((a: { id: string }) => a.id).sort()).toEqual([...ids].sort());
      expect(second.body.next_cursor).toBeNull();
    });
  });

  describe('passports', () => {
    it('issues a passport that a downstream service verifies with the published JWKS and OIDC discovery', async () => {
      const agentId = await acme.agent('enforced');
      const passport = await acme.passport(agentId, { ttl_seconds: 1800, checkpoint_interval_seconds: 120 });
      const discovery = await call(server, 'GET', '/.well-known/openid-configuration');
      expect(discovery.body.jwks_uri).toMatch(/\/\.well-known\/jwks\.json$/);
      const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
      const { payload, protectedHeader } = await jwtVerify(passport.token, jwks, { issuer: discovery.body.issuer, audience: 'mandate' });
      expect(protectedHeader).toMatchObject({ alg: 'EdDSA', kid: expect.any(String) });
      expect(payload).toMatchObject({ sub: agentId, jti: passport.jti, tid: acme.tenantId, mission_id: passport.mission_id, services: ['slack'], accountability_mode: 'enforced' });
      // Enforced mode: the token lives one checkpoint interval, the mission lives its TTL.
      expect((payload.exp as number) - (payload.iat as number)).toBe(120);
      expect((payload.mission_exp as number) - (payload.iat as number)).toBe(1800);
    });

    it('refuses an enforced or logged agent with no stated intent: 422 ACCOUNTABILITY_REQUIRED, nothing stored', async () => {
      for (const mode of ['enforced', 'logged'] as const) {
        const agentId = await acme.agent(mode);
        const res = await call(server, 'POST', '/v1/passports', { token: acme.adminKey, body: { agent_id: agentId } });
        expect(res.status).toBe(422);
        expect(res.body.code).toBe('ACCOUNTABILITY_REQUIRED');
        expect(await acme.audit(`?agent_id=${agentId}&type=PassportIssued`)).toEqual([]);
      }
      const standard = await acme.agent('standard');
      expect((await call(server, 'POST', '/v1/passports', { token: acme.adminKey, body: { agent_id: standard } })).status).toBe(201);
    });

    it('returns the same mission for a retried idempotency key, and refuses the key for a different request', async () => {
      const agentId = await acme.agent('enforced');
      const body = { agent_id: agentId, intent: { summary: 'refund ticket 4821', services: ['stripe'] } };
      const first = await call(server, 'POST', '/v1/passports', { token: acme.adminKey, body, headers: { 'idempotency-key': 'run-4821' } });
      const retry = await call(server, 'POST', '/v1/passports', { token: acme.adminKey, body, headers: { 'idempotency-key': 'run-4821' } });
      expect(first.status).toBe(201);
      expect(retry.status).toBe(200);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(retry.body).toMatchObject({ jti: first.body.jti, mission_id: first.body.mission_id, token: first.body.token });
      const other = await call(server, 'POST', '/v1/passports', {
        token: acme.adminKey,
        body: { ...body, intent: { summary: 'something else', services: ['stripe'] } },
        headers: { 'idempotency-key': 'run-4821' },
      });
      expect(other.status).toBe(409);
      expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(await acme.audit(`?agent_id=${agentId}&type=PassportIssued`)).toHaveLength(1);
    });

    it('runs a whole mission: calls, a batch, a checkpoint that renews the leash, checkout, and refuses and records use after checkout', async () => {
      // 101 calls in a second is a credential burst that revokes an enforced agent by default; this mission is about
      // the lifecycle, so its tenant allows the volume (the detector suites test the burst).
      const settings = await call(server, 'PUT', '/v1/detectors/settings', {
        token: acme.adminKey,
        body: { burst: { max_uses: 1000, window_seconds: 30 }, actions: { scope_drift: 'revoke', post_checkout_access: 'flag', credential_burst: 'revoke', checkpoint_silence: 'flag', intent_mismatch: 'revoke' } },
      });
      expect(settings.status).toBe(200);
      const agentId = await acme.agent('enforced');
      const passport = await acme.passport(agentId, { checkpoint_interval_seconds: 60 });
      const { jti, token } = passport;

      const one = await call(server, 'POST', `/v1/passports/${jti}/actions`, { token, body: { service: 'slack', action: 'chat.postMessage', target: '#support', outcome: 'success' } });
      expect(one.status).toBe(201);
      expect(one.body).toMatchObject({ jti, logged: 1 });
      const batch = await call(server, 'POST', `/v1/passports/${jti}/actions`, {
        token,
        body: { calls: Array.from({ length: 100 }, (_, i) => ({ service: 'slack', action: 'reactions.add', target: `msg-${i}`, outcome: 'success' })) },
      });
      expect(batch.body.logged).toBe(100);

      const checkpoint = await call(server, 'POST', `/v1/passports/${jti}/checkpoint`, { token, body: { services_used: ['slack'], actions_count: 101, summary: 'acknowledged tickets' } });
      expect(checkpoint.status).toBe(200);
      const refreshed = decodeJwt(checkpoint.body.token);
      expect(refreshed.jti).toBe(jti);
      expect(refreshed.exp! - Math.floor(Date.parse(checkpoint.body.checkpoint_due_at) / 1000)).toBeLessThanOrEqual(0);
      expect(refreshed.exp!).toBeGreaterThanOrEqual(decodeJwt(token).exp!);
      expect(refreshed.exp!).toBeLessThanOrEqual(refreshed.mission_exp as number);

      const verified = await call(server, 'POST', '/v1/passports/verify', { body: { token: checkpoint.body.token } });
      expect(verified.body).toMatchObject({ active: true, claims: { jti, sub: agentId } });

      const checkout = await call(server, 'POST', `/v1/passports/${jti}/checkout`, { token, body: { summary: 'all tickets acknowledged', outcome: 'success' } });
      expect(checkout.body).toMatchObject({ status: 'checked_out', outcome: 'success' });

      const after = await call(server, 'POST', `/v1/passports/${jti}/actions`, { token, body: { service: 'github', action: 'repos.delete' } });
      expect(after.status).toBe(401);
      expect(after.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(after.body.code).toBe('PASSPORT_CHECKED_OUT');
      const verifyAfter = await call(server, 'POST', '/v1/passports/verify', { body: { token } });
      expect(verifyAfter.body).toEqual({ active: false, reason: 'checked_out', jti });
      // Anyone may verify: the first refused verify is recorded, repeats do not grow the history.
      for (let i = 0; i < 5; i++) expect((await call(server, 'POST', '/v1/passports/verify', { body: { token } })).body.reason).toBe('checked_out');

      const trail = await acme.audit(`?jti=${jti}&limit=1000&wait_for_position=${after.body.position}`);
      const types = trail.map((e) => e.type);
      // One call is one fact; a batch is one command and one fact holding its 100 calls.
      expect(types.filter((t) => t === 'ToolCallLogged')).toHaveLength(1);
      expect(types.filter((t) => t === 'ToolCallsLogged')).toHaveLength(1);
      expect((await call(server, 'GET', `/v1/passports/${jti}`, { token: acme.adminKey })).body.actions_logged).toBe(101);
      expect(types.slice(0, 1)).toEqual(['PassportIssued']);
      expect(types).toContain('CheckpointRecorded');
      expect(types).toContain('MissionCheckedOut');
      const refusals = trail.filter((e) => e.type === 'PassportUseRefused');
      expect(refusals.map((r) => [r.outcome, r.code])).toEqual([['refused', 'PASSPORT_CHECKED_OUT'], ['refused', 'PASSPORT_CHECKED_OUT']]);
      expect(refusals).toHaveLength(2);
      expect(refusals[0]).toMatchObject({ agent_id: agentId, jti, mission_id: passport.mission_id, actor: { kind: 'passport', id: jti } });
    });

    it('a passport of a logged agent is not refreshed at checkpoint: its token already lives the whole mission', async () => {
      const passport = await acme.passport(await acme.agent('logged'));
      const checkpoint = await call(server, 'POST', `/v1/passports/${passport.jti}/checkpoint`, { token: passport.token, body: {} });
      expect(checkpoint.status).toBe(200);
      expect(checkpoint.body.token).toBeUndefined();
      expect(checkpoint.body.expires_at).toBe(passport.expires_at);
    });
  });

  describe('the kill switch', () => {
    it('revokes one passport: verify answers revoked, use is refused and recorded, the stream carries it with who and why', async () => {
      const agentId = await acme.agent('enforced');
      const passport = await acme.passport(agentId);
      const revoke = await call(server, 'POST', `/v1/passports/${passport.jti}/revoke`, { token: acme.adminKey, body: { reason: 'off-script' } });
      expect(revoke.status).toBe(200);
      expect((await call(server, 'POST', '/v1/passports/verify', { body: { token: passport.token } })).body).toMatchObject({ active: false, reason: 'revoked' });
      const use = await call(server, 'POST', `/v1/passports/${passport.jti}/checkpoint`, { token: passport.token, body: {} });
      expect([use.status, use.body.code]).toEqual([401, 'PASSPORT_REVOKED']);
      const frame = await stream.next((e) => e.data.jti === passport.jti);
      expect(frame.event).toBe('revocation');
      expect(frame.data).toMatchObject({ agent_id: agentId, mission_id: passport.mission_id, reason: 'off-script', scope: 'passport', exp: passport.expires_at });
      expect(frame.data.revoked_by.kind).toBe('operator');
      const again = await call(server, 'POST', `/v1/passports/${passport.jti}/revoke`, { token: acme.adminKey, body: { reason: 'again' } });
      expect(again.body.already_revoked).toBe(true);
    });

    it('revokes every passport of an agent, and only that agent', async () => {
      const agentId = await acme.agent('enforced');
      const bystander = await acme.passport(await acme.agent('enforced'));
      const passports = [await acme.passport(agentId), await acme.passport(agentId), await acme.passport(agentId)];
      const res = await call(server, 'POST', `/v1/agents/${agentId}/revoke`, { token: acme.adminKey, body: { reason: 'compromised' } });
      expect(res.body.revoked).toBe(3);
      expect(res.body.jtis.sort()).toEqual(passports.map((p) => p.jti).sort());
      for (const p of passports) {
        expect((await stream.next((e) => e.data.jti === p.jti)).data).toMatchObject({ scope: 'agent', reason: 'compromised' });
        expect((await call(server, 'POST', '/v1/passports/verify', { body: { token: p.token } })).body.active).toBe(false);
      }
      expect((await call(server, 'POST', '/v1/passports/verify', { body: { token: bystander.token } })).body.active).toBe(true);
    });

    it('suspending an agent revokes its passports and refuses new ones', async () => {
      const agentId = await acme.agent('enforced');
      const passport = await acme.passport(agentId);
      const suspended = await call(server, 'PATCH', `/v1/agents/${agentId}`, { token: acme.adminKey, body: { status: 'suspended', reason: 'incident 7' } });
      expect(suspended.body.status).toBe('suspended');
      expect((await stream.next((e) => e.data.jti === passport.jti)).data.reason).toBe('incident 7');
      const refused = await call(server, 'POST', '/v1/passports', { token: acme.adminKey, body: { agent_id: agentId, intent: { summary: 'x', services: ['slack'] } } });
      expect([refused.status, refused.body.code]).toEqual([403, 'AGENT_SUSPENDED']);
      await call(server, 'PATCH', `/v1/agents/${agentId}`, { token: acme.adminKey, body: { status: 'active' } });
      expect((await call(server, 'POST', '/v1/passports', { token: acme.adminKey, body: { agent_id: agentId, intent: { summary: 'x', services: ['slack'] } } })).status).toBe(201);
    });

    it('revokes every passport of the tenant (admin only), and not another tenant’s', async () => {
      const tenant = await newTenant(server, 'kill-all');
      const neighbour = await newTenant(server, 'neighbour');
      const theirs = await neighbour.passport(await neighbour.agent('enforced'));
      const mine = [await tenant.passport(await tenant.agent('enforced')), await tenant.passport(await tenant.agent('logged'))];
      const operatorKey = await tenant.key('operator');
      expect((await call(server, 'POST', '/v1/revocations/all', { token: operatorKey, body: { reason: 'breach' } })).status).toBe(403);
      const res = await call(server, 'POST', '/v1/revocations/all', { token: tenant.adminKey, body: { reason: 'breach' } });
      expect(res.body.revoked).toBe(2);
      for (const p of mine) expect((await call(server, 'POST', '/v1/passports/verify', { body: { token: p.token } })).body.reason).toBe('revoked');
      expect((await call(server, 'POST', '/v1/passports/verify', { body: { token: theirs.token } })).body.active).toBe(true);
    });
  });

  describe('tenants are isolated', () => {
    it("another tenant's key sees nothing of this tenant: agents, passports, audit, revocations", async () => {
      const agentId = await acme.agent('enforced');
      const passport = await acme.passport(agentId);
      const intruder = await newTenant(server, 'intruder');
      expect((await call(server, 'GET', `/v1/agents/${agentId}`, { token: intruder.adminKey })).status).toBe(404);
      expect((await call(server, 'GET', `/v1/passports/${passport.jti}`, { token: intruder.adminKey })).status).toBe(404);
      expect((await call(server, 'POST', `/v1/passports/${passport.jti}/revoke`, { token: intruder.adminKey, body: { reason: 'x' } })).status).toBe(404);
      expect((await call(server, 'POST', `/v1/agents/${agentId}/revoke`, { token: intruder.adminKey, body: {} })).status).toBe(404);
      expect((await call(server, 'POST', '/v1/passports', { token: intruder.adminKey, body: { agent_id: agentId, intent: { summary: 'x', services: ['slack'] } } })).status).toBe(404);
      const theirAudit = await intruder.audit(`?jti=${passport.jti}`);
      expect(theirAudit).toEqual([]);
      const theirExport = await call(server, 'GET', '/v1/audit/export', { token: intruder.adminKey });
      expect(theirExport.body).not.toContain(acme.tenantId);
      expect((await call(server, 'POST', '/v1/passports/verify', { body: { token: passport.token } })).body.active).toBe(true);
    });
  });

  describe('audit', () => {
    it('filters by agent, passport, mission, type and time, pages with a cursor, and exports raw NDJSON with chain links', async () => {
      const tenant = await newTenant(server, 'audited');
      const agentId = await tenant.agent('logged');
      const before = new Date().toISOString();
      const passport = await tenant.passport(agentId);
      let position = 0;
      for (let i = 0; i < 7; i++) {
        position = (await call(server, 'POST', `/v1/passports/${passport.jti}/actions`, { token: passport.token, body: { service: 'slack', action: `step-${i}` } })).body.position;
      }
      const calls = await tenant.audit(`?type=ToolCallLogged&mission_id=${passport.mission_id}&wait_for_position=${position}`);
      expect(calls).toHaveLength(7);
      expect(calls.every((e) => e.agent_id === agentId && e.jti === passport.jti && e.outcome === 'ok')).toBe(true);
      expect(await tenant.audit(`?agent_id=${agentId}&from=${encodeURIComponent(before)}`)).toHaveLength(8);
      expect(await tenant.audit(`?agent_id=${agentId}&to=${encodeURIComponent(before)}`)).toHaveLength(1);

      const page1 = await call(server, 'GET', `/v1/audit?jti=${passport.jti}&limit=5`, { token: tenant.adminKey });
      const page2 = await call(server, 'GET', `/v1/audit?jti=${passport.jti}&limit=5&cursor=${page1.body.next_cursor}`, { token: tenant.adminKey });
      expect(page1.body.entries).toHaveLength(5);
      expect(page2.body.entries).toHaveLength(3);
      expect(page2.body.next_cursor).toBeNull();

      const auditor = await tenant.key('auditor');
      const exported = await call(server, 'GET', '/v1/audit/export', { token: auditor });
      expect(exported.status).toBe(200);
      expect(exported.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
      const lines = (exported.body as string).trim().split('\n').map((l) => JSON.parse(l));
      expect(lines.map((l) => l.type)).toEqual(['TenantCreated', 'OperatorKeyCreated', 'AgentRegistered', 'PassportIssued', ...Array(7).fill('ToolCallLogged'), 'OperatorKeyCreated']);
      expect(lines.every((l) => l.tenantId === tenant.tenantId && /^[0-9a-f]{64}$/.test(l.chainHash))).toBe(true);
      expect(lines[4].data).toMatchObject({ service: 'slack', action: 'step-0', jti: passport.jti });
      expect(JSON.stringify(lines)).not.toMatch(/mdt\.[^"]+\.[^"]+\.[A-Za-z0-9_-]{43}/);

      expect((await call(server, 'GET', '/v1/audit/verify', { token: auditor })).body).toEqual({ ok: true, checked: 12, first_break: null });
      expect((await call(server, 'GET', '/v1/audit', { token: await tenant.key('operator') })).status).toBe(403);
    });
  });
});
