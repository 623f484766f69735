/**
 * The one write path, seen from outside: the approval gate is atomic with the call it opens, a passport has one
 * revocation however it is revoked, and a finding is resolved once however many operators race. Runs in both
 * topologies; nothing sleeps — outcomes are read back at the positions the writes answered with.
 */
import { call, newTenant, Tenant } from './support/client';
import { MandateProcess, MandateServer } from './support/server';
import { SseClient } from './support/sse';

let server: MandateServer;
let acme: Tenant;

beforeAll(async () => {
  server = await MandateProcess.start();
  acme = await newTenant(server, 'write-path');
});
afterAll(() => server?.stop());

const REFUND = { url: 'https://api.stripe.com/v1/refunds', method: 'POST', body: { charge: 'ch_1', amount: 4200 } };

/** Every event of the tenant in the audit export, each with its envelope. */
async function exported(): Promise<Array<Record<string, any>>> {
  const res = await call(server, 'GET', '/v1/audit/export', { token: acme.adminKey });
  expect(res.status).toBe(200);
  return String(res.body).trim().split('\n').map((line) => JSON.parse(line));
}

/** A logged agent's stripe mission with one approved refund intent. */
async function approvedRefund(approver: string) {
  const passport = await acme.passport(await acme.agent('logged', 'refund-bot'), { intent: { summary: 'refunds', services: ['stripe'] } });
  const intent = await call(server, 'POST', '/v1/intents', {
    token: passport.token,
    body: { named_intent: 'stripe:refunds:create', target: 'stripe', action: 'POST /v1/refunds', parameters: REFUND, reason: 'duplicate charge' },
  });
  expect(intent.status).toBe(201);
  const approved = await call(server, 'POST', `/v1/intents/${intent.body.id}/approve`, { token: approver, body: { note: 'ok' } });
  expect(approved.body.status).toBe('approved');
  return { passport, intentId: intent.body.id as string, approvalId: approved.body.approval_id as string };
}

describe('the gate is atomic with what it gates', () => {
  let approver: string;
  beforeAll(async () => (approver = await acme.key('approver')));

  it('given a gated tool call racing a revocation of its passport, then in every round the approval is spent exactly when the call is recorded', async () => {
    const rounds = 12;
    const outcomes: string[] = [];
    for (let round = 0; round < rounds; round++) {
      const { passport, intentId, approvalId } = await approvedRefund(approver);
      const [logged, revoked] = await Promise.all([
        call(server, 'POST', `/v1/passports/${passport.jti}/actions`, {
          token: passport.token,
          body: { service: 'stripe', action: 'refunds.create', approval_id: approvalId, request: REFUND, outcome: 'success' },
        }),
        call(server, 'POST', `/v1/passports/${passport.jti}/revoke`, { token: acme.adminKey, body: { reason: `race ${round}` } }),
      ]);
      expect(revoked.status).toBe(200);
      expect([201, 401]).toContain(logged.status);
      const intent = await call(server, 'GET', `/v1/intents/${intentId}`, { token: acme.adminKey });
      const passportNow = await call(server, 'GET', `/v1/passports/${passport.jti}`, { token: acme.adminKey });
      // Whichever came first: a recorded call spent the approval, a refused one left it unspent.
      expect({ consumed: intent.body.consumed, actions: passportNow.body.actions_logged }).toEqual(
        logged.status === 201 ? { consumed: true, actions: 1 } : { consumed: false, actions: 0 },
      );
      outcomes.push(logged.status === 201 ? 'recorded' : 'refused');
    }
    expect(outcomes).toHaveLength(rounds);
  });

  it('given an approved intent and a passport revoked before the call, when the gated call is sent, then it is refused, the refusal recorded and the approval left unspent', async () => {
    const { passport, intentId, approvalId } = await approvedRefund(approver);
    await call(server, 'POST', `/v1/passports/${passport.jti}/revoke`, { token: acme.adminKey, body: { reason: 'before the call' } });
    const logged = await call(server, 'POST', `/v1/passports/${passport.jti}/actions`, {
      token: passport.token,
      body: { service: 'stripe', action: 'refunds.create', approval_id: approvalId, request: REFUND },
    });
    expect([logged.status, logged.body.code]).toEqual([401, 'PASSPORT_REVOKED']);
    const intent = await call(server, 'GET', `/v1/intents/${intentId}`, { token: acme.adminKey });
    expect(intent.body.consumed).toBe(false);
    const events = (await exported()).filter((e) => e.data?.jti === passport.jti);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['PassportRevoked', 'PassportUseRefused']));
    expect(events.map((e) => e.type)).not.toContain('ApprovalConsumed');
    expect(events.map((e) => e.type)).not.toContain('ToolCallLogged');
  });

  it('given a gated call that the gate lets through, then the consumption and the call are one commit: consecutive positions, one correlation', async () => {
    const { passport, approvalId } = await approvedRefund(approver);
    const logged = await call(server, 'POST', `/v1/passports/${passport.jti}/actions`, {
      token: passport.token,
      body: { service: 'stripe', action: 'refunds.create', approval_id: approvalId, request: REFUND, outcome: 'success' },
    });
    expect(logged.status).toBe(201);
    const events = (await exported()).filter((e) => e.data?.jti === passport.jti && ['ToolCallLogged', 'ApprovalConsumed'].includes(e.type));
    expect(events.map((e) => e.type)).toEqual(['ApprovalConsumed', 'ToolCallLogged']);
    expect(events[1].position - events[0].position).toBe(1);
    expect(events[0].correlationId).toBe(events[1].correlationId);
    expect(logged.body.position).toBe(events[1].position);
  });
});

