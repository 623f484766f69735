/**
 * Intents and approvals, over HTTP against the real process: an agent states the one risky call it is about to make,
 * the tenant's policy auto-approves it, queues it for people or denies it, and the approval opens the gate once, for
 * the passport it was given to, for exactly the call approved. Every outcome is a fact in the audit.
 *
 * Nothing here sleeps: expiry is awaited by long-polling the intent (the server records the expiry at the deadline),
 * and "no revocation happened" is proven with a later revocation on the same ordered stream.
 */
import { call, newTenant, Reply, Tenant } from './support/client';
import { ADMIN_KEY, MandateProcess, MandateServer } from './support/server';
import { SseClient } from './support/sse';
import { expectProblem } from './support/problems';

type Issued = Awaited<ReturnType<Tenant['passport']>>;
type Mode = 'enforced' | 'logged';

const REFUND_URL = 'https://api.stripe.com/v1/refunds';
/** The call a person approves: a refund of 42.00 EUR on one charge, with a nested body so canonical digests matter. */
const refundCall = () => ({
  url: REFUND_URL,
  method: 'POST',
  body: { charge: 'ch_4821', amount: 4200, currency: 'eur', metadata: { ticket: 'T-4821', reason: 'duplicate' } },
});
const refundIntent = (overrides: Record<string, unknown> = {}) => ({
  named_intent: 'stripe:refunds:create',
  target: 'stripe',
  action: 'POST /v1/refunds',
  parameters: refundCall(),
  amount: { value: 42, currency: 'EUR' },
  reason: 'Customer was charged twice on ticket 4821',
  ...overrides,
});
/** The consume body for the refund call: the call shape the agent is about to send. */
const refundConsume = (overrides: Record<string, unknown> = {}) => ({ service: 'stripe', ...refundCall(), amount: { value: 42, currency: 'EUR' }, ...overrides });

const keyIdOf = (key: string) => key.split('.')[2];

let server: MandateServer;

async function send(method: string, path: string, options: Parameters<typeof call>[3] = {}): Promise<Reply> {
  return call(server, method, path, options);
}


/** An agent of the tenant with a live passport for a stripe mission. */
async function refundBot(tenant: Tenant, mode: Mode = 'enforced', name = 'refund-bot'): Promise<Issued & { agentId: string }> {
  const agentId = await tenant.agent(mode, name);
  const passport = await tenant.passport(agentId, { ttl_seconds: 3600, intent: { summary: 'refund duplicate charges', services: ['stripe'] } });
  return { agentId, ...passport };
}

async function submit(passport: Issued, body: Record<string, unknown> = refundIntent()): Promise<Reply> {
  return send('POST', '/v1/intents', { token: passport.token, body: { expires_in: 3600, ...body } });
}

/** Submits and expects the intent to be stored (201). */
async function submitted(passport: Issued, body?: Record<string, unknown>): Promise<Record<string, any>> {
  const reply = await submit(passport, body);
  expect([reply.status, reply.body?.code]).toEqual([201, undefined]);
  return reply.body;
}

const approve = (key: string, intentId: string, note?: string) => send('POST', `/v1/intents/${intentId}/approve`, { token: key, body: note === undefined ? {} : { note } });
const reject = (key: string, intentId: string, note?: string) => send('POST', `/v1/intents/${intentId}/reject`, { token: key, body: note === undefined ? {} : { note } });
const consume = (passport: Issued, intentId: string, body: Record<string, unknown> = refundConsume()) =>
  send('POST', `/v1/intents/${intentId}/consume`, { token: passport.token, body });
const getIntent = (token: string, intentId: string, wait?: number) => send('GET', `/v1/intents/${intentId}${wait === undefined ? '' : `?wait=${wait}`}`, { token });

async function putPolicy(tenant: Tenant, policy: Record<string, unknown>): Promise<Reply> {
  const reply = await send('PUT', '/v1/policies/intents', { token: tenant.adminKey, body: policy });
  expect(reply.status).toBe(200);
  return reply;
}

/** The audit of one passport from a position on, once the audit holds that position. */
async function trail(tenant: Tenant, jti: string, position: number) {
  return tenant.audit(`?jti=${jti}&limit=1000&wait_for_position=${position}`);
}

async function storeHead(): Promise<number> {
  const ready = await send('GET', '/readyz');
  expect(ready.status).toBe(200);
  return ready.body.head;
}

beforeAll(async () => {
  server = await MandateProcess.start();
});
afterAll(async () => {
  await server?.stop();
});

// ---------------------------------------------------------------------------------------------------------------

