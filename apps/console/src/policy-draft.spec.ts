import { draftOf, emptyRule, moveRule, parseCall, policyFromDraft } from './policy-draft';
import type { PolicyView } from './types';

const saved: PolicyView = {
  default: 'require_approval',
  default_approvals: 2,
  rules: [
    { name: 'small-refunds', match: { named_intent: 'stripe:refunds:*', currency: 'EUR', amount_max: 50 }, decision: 'auto_approve' },
    { name: 'github-by-three', match: { service: 'github', method: 'DELETE' }, decision: 'require_approval', approvals: 3 },
  ],
};

describe('the policy as the table edits it', () => {
  it('given a saved policy, when it is shown in the table and sent back unchanged, then the body is the saved policy', () =>
    expect(policyFromDraft(draftOf(saved))).toEqual(saved));

  it('given a new rule with only a name and a decision, then it is sent with no conditions: it matches every intent', () =>
    expect(policyFromDraft({ ...draftOf(saved), rules: [{ ...emptyRule(), name: 'everything', decision: 'deny' }] }).rules).toEqual([{ name: 'everything', match: {}, decision: 'deny' }]));

  it('given an amount typed with spaces, then it is sent as a number; given one that is no number, then it is sent as typed for the server to refuse by name', () => {
    const draft = draftOf(saved);
    draft.rules[0].amount_max = ' 49.5 ';
    draft.rules[1].amount_min = 'lots';
    const [small, github] = policyFromDraft(draft).rules;
    expect(small.match.amount_max).toBe(49.5);
    expect(github.match.amount_min).toBe('lots');
  });

  it('given the default approvals left empty, then they are not sent (the server reads one)', () =>
    expect(policyFromDraft({ ...draftOf(saved), default_approvals: '' })).not.toHaveProperty('default_approvals'));
});

describe('moving a rule', () => {
  const rules = draftOf(saved).rules;
  it('given two rules, when the second moves up, then it decides first', () => expect(moveRule(rules, 1, -1).map((r) => r.name)).toEqual(['github-by-three', 'small-refunds']));
  it('given the first rule, when it moves up, then nothing changes', () => expect(moveRule(rules, 0, -1)).toBe(rules));
});

describe('a pasted call', () => {
  it('given a JSON object, then it is the call', () => expect(parseCall('{"named_intent": "x"}')).toEqual({ call: { named_intent: 'x' } }));
  it.each([
    ['nothing', '  ', /^Paste a call first/],
    ['JSON cut short', '{"named_intent": ', /^The call is not valid JSON: /],
    ['a JSON array', '[1, 2]', /^The call must be a JSON object/],
    ['JSON null', 'null', /^The call must be a JSON object/],
  ])('given %s, then there is a problem to show and nothing to send', (_what, pasted, problem) => expect(parseCall(pasted)).toEqual({ problem: expect.stringMatching(problem) }));
});