describe('one revocation path', () => {
  it('given an enforced agent whose call leaves its mission, then the detector revocation names the finding as its correlation and cause, whichever process applied it', async () => {
    const stream = await SseClient.open(server, acme.adminKey);
    try {
      const passport = await acme.passport(await acme.agent('enforced', 'drifter'));
      const offending = await call(server, 'POST', `/v1/passports/${passport.jti}/actions`, { token: passport.token, body: { service: 'github', action: 'repos.delete' } });
      expect(offending.status).toBe(201);
      const findings = await call(server, 'GET', `/v1/security-events?jti=${passport.jti}&wait_for_position=${offending.body.position}`, { token: acme.adminKey });
      const [finding] = findings.body.security_events;
      expect(finding).toMatchObject({ signal: 'scope_drift', revoked: true });
      // The revocation lands a moment after the finding (distributed: from the command topic or the finding itself).
      await stream.next((e) => e.data.jti === passport.jti);
      const revoked = (await exported()).filter((e) => e.type === 'PassportRevoked' && e.data.jti === passport.jti);
      expect(revoked).toHaveLength(1);
      expect(revoked[0]).toMatchObject({ actor: { kind: 'detector', id: 'scope_drift' }, correlationId: finding.id, causationId: finding.id });
    } finally {
      stream.close();
    }
  });

  it('given an enforced agent whose intent a person rejects, then its passport is revoked with the rejection as the cause, in the same correlation', async () => {
    const approver = await acme.key('approver');
    const passport = await acme.passport(await acme.agent('enforced', 'asker'), { intent: { summary: 'refunds', services: ['stripe'] } });
    const intent = await call(server, 'POST', '/v1/intents', {
      token: passport.token,
      body: { named_intent: 'stripe:refunds:create', target: 'stripe', action: 'POST /v1/refunds', parameters: REFUND, reason: 'please' },
    });
    const rejected = await call(server, 'POST', `/v1/intents/${intent.body.id}/reject`, { token: approver, body: { note: 'no' } });
    expect(rejected.body.status).toBe('rejected');
    const events = await exported();
    const rejection = events.find((e) => e.type === 'IntentRejected' && e.data.intentId === intent.body.id)!;
    const revocation = events.find((e) => e.type === 'PassportRevoked' && e.data.jti === passport.jti)!;
    expect(revocation).toMatchObject({ causationId: rejection.id, correlationId: rejection.correlationId, actor: rejection.actor });
  });

  it('given an agent suspended with two live passports, then both are revoked, each naming the suspension as its cause', async () => {
    const agentId = await acme.agent('logged', 'suspendee');
    const first = await acme.passport(agentId);
    const second = await acme.passport(agentId);
    const suspended = await call(server, 'PATCH', `/v1/agents/${agentId}`, { token: acme.adminKey, body: { status: 'suspended', reason: 'investigation' } });
    expect(suspended.body.status).toBe('suspended');
    const events = await exported();
    const suspension = events.find((e) => e.type === 'AgentSuspended' && e.data.agentId === agentId)!;
    const revocations = events.filter((e) => e.type === 'PassportRevoked' && [first.jti, second.jti].includes(e.data.jti));
    expect(revocations).toHaveLength(2);
    for (const r of revocations) expect(r).toMatchObject({ causationId: suspension.id, correlationId: suspension.correlationId, data: { scope: 'agent', reason: 'investigation' } });
  });
});