describe('policy decides what waits for people', () => {
  it('given a rule that auto-approves refunds up to 50 EUR, when the agent asks for 42 EUR and for exactly 50, then both are approved at once by that rule; 50.01 waits for a person', async () => {
    const acme = await newTenant(server, 'auto-approve');
    const policy = {
      default: 'require_approval',
      rules: [{ name: 'small-refunds', match: { named_intent: 'stripe:refunds:*', currency: 'EUR', amount_max: 50 }, decision: 'auto_approve' }],
    };
    const put = await putPolicy(acme, policy);
    expect(put.body).toMatchObject({ ...policy, default_approvals: 1 });
    const read = await send('GET', '/v1/policies/intents', { token: await acme.key('approver') });
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ ...policy, default_approvals: 1 });

    const bot = await refundBot(acme);
    const small = await submitted(bot, refundIntent({ amount: { value: 42, currency: 'EUR' } }));
    expect(small).toMatchObject({
      status: 'approved',
      approval_id: small.id.replace(/^int_/, 'apr_'),
      approvals: { required: 0, given: [] },
      decision: { by: { kind: 'policy', id: 'small-refunds' } },
      consumed: false,
    });
    expect(small.id).toMatch(/^int_/);
    expect(small.retry_after_seconds).toBeUndefined();
    const boundary = await submitted(bot, refundIntent({ amount: { value: 50, currency: 'EUR' } }));
    expect(boundary.status).toBe('approved');
    const over = await submitted(bot, refundIntent({ amount: { value: 50.01, currency: 'EUR' } }));
    expect(over).toMatchObject({ status: 'pending', approval_id: null, approvals: { required: 1, given: [] }, decision: null });

    // An auto-approved intent is a real approval: the exact call opens the gate.
    expect((await consume(bot, small.id)).body).toMatchObject({ consumed: true, approval_id: small.approval_id, intent_id: small.id });

    const audit = await trail(acme, bot.jti, over.position);
    expect(audit.filter((e) => e.type.startsWith('Intent')).map((e) => e.type)).toEqual([
      'IntentSubmitted',
      'IntentAutoApproved',
      'IntentSubmitted',
      'IntentAutoApproved',
      'IntentSubmitted',
    ]);
    expect(audit.find((e) => e.type === 'IntentAutoApproved')).toMatchObject({ agent_id: bot.agentId, mission_id: bot.mission_id, outcome: 'ok' });
  });

  it('given the default policy, when the agent submits, then the intent waits for one person, is in the queue, and a person approves it with a note', async () => {
    const acme = await newTenant(server, 'one-approver');
    const approver = await acme.key('approver');
    const bot = await refundBot(acme);
    expect((await send('GET', '/v1/policies/intents', { token: acme.adminKey })).body).toEqual({ default: 'require_approval', default_approvals: 1, rules: [] });

    const intent = await submitted(bot, refundIntent({ expires_in: undefined, estimated_cost: { api_calls: 1 } }));
    expect(intent).toMatchObject({
      status: 'pending',
      named_intent: 'stripe:refunds:create',
      target: 'stripe',
      action: 'POST /v1/refunds',
      amount: { value: 42, currency: 'EUR' },
      agent_id: bot.agentId,
      jti: bot.jti,
      mission_id: bot.mission_id,
      approvals: { required: 1, given: [] },
      approval_id: null,
      decision: null,
      consumed: false,
      retry_after_seconds: expect.any(Number),
      position: expect.any(Number),
    });
    // The default window is 300 s.
    expect(Date.parse(intent.expires_at) - Date.parse(intent.submitted_at)).toBe(300_000);
    // The intent travels as an RFC 9396 authorization_details entry.
    expect(intent.authorization_details).toEqual([
      {
        type: 'mandate_intent',
        locations: ['https://api.stripe.com'],
        actions: ['POST'],
        named_intent: 'stripe:refunds:create',
        target: 'stripe',
        action: 'POST /v1/refunds',
        parameters: refundCall(),
        amount: { value: 42, currency: 'EUR' },
        estimated_cost: { api_calls: 1 },
        reason: 'Customer was charged twice on ticket 4821',
      },
    ]);

    const queue = await send('GET', '/v1/intents?status=pending', { token: approver });
    expect(queue.status).toBe(200);
    expect(queue.body.intents).toEqual([
      expect.objectContaining({ id: intent.id, status: 'pending', named_intent: 'stripe:refunds:create', agent_id: bot.agentId, jti: bot.jti, approvals: { required: 1, given: 0 } }),
    ]);
    // Until a person decides, the gate stays shut.
    expectProblem(await consume(bot, intent.id), 409, 'APPROVAL_PENDING');

    const approved = await approve(approver, intent.id, 'duplicate charge confirmed');
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({
      id: intent.id,
      status: 'approved',
      approval_id: intent.id.replace(/^int_/, 'apr_'),
      approvals: { required: 1, given: [{ kind: 'operator', id: keyIdOf(approver) }] },
      decision: { by: { kind: 'operator', id: keyIdOf(approver) } },
    });
    expect(Date.parse(approved.body.approval_expires_at)).toBeGreaterThan(Date.now());

    expect((await send('GET', '/v1/intents?status=pending', { token: approver })).body.intents).toEqual([]);
    expect((await send('GET', '/v1/intents?status=approved', { token: approver })).body.intents.map((i: { id: string }) => i.id)).toEqual([intent.id]);
    expect((await getIntent(bot.token, intent.id)).body).toMatchObject({ status: 'approved', approval_id: approved.body.approval_id });

    // A decision is final.
    expectProblem(await approve(acme.adminKey, intent.id), 409, 'INTENT_NOT_PENDING');
    expectProblem(await reject(approver, intent.id, 'changed my mind'), 409, 'INTENT_NOT_PENDING');

    const audit = await trail(acme, bot.jti, approved.body.position);
    expect(audit.map((e) => e.type)).toEqual(['PassportIssued', 'IntentSubmitted', 'ApprovalRefused', 'IntentApprovalGiven', 'IntentApproved']);
    expect(audit.find((e) => e.type === 'ApprovalRefused')).toMatchObject({ outcome: 'refused', code: 'pending' });
    expect(audit.find((e) => e.type === 'IntentApproved')!.actor).toEqual({ kind: 'operator', id: keyIdOf(approver) });
  });

  it('given a rule that needs two approvers for large refunds, when one approves (even twice), then it still waits; a second, distinct approver approves it', async () => {
    const acme = await newTenant(server, 'quorum');
    await putPolicy(acme, {
      default: 'require_approval',
      rules: [{ name: 'large-refunds', match: { named_intent: 'stripe:refunds:*', amount_min: 1000 }, decision: 'require_approval', approvals: 2 }],
    });
    const [ada, bob] = [await acme.key('approver'), await acme.key('approver')];
    const bot = await refundBot(acme);
    const intent = await submitted(bot, refundIntent({ amount: { value: 4200, currency: 'EUR' } }));
    expect(intent).toMatchObject({ status: 'pending', approvals: { required: 2, given: [] } });

    const first = await approve(ada, intent.id, 'looks right');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'pending', approval_id: null, approvals: { required: 2, given: [{ kind: 'operator', id: keyIdOf(ada) }] } });
    expect((await send('GET', '/v1/intents?status=pending', { token: bob })).body.intents).toEqual([
      expect.objectContaining({ id: intent.id, approvals: { required: 2, given: 1 } }),
    ]);

    // The same person twice is still one approver.
    expectProblem(await approve(ada, intent.id, 'really sure'), 409, 'ALREADY_APPROVED');
    expectProblem(await consume(bot, intent.id, refundConsume({ amount: { value: 4200, currency: 'EUR' } })), 409, 'APPROVAL_PENDING');

    const second = await approve(bob, intent.id);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({
      status: 'approved',
      approval_id: intent.id.replace(/^int_/, 'apr_'),
      approvals: { required: 2, given: [{ kind: 'operator', id: keyIdOf(ada) }, { kind: 'operator', id: keyIdOf(bob) }] },
    });

    const audit = await trail(acme, bot.jti, second.body.position);
    const given = audit.filter((e) => e.type === 'IntentApprovalGiven');
    expect(given.map((e) => e.actor.id)).toEqual([keyIdOf(ada), keyIdOf(bob)]);
    expect(audit.filter((e) => e.type === 'IntentApproved')).toHaveLength(1);
  });

  it('given a quorum of two, when two approvers each approve twice at the same moment, then the intent is approved exactly once, by both', async () => {
    const acme = await newTenant(server, 'quorum-race');
    await putPolicy(acme, { default: 'require_approval', default_approvals: 2, rules: [] });
    const [ada, bob] = [await acme.key('approver'), await acme.key('approver')];
    const bot = await refundBot(acme);
    const intent = await submitted(bot);
    expect(intent.approvals.required).toBe(2);

    const replies = await Promise.all([ada, bob, ada, bob].map((key) => approve(key, intent.id)));
    for (const reply of replies.filter((r) => r.status !== 200)) expect([reply.status, ['ALREADY_APPROVED', 'INTENT_NOT_PENDING'].includes(reply.body.code)]).toEqual([409, true]);
    expect(replies.filter((r) => r.status === 200 && r.body.status === 'approved')).toHaveLength(1);
    const final = await getIntent(acme.adminKey, intent.id);
    expect(final.body.status).toBe('approved');
    expect(final.body.approvals.given.map((a: { id: string }) => a.id).sort()).toEqual([keyIdOf(ada), keyIdOf(bob)].sort());

    const audit = await trail(acme, bot.jti, Math.max(...replies.map((r) => r.body.position ?? 0)));
    expect(audit.filter((e) => e.type === 'IntentApprovalGiven')).toHaveLength(2);
    expect(audit.filter((e) => e.type === 'IntentApproved')).toHaveLength(1);
  });

  it('given a quorum of two with one approval, when the other approver rejects, then the intent is rejected: one no is enough', async () => {
    const acme = await newTenant(server, 'quorum-veto');
    await putPolicy(acme, { default: 'require_approval', default_approvals: 2, rules: [] });
    const [ada, bob] = [await acme.key('approver'), await acme.key('approver')];
    const bot = await refundBot(acme, 'logged');
    const intent = await submitted(bot);
    expect((await approve(ada, intent.id)).body.status).toBe('pending');
    const vetoed = await reject(bob, intent.id, 'wrong customer');
    expect(vetoed.status).toBe(200);
    expect(vetoed.body).toMatchObject({ status: 'rejected', approval_id: null, decision: { by: { kind: 'operator', id: keyIdOf(bob) }, note: 'wrong customer' } });
    expectProblem(await consume(bot, intent.id), 403, 'APPROVAL_REJECTED');
  });

  it('given a rule that denies payouts, when the agent asks for one, then it is rejected by policy (201), the gate refuses it, and the enforced passport is NOT revoked', async () => {
    const acme = await newTenant(server, 'deny');
    await putPolicy(acme, { default: 'require_approval', rules: [{ name: 'no-payouts', match: { named_intent: 'stripe:payouts:*' }, decision: 'deny' }] });
    const bot = await refundBot(acme, 'enforced');
    const payout = { url: 'https://api.stripe.com/v1/payouts', method: 'POST', body: { amount: 100000, currency: 'eur' } };
    const reply = await submit(bot, refundIntent({ named_intent: 'stripe:payouts:create', action: 'POST /v1/payouts', parameters: payout, amount: { value: 1000, currency: 'EUR' } }));
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ status: 'rejected', approval_id: null, decision: { by: { kind: 'policy', id: 'no-payouts' } } });

    expectProblem(await consume(bot, reply.body.id, { service: 'stripe', ...payout }), 403, 'APPROVAL_REJECTED');
    // Policy saying no is not a person catching the agent out: the passport lives on.
    expect((await send('POST', '/v1/passports/verify', { body: { token: bot.token } })).body.active).toBe(true);
    const audit = await trail(acme, bot.jti, reply.body.position);
    expect(audit.map((e) => e.type)).toEqual(['PassportIssued', 'IntentSubmitted', 'IntentRejected', 'ApprovalRefused']);
    expect(audit.find((e) => e.type === 'IntentRejected')).toMatchObject({ outcome: 'ok' });
  });

  it("given a stripe mission, when the agent asks for a call on a service outside its mission, then 403 INTENT_OUT_OF_SCOPE, the refusal is recorded and there is no intent to find", async () => {
    const acme = await newTenant(server, 'scope');
    const bot = await refundBot(acme);
    const reply = await submit(bot, refundIntent({ named_intent: 'github:repos:delete', target: 'github', parameters: { url: 'https://api.github.com/repos/acme/api', method: 'DELETE' } }));
    expectProblem(reply, 403, 'INTENT_OUT_OF_SCOPE');
    expect(reply.body.mission_services).toEqual(['stripe']);
    const refused = await acme.audit(`?type=IntentRefused&wait_for_position=${reply.body.position}`);
    expect(refused).toEqual([expect.objectContaining({ jti: bot.jti, agent_id: bot.agentId, outcome: 'refused', code: 'out_of_scope' })]);
    expect(await acme.audit(`?type=IntentSubmitted&jti=${bot.jti}`)).toEqual([]);
    expect((await send('GET', '/v1/intents?status=pending', { token: acme.adminKey })).body.intents).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('a retried submit', () => {
  it('given an Idempotency-Key, when the same submit is sent again, then the same intent answers (200, Idempotent-Replayed) and one intent is queued; another body under the key is 409 IDEMPOTENCY_KEY_REUSED', async () => {
    const acme = await newTenant(server, 'idempotent-submit');
    const bot = await refundBot(acme);
    const send1 = () => send('POST', '/v1/intents', { token: bot.token, body: { expires_in: 3600, ...refundIntent() }, headers: { 'idempotency-key': 'tool-call-7' } });
    const first = await send1();
    expect(first.status).toBe(201);
    const retried = await send1();
    expect([retried.status, retried.headers.get('idempotent-replayed'), retried.body.id]).toEqual([200, 'true', first.body.id]);
    const other = await send('POST', '/v1/intents', { token: bot.token, body: { expires_in: 3600, ...refundIntent({ reason: 'another refund' }) }, headers: { 'idempotency-key': 'tool-call-7' } });
    expect([other.status, other.body.code]).toEqual([409, 'IDEMPOTENCY_KEY_REUSED']);
    const queue = await send('GET', '/v1/intents?status=pending', { token: acme.adminKey });
    expect(queue.body.intents.filter((i: { agent_id: string }) => i.agent_id === bot.agentId).map((i: { id: string }) => i.id)).toEqual([first.body.id]);
    const trail = await acme.audit(`?jti=${bot.jti}&type=IntentSubmitted&wait_for_position=${first.body.position}`);
    expect(trail).toHaveLength(1);
  });

  it('given an out-of-scope submit under a key, when it is retried, then it is refused the same way and recorded once', async () => {
    const acme = await newTenant(server, 'idempotent-refusal');
    // Logged: in enforced mode the refusal's finding revokes the passport, and whether that lands before the retry
    // is a race this case is not about.
    const bot = await refundBot(acme, 'logged');
    const outside = { expires_in: 3600, ...refundIntent({ target: 'github' }) };
    const first = await send('POST', '/v1/intents', { token: bot.token, body: outside, headers: { 'idempotency-key': 'k1' } });
    const again = await send('POST', '/v1/intents', { token: bot.token, body: outside, headers: { 'idempotency-key': 'k1' } });
    expect([first.status, first.body.code, again.status, again.body.code]).toEqual([403, 'INTENT_OUT_OF_SCOPE', 403, 'INTENT_OUT_OF_SCOPE']);
    expect(await acme.audit(`?jti=${bot.jti}&type=IntentRefused&wait_for_position=${first.body.position}`)).toHaveLength(1);
  });
});

describe('a person says no', () => {
  it('given an enforced agent, when a person rejects its intent, then the passport is revoked: the stream says so naming the intent, and its next use is 401 PASSPORT_REVOKED', async () => {
    const acme = await newTenant(server, 'reject-enforced');
    const stream = await SseClient.open(server, acme.adminKey);
    try {
      expect(stream.status).toBe(200);
      const approver = await acme.key('approver');
      const bot = await refundBot(acme, 'enforced');
      const intent = await submitted(bot);

      const rejected = await reject(approver, intent.id, 'customer was not charged twice');
      expect(rejected.status).toBe(200);
      expect(rejected.body).toMatchObject({
        status: 'rejected',
        approval_id: null,
        decision: { by: { kind: 'operator', id: keyIdOf(approver) }, note: 'customer was not charged twice' },
      });

      const frame = await stream.next((e) => e.data.jti === bot.jti);
      expect(frame.event).toBe('revocation');
      expect(frame.data).toMatchObject({ agent_id: bot.agentId, mission_id: bot.mission_id, scope: 'passport', revoked_by: { kind: 'operator', id: keyIdOf(approver) } });
      expect(frame.data.reason).toContain(intent.id);
      expect(frame.data.reason).toContain('rejected');

      const next = await submit(bot);
      expectProblem(next, 401, 'PASSPORT_REVOKED');
      expect((await send('POST', '/v1/passports/verify', { body: { token: bot.token } })).body).toEqual({ active: false, reason: 'revoked', jti: bot.jti });
      expectProblem(await consume(bot, intent.id), 401, 'PASSPORT_REVOKED');

      const audit = await trail(acme, bot.jti, next.body.position);
      // The rejection, then the revocation it caused; then the refused uses (submit, introspection, the gate).
      // The detectors' findings about the refused uses are theirs to test; these are the mission's and the intent's facts.
      expect(audit.filter((e) => e.type !== 'SecurityEventRaised').map((e) => e.type)).toEqual(['PassportIssued', 'IntentSubmitted', 'IntentRejected', 'PassportRevoked', 'PassportUseRefused', 'PassportUseRefused', 'PassportUseRefused']);
      expect(audit.filter((e) => e.type === 'PassportUseRefused').map((e) => [e.outcome, e.code])).toEqual(Array(3).fill(['refused', 'PASSPORT_REVOKED']));
    } finally {
      stream.close();
    }
  });

  it('given a logged agent, when a person rejects its intent, then the intent is rejected but the passport is NOT revoked and keeps working', async () => {
    const acme = await newTenant(server, 'reject-logged');
    const stream = await SseClient.open(server, acme.adminKey);
    try {
      const approver = await acme.key('approver');
      const bot = await refundBot(acme, 'logged');
      const intent = await submitted(bot);

      const rejected = await reject(approver, intent.id, 'not today');
      expect(rejected.status).toBe(200);
      expect(rejected.body).toMatchObject({ status: 'rejected', decision: { note: 'not today' } });
      expectProblem(await consume(bot, intent.id), 403, 'APPROVAL_REJECTED');

      // The passport still works: it can ask again, and introspection says it is active.
      expect((await submit(bot)).status).toBe(201);
      expect((await send('POST', '/v1/passports/verify', { body: { token: bot.token } })).body.active).toBe(true);

      // The stream is ordered: once a later revocation has arrived, a revocation from the rejection would have too.
      const sentinel = await refundBot(acme, 'logged', 'sentinel-bot');
      expect((await send('POST', `/v1/passports/${sentinel.jti}/revoke`, { token: acme.adminKey, body: { reason: 'sentinel' } })).status).toBe(200);
      await stream.next((e) => e.data.jti === sentinel.jti);
      expect(stream.events.filter((e) => e.data.jti === bot.jti)).toEqual([]);
      expect(await acme.audit(`?jti=${bot.jti}&type=PassportRevoked`)).toEqual([]);
    } finally {
      stream.close();
    }
  });

  it('given an agent whose mission checked out, when it submits an intent, then 401 PASSPORT_CHECKED_OUT and no intent is stored', async () => {
    const acme = await newTenant(server, 'checked-out');
    const bot = await refundBot(acme);
    expect((await send('POST', `/v1/passports/${bot.jti}/checkout`, { token: bot.token, body: { outcome: 'success' } })).status).toBe(200);
    const reply = await submit(bot);
    expectProblem(reply, 401, 'PASSPORT_CHECKED_OUT');
    expect(await acme.audit(`?jti=${bot.jti}&type=IntentSubmitted&wait_for_position=${reply.body.position}`)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('waiting for a decision', () => {
  it('given a pending intent with a long-poll of 30 s parked on it, when a person approves from another request, then the poll returns approved within 5 s', async () => {
    const acme = await newTenant(server, 'long-poll');
    const approver = await acme.key('approver');
    const bot = await refundBot(acme);
    const intent = await submitted(bot);

    const started = Date.now();
    const timing = { settledAt: 0 };
    const poll = getIntent(bot.token, intent.id, 30).then((reply) => ((timing.settledAt = Date.now()), reply));

    // A read without a wait answers pending at once, with when to ask again; the long poll, sent first, is still open.
    const probe = await getIntent(bot.token, intent.id);
    expect(probe.status).toBe(200);
    expect(probe.body).toMatchObject({ status: 'pending', retry_after_seconds: expect.any(Number) });
    expect(probe.headers.get('retry-after')).toBe(String(probe.body.retry_after_seconds));
    expect(timing.settledAt).toBe(0);

    expect((await approve(approver, intent.id)).status).toBe(200);
    const answer = await poll;
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ id: intent.id, status: 'approved', approval_id: intent.id.replace(/^int_/, 'apr_') });
    expect(answer.body.retry_after_seconds).toBeUndefined();
    expect(answer.headers.get('retry-after')).toBeNull();
    expect(timing.settledAt - started).toBeLessThan(5_000);

    // A final intent answers at once, whatever the wait asked for.
    const before = Date.now();
    expect((await getIntent(approver, intent.id, 60)).body.status).toBe('approved');
    expect(Date.now() - before).toBeLessThan(2_000);
  });

  it('given an intent of 10 s that nobody decides, when its agent long-polls, then it answers expired at the deadline; it can no longer be approved or used, and an approval unused past its window is refused too', async () => {
    const acme = await newTenant(server, 'expiry');
    const approver = await acme.key('approver');
    const bot = await refundBot(acme);
    // Approved first, so its 10 s approval window closes before the other intent's 10 s deadline.
    const unused = await submitted(bot, refundIntent({ expires_in: 10, reason: 'approved but never used' }));
    const approved = await approve(approver, unused.id);
    expect(approved.body.status).toBe('approved');
    expect(Date.parse(approved.body.approval_expires_at) - Date.parse(approved.body.decision.at)).toBe(10_000);

    const intent = await submitted(bot, refundIntent({ expires_in: 10 }));
    expect(Date.parse(intent.expires_at) - Date.parse(intent.submitted_at)).toBe(10_000);
    const started = Date.now();
    const expired = await getIntent(bot.token, intent.id, 15);
    expect(expired.status).toBe(200);
    expect(expired.body).toMatchObject({ status: 'expired', approval_id: null, decision: { by: { kind: 'policy', id: 'expiry' } } });
    // It answered at the deadline, not at the end of the 15 s wait.
    expect(Date.now() - started).toBeLessThan(13_000);

    expectProblem(await approve(approver, intent.id), 409, 'INTENT_NOT_PENDING');
    expectProblem(await consume(bot, intent.id), 403, 'APPROVAL_EXPIRED');
    // The approval's own window closed before this intent's deadline, which has passed.
    const late = await consume(bot, unused.id);
    expectProblem(late, 403, 'APPROVAL_EXPIRED');
    expect(late.body.gate_reason).toBe('expired');
    expect((await send('GET', '/v1/intents?status=expired', { token: approver })).body.intents.map((i: { id: string }) => i.id)).toEqual([intent.id]);

    const audit = await trail(acme, bot.jti, late.body.position);
    const expiries = audit.filter((e) => e.type === 'IntentExpired');
    expect(expiries).toEqual([expect.objectContaining({ actor: { kind: 'system', id: 'expiry' }, outcome: 'ok' })]);
    expect(audit.filter((e) => e.type === 'ApprovalRefused').map((e) => e.code)).toEqual(['expired', 'expired']);
    expect(audit.filter((e) => e.type === 'ApprovalConsumed')).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('the gate: an approval opens the door once, for exactly the call approved', () => {
  let acme: Tenant;
  let approver: string;
  beforeAll(async () => {
    acme = await newTenant(server, 'gate');
    approver = await acme.key('approver');
    // These tests are about the gate. In a real enforced deployment a call_mismatch (an intent_mismatch finding) also
    // revokes the passport, which the detector suites test; here the detectors only flag, so each refusal can be seen.
    const flagOnly = { scope_drift: 'flag', post_checkout_access: 'flag', credential_burst: 'flag', checkpoint_silence: 'flag', intent_mismatch: 'flag' };
    const settings = await call(server, 'PUT', '/v1/detectors/settings', { token: acme.adminKey, body: { burst: { max_uses: 15, window_seconds: 30 }, actions: flagOnly } });
    expect(settings.status).toBe(200);
  });

  async function approvedIntent(passport: Issued, body?: Record<string, unknown>) {
    const intent = await submitted(passport, body);
    const approved = await approve(approver, intent.id);
    expect(approved.body.status).toBe('approved');
    return approved.body as Record<string, any>;
  }

  it('given an approved refund, when the call differs in any bound field, then 403 call_mismatch names exactly those fields and the approval stays unused; body key order does not matter; a replay is 409', async () => {
    const bot = await refundBot(acme);
    const intent = await approvedIntent(bot);
    const call = refundCall();
    const variants: Array<[string, Record<string, unknown>, string[]]> = [
      ['the amount in the body', { body: { ...call.body, amount: 420000 } }, ['body']],
      ['a nested body value', { body: { ...call.body, metadata: { ticket: 'T-4821', reason: 'fraud' } } }, ['body']],
      ['an extra body key', { body: { ...call.body, reverse_transfer: true } }, ['body']],
      ['no body at all', { body: undefined }, ['body']],
      ['another host', { url: 'https://api.stripe.com.evil.example/v1/refunds' }, ['host']],
      ['another port', { url: 'https://api.stripe.com:8443/v1/refunds' }, ['host']],
      ['another path', { url: 'https://api.stripe.com/v1/payouts' }, ['path']],
      ['a query string', { url: `${REFUND_URL}?charge=ch_9999` }, ['path']],
      ['another method', { method: 'PUT' }, ['method']],
      ['another service', { service: 'stripe-eu' }, ['service']],
      ['another stated amount', { amount: { value: 4200, currency: 'EUR' } }, ['amount']],
      ['another stated currency', { amount: { value: 42, currency: 'USD' } }, ['amount']],
      ['host, method and body at once', { url: 'https://evil.example/v1/refunds', method: 'DELETE', body: { charge: 'ch_4821' } }, ['method', 'host', 'body']],
    ];
    const outcomes: Record<string, unknown> = {};
    for (const [name, change, fields] of variants) {
      const reply = await consume(bot, intent.id, refundConsume(change));
      expectProblem(reply, 403, 'call_mismatch');
      outcomes[name] = { gate_reason: reply.body.gate_reason, mismatched: [...reply.body.mismatched].sort() };
      expect(outcomes[name]).toEqual({ gate_reason: 'call_mismatch', mismatched: [...fields].sort() });
    }

    // Same values, keys in another order at every depth, lower-case host: the same call.
    const reordered = {
      service: 'stripe',
      method: 'POST',
      url: 'https://API.Stripe.com/v1/refunds',
      amount: { currency: 'EUR', value: 42 },
      body: { metadata: { reason: 'duplicate', ticket: 'T-4821' }, currency: 'eur', amount: 4200, charge: 'ch_4821' },
    };
    const opened = await consume(bot, intent.id, reordered);
    expect(opened.status).toBe(200);
    expect(opened.body).toEqual({ approval_id: intent.approval_id, intent_id: intent.id, consumed: true, position: expect.any(Number) });
    expect((await getIntent(bot.token, intent.id)).body.consumed).toBe(true);

    const replay = await consume(bot, intent.id);
    expectProblem(replay, 409, 'APPROVAL_CONSUMED');
    expect(replay.body.gate_reason).toBe('consumed');

    const audit = await trail(acme, bot.jti, replay.body.position);
    expect(audit.filter((e) => e.type === 'ApprovalRefused').map((e) => e.code)).toEqual([...variants.map(() => 'call_mismatch'), 'consumed']);
    expect(audit.filter((e) => e.type === 'ApprovalConsumed')).toEqual([expect.objectContaining({ jti: bot.jti, outcome: 'ok' })]);
  });

  it('given an approval given to one passport, when another passport of the same tenant presents it, then 403 APPROVAL_NOT_YOURS, it cannot even see the intent, and the owner can still use it', async () => {
    const owner = await refundBot(acme, 'enforced', 'owner-bot');
    const other = await refundBot(acme, 'enforced', 'other-bot');
    const intent = await approvedIntent(owner);

    const stolen = await consume(other, intent.id);
    expectProblem(stolen, 403, 'APPROVAL_NOT_YOURS');
    expect(stolen.body.gate_reason).toBe('other_passport');
    expectProblem(await getIntent(other.token, intent.id), 404, 'NOT_FOUND');

    expect((await consume(owner, intent.id)).body.consumed).toBe(true);
    const audit = await trail(acme, owner.jti, stolen.body.position);
    expect(audit.filter((e) => e.type === 'ApprovalRefused')).toEqual([expect.objectContaining({ code: 'other_passport', outcome: 'refused' })]);
  });

  it('given an approved refund, when the agent logs the tool call with approval_id and the request it made, then it is logged once; the same call again is refused 409 and not logged', async () => {
    const bot = await refundBot(acme, 'enforced', 'tool-bot');
    const intent = await approvedIntent(bot);
    const toolCall = (request: Record<string, unknown>) => ({ service: 'stripe', action: 'refunds.create', target: 'ch_4821', outcome: 'success', approval_id: intent.approval_id, request });
    const log = (body: Record<string, unknown>) => send('POST', `/v1/passports/${bot.jti}/actions`, { token: bot.token, body });

    const tampered = await log(toolCall({ ...refundCall(), body: { ...refundCall().body, amount: 999999 } }));
    expectProblem(tampered, 403, 'call_mismatch');
    expect(tampered.body.mismatched).toEqual(['body']);

    const first = await log(toolCall(refundCall()));
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ jti: bot.jti, logged: 1 });

    const again = await log(toolCall(refundCall()));
    expectProblem(again, 409, 'APPROVAL_CONSUMED');

    const audit = await trail(acme, bot.jti, again.body.position);
    expect(audit.filter((e) => ['ToolCallLogged', 'ToolCallsLogged', 'ApprovalConsumed', 'ApprovalRefused'].includes(e.type)).map((e) => `${e.type}${e.code ? ` ${e.code}` : ''}`)).toEqual([
      'ApprovalRefused call_mismatch',
      'ApprovalConsumed',
      'ToolCallLogged',
      'ApprovalRefused consumed',
    ]);
    expect((await send('GET', `/v1/passports/${bot.jti}`, { token: acme.adminKey })).body.actions_logged).toBe(1);
  });

  it('given an approved refund, when twenty copies of the exact call race to the gate, then exactly one opens it and every other is answered, and recorded, as consumed', async () => {
    const bot = await refundBot(acme, 'logged', 'racing-bot');
    const intent = await approvedIntent(bot);
    const replies = await Promise.all(Array.from({ length: 20 }, () => consume(bot, intent.id)));
    // A lost race inside the server is the server's to retry: the agent gets the gate's answer, never a storage conflict.
    expect(replies.map((r) => `${r.status} ${r.body.code ?? (r.body.consumed ? 'consumed' : '?')}`).sort()).toEqual(['200 consumed', ...Array(19).fill('409 APPROVAL_CONSUMED')]);
    const audit = await trail(acme, bot.jti, Math.max(...replies.map((r) => r.body.position ?? 0)));
    expect(audit.filter((e) => e.type === 'ApprovalConsumed')).toHaveLength(1);
    expect(audit.filter((e) => e.type === 'ApprovalRefused').map((e) => e.code)).toEqual(Array(19).fill('consumed'));
  });

  it('given an approved refund, when a batch holds the gated call beside a plain one, then both are logged as one batch; the same batch again is refused whole', async () => {
    const bot = await refundBot(acme, 'enforced', 'batch-bot');
    const intent = await approvedIntent(bot);
    const batch = {
      calls: [
        { service: 'stripe', action: 'charges.retrieve', target: 'ch_4821', outcome: 'success' },
        { service: 'stripe', action: 'refunds.create', target: 'ch_4821', outcome: 'success', approval_id: intent.approval_id, request: refundCall() },
      ],
    };
    const first = await send('POST', `/v1/passports/${bot.jti}/actions`, { token: bot.token, body: batch });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ jti: bot.jti, logged: 2 });
    const again = await send('POST', `/v1/passports/${bot.jti}/actions`, { token: bot.token, body: batch });
    expectProblem(again, 409, 'APPROVAL_CONSUMED');
    expect((await send('GET', `/v1/passports/${bot.jti}`, { token: acme.adminKey })).body.actions_logged).toBe(2);
    const audit = await trail(acme, bot.jti, again.body.position);
    expect(audit.filter((e) => e.type.startsWith('ToolCall')).map((e) => e.type)).toEqual(['ToolCallsLogged']);
  });

  it('given an approved intent, when the approval is used through the consume route, then a gated tool call with it is refused as consumed', async () => {
    const bot = await refundBot(acme, 'logged', 'mixed-bot');
    const intent = await approvedIntent(bot);
    expect((await consume(bot, intent.id)).status).toBe(200);
    const reply = await send('POST', `/v1/passports/${bot.jti}/actions`, {
      token: bot.token,
      body: { service: 'stripe', action: 'refunds.create', approval_id: intent.approval_id, request: refundCall() },
    });
    expectProblem(reply, 409, 'APPROVAL_CONSUMED');
    expect(await acme.audit(`?jti=${bot.jti}&type=ToolCallLogged&wait_for_position=${reply.body.position}`)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('simulate', () => {
  it('given a policy with auto, quorum and deny rules, when the agent simulates each kind of intent, then nothing is stored, and submitting the same intents decides exactly the same', async () => {
    const acme = await newTenant(server, 'simulate');
    await putPolicy(acme, {
      default: 'require_approval',
      default_approvals: 1,
      rules: [
        { name: 'no-payouts', match: { named_intent: 'stripe:payouts:*' }, decision: 'deny' },
        { name: 'small-refunds', match: { named_intent: 'stripe:refunds:*', currency: 'EUR', amount_max: 50 }, decision: 'auto_approve' },
        { name: 'large-refunds', match: { service: 'stripe', method: 'POST', amount_min: 1000 }, decision: 'require_approval', approvals: 3 },
      ],
    });
    const bot = await refundBot(acme);
    const subjects: Array<[string, Record<string, unknown>, { decision: string; approvals_required: number; rule: string | null; in_scope: boolean }]> = [
      ['a small refund', refundIntent({ amount: { value: 20, currency: 'EUR' } }), { decision: 'auto_approve', approvals_required: 0, rule: 'small-refunds', in_scope: true }],
      ['a large refund', refundIntent({ amount: { value: 5000, currency: 'EUR' } }), { decision: 'require_approval', approvals_required: 3, rule: 'large-refunds', in_scope: true }],
      ['a mid refund', refundIntent({ amount: { value: 500, currency: 'EUR' } }), { decision: 'require_approval', approvals_required: 1, rule: null, in_scope: true }],
      ['a payout', refundIntent({ named_intent: 'stripe:payouts:create', parameters: { url: 'https://api.stripe.com/v1/payouts', method: 'POST' } }), { decision: 'deny', approvals_required: 0, rule: 'no-payouts', in_scope: true }],
      ['a call outside the mission', refundIntent({ named_intent: 'github:repos:delete', target: 'github', parameters: { url: 'https://api.github.com/repos/a/b', method: 'DELETE' } }), { decision: 'refused', approvals_required: 0, rule: null, in_scope: false }],
    ];

    const headBefore = await storeHead();
    const simulated: Record<string, any> = {};
    for (const [name, body] of subjects) {
      const reply = await send('POST', '/v1/intents/simulate', { token: bot.token, body });
      expect(reply.status).toBe(200);
      simulated[name] = reply.body;
    }
    expect(await storeHead()).toBe(headBefore);
    expect((await acme.audit(`?jti=${bot.jti}`)).map((e) => e.type)).toEqual(['PassportIssued']);
    for (const [name, , expected] of subjects) expect({ name, ...simulated[name] }).toEqual({ name, ...expected, reason: expect.stringMatching(/\S/) });

    // What submit does with each, seen as the simulate answer would name it.
    const asVerdict = (reply: Reply) => {
      if (reply.status === 403 && reply.body.code === 'INTENT_OUT_OF_SCOPE') return { decision: 'refused', approvals_required: 0 };
      const byStatus: Record<string, string> = { approved: 'auto_approve', pending: 'require_approval', rejected: 'deny' };
      return { decision: byStatus[reply.body.status], approvals_required: reply.body.approvals.required };
    };
    for (const [name, body] of subjects) {
      const reply = await submit(bot, body);
      expect({ name, ...asVerdict(reply) }).toEqual({ name, decision: simulated[name].decision, approvals_required: simulated[name].approvals_required });
      if (simulated[name].rule) expect(reply.body.decision?.by?.id ?? simulated[name].rule).toBe(simulated[name].rule);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('who may decide', () => {
  it('given a pending intent, when its own passport tries to approve or reject it, then 403, and nothing changes', async () => {
    const acme = await newTenant(server, 'self-approval');
    const bot = await refundBot(acme);
    const intent = await submitted(bot);
    const peer = await refundBot(acme, 'enforced', 'peer-bot');
    const head = await storeHead();
    expectProblem(await approve(bot.token, intent.id, 'I approve of myself'), 403, 'FORBIDDEN');
    expectProblem(await reject(bot.token, intent.id), 403, 'FORBIDDEN');
    // Another agent's passport of the same tenant is no approver either.
    expectProblem(await approve(peer.token, intent.id), 403, 'FORBIDDEN');
    expectProblem(await reject(peer.token, intent.id), 403, 'FORBIDDEN');
    expect(await storeHead()).toBe(head);
    expect((await getIntent(bot.token, intent.id)).body).toMatchObject({ status: 'pending', approvals: { required: 1, given: [] } });
    expect(await acme.audit(`?jti=${bot.jti}&type=IntentApprovalGiven`)).toEqual([]);
  });

  it("given an intent of one tenant, when another tenant's approver, admin or passport reaches for it, then 404 exactly as for an intent that does not exist, and it stays pending", async () => {
    const acme = await newTenant(server, 'isolated');
    const globex = await newTenant(server, 'intruder');
    const bot = await refundBot(acme);
    const intent = await submitted(bot);
    const theirApprover = await globex.key('approver');
    const theirBot = await refundBot(globex);
    const missing = 'int_doesnotexist00';

    const attempts: Array<[string, (id: string) => Promise<Reply>]> = [
      ['GET by approver', (id) => getIntent(theirApprover, id)],
      ['GET by admin', (id) => getIntent(globex.adminKey, id, 5)],
      ['approve', (id) => approve(theirApprover, id, 'sure')],
      ['reject', (id) => reject(globex.adminKey, id, 'no')],
      ['consume by passport', (id) => consume(theirBot, id)],
      ['GET by passport', (id) => getIntent(theirBot.token, id)],
    ];
    const head = await storeHead();
    for (const [name, attempt] of attempts) {
      const theirs = await attempt(intent.id);
      const none = await attempt(missing);
      expect({ name, status: theirs.status, code: theirs.body?.code }).toEqual({ name, status: 404, code: 'NOT_FOUND' });
      expect({ name, status: none.status, code: none.body?.code }).toEqual({ name, status: 404, code: 'NOT_FOUND' });
      const masked = (reply: Reply, id: string) => JSON.parse(JSON.stringify(reply.body).split(id).join('<id>').split(id.replace(/^int_/, 'apr_')).join('<apr>'));
      expect(masked(theirs, intent.id)).toEqual(masked(none, missing));
    }
    expect(await storeHead()).toBe(head);
    expect((await send('GET', '/v1/intents?status=pending', { token: theirApprover })).body.intents).toEqual([]);
    expect((await getIntent(acme.adminKey, intent.id)).body).toMatchObject({ status: 'pending', approvals: { given: [] } });
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('the audit', () => {
  it('given one tenant that ran every kind of intent, then every lifecycle event is in its audit, by type, with who did it', async () => {
    const acme = await newTenant(server, 'audited');
    await putPolicy(acme, { default: 'require_approval', rules: [{ name: 'tiny-refunds', match: { amount_max: 5 }, decision: 'auto_approve' }] });
    const approver = await acme.key('approver');
    const bot = await refundBot(acme, 'logged');
    const thief = await refundBot(acme, 'logged', 'thief-bot');

    // Started first, so its 10 s run while everything else happens.
    const expiring = await submitted(bot, refundIntent({ expires_in: 10, reason: 'nobody will look' }));

    const auto = await submitted(bot, refundIntent({ amount: { value: 5, currency: 'EUR' } }));
    const decided = await submitted(bot);
    expect((await approve(approver, decided.id)).body.status).toBe('approved');
    const refused = await submitted(bot);
    expect((await reject(approver, refused.id)).body.status).toBe('rejected');
    expect((await submit(bot, refundIntent({ target: 'github', named_intent: 'github:issues:create' }))).status).toBe(403);
    expect((await consume(thief, decided.id)).status).toBe(403);
    expect((await consume(bot, decided.id, refundConsume({ method: 'PATCH' }))).status).toBe(403);
    expect((await consume(bot, decided.id)).status).toBe(200);
    expect((await consume(bot, auto.id, refundConsume({ amount: { value: 5, currency: 'EUR' } }))).status).toBe(200);

    const expired = await getIntent(bot.token, expiring.id, 15);
    expect(expired.body.status).toBe('expired');
    const head = await storeHead();

    const byType = async (type: string) => acme.audit(`?type=${type}&wait_for_position=${head}`);
    const summary: Record<string, Array<{ jti: string; actor: string; outcome: string; code: string | null }>> = {};
    for (const type of ['IntentSubmitted', 'IntentAutoApproved', 'IntentApprovalGiven', 'IntentApproved', 'IntentRejected', 'IntentExpired', 'ApprovalConsumed', 'ApprovalRefused', 'IntentRefused']) {
      summary[type] = (await byType(type)).map((e) => ({ jti: e.jti, actor: `${e.actor.kind}:${e.actor.id}`, outcome: e.outcome, code: e.code }));
    }
    const agent = `passport:${bot.jti}`;
    const person = `operator:${keyIdOf(approver)}`;
    const ok = (actor: string) => ({ jti: bot.jti, actor, outcome: 'ok', code: null });
    expect(summary).toEqual({
      IntentSubmitted: [ok(agent), ok(agent), ok(agent), ok(agent)],
      IntentAutoApproved: [ok(agent)],
      IntentApprovalGiven: [ok(person)],
      IntentApproved: [ok(person)],
      IntentRejected: [ok(person)],
      IntentExpired: [ok('system:expiry')],
      ApprovalConsumed: [ok(agent), ok(agent)],
      ApprovalRefused: [
        { jti: bot.jti, actor: `passport:${thief.jti}`, outcome: 'refused', code: 'other_passport' },
        { jti: bot.jti, actor: agent, outcome: 'refused', code: 'call_mismatch' },
      ],
      IntentRefused: [{ jti: bot.jti, actor: agent, outcome: 'refused', code: 'out_of_scope' }],
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('the instance admin', () => {
  it('given a pending intent, when the instance admin key tries to decide it, then 403: deciding is for the tenant’s people', async () => {
    const acme = await newTenant(server, 'instance-admin');
    const bot = await refundBot(acme);
    const intent = await submitted(bot);
    expectProblem(await approve(ADMIN_KEY, intent.id), 403, 'FORBIDDEN');
    expect((await getIntent(acme.adminKey, intent.id)).body.status).toBe('pending');
  });
});
