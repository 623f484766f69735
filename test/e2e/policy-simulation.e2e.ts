/**
 * Simulating a policy for people: an operator editing the intent policy asks what THIS policy, saved or not, would
 * decide for THIS intent, with an operator key and no passport. Nothing is stored, so the store head does not move;
 * and what a simulation of a policy says is what submit decides once that policy is saved.
 */
import { newTenant, Reply, Tenant } from './support/client';
import { MandateProcess, MandateServer } from './support/server';
import { expectProblem, storeProbe, tallied, withValue } from './support/problems';

let server: MandateServer;
const { answered, send } = tallied(() => server);
const { head } = storeProbe(send);

const SIMULATE = '/v1/policies/intents/simulate';

const refundIntent = (overrides: Record<string, unknown> = {}): Record<string, any> => ({
  named_intent: 'stripe:refunds:create',
  target: 'stripe',
  action: 'POST /v1/refunds',
  parameters: { url: 'https://api.stripe.com/v1/refunds', method: 'POST', body: { charge: 'ch_4821', amount: 4200 } },
  amount: { value: 42, currency: 'EUR' },
  ...overrides,
});
/** Refunds up to 50 EUR go through; refunds over 500 EUR are denied; the rest waits for two people. */
const refundPolicy = (): Record<string, any> => ({
  default: 'require_approval',
  default_approvals: 2,
  rules: [
    { name: 'small-refunds', match: { named_intent: 'stripe:refunds:*', currency: 'EUR', amount_max: 50 }, decision: 'auto_approve' },
    { name: 'huge-refunds', match: { named_intent: 'stripe:refunds:*', amount_min: 500 }, decision: 'deny' },
  ],
});

const simulate = (token: string, body: Record<string, unknown>) => send('POST', SIMULATE, { token, body });

/** The answer of a simulation, as one line a failure can show. */
const verdictOf = (reply: Reply) => ({ status: reply.status, ...reply.body });

/** The fields a VALIDATION_FAILED problem names, sorted. */
const fieldsOf = (reply: Reply): string[] => [...new Set<string>((reply.body?.errors ?? []).map((e: { field: string }) => e.field))].sort();

let tenant: Tenant;
let keys: Record<'admin' | 'operator' | 'approver' | 'auditor', string>;

beforeAll(async () => {
  server = await MandateProcess.start();
  tenant = await newTenant(server, 'policy-simulation');
  keys = { admin: tenant.adminKey, operator: await tenant.key('operator'), approver: await tenant.key('approver'), auditor: await tenant.key('auditor') };
});
afterAll(async () => {
  await server?.stop();
});

describe('simulating an unsaved policy', () => {
  it.each(['admin', 'operator', 'approver', 'auditor'] as const)(
    'given a policy not saved, when an %s simulates a small, a middling and a huge refund under it, then each gets that policy\'s decision and why, and nothing is stored',
    async (role) => {
      const before = await head();
      const answers = {
        small: verdictOf(await simulate(keys[role], { policy: refundPolicy(), intent: refundIntent() })),
        middling: verdictOf(await simulate(keys[role], { policy: refundPolicy(), intent: refundIntent({ amount: { value: 120, currency: 'EUR' } }) })),
        huge: verdictOf(await simulate(keys[role], { policy: refundPolicy(), intent: refundIntent({ amount: { value: 900, currency: 'EUR' } }) })),
      };
      expect(answers).toEqual({
        small: { status: 200, decision: 'auto_approve', approvals_required: 0, rule: 'small-refunds', reason: 'rule "small-refunds" matched' },
        middling: { status: 200, decision: 'require_approval', approvals_required: 2, rule: null, reason: 'no rule matched: the default applies' },
        huge: { status: 200, decision: 'deny', approvals_required: 0, rule: 'huge-refunds', reason: 'rule "huge-refunds" matched' },
      });
      expect(await head()).toBe(before);
    },
  );

  it('given no policy in the body, when an operator simulates, then the saved policy decides; and once a policy is saved, the simulation of it and submit agree', async () => {
    const acme = await newTenant(server, 'saved-policy');
    const operator = await acme.key('operator');
    expect(verdictOf(await simulate(operator, { intent: refundIntent() }))).toEqual({
      status: 200,
      decision: 'require_approval',
      approvals_required: 1,
      rule: null,
      reason: 'no rule matched: the default applies',
    });
    const unsaved = verdictOf(await simulate(operator, { policy: refundPolicy(), intent: refundIntent() }));
    expect(unsaved).toMatchObject({ decision: 'auto_approve', rule: 'small-refunds' });

    expect((await send('PUT', '/v1/policies/intents', { token: acme.adminKey, body: refundPolicy() })).status).toBe(200);
    expect(verdictOf(await simulate(operator, { intent: refundIntent() }))).toEqual(unsaved);
    const agentId = await acme.agent('enforced', 'refund-bot');
    const passport = await acme.passport(agentId, { ttl_seconds: 3600, intent: { summary: 'refund duplicate charges', services: ['stripe'] } });
    const submitted = await send('POST', '/v1/intents', { token: passport.token, body: { ...refundIntent(), reason: 'charged twice', expires_in: 3600 } });
    expect([submitted.status, submitted.body.status]).toEqual([201, 'approved']);
  });

  it('given a rule asking quorum 3 and a default that denies, when a call matches no rule, then the default decides with no approvals; when it matches, three are required', async () => {
    const policy = { default: 'deny', rules: [{ name: 'github-by-three', match: { service: 'github', method: 'DELETE' }, decision: 'require_approval', approvals: 3 }] };
    const repoDelete = refundIntent({ named_intent: 'github:repos:delete', target: 'github', action: 'DELETE /repos/x', parameters: { url: 'https://api.github.com/repos/acme/x', method: 'DELETE' }, amount: undefined });
    expect(verdictOf(await simulate(keys.operator, { policy, intent: repoDelete }))).toMatchObject({ decision: 'require_approval', approvals_required: 3, rule: 'github-by-three' });
    expect(verdictOf(await simulate(keys.operator, { policy, intent: refundIntent() }))).toMatchObject({ decision: 'deny', approvals_required: 0, rule: null });
  });
});

