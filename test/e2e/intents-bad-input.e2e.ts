/**
 * Bad input to intents, decisions, the gate and the intent policy: every malformed request gets a clear 4xx
 * problem+json naming what is wrong, never a 5xx, and stores nothing.
 *
 * "Stores nothing" is checked twice, as in bad-input.e2e.ts: the event store head (GET /readyz answers it) does not
 * move, and the audit of every tenant the suite created holds no entry it did not hold before the batch.
 */
import { newTenant, Reply, Tenant } from './support/client';
import { ADMIN_KEY, MandateProcess, MandateServer } from './support/server';
import { AuditEntry, expectProblem, storeProbe, tallied, withValue } from './support/problems';

type Issued = Awaited<ReturnType<Tenant['passport']>>;

const MALFORMED_JSON = '{"named_intent": "stripe:refunds:create",';

let server: MandateServer;
/** Every answer the server gave in this file, for the "never a 5xx" check at the end. */
const { answered, send } = tallied(() => server);
const { head, auditOf } = storeProbe(send);



/** The fields a VALIDATION_FAILED problem names, sorted. */
const fieldsOf = (reply: Reply): string[] => [...new Set<string>((reply.body?.errors ?? []).map((e: { field: string }) => e.field))].sort();

// ---------------------------------------------------------------------------------------------------------------
// The world the bad requests are aimed at.

let A: Tenant;
let B: Tenant;
let bot: Issued;
let botB: Issued;
let approverA: string;
let auditorA: string;
let operatorA: string;
let approverB: string;
/** A pending intent of tenant A (decision tests), and an approved one (gate tests). */
let pending: Record<string, any>;
let approved: Record<string, any>;

const REFUND_CALL = { url: 'https://api.stripe.com/v1/refunds', method: 'POST', body: { charge: 'ch_4821', amount: 4200 } };
const validIntent = (): Record<string, any> => ({
  named_intent: 'stripe:refunds:create',
  target: 'stripe',
  action: 'POST /v1/refunds',
  parameters: { ...REFUND_CALL, body: { ...REFUND_CALL.body } },
  amount: { value: 42, currency: 'EUR' },
  reason: 'Customer was charged twice on ticket 4821',
  expires_in: 3600,
});
const validConsume = (): Record<string, any> => ({ service: 'stripe', ...REFUND_CALL, body: { ...REFUND_CALL.body }, amount: { value: 42, currency: 'EUR' } });
const validPolicy = (): Record<string, any> => ({
  default: 'require_approval',
  default_approvals: 1,
  rules: [{ name: 'small-refunds', match: { named_intent: 'stripe:refunds:*', currency: 'EUR', amount_max: 50 }, decision: 'auto_approve' }],
});




async function snapshot() {
  const position = await head();
  const audit: AuditEntry[] = [];
  for (const tenant of [A, B]) audit.push(...(await auditOf(tenant, position)));
  return { head: position, audit };
}

/** Runs a batch of requests and answers what it added to the store: how far the head moved, the audit entries gained. */
async function storedBy(batch: () => Promise<void>): Promise<{ headMoved: number; entries: string[] }> {
  const before = await snapshot();
  await batch();
  const after = await snapshot();
  const known = new Set(before.audit.map((e) => e.event_id));
  const entries = after.audit.filter((e) => !known.has(e.event_id)).map((e) => `${e.type}${e.code ? ` (${e.code})` : ''}`);
  return { headMoved: after.head - before.head, entries };
}

const ANY_VALIDATION_FAILURE = expect.stringMatching(/^422 VALIDATION_FAILED( |$)/);

/**
 * Sends each case and expects, in this order: the answer of each as "<status> <code> <fields>" (one expectation for
 * all cases, so a failure shows every case at once), the problem shape of each, and that the batch stored nothing.
 */
async function expectOutcomes(cases: Array<[string, () => Promise<Reply>, unknown]>): Promise<Record<string, Reply>> {
  const replies: Record<string, Reply> = {};
  const { headMoved, entries } = await storedBy(async () => {
    for (const [name, request] of cases) replies[name] = await request();
  });
  const summary = Object.fromEntries(
    Object.entries(replies).map(([name, r]) => [name, `${r.status} ${r.body?.code}${fieldsOf(r).length ? ` ${fieldsOf(r).join(',')}` : ''}`]),
  );
  expect(summary).toEqual(Object.fromEntries(cases.map(([name, , expected]) => [name, expected])));
  for (const reply of Object.values(replies)) expectProblem(reply, reply.status);
  expect(entries).toEqual([]);
  expect(headMoved).toBe(0);
  return replies;
}

