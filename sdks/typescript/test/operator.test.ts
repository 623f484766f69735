/**
 * The operator's surface against a real Mandate: agents, passports and the kill switch, the approval queue,
 * policies, services, findings and the audit, each answer typed from the server's contract.
 */
import { randomUUID } from 'crypto';
import {
  AgentSuspended,
  AlreadyDecided,
  ApprovalConsumed,
  ApprovalRejected,
  ApprovalRequired,
  CallMismatch,
  Mandate,
  NotFound,
  PassportRevoked,
  Unauthenticated,
  ValidationFailed,
  type IntentCall,
} from '../src';
import { Drain, newTenant, startWorld, stopWorld, Tenant, World } from './support/world';

let world: World;
let tenant: Tenant;

beforeAll(async () => {
  world = await startWorld();
  tenant = await newTenant(world, 'operators');
});

afterAll(() => stopWorld(world));

const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
};

it('given agents registered with a ceiling, when the operator lists, reads and changes them, then every agent is listed once across pages and each change is what a read says', async () => {
  // given
  const { operator } = await newTenant(world, 'listing');
  const ids: string[] = [];
  for (const name of ['a', 'b', 'c', 'd', 'e']) ids.push((await operator.agents.register(`bot-${name}`, { allowedServices: ['echo'], maxTtlSeconds: 900 })).id);
  // when
  const listed = await collect(operator.agents.list({ pageSize: 2 }));
  await operator.agents.setMode(ids[0]!, 'enforced');
  await operator.agents.setCeiling(ids[0]!, { allowedServices: ['echo', 'slack'], maxConcurrentMissions: 2 });
  // then
  expect(listed.map((a) => a.id).sort()).toEqual([...ids].sort());
  expect(await operator.agents.get(ids[0]!)).toMatchObject({
    accountability_mode: 'enforced',
    ceiling: { allowed_services: ['echo', 'slack'], max_ttl_seconds: 3600, max_concurrent_missions: 2 },
  });
  await expect(operator.agents.get('agt_missing')).rejects.toBeInstanceOf(NotFound);
});

it('given an agent on a mission, when the operator suspends it, then its passport is revoked and no mission opens for it until reinstated', async () => {
  // given
  const agent = await tenant.agent();
  const m = await agent.mission({ intent: 'work', services: ['echo'] });
  // when
  await tenant.operator.agents.suspend(agent.agentId!, { reason: 'drill' });
  // then
  await expect(m.flush().then(() => m.report({ service: 'echo', action: 'after suspension' }))).rejects.toBeInstanceOf(PassportRevoked);
  // A suspended agent's own assertion is not accepted at all; an operator is told why.
  await expect(agent.mission({ intent: 'again', services: ['echo'] })).rejects.toBeInstanceOf(Unauthenticated);
  await expect(tenant.operator.passports.issue(agent.agentId!, { intent: 'again', services: ['echo'] })).rejects.toBeInstanceOf(AgentSuspended);
  await tenant.operator.agents.reinstate(agent.agentId!);
  await agent.withMission({ intent: 'back at work', services: ['echo'] }, () => undefined);
});

it("given an agent's passports, when the operator pulls the kill switches (a passport, an agent, the tenant), then verify says each is revoked", async () => {
  // given
  const { operator } = await newTenant(world, 'kill-switch');
  const agentId = (await operator.agents.register('bot', { allowedServices: ['echo'] })).id;
  const issue = () => operator.passports.issue(agentId, { intent: 'work', services: ['echo'], ttlSeconds: 600 });
  const [one, two, three] = [await issue(), await issue(), await issue()];
  // when / then
  expect(await operator.passports.verify(one.token)).toMatchObject({ active: true, claims: { jti: one.jti } });
  await operator.passports.revoke(one.jti, { reason: 'one' });
  expect(await operator.passports.verify(one.token)).toMatchObject({ active: false, reason: 'revoked' });
  expect(await operator.passports.get(one.jti)).toMatchObject({ status: 'revoked', revoked: { reason: 'one' } });
  const byAgent = await operator.agents.revoke(agentId, { reason: 'agent' });
  expect(byAgent.jtis.sort()).toEqual([two.jti, three.jti].sort());
  const again = await issue();
  expect((await operator.passports.revokeAll('tenant-wide drill')).jtis).toEqual([again.jti]);
  // An idempotency key answers a retried issue with the same passport.
  const key = randomUUID();
  const first = await operator.passports.issue(agentId, { intent: 'keyed', services: ['echo'], idempotencyKey: key });
  expect((await operator.passports.issue(agentId, { intent: 'keyed', services: ['echo'], idempotencyKey: key })).jti).toBe(first.jti);
  // An enforced agent's mission must say what it is for.
  await expect(operator.passports.issue(agentId)).rejects.toMatchObject({ status: 422, code: 'ACCOUNTABILITY_REQUIRED' });
});