describe('a finding is resolved once', () => {
  it('given two operators resolving the same finding at once, then exactly one succeeds and the other gets 409 ALREADY_RESOLVED', async () => {
    const passport = await acme.passport(await acme.agent('logged', 'wanderer'));
    const offending = await call(server, 'POST', `/v1/passports/${passport.jti}/actions`, { token: passport.token, body: { service: 'github', action: 'repos.list' } });
    const findings = await call(server, 'GET', `/v1/security-events?jti=${passport.jti}&wait_for_position=${offending.body.position}`, { token: acme.adminKey });
    const findingId = findings.body.security_events[0].id;
    const operator = await acme.key('operator');
    const answers = await Promise.all(
      [acme.adminKey, operator, acme.adminKey, operator].map((token, i) => call(server, 'POST', `/v1/security-events/${findingId}/resolve`, { token, body: { note: `resolution ${i}` } })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409]);
    expect(answers.filter((a) => a.status === 409).map((a) => a.body.code)).toEqual(['ALREADY_RESOLVED', 'ALREADY_RESOLVED', 'ALREADY_RESOLVED']);
    const resolutions = (await exported()).filter((e) => e.type === 'SecurityEventResolved' && e.data.findingId === findingId);
    expect(resolutions).toHaveLength(1);
  });

  it('given a finding id of another tenant, when it is resolved, then NOT_FOUND and nothing is stored', async () => {
    const other = await newTenant(server, 'neighbour');
    const passport = await other.passport(await other.agent('logged', 'theirs'));
    const offending = await call(server, 'POST', `/v1/passports/${passport.jti}/actions`, { token: passport.token, body: { service: 'github', action: 'repos.list' } });
    const theirs = await call(server, 'GET', `/v1/security-events?wait_for_position=${offending.body.position}`, { token: other.adminKey });
    const answer = await call(server, 'POST', `/v1/security-events/${theirs.body.security_events[0].id}/resolve`, { token: acme.adminKey, body: { note: 'not mine' } });
    expect([answer.status, answer.body.code]).toEqual([404, 'NOT_FOUND']);
    expect((await exported()).filter((e) => e.type === 'SecurityEventResolved' && e.data.findingId === theirs.body.security_events[0].id)).toEqual([]);
  });
});

describe('the audit says what happened', () => {
  it('given a tool call and a revocation, when the audit is queried, then the call names its service, action, target and outcome, and the revocation its reason and who', async () => {
    const passport = await acme.passport(await acme.agent('logged', 'narrated'));
    await call(server, 'POST', `/v1/passports/${passport.jti}/actions`, { token: passport.token, body: { service: 'slack', action: 'chat.postMessage', target: '#support', outcome: 'success' } });
    const revoked = await call(server, 'POST', `/v1/passports/${passport.jti}/revoke`, { token: acme.adminKey, body: { reason: 'done for today' } });
    const audit = await call(server, 'GET', `/v1/audit?jti=${passport.jti}&wait_for_position=${revoked.body.position}`, { token: acme.adminKey });
    const byType = Object.fromEntries(audit.body.entries.map((e: { type: string }) => [e.type, e]));
    expect(byType.ToolCallLogged.what).toEqual({ call: 'reported', service: 'slack', action: 'chat.postMessage', target: '#support', outcome: 'success' });
    expect(byType.PassportRevoked).toMatchObject({ actor: { kind: 'operator' }, what: { reason: 'done for today', scope: 'passport' } });
  });
});
