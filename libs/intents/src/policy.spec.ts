import { fold, specFor } from '@mandate/core';
import { Amount } from './intent';
import { DEFAULT_POLICY, evaluatePolicy, IntentPolicy, policyOf, PolicyRule, PolicySubject } from './policy';
import { PolicyEvent, policyDecider, policyStream } from './policy-stream';

const refund = (amount: Amount | null = { value: 50, currency: 'USD' }, overrides: Partial<PolicySubject> = {}): PolicySubject => ({
  namedIntent: 'refund.partial',
  service: 'stripe',
  method: 'POST',
  amount,
  ...overrides,
});

/** A policy whose default is told apart from every rule, so a spec can see which one decided. */
const only = (...rules: PolicyRule[]): IntentPolicy => ({ default: 'deny', default_approvals: 0, rules });
const rule = (match: PolicyRule['match'], overrides: Partial<PolicyRule> = {}): PolicyRule => ({ name: 'r', match, decision: 'auto_approve', ...overrides });
const matched = (policy: IntentPolicy, subject: PolicySubject) => evaluatePolicy(policy, subject).rule !== null;

describe('the default policy', () => {
  it('given no policy was set, then every intent waits for one person', () =>
    expect(evaluatePolicy(DEFAULT_POLICY, refund())).toEqual({
      decision: 'require_approval',
      approvalsRequired: 1,
      rule: null,
      reason: 'no rule matched: the default applies',
    }));

  it('given no rule matches and the default requires approval, then the default number of approvals applies', () =>
    expect(evaluatePolicy({ default: 'require_approval', default_approvals: 3, rules: [rule({ service: 'github' })] }, refund())).toEqual({
      decision: 'require_approval',
      approvalsRequired: 3,
      rule: null,
      reason: 'no rule matched: the default applies',
    }));

  it.each(['auto_approve', 'deny'] as const)('given no rule matches and the default is %s, then no approvals are required', (decision) =>
    expect(evaluatePolicy({ default: decision, default_approvals: 2, rules: [] }, refund())).toEqual({
      decision,
      approvalsRequired: 0,
      rule: null,
      reason: 'no rule matched: the default applies',
    }));
});

describe('rules', () => {
  it('given two rules that both match, then the first one decides', () =>
    expect(
      evaluatePolicy(only(rule({ service: 'stripe' }, { name: 'stripe-by-hand', decision: 'require_approval', approvals: 2 }), rule({ named_intent: 'refund.*' }, { name: 'refunds-auto' })), refund()),
    ).toEqual({ decision: 'require_approval', approvalsRequired: 2, rule: 'stripe-by-hand', reason: 'rule "stripe-by-hand" matched' }));

  it('given a first rule that does not match, then the next matching rule decides', () =>
    expect(evaluatePolicy(only(rule({ service: 'github' }, { name: 'github', decision: 'deny' }), rule({ service: 'stripe' }, { name: 'stripe' })), refund())).toMatchObject({
      decision: 'auto_approve',
      rule: 'stripe',
    }));

  it('given a rule with no conditions, then it matches every intent', () => expect(matched(only(rule({})), refund(null))).toBe(true));

  it('given a matched require_approval rule that names no number, then one approval is required', () =>
    expect(evaluatePolicy(only(rule({}, { decision: 'require_approval' })), refund())).toMatchObject({ decision: 'require_approval', approvalsRequired: 1 }));

  it('given a matched require_approval rule for a quorum of three, then three approvals are required', () =>
    expect(evaluatePolicy(only(rule({}, { decision: 'require_approval', approvals: 3 })), refund())).toMatchObject({ approvalsRequired: 3 }));

  it.each(['auto_approve', 'deny'] as const)('given a matched %s rule that names approvals anyway, then no approvals are required', (decision) =>
    expect(evaluatePolicy(only(rule({}, { decision, approvals: 2 })), refund())).toMatchObject({ decision, approvalsRequired: 0 }));

  it('given a rule with several conditions, then all of them must match', () => {
    const policy = only(rule({ named_intent: 'refund.*', service: 'stripe', method: 'POST', currency: 'USD', amount_max: 100 }));
    expect(matched(policy, refund())).toBe(true);
    expect(matched(policy, refund(undefined, { service: 'paypal' }))).toBe(false);
    expect(matched(policy, refund(undefined, { method: 'DELETE' }))).toBe(false);
    expect(matched(policy, refund(undefined, { namedIntent: 'payout' }))).toBe(false);
    expect(matched(policy, refund({ value: 50, currency: 'EUR' }))).toBe(false);
    expect(matched(policy, refund({ value: 101, currency: 'USD' }))).toBe(false);
  });
});

