/**
 * What the console reads that nothing else did: the approval queue as a feed (GET /v1/intents/stream) and the missions
 * list (GET /v1/missions). Both are read models of the shared stream, so the suite runs in both topologies.
 */
import { call, newTenant, Tenant } from './support/client';
import { MandateProcess, MandateServer } from './support/server';
import { SseClient } from './support/sse';

let server: MandateServer;
let acme: Tenant;

beforeAll(async () => {
  server = await MandateProcess.start();
  acme = await newTenant(server, 'queue-and-missions');
});
afterAll(() => server?.stop());

const QUEUE = '/v1/intents/stream';

/** Logged mode: a rejection in enforced mode would also revoke the passport, ending the agent's submissions. */
async function refundPassport(tenant: Tenant, name = 'refund-bot', mode: 'standard' | 'logged' | 'enforced' = 'logged') {
  const agentId = await tenant.agent(mode, name);
  const passport = await tenant.passport(agentId, { intent: { summary: 'refund duplicate charges', services: ['stripe'] } });
  return { agentId, ...passport };
}

async function submit(token: string, reason = 'charged twice'): Promise<string> {
  const reply = await call(server, 'POST', '/v1/intents', {
    token,
    body: {
      named_intent: 'stripe:refunds:create', target: 'stripe', action: 'POST /v1/refunds',
      parameters: { url: 'https://api.stripe.com/v1/refunds', method: 'POST', body: { charge: 'ch_1', amount: 4200 } },
      reason, expires_in: 3600,
    },
  });
  expect([reply.status, reply.body?.status, reply.body?.code]).toEqual([201, 'pending', undefined]);
  return reply.body.id;
}

async function decide(intentId: string, verdict: 'approve' | 'reject', key = acme.adminKey): Promise<void> {
  const reply = await call(server, 'POST', `/v1/intents/${intentId}/${verdict}`, { token: key, body: { note: verdict } });
  expect(reply.status).toBe(200);
}