beforeAll(async () => {
  server = await MandateProcess.start();
  A = await newTenant(server, 'acme');
  B = await newTenant(server, 'globex');
  const stripeMission = { ttl_seconds: 3600, intent: { summary: 'refund duplicate charges', services: ['stripe'] } };
  bot = await A.passport(await A.agent('logged', 'refund-bot'), stripeMission);
  botB = await B.passport(await B.agent('logged', 'billing-bot'), stripeMission);
  approverA = await A.key('approver');
  auditorA = await A.key('auditor');
  operatorA = await A.key('operator');
  approverB = await B.key('approver');

  const submitted = await send('POST', '/v1/intents', { token: bot.token, body: validIntent() });
  expect(submitted.status).toBe(201);
  pending = submitted.body;
  const other = await send('POST', '/v1/intents', { token: bot.token, body: validIntent() });
  expect(other.status).toBe(201);
  const decided = await send('POST', `/v1/intents/${other.body.id}/approve`, { token: approverA, body: {} });
  expect(decided.body.status).toBe('approved');
  approved = decided.body;
});

afterAll(async () => {
  await server?.stop();
});

// ---------------------------------------------------------------------------------------------------------------

/** Everything wrong an intent body can be, with the answer each must get. Shared by submit and simulate. */
/** Everything wrong an intent body can be, with the answer each must get. Shared by submit and simulate. */
const BAD_INTENTS: Array<[string, () => { body?: Record<string, unknown>; rawBody?: string }, unknown]> = [
  ['malformed JSON', () => ({ rawBody: MALFORMED_JSON }), '400 MALFORMED_JSON'],
  ['an empty body', () => ({ body: {} }), '422 VALIDATION_FAILED action,named_intent,parameters,reason,target'],
  ['an unknown top-level field', () => ({ body: { ...validIntent(), approved: true } }), '422 VALIDATION_FAILED approved'],
  ['an unknown field in parameters', () => ({ body: withValue(validIntent(), 'parameters.headers', { authorization: 'x' }) }), '422 VALIDATION_FAILED parameters.headers'],
  ['an unknown field in amount', () => ({ body: withValue(validIntent(), 'amount.cents', 4200) }), '422 VALIDATION_FAILED amount.cents'],
  // Wrong types.
  ['named_intent as a number', () => ({ body: withValue(validIntent(), 'named_intent', 42) }), '422 VALIDATION_FAILED named_intent'],
  ['target as an array', () => ({ body: withValue(validIntent(), 'target', ['stripe']) }), '422 VALIDATION_FAILED target'],
  ['parameters as a string', () => ({ body: withValue(validIntent(), 'parameters', 'https://api.stripe.com/v1/refunds') }), '422 VALIDATION_FAILED parameters'],
  ['parameters as an array', () => ({ body: withValue(validIntent(), 'parameters', [REFUND_CALL]) }), '422 VALIDATION_FAILED parameters'],
  ['amount as a number', () => ({ body: withValue(validIntent(), 'amount', 42) }), '422 VALIDATION_FAILED amount'],
  ['amount.value as a string', () => ({ body: withValue(validIntent(), 'amount.value', '42.00') }), '422 VALIDATION_FAILED amount.value'],
  ['estimated_cost as an array', () => ({ body: withValue(validIntent(), 'estimated_cost', [1]) }), '422 VALIDATION_FAILED estimated_cost'],
  ['reason as a boolean', () => ({ body: withValue(validIntent(), 'reason', true) }), '422 VALIDATION_FAILED reason'],
  ['expires_in as a string', () => ({ body: withValue(validIntent(), 'expires_in', '300') }), '422 VALIDATION_FAILED expires_in'],
  // Missing required fields.
  ['no named_intent', () => ({ body: withValue(validIntent(), 'named_intent', undefined) }), '422 VALIDATION_FAILED named_intent'],
  ['no target', () => ({ body: withValue(validIntent(), 'target', undefined) }), '422 VALIDATION_FAILED target'],
  ['no action', () => ({ body: withValue(validIntent(), 'action', undefined) }), '422 VALIDATION_FAILED action'],
  ['an empty action', () => ({ body: withValue(validIntent(), 'action', '') }), '422 VALIDATION_FAILED action'],
  ['no parameters', () => ({ body: withValue(validIntent(), 'parameters', undefined) }), '422 VALIDATION_FAILED parameters'],
  ['no parameters.url', () => ({ body: withValue(validIntent(), 'parameters.url', undefined) }), '422 VALIDATION_FAILED parameters.url'],
  ['no parameters.method', () => ({ body: withValue(validIntent(), 'parameters.method', undefined) }), '422 VALIDATION_FAILED parameters.method'],
  ['no amount.currency', () => ({ body: withValue(validIntent(), 'amount.currency', undefined) }), '422 VALIDATION_FAILED amount.currency'],
  ['no reason', () => ({ body: withValue(validIntent(), 'reason', undefined) }), '422 VALIDATION_FAILED reason'],
  ['an empty reason', () => ({ body: withValue(validIntent(), 'reason', '') }), '422 VALIDATION_FAILED reason'],
  // Bad URLs: an approval must name exactly where the call goes. The problem names the field as the request spells it.
  ['a relative url', () => ({ body: withValue(validIntent(), 'parameters.url', '/v1/refunds') }), '422 VALIDATION_FAILED parameters.url'],
  ['an ftp: url', () => ({ body: withValue(validIntent(), 'parameters.url', 'ftp://files.stripe.com/refunds.csv') }), '422 VALIDATION_FAILED parameters.url'],
  ['a javascript: url', () => ({ body: withValue(validIntent(), 'parameters.url', 'javascript:alert(1)') }), '422 VALIDATION_FAILED parameters.url'],
  ['a url with no host', () => ({ body: withValue(validIntent(), 'parameters.url', 'https://') }), '422 VALIDATION_FAILED parameters.url'],
  ['an empty url', () => ({ body: withValue(validIntent(), 'parameters.url', '') }), '422 VALIDATION_FAILED parameters.url'],
  ['a url over 2048 characters', () => ({ body: withValue(validIntent(), 'parameters.url', `https://api.stripe.com/${'a'.repeat(2048)}`) }), '422 VALIDATION_FAILED parameters.url'],
  // Bad methods.
  ['method FETCH', () => ({ body: withValue(validIntent(), 'parameters.method', 'FETCH') }), '422 VALIDATION_FAILED parameters.method'],
  ['method CONNECT', () => ({ body: withValue(validIntent(), 'parameters.method', 'CONNECT') }), '422 VALIDATION_FAILED parameters.method'],
  ['method as a number', () => ({ body: withValue(validIntent(), 'parameters.method', 1) }), '422 VALIDATION_FAILED parameters.method'],
  // Bad amounts.
  ['a negative amount', () => ({ body: withValue(validIntent(), 'amount.value', -42) }), '422 VALIDATION_FAILED amount.value'],
  ['a NaN amount (as the string JSON allows)', () => ({ body: withValue(validIntent(), 'amount.value', 'NaN') }), '422 VALIDATION_FAILED amount.value'],
  ['an infinite amount (1e400)', () => ({ rawBody: JSON.stringify(validIntent()).replace('"value":42', '"value":1e400') }), '422 VALIDATION_FAILED amount.value'],
  ['an absurd amount (1e16)', () => ({ body: withValue(validIntent(), 'amount.value', 1e16) }), '422 VALIDATION_FAILED amount.value'],
  ['a lower-case currency', () => ({ body: withValue(validIntent(), 'amount.currency', 'eur') }), '422 VALIDATION_FAILED amount.currency'],
  ['a four-letter currency', () => ({ body: withValue(validIntent(), 'amount.currency', 'EURO') }), '422 VALIDATION_FAILED amount.currency'],
  // Numbers JSON can spell but no call can carry (1e400 parses as Infinity): they must reach neither the digest nor the store.
  ['an infinite number in the call body', () => ({ rawBody: JSON.stringify(validIntent()).replace('"amount":4200', '"amount":1e400') }), '422 VALIDATION_FAILED parameters.body.amount'],
  ['an infinite number in estimated_cost', () => ({ rawBody: JSON.stringify({ ...validIntent(), estimated_cost: { usd: 1 } }).replace('"usd":1', '"usd":1e400') }), '422 VALIDATION_FAILED estimated_cost.usd'],
  // expires_in out of range.
  ['expires_in 9', () => ({ body: withValue(validIntent(), 'expires_in', 9) }), '422 VALIDATION_FAILED expires_in'],
  ['expires_in 3601', () => ({ body: withValue(validIntent(), 'expires_in', 3601) }), '422 VALIDATION_FAILED expires_in'],
  ['expires_in 0', () => ({ body: withValue(validIntent(), 'expires_in', 0) }), '422 VALIDATION_FAILED expires_in'],
  ['expires_in -300', () => ({ body: withValue(validIntent(), 'expires_in', -300) }), '422 VALIDATION_FAILED expires_in'],
  ['expires_in 10.5', () => ({ body: withValue(validIntent(), 'expires_in', 10.5) }), '422 VALIDATION_FAILED expires_in'],
  // named_intent and target with bad characters.
  ['named_intent in upper case', () => ({ body: withValue(validIntent(), 'named_intent', 'Stripe:Refunds:Create') }), '422 VALIDATION_FAILED named_intent'],
  ['named_intent with a space', () => ({ body: withValue(validIntent(), 'named_intent', 'stripe refunds') }), '422 VALIDATION_FAILED named_intent'],
  ['named_intent with a slash', () => ({ body: withValue(validIntent(), 'named_intent', 'stripe/refunds/../create') }), '422 VALIDATION_FAILED named_intent'],
  ['named_intent with markup', () => ({ body: withValue(validIntent(), 'named_intent', '<script>alert(1)</script>') }), '422 VALIDATION_FAILED named_intent'],
  ['named_intent starting with a colon', () => ({ body: withValue(validIntent(), 'named_intent', ':refunds') }), '422 VALIDATION_FAILED named_intent'],
  ['an empty named_intent', () => ({ body: withValue(validIntent(), 'named_intent', '') }), '422 VALIDATION_FAILED named_intent'],
  ['named_intent over 128 characters', () => ({ body: withValue(validIntent(), 'named_intent', `stripe:${'a'.repeat(130)}`) }), '422 VALIDATION_FAILED named_intent'],
  ['target with upper case', () => ({ body: withValue(validIntent(), 'target', 'Stripe') }), '422 VALIDATION_FAILED target'],
  // Over-long strings.
  ['a reason over 1000 characters', () => ({ body: withValue(validIntent(), 'reason', 'r'.repeat(1001)) }), '422 VALIDATION_FAILED reason'],
  ['an action over 200 characters', () => ({ body: withValue(validIntent(), 'action', 'a'.repeat(201)) }), '422 VALIDATION_FAILED action'],
  // Bodies that are not JSON objects, or hostile ones.
  ['a JSON array', () => ({ rawBody: '[]' }), ANY_VALIDATION_FAILURE],
  ['a JSON string', () => ({ rawBody: '"stripe:refunds:create"' }), ANY_VALIDATION_FAILURE],
  ['a __proto__ key in the call body', () => ({ rawBody: JSON.stringify(validIntent()).replace('"charge":', '"__proto__":{"approved":true},"charge":') }), '400 MALFORMED_JSON'],
  ['a call body nested 40 deep', () => ({ rawBody: JSON.stringify(validIntent()).replace('"amount":4200', `"amount":${'{"x":'.repeat(40)}1${'}'.repeat(40)}`) }), '400 BODY_TOO_DEEP'],
];