describe('what is refused', () => {
  it('given bad bodies and credentials, when each is sent, then each gets a problem with a stable code naming what is wrong, and nothing is stored', async () => {
    const bot = await tenant.passport(await tenant.agent('enforced', 'sim-bot'), { ttl_seconds: 600, intent: { summary: 'x', services: ['stripe'] } });
    const valid = () => ({ policy: refundPolicy(), intent: refundIntent() });
    const cases: Array<[string, () => Promise<Reply>, string]> = [
      ['no credential', () => send('POST', SIMULATE, { body: valid() }), '401 UNAUTHENTICATED'],
      ['a passport', () => simulate(bot.token, valid()), '403 FORBIDDEN'],
      ['an empty body', () => simulate(keys.operator, {}), '422 VALIDATION_FAILED intent'],
      ['an unknown top-level field', () => simulate(keys.operator, { ...valid(), save: true }), '422 VALIDATION_FAILED save'],
      ['an unknown field in the intent', () => simulate(keys.operator, withValue(valid(), 'intent.reason', 'x')), '422 VALIDATION_FAILED intent.reason'],
      ['an unknown field in a rule match', () => simulate(keys.operator, withValue(valid(), 'policy.rules.0.match.host', 'x')), '422 VALIDATION_FAILED policy.rules.0.match.host'],
      ['a rule decision that is not one', () => simulate(keys.operator, withValue(valid(), 'policy.rules.1.decision', 'maybe')), '422 VALIDATION_FAILED policy.rules.1.decision'],
      ['a policy with no default', () => simulate(keys.operator, withValue(valid(), 'policy.default', undefined)), '422 VALIDATION_FAILED policy.default'],
      ['a named intent that is not one', () => simulate(keys.operator, withValue(valid(), 'intent.named_intent', 'Refund Everything')), '422 VALIDATION_FAILED intent.named_intent'],
      ['a call with no method', () => simulate(keys.operator, withValue(valid(), 'intent.parameters.method', undefined)), '422 VALIDATION_FAILED intent.parameters.method'],
      ['a call to a URL that is not http(s)', () => simulate(keys.operator, withValue(valid(), 'intent.parameters.url', 'ftp://stripe.com/x')), '422 VALIDATION_FAILED intent.parameters.url'],
      ['an amount in no currency', () => simulate(keys.operator, withValue(valid(), 'intent.amount.currency', 'euros')), '422 VALIDATION_FAILED intent.amount.currency'],
    ];
    const before = await head();
    const replies: Record<string, Reply> = {};
    for (const [name, request] of cases) replies[name] = await request();
    const summary = Object.fromEntries(Object.entries(replies).map(([name, r]) => [name, `${r.status} ${r.body?.code}${fieldsOf(r).length ? ` ${fieldsOf(r).join(',')}` : ''}`]));
    expect(summary).toEqual(Object.fromEntries(cases.map(([name, , expected]) => [name, expected])));
    for (const reply of Object.values(replies)) expectProblem(reply, reply.status);
    expect(await head()).toBe(before);
  });

  it('given every request of this file, then none was answered with a 5xx', () => {
    expect(answered.filter((a) => a.status >= 500)).toEqual([]);
  });
});