it("given an agent's enrolled key and a passport bound to it, when the operator revokes the key, then the passport is revoked with it", async () => {
  // given
  const agent = await tenant.agent();
  const m = await agent.mission({ intent: 'work', services: ['echo'] });
  const [key] = (await tenant.operator.agents.keys(agent.agentId!)).keys;
  // when
  await tenant.operator.agents.revokeKey(agent.agentId!, key!.key_id, { reason: 'laptop lost' });
  // then
  expect(await tenant.operator.passports.verify(m.token)).toMatchObject({ active: false, reason: 'revoked' });
  // The key itself is refused first: no proof it signs is accepted any more.
  await expect(m.close()).rejects.toMatchObject({ name: 'KeyRevoked', code: 'DPOP_KEY_REVOKED' });
});

describe('approvals', () => {
  let approvals: Tenant;
  let agent: Mandate;
  const url = () => `${world.upstream.origin}/echo`;
  const refund = (): IntentCall => ({ namedIntent: 'refund', service: 'echo', url: url(), method: 'POST', body: { charge: 'ch_1', amount: 4200 }, reason: 'duplicate charge' });

  beforeAll(async () => {
    approvals = await newTenant(world, 'approvals');
    // Intents wait for a person; a proxied POST to echo needs an approval.
    await approvals.operator.policies.replace({
      default: 'require_approval',
      rules: [{ name: 'echo-writes', match: { service: 'echo', method: 'POST' }, decision: 'require_approval' }],
    });
    agent = await approvals.agent();
  });

  it('given the policy, when the operator reads it, then it is the one replaced', async () => {
    expect(await approvals.operator.policies.get()).toMatchObject({ default: 'require_approval', rules: [{ name: 'echo-writes', decision: 'require_approval' }] });
    const refused = await approvals.operator.policies.replace({ default: 'maybe' as 'deny' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ValidationFailed);
    expect((refused as ValidationFailed).errors.map((e) => e.field)).toEqual(['default']);
  });

  it('given a gated call, when the agent submits it, a person approves and the agent calls, then the exact call passes once; a changed one is CallMismatch, a replay ApprovalConsumed', async () => {
    await agent.withMission({ intent: 'refunds', services: ['echo'] }, async (m) => {
      // given
      await expect(m.proxy({ service: 'echo', url: url(), method: 'POST', body: refund().body })).rejects.toBeInstanceOf(ApprovalRequired);
      const key = randomUUID();
      const submitted = await m.intents.submit({ ...refund(), idempotencyKey: key });
      expect(submitted.status).toBe('pending');
      // when: the same keyed submit waits for the decision; the person finds it in the queue, once
      const waiting = m.intents.submitAndWait({ ...refund(), idempotencyKey: key });
      const queued = (await collect(approvals.operator.intents.pending())).filter((i) => i.jti === m.jti);
      expect(queued.map((i) => i.id)).toEqual([submitted.id]);
      expect(await approvals.operator.intents.get(submitted.id)).toMatchObject({ id: submitted.id, status: 'pending', named_intent: 'refund' });
      await approvals.operator.intents.approve(submitted.id, { note: 'ok' });
      const approved = await waiting;
      // then
      expect(approved).toMatchObject({ id: submitted.id, status: 'approved', approval_id: expect.stringMatching(/^apr_/) });
      const changed = await m.proxy({ service: 'echo', url: url(), method: 'POST', body: { charge: 'ch_1', amount: 999999 }, approvalId: approved.approval_id! }).catch((e: unknown) => e);
      expect(changed).toBeInstanceOf(CallMismatch);
      expect(changed).toMatchObject({ problem: { gate_reason: 'call_mismatch' } });
      const passed = await m.proxy({ service: 'echo', url: url(), method: 'POST', body: refund().body, approvalId: approved.approval_id! });
      expect(passed).toMatchObject({ ok: true, body: { authorized: true, body: '{"charge":"ch_1","amount":4200}' } });
      await expect(m.proxy({ service: 'echo', url: url(), method: 'POST', body: refund().body, approvalId: approved.approval_id! })).rejects.toBeInstanceOf(ApprovalConsumed);
      await expect(approvals.operator.intents.approve(submitted.id)).rejects.toBeInstanceOf(AlreadyDecided);
    });
  });

  it('given an intent a person rejects, when the agent waits for it, then ApprovalRejected is thrown with the note', async () => {
    await agent.withMission({ intent: 'refunds', services: ['echo'] }, async (m) => {
      const submitted = await m.intents.submit(refund());
      const waiting = m.intents.wait(submitted.id);
      await approvals.operator.intents.reject(submitted.id, { note: 'not a duplicate' });
      await expect(waiting).rejects.toThrow(ApprovalRejected);
      await expect(m.intents.wait(submitted.id)).rejects.toThrow(/not a duplicate/);
    });
  });

  it('given a pending intent, when the agent waits with an AbortSignal that fires, then the long poll is cancelled at once', async () => {
    await agent.withMission({ intent: 'refunds', services: ['echo'] }, async (m) => {
      const submitted = await m.intents.submit(refund());
      const controller = new AbortController();
      const waiting = m.intents.wait(submitted.id, { signal: controller.signal });
      controller.abort();
      await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
      expect(await m.intents.simulate(refund())).toMatchObject({ decision: 'require_approval' });
    });
  });
});

it('given services registered for the proxy, when the operator lists and removes one, then the list follows and no secret is ever answered', async () => {
  const { operator } = await newTenant(world, 'services');
  const written = await operator.services.register('stripe', { hosts: ['api.stripe.com'], secret: 'sk_live_never_answered', presentation: { kind: 'basic' } });
  expect(JSON.stringify(written)).not.toContain('sk_live_never_answered');
  expect((await operator.services.list()).services.map((s) => s.name).sort()).toEqual(['echo', 'stripe']);
  await operator.services.remove('stripe');
  expect((await operator.services.list()).services.map((s) => s.name)).toEqual(['echo']);
});

it('given a passport used after checkout, when the detector raises it, then the operator finds it on the findings stream and in the list, and resolves it', async () => {
  // given
  const { operator, agent: makeAgent } = await newTenant(world, 'findings');
  const following = new AbortController();
  const stream = new Drain(operator.findingsStream({ signal: following.signal }));
  const agent = await makeAgent({ mode: 'logged' });
  const m = await agent.mission({ intent: 'work', services: ['echo'] });
  await m.close();
  // when: a downstream service asks about the spent passport
  expect(await operator.passports.verify(m.token)).toMatchObject({ active: false, reason: 'checked_out' });
  // then
  const [raised] = await stream.count(1);
  expect(raised).toMatchObject({ event: 'security_event', data: { signal: 'post_checkout_access', jti: m.jti, status: 'open' } });
  expect(raised!.position).toBe(Number(raised!.id));
  const listed = await collect(operator.findings.list({ jti: m.jti, detectorSignal: 'post_checkout_access', waitForPosition: raised!.position }));
  expect(listed.map((f) => f.id)).toEqual([raised!.data.id]);
  const resolved = await operator.findings.resolve(raised!.data.id, 'a downstream cache, not an attack');
  expect(resolved).toMatchObject({ status: 'resolved' });
  expect((await operator.findings.get(raised!.data.id)).resolution).toMatchObject({ note: 'a downstream cache, not an attack' });
  following.abort();
  await stream.done;
  expect(stream.error).toMatchObject({ name: 'AbortError' });
});

it("given a mission's history, when the auditor queries, exports and verifies it, then the entries, the raw events in order and the chain all agree", async () => {
  // given
  const { operator, agent: makeAgent } = await newTenant(world, 'audit');
  const agent = await makeAgent();
  const jti = await agent.withMission({ intent: 'work', services: ['echo'] }, (m) => (m.log({ service: 'echo', action: 'read' }), m.jti));
  const checkedOut = await operator.passports.get(jti);
  // when
  const entries = await collect(operator.audit.query({ jti, pageSize: 1 }));
  const exported = await collect(operator.audit.export());
  const after = exported[1]!.position;
  const resumed = await collect(operator.audit.export({ afterPosition: after }));
  // then
  expect(entries.map((e) => e.type)).toEqual(expect.arrayContaining(['PassportIssued', 'ToolCallLogged', 'MissionCheckedOut']));
  expect(checkedOut.status).toBe('checked_out');
  const positions = exported.map((e) => e.position);
  expect(positions).toEqual([...positions].sort((a, b) => a - b));
  expect(resumed).toEqual(exported.filter((e) => e.position > after));
  expect(await operator.audit.verify()).toMatchObject({ ok: true, first_break: null });
});