describe('malformed intents', () => {
  it.each([
    ['POST /v1/intents', '/v1/intents'],
    ['POST /v1/intents/simulate', '/v1/intents/simulate'],
  ])('given a live passport, when %s is sent each kind of malformed intent, then each gets its 4xx problem naming the field, and nothing is stored', async (_, path) => {
    await expectOutcomes(BAD_INTENTS.map(([name, request, expected]) => [name, () => send('POST', path, { token: bot.token, ...request() }), expected]));
  });

  it('given a live passport, when a well-formed intent is sent as text/plain or form data, then 415 and nothing is stored', async () => {
    await expectOutcomes([
      ['text/plain', () => send('POST', '/v1/intents', { token: bot.token, rawBody: JSON.stringify(validIntent()), headers: { 'content-type': 'text/plain' } }), '415 UNSUPPORTED_MEDIA_TYPE'],
      ['form', () => send('POST', '/v1/intents', { token: bot.token, rawBody: 'named_intent=stripe', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), '415 UNSUPPORTED_MEDIA_TYPE'],
    ]);
  });

  it('given a well-formed intent, when it comes with a tenant key, no credentials or a garbage token instead of a passport, then 401/403 and nothing is stored', async () => {
    await expectOutcomes([
      ['admin key', () => send('POST', '/v1/intents', { token: A.adminKey, body: validIntent() }), '403 FORBIDDEN'],
      ['approver key', () => send('POST', '/v1/intents', { token: approverA, body: validIntent() }), '403 FORBIDDEN'],
      ['simulate with an approver key', () => send('POST', '/v1/intents/simulate', { token: approverA, body: validIntent() }), '403 FORBIDDEN'],
      ['no credentials', () => send('POST', '/v1/intents', { body: validIntent() }), '401 UNAUTHENTICATED'],
      ['garbage token', () => send('POST', '/v1/intents', { token: 'eyJhbGciOiJFZERTQSJ9.e30.AAAA', body: validIntent() }), '401 UNAUTHENTICATED'],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('malformed decisions', () => {
  it('given a pending intent, when approve or reject is sent a malformed note or names an approver in the body, then 4xx problems and the intent stays pending with nothing stored', async () => {
    const cases: Array<[string, () => Promise<Reply>, unknown]> = [];
    for (const verb of ['approve', 'reject']) {
      const path = `/v1/intents/${pending.id}/${verb}`;
      cases.push(
        [`${verb}: malformed JSON`, () => send('POST', path, { token: approverA, rawBody: '{"note": ' }), '400 MALFORMED_JSON'],
        [`${verb}: the approver named in the body`, () => send('POST', path, { token: approverA, body: { approver: 'key_someone_else' } }), '422 VALIDATION_FAILED approver'],
        [`${verb}: note as a number`, () => send('POST', path, { token: approverA, body: { note: 5 } }), '422 VALIDATION_FAILED note'],
        [`${verb}: note over 1000 characters`, () => send('POST', path, { token: approverA, body: { note: 'n'.repeat(1001) } }), '422 VALIDATION_FAILED note'],
        [`${verb}: a JSON array`, () => send('POST', path, { token: approverA, rawBody: '[]' }), ANY_VALIDATION_FAILURE],
      );
    }
    await expectOutcomes(cases);
    expect((await send('GET', `/v1/intents/${pending.id}`, { token: approverA })).body).toMatchObject({ status: 'pending', approvals: { given: [] } });
  });

  it('given a pending intent, when an auditor, an operator, the agent itself, the instance admin or nobody tries to decide it, then 401/403 and nothing is stored', async () => {
    const who: Array<[string, string | undefined, string]> = [
      ['auditor key', auditorA, '403 FORBIDDEN'],
      ['operator key', operatorA, '403 FORBIDDEN'],
      ['its own passport', bot.token, '403 FORBIDDEN'],
      ['instance admin key', ADMIN_KEY, '403 FORBIDDEN'],
      ['no credentials', undefined, '401 UNAUTHENTICATED'],
    ];
    const cases: Array<[string, () => Promise<Reply>, unknown]> = [];
    for (const verb of ['approve', 'reject']) {
      for (const [name, token, expected] of who) cases.push([`${verb} by ${name}`, () => send('POST', `/v1/intents/${pending.id}/${verb}`, { token, body: { note: 'ok' } }), expected]);
    }
    await expectOutcomes(cases);
    expect((await send('GET', `/v1/intents/${pending.id}`, { token: A.adminKey })).body).toMatchObject({ status: 'pending', approvals: { given: [] } });
  });

  it('given ids that name no intent of this tenant, when they are read, approved, rejected or consumed, then 404 NOT_FOUND and nothing is stored', async () => {
    const ids = ['int_doesnotexist00', 'nonsense', `int_${'a'.repeat(65)}`, 'int_a.b', 'int_%2e%2e', 'toString', '__proto__'];
    const cases: Array<[string, () => Promise<Reply>, unknown]> = [];
    for (const id of ids) {
      cases.push(
        [`GET ${id}`, () => send('GET', `/v1/intents/${id}`, { token: approverA }), '404 NOT_FOUND'],
        [`GET ${id} by passport, waiting`, () => send('GET', `/v1/intents/${id}?wait=5`, { token: bot.token }), '404 NOT_FOUND'],
        [`approve ${id}`, () => send('POST', `/v1/intents/${id}/approve`, { token: approverA, body: {} }), '404 NOT_FOUND'],
        [`reject ${id}`, () => send('POST', `/v1/intents/${id}/reject`, { token: approverA, body: {} }), '404 NOT_FOUND'],
        [`consume ${id}`, () => send('POST', `/v1/intents/${id}/consume`, { token: bot.token, body: validConsume() }), '404 NOT_FOUND'],
      );
    }
    // An approval id is not an intent id for people.
    const approvalId = pending.id.replace(/^int_/, 'apr_');
    cases.push(
      [`GET ${approvalId}`, () => send('GET', `/v1/intents/${approvalId}`, { token: approverA }), '404 NOT_FOUND'],
      [`approve ${approvalId}`, () => send('POST', `/v1/intents/${approvalId}/approve`, { token: approverA, body: {} }), '404 NOT_FOUND'],
    );
    // Tenant B's people and passports, on tenant A's real intents.
    cases.push(
      ["tenant B's approver approving A's intent", () => send('POST', `/v1/intents/${pending.id}/approve`, { token: approverB, body: {} }), '404 NOT_FOUND'],
      ["tenant B's approver rejecting A's intent", () => send('POST', `/v1/intents/${pending.id}/reject`, { token: approverB, body: {} }), '404 NOT_FOUND'],
      ["tenant B's passport consuming A's approval", () => send('POST', `/v1/intents/${approved.id}/consume`, { token: botB.token, body: validConsume() }), '404 NOT_FOUND'],
      ["tenant B's passport reading A's intent", () => send('GET', `/v1/intents/${approved.id}`, { token: botB.token }), '404 NOT_FOUND'],
    );
    await expectOutcomes(cases);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('malformed calls at the gate', () => {
  it('given an approved intent, when consume is sent a malformed call, then each gets its 4xx problem, the approval is not touched, and nothing is stored', async () => {
    const path = `/v1/intents/${approved.id}/consume`;
    const cases: Array<[string, { body?: Record<string, unknown>; rawBody?: string }, unknown]> = [
      ['malformed JSON', { rawBody: '{"service": "stripe", "url": ' }, '400 MALFORMED_JSON'],
      ['an empty body', { body: {} }, '422 VALIDATION_FAILED method,service,url'],
      ['an unknown field', { body: { ...validConsume(), approval_id: approved.approval_id } }, '422 VALIDATION_FAILED approval_id'],
      ['service in upper case', { body: { ...validConsume(), service: 'Stripe' } }, '422 VALIDATION_FAILED service'],
      ['method FETCH', { body: { ...validConsume(), method: 'FETCH' } }, '422 VALIDATION_FAILED method'],
      ['url as a number', { body: { ...validConsume(), url: 42 } }, '422 VALIDATION_FAILED url'],
      ['a relative url', { body: { ...validConsume(), url: '/v1/refunds' } }, '422 VALIDATION_FAILED url'],
      ['an ftp: url', { body: { ...validConsume(), url: 'ftp://api.stripe.com/v1/refunds' } }, '422 VALIDATION_FAILED url'],
      ['a negative amount', { body: withValue(validConsume(), 'amount.value', -42) }, '422 VALIDATION_FAILED amount.value'],
      ['a lower-case currency', { body: withValue(validConsume(), 'amount.currency', 'eur') }, '422 VALIDATION_FAILED amount.currency'],
      ['an infinite number in the call body', { rawBody: JSON.stringify(validConsume()).replace('"amount":4200', '"amount":1e400') }, '422 VALIDATION_FAILED body.amount'],
    ];
    await expectOutcomes(cases.map(([name, request, expected]) => [name, () => send('POST', path, { token: bot.token, ...request }), expected]));
    expect((await send('GET', `/v1/intents/${approved.id}`, { token: bot.token })).body.consumed).toBe(false);
  });

  it('given an approved intent, when a gated tool call is malformed (no request, a bad request, an unknown approval), then 4xx problems, no tool call is logged and nothing is stored', async () => {
    const path = `/v1/passports/${bot.jti}/actions`;
    const gated = (extra: Record<string, unknown>) => ({ service: 'stripe', action: 'refunds.create', approval_id: approved.approval_id, ...extra });
    const cases: Array<[string, { body?: Record<string, unknown>; rawBody?: string }, unknown]> = [
      ['approval_id without a request', { body: gated({}) }, '422 VALIDATION_FAILED request'],
      ['a batch call with approval_id and no request', { body: { calls: [gated({})] } }, '422 VALIDATION_FAILED calls.0.request'],
      ['a request with a bad method', { body: gated({ request: { ...REFUND_CALL, method: 'FETCH' } }) }, '422 VALIDATION_FAILED request.method'],
      ['a request with an unknown field', { body: gated({ request: { ...REFUND_CALL, headers: {} } }) }, '422 VALIDATION_FAILED request.headers'],
      ['a request as a string', { body: gated({ request: 'POST https://api.stripe.com/v1/refunds' }) }, '422 VALIDATION_FAILED request'],
      ['a request with a relative url', { body: gated({ request: { ...REFUND_CALL, url: '/v1/refunds' } }) }, '422 VALIDATION_FAILED request.url'],
      ['an infinite number in the request body', { rawBody: JSON.stringify(gated({ request: REFUND_CALL })).replace('"amount":4200', '"amount":1e400') }, '422 VALIDATION_FAILED request.body.amount'],
      ['approval_id as a number', { body: gated({ approval_id: 7, request: REFUND_CALL }) }, '422 VALIDATION_FAILED approval_id'],
      ['an approval that does not exist', { body: gated({ approval_id: 'apr_doesnotexist00', request: REFUND_CALL }) }, '404 NOT_FOUND'],
    ];
    await expectOutcomes(cases.map(([name, request, expected]) => [name, () => send('POST', path, { token: bot.token, ...request }), expected]));
    expect((await send('GET', `/v1/passports/${bot.jti}`, { token: A.adminKey })).body.actions_logged).toBe(0);
    expect((await send('GET', `/v1/intents/${approved.id}`, { token: bot.token })).body.consumed).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('malformed queries', () => {
  it('given a pending intent, when its long-poll asks for more than 60 s or for a wait that is not a whole number, then 422 at once and nothing is stored', async () => {
    const waits = ['61', '3600', '-1', '1.5', 'abc'];
    const started = Date.now();
    await expectOutcomes(waits.map((wait) => [`wait=${wait}`, () => send('GET', `/v1/intents/${pending.id}?wait=${wait}`, { token: bot.token }), '422 VALIDATION_FAILED wait']));
    // Refused, not parked: a 61 s wait must not hold the connection.
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('given the approval queue, when it is asked for an unknown status, a bad cursor or limit, or by a passport, then 4xx problems', async () => {
    await expectOutcomes([
      ['status=approvedish', () => send('GET', '/v1/intents?status=approvedish', { token: approverA }), '422 VALIDATION_FAILED status'],
      ['limit=0', () => send('GET', '/v1/intents?limit=0', { token: approverA }), '422 VALIDATION_FAILED limit'],
      ['limit=501', () => send('GET', '/v1/intents?limit=501', { token: approverA }), '422 VALIDATION_FAILED limit'],
      ['cursor=../../etc', () => send('GET', '/v1/intents?cursor=../../etc', { token: approverA }), '422 VALIDATION_FAILED cursor'],
      ['an unknown parameter', () => send('GET', '/v1/intents?agent=agt_x', { token: approverA }), '422 VALIDATION_FAILED agent'],
      ['by a passport', () => send('GET', '/v1/intents', { token: bot.token }), '403 FORBIDDEN'],
      ['by the instance admin', () => send('GET', '/v1/intents', { token: ADMIN_KEY }), '403 FORBIDDEN'],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('malformed intent policies', () => {
  const rule = (extra: Record<string, unknown> = {}) => ({ ...validPolicy().rules[0], ...extra });
  const POLICIES: Array<[string, () => { body?: unknown; rawBody?: string }, unknown]> = [
    ['malformed JSON', () => ({ rawBody: '{"default": "deny", "rules": [' }), '400 MALFORMED_JSON'],
    ['an empty body', () => ({ body: {} }), '422 VALIDATION_FAILED default,rules'],
    ['an unknown default decision', () => ({ body: { ...validPolicy(), default: 'maybe' } }), '422 VALIDATION_FAILED default'],
    ['a decision in upper case', () => ({ body: { ...validPolicy(), default: 'DENY' } }), '422 VALIDATION_FAILED default'],
    ['an unknown rule decision', () => ({ body: { ...validPolicy(), rules: [rule({ decision: 'escalate' })] } }), '422 VALIDATION_FAILED rules.0.decision'],
    ['a rule with no decision', () => ({ body: { ...validPolicy(), rules: [withValue(rule(), 'decision', undefined)] } }), '422 VALIDATION_FAILED rules.0.decision'],
    ['an unknown top-level field', () => ({ body: { ...validPolicy(), version: 2 } }), '422 VALIDATION_FAILED version'],
    ['an unknown field in a rule', () => ({ body: { ...validPolicy(), rules: [rule({ priority: 1 })] } }), '422 VALIDATION_FAILED rules.0.priority'],
    ['an unknown field in a match', () => ({ body: { ...validPolicy(), rules: [rule({ match: { agent_id: 'agt_x' } })] } }), '422 VALIDATION_FAILED rules.0.match.agent_id'],
    ['101 rules', () => ({ body: { ...validPolicy(), rules: Array.from({ length: 101 }, (_, i) => rule({ name: `rule-${i}` })) } }), '422 VALIDATION_FAILED rules'],
    ['rules as an object', () => ({ body: { ...validPolicy(), rules: { first: rule() } } }), ANY_VALIDATION_FAILURE],
    ['a rule that is a number', () => ({ body: { ...validPolicy(), rules: [1] } }), ANY_VALIDATION_FAILURE],
    ['a rule with no match', () => ({ body: { ...validPolicy(), rules: [withValue(rule(), 'match', undefined)] } }), '422 VALIDATION_FAILED rules.0.match'],
    ['a rule with no name', () => ({ body: { ...validPolicy(), rules: [withValue(rule(), 'name', undefined)] } }), '422 VALIDATION_FAILED rules.0.name'],
    ['a rule name over 100 characters', () => ({ body: { ...validPolicy(), rules: [rule({ name: 'n'.repeat(101) })] } }), '422 VALIDATION_FAILED rules.0.name'],
    ['approvals 0', () => ({ body: { ...validPolicy(), rules: [rule({ decision: 'require_approval', approvals: 0 })] } }), '422 VALIDATION_FAILED rules.0.approvals'],
    ['approvals 11', () => ({ body: { ...validPolicy(), rules: [rule({ decision: 'require_approval', approvals: 11 })] } }), '422 VALIDATION_FAILED rules.0.approvals'],
    ['approvals as a string', () => ({ body: { ...validPolicy(), rules: [rule({ decision: 'require_approval', approvals: '2' })] } }), '422 VALIDATION_FAILED rules.0.approvals'],
    ['default_approvals 0', () => ({ body: { ...validPolicy(), default_approvals: 0 } }), '422 VALIDATION_FAILED default_approvals'],
    ['a match amount that is not a number', () => ({ body: { ...validPolicy(), rules: [rule({ match: { amount_max: 'fifty' } })] } }), '422 VALIDATION_FAILED rules.0.match.amount_max'],
    ['an infinite match amount', () => ({ rawBody: JSON.stringify(validPolicy()).replace('"amount_max":50', '"amount_max":1e400') }), '422 VALIDATION_FAILED rules.0.match.amount_max'],
    ['a lower-case match currency', () => ({ body: { ...validPolicy(), rules: [rule({ match: { currency: 'eur' } })] } }), '422 VALIDATION_FAILED rules.0.match.currency'],
    ['a match method FETCH', () => ({ body: { ...validPolicy(), rules: [rule({ match: { method: 'FETCH' } })] } }), '422 VALIDATION_FAILED rules.0.match.method'],
    ['a match named_intent with a space', () => ({ body: { ...validPolicy(), rules: [rule({ match: { named_intent: 'stripe refunds' } })] } }), '422 VALIDATION_FAILED rules.0.match.named_intent'],
    ['a match service in upper case', () => ({ body: { ...validPolicy(), rules: [rule({ match: { service: 'Stripe' } })] } }), '422 VALIDATION_FAILED rules.0.match.service'],
  ];

  it('given a tenant admin, when each kind of malformed policy is PUT, then each gets its 4xx problem naming the field, nothing is stored and the policy is unchanged', async () => {
    const before = await send('GET', '/v1/policies/intents', { token: A.adminKey });
    expect(before.body).toEqual({ default: 'require_approval', default_approvals: 1, rules: [] });
    await expectOutcomes(POLICIES.map(([name, request, expected]) => [name, () => send('PUT', '/v1/policies/intents', { token: A.adminKey, ...request() }), expected]));
    expect((await send('GET', '/v1/policies/intents', { token: A.adminKey })).body).toEqual(before.body);
  });

  it('given a valid policy, when anyone but a tenant admin PUTs it, then 401/403 and nothing is stored', async () => {
    const put = (token?: string) => () => send('PUT', '/v1/policies/intents', { token, body: validPolicy() });
    await expectOutcomes([
      ['approver key', put(approverA), '403 FORBIDDEN'],
      ['operator key', put(operatorA), '403 FORBIDDEN'],
      ['auditor key', put(auditorA), '403 FORBIDDEN'],
      ['a passport', put(bot.token), '403 FORBIDDEN'],
      ['the instance admin', put(ADMIN_KEY), '403 FORBIDDEN'],
      ['no credentials', put(undefined), '401 UNAUTHENTICATED'],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('the whole suite', () => {
  it('given every request sent above, when their answers are tallied, then none was a 5xx', () => {
    expect(answered.length).toBeGreaterThan(300);
    expect(answered.filter((a) => a.status >= 500)).toEqual([]);
  });
});