describe('matching the named intent', () => {
  it.each([
    ['refund.partial', 'refund.partial', true],
    ['refund', 'refund.partial', false],
    ['refund.partial', 'refund.partial.extra', false],
    ['refund.*', 'refund.partial', true],
    ['refund.*', 'refund.', true],
    ['refund.*', 'refunds', false],
    ['refund.*', 'refund', false],
    ['refund*', 'refunds', true],
    ['*', 'anything.at.all', true],
    ['Refund.*', 'refund.partial', false],
  ])('given a rule for "%s", when the intent is named "%s", then it matches: %s', (wanted, name, expected) =>
    expect(matched(only(rule({ named_intent: wanted })), refund(undefined, { namedIntent: name }))).toBe(expected));
});

describe('matching the service and method', () => {
  it('given a rule for a service, then only that service matches', () => {
    expect(matched(only(rule({ service: 'stripe' })), refund())).toBe(true);
    expect(matched(only(rule({ service: 'stripe' })), refund(undefined, { service: 'paypal' }))).toBe(false);
  });

  it.each([
    ['POST', 'POST', true],
    ['post', 'POST', true],
    ['POST', 'post', true],
    ['Delete', 'DELETE', true],
    ['DELETE', 'POST', false],
  ])('given a rule for method %s, when the call uses %s, then it matches: %s', (wanted, method, expected) =>
    expect(matched(only(rule({ method: wanted })), refund(undefined, { method }))).toBe(expected));
});

describe('matching the amount', () => {
  it.each([
    [99.99, false],
    [100, false],
    [100.01, true],
    [1_000_000, true],
  ])('given a rule for amounts over 100 (exclusive), when the amount is %s, then it matches: %s', (value, expected) =>
    expect(matched(only(rule({ amount_min: 100 })), refund({ value, currency: 'USD' }))).toBe(expected));

  it.each([
    [0, true],
    [999.99, true],
    [1000, true],
    [1000.01, false],
  ])('given a rule for amounts up to 1000 (inclusive), when the amount is %s, then it matches: %s', (value, expected) =>
    expect(matched(only(rule({ amount_max: 1000 })), refund({ value, currency: 'USD' }))).toBe(expected));

  it.each([
    [100, false],
    [100.5, true],
    [500, true],
    [500.5, false],
  ])('given a rule for the band (100, 500], when the amount is %s, then it matches: %s', (value, expected) =>
    expect(matched(only(rule({ amount_min: 100, amount_max: 500 })), refund({ value, currency: 'USD' }))).toBe(expected));

  it.each([
    ['USD', 'USD', true],
    ['usd', 'USD', true],
    ['USD', 'usd', true],
    ['USD', 'EUR', false],
  ])('given a rule for currency %s, when the amount is in %s, then it matches: %s', (wanted, currency, expected) =>
    expect(matched(only(rule({ currency: wanted })), refund({ value: 50, currency }))).toBe(expected));

  it('given a rule for small USD amounts, when the amount is small but in EUR, then it does not match', () =>
    expect(matched(only(rule({ currency: 'USD', amount_max: 100 })), refund({ value: 10, currency: 'EUR' }))).toBe(false));

  it.each<[string, PolicyRule['match']]>([
    ['a currency', { currency: 'USD' }],
    ['a lower bound', { amount_min: 0 }],
    ['a negative lower bound', { amount_min: -1 }],
    ['an upper bound', { amount_max: 1_000_000 }],
    ['a band', { amount_min: 0, amount_max: 1_000_000 }],
  ])('given a rule about %s, when the intent states no amount, then the rule never matches', (_name, match) =>
    expect(evaluatePolicy(only(rule(match, { name: 'amounts' })), refund(null))).toMatchObject({ decision: 'deny', rule: null }));

  it('given an amount rule first and a catch-all second, when the intent states no amount, then the catch-all decides', () =>
    expect(
      evaluatePolicy(only(rule({ amount_max: 100 }, { name: 'small', decision: 'auto_approve' }), rule({ service: 'stripe' }, { name: 'stripe', decision: 'require_approval' })), refund(null)),
    ).toMatchObject({ rule: 'stripe', decision: 'require_approval', approvalsRequired: 1 }));
});