describe('the approval queue as a feed', () => {
  it('given a pending and a decided intent, when an approver subscribes, then it gets the pending one, and then each submission, approval and decision as it commits, at its state', async () => {
    const bot = await refundPassport(acme);
    const decided = await submit(bot.token, 'already decided');
    await decide(decided, 'reject');
    const waiting = await submit(bot.token, 'waiting');
    const approver = await acme.key('approver');

    const feed = await SseClient.open(server, approver, undefined, QUEUE);
    expect(feed.status).toBe(200);
    await feed.next((e) => e.data.id === waiting);
    const fresh = await submit(bot.token, 'new');
    expect((await feed.next((e) => e.data.id === fresh)).data).toMatchObject({ status: 'pending', agent_id: bot.agentId, jti: bot.jti, approvals: { given: 0, required: 1 } });
    await decide(waiting, 'approve', approver);
    expect((await feed.next((e) => e.data.id === waiting && e.data.status !== 'pending')).data.status).toBe('approved');
    feed.close();

    expect(feed.events.map((e) => e.event)).toEqual(['intent', 'intent', 'intent']);
    expect(feed.events.map((e) => [e.data.id, e.data.status])).toEqual([[waiting, 'pending'], [fresh, 'pending'], [waiting, 'approved']]);
    const ids = feed.events.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it('given a subscriber that dropped, when intents change while it is away, then resuming with its last id gives each changed intent once, as it stands now, and nothing it had seen', async () => {
    const tenant = await newTenant(server, 'queue-resume');
    const bot = await refundPassport(tenant);
    const seenBefore = await submit(bot.token, 'seen before');
    const first = await SseClient.open(server, tenant.adminKey, undefined, QUEUE);
    const last = await first.next((e) => e.data.id === seenBefore);
    first.close();

    // Away: one intent is submitted and decided (two changes), another submitted; the one seen is approved.
    const submittedAndRejected = await submit(bot.token, 'gone while away');
    await decide(submittedAndRejected, 'reject', tenant.adminKey);
    const stillPending = await submit(bot.token, 'pending');
    await decide(seenBefore, 'approve', tenant.adminKey);

    const resumed = await SseClient.open(server, tenant.adminKey, last.id, QUEUE);
    await resumed.next((e) => e.data.id === seenBefore);
    resumed.close();
    expect(resumed.events.map((e) => [e.data.id, e.data.status])).toEqual([
      [submittedAndRejected, 'rejected'],
      [stillPending, 'pending'],
      [seenBefore, 'approved'],
    ]);
  });

  it('given two tenants, when one submits, then only its own subscribers hear of it; an agent may not subscribe at all', async () => {
    const other = await newTenant(server, 'queue-other');
    const otherFeed = await SseClient.open(server, other.adminKey, undefined, QUEUE);
    const bot = await refundPassport(acme, 'isolated-bot');
    const mine = await SseClient.open(server, acme.adminKey, undefined, QUEUE);
    const intentId = await submit(bot.token);
    await mine.next((e) => e.data.id === intentId);
    // The other tenant's feed is asked to prove a negative: a submission of its own, after ours, arrives first.
    const otherBot = await refundPassport(other);
    const theirs = await submit(otherBot.token);
    await otherFeed.next((e) => e.data.id === theirs);
    expect(otherFeed.events.map((e) => e.data.id)).toEqual([theirs]);
    mine.close();
    otherFeed.close();

    const asAgent = await SseClient.open(server, bot.token, undefined, QUEUE);
    expect(asAgent.status).toBe(403);
  });

  it('given a Last-Event-ID that is no position, then the feed answers 422 problem details and opens nothing', async () => {
    const reply = await call(server, 'GET', QUEUE, { token: acme.adminKey, headers: { 'last-event-id': 'yesterday' } });
    expect([reply.status, reply.body.code]).toEqual([422, 'VALIDATION_FAILED']);
  });
});

describe('the missions list', () => {
  it('given missions of agents in two modes, one checked out and one revoked, then the list filters by agent, status and mode, newest first, and pages with its cursor', async () => {
    const tenant = await newTenant(server, 'missions');
    const refund = await tenant.agent('enforced', 'refund-bot');
    const triage = await tenant.agent('logged', 'triage-bot');
    const open = await tenant.passport(refund, { intent: { summary: 'refund duplicate charges', services: ['stripe'] } });
    const done = await tenant.passport(refund);
    const revoked = await tenant.passport(triage);
    expect((await call(server, 'POST', `/v1/passports/${done.jti}/checkout`, { token: done.token, body: { summary: 'done', outcome: 'success' } })).status).toBe(200);
    expect((await call(server, 'POST', `/v1/passports/${revoked.jti}/revoke`, { token: tenant.adminKey, body: { reason: 'off-script' } })).status).toBe(200);
    const list = async (query = '') => {
      const reply = await call(server, 'GET', `/v1/missions${query}`, { token: tenant.adminKey });
      expect(reply.status).toBe(200);
      return reply.body as { missions: Array<Record<string, any>>; next_cursor: string | null };
    };

    const all = await list();
    expect(all.missions.map((m) => [m.jti, m.agent.name, m.accountability_mode, m.status])).toEqual([
      [revoked.jti, 'triage-bot', 'logged', 'revoked'],
      [done.jti, 'refund-bot', 'enforced', 'checked_out'],
      [open.jti, 'refund-bot', 'enforced', 'active'],
    ]);
    expect(all.missions[2]).toMatchObject({ mission_id: open.mission_id, summary: 'refund duplicate charges', services: ['stripe'], agent: { id: refund } });
    expect(all.next_cursor).toBeNull();
    expect((await list(`?agent_id=${refund}`)).missions.map((m) => m.jti)).toEqual([done.jti, open.jti]);
    expect((await list('?status=active')).missions.map((m) => m.jti)).toEqual([open.jti]);
    expect((await list('?mode=logged')).missions.map((m) => m.jti)).toEqual([revoked.jti]);
    expect((await list('?status=expired')).missions).toEqual([]);

    const first = await list('?limit=2');
    expect(first.missions.map((m) => m.jti)).toEqual([revoked.jti, done.jti]);
    expect((await list(`?limit=2&cursor=${first.next_cursor}`)).missions.map((m) => m.jti)).toEqual([open.jti]);
  });

  it('given every role of the tenant, then each may list; an agent may not, and another tenant sees none of them', async () => {
    const tenant = await newTenant(server, 'missions-roles');
    const bot = await refundPassport(tenant);
    for (const role of ['operator', 'approver', 'auditor'] as const) {
      const reply = await call(server, 'GET', '/v1/missions', { token: await tenant.key(role) });
      expect([role, reply.status, reply.body.missions.map((m: { jti: string }) => m.jti)]).toEqual([role, 200, [bot.jti]]);
    }
    expect((await call(server, 'GET', '/v1/missions', { token: bot.token })).status).toBe(403);
    const stranger = await newTenant(server, 'missions-stranger');
    expect((await call(server, 'GET', '/v1/missions', { token: stranger.adminKey })).body.missions).toEqual([]);
  });

  it.each([
    ['an unknown status', '?status=paused', 'status'],
    ['an unknown mode', '?mode=strict', 'mode'],
    ['an agent id that is none', '?agent_id=bob', 'agent_id'],
    ['a cursor that is no position', '?cursor=abc', 'cursor'],
    ['a limit past 500', '?limit=501', 'limit'],
    ['a parameter it does not take', '?sort=asc', 'sort'],
  ])('given %s, then 422 problem details name the parameter', async (_what, query, field) => {
    const reply = await call(server, 'GET', `/v1/missions${query}`, { token: acme.adminKey });
    expect([reply.status, reply.body.code]).toEqual([422, 'VALIDATION_FAILED']);
    expect(JSON.stringify(reply.body.errors)).toContain(field);
  });
});