describe('reading a written policy', () => {
  it('given a written policy that leaves out the default approvals, then the default waits for one person', () =>
    expect(policyOf({ default: 'require_approval', rules: [] })).toEqual({ default: 'require_approval', default_approvals: 1, rules: [] }));

  it('given a rule written with approvals 0, then the rule is kept without them and one approval is what it asks', () => {
    const policy = policyOf({ default: 'deny', rules: [rule({ service: 'stripe' }, { decision: 'require_approval', approvals: 0 })] });
    expect(policy.rules).toEqual([{ name: 'r', match: { service: 'stripe' }, decision: 'require_approval' }]);
    expect(evaluatePolicy(policy, refund())).toMatchObject({ decision: 'require_approval', approvalsRequired: 1 });
  });

  it('given a written policy, when its reading is changed, then the written one is not', () => {
    const written = { default: 'deny' as const, default_approvals: 2, rules: [rule({ service: 'stripe' })] };
    policyOf(written).rules[0].match.service = 'github';
    expect(written.rules[0].match.service).toBe('stripe');
  });
});

describe('a tenant changing its policy', () => {
  const spec = specFor(policyDecider);
  const strict: IntentPolicy = { default: 'deny', default_approvals: 0, rules: [{ name: 'refunds', match: { named_intent: 'refund.*' }, decision: 'require_approval', approvals: 2 }] };
  const lenient: IntentPolicy = { default: 'auto_approve', default_approvals: 0, rules: [] };
  const changed = (policy: IntentPolicy): PolicyEvent => ({ type: 'IntentPolicyChanged', data: { policy } });

  it('given no change yet, then the policy is the default (one approval for everything)', () =>
    expect(policyDecider.initialState).toEqual({ policy: DEFAULT_POLICY, changed: false }));

  it('the default policy requires one approval and has no rules', () =>
    expect(DEFAULT_POLICY).toEqual({ default: 'require_approval', default_approvals: 1, rules: [] }));

  it('given no change yet, when the tenant sets a policy, then the change is the fact', () => spec([]).when({ type: 'ChangeIntentPolicy', policy: strict }).then([changed(strict)]));

  it('given a policy, when the tenant sets another, then the change carries the whole new policy', () =>
    spec([changed(strict)]).when({ type: 'ChangeIntentPolicy', policy: lenient }).then([changed(lenient)]));

  it('given a policy, then it is in force', () => expect(fold(policyDecider, [changed(strict)])).toEqual({ policy: strict, changed: true }));

  it('given two changes, then the second replaces the first as a whole (nothing is merged)', () =>
    expect(fold(policyDecider, [changed(strict), changed(lenient)])).toEqual({ policy: lenient, changed: true }));

  it('given the default policy set explicitly, then it counts as a change', () =>
    expect(fold(policyDecider, [changed(DEFAULT_POLICY)])).toEqual({ policy: DEFAULT_POLICY, changed: true }));

  it("a tenant's policy lives in its own stream", () => expect(policyStream('ten_1')).toBe('policy-ten_1'));
});
