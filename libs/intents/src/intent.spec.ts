// Longer than 300 lines on purpose: the intent decider's rules as given/when/then, one describe per command, so they
// read in the order an intent lives them.
import { Actor, ActorKind, fold, specFor } from '@mandate/core';
import { callShape, CallField, CallRequest, CallShape } from './call-shape';
import { Amount, ApprovalRefusal, approvalIdOf, AuthorizationDetail, IntentEvent, intentIdOfApproval, intentStream } from './intent';
import { APPROVAL_REFUSALS, IntentCommand, intentDecider } from './intent.decide';
import { PolicyVerdict } from './policy';

const spec = specFor(intentDecider);
const T0 = '2026-01-01T10:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();

/** The intent window: submitted at T0, it must be decided before DEADLINE; an approval lives as long once given. */
const TTL = 900;
const DEADLINE = at(TTL);

const ref = { intentId: 'int_1', missionId: 'msn_1', jti: 'pp_1', agentId: 'agt_1' };
const APPROVAL = 'apr_1';
const ada: Actor = { kind: 'operator', id: 'usr_ada' };
const grace: Actor = { kind: 'operator', id: 'usr_grace' };

const refundRequest: CallRequest = {
  url: 'https://api.stripe.com/v1/refunds?charge=ch_1',
  method: 'POST',
  body: { charge: 'ch_1', amount: 5000, metadata: { ticket: 'T-9', reason: 'duplicate' } },
};
const shape = (service: string, request: CallRequest): CallShape => {
  const s = callShape(service, request);
  if (s === null) throw new Error(`no shape for ${request.url}`);
  return s;
};
const refundCall = shape('stripe', refundRequest);
const fifty: Amount = { value: 50, currency: 'USD' };

const detail: AuthorizationDetail = {
  type: 'mandate_intent',
  locations: ['https://api.stripe.com'],
  actions: ['POST'],
  named_intent: 'refund.partial',
  target: 'ch_1',
  action: 'refunds.create',
  parameters: { url: refundRequest.url, method: 'POST', body: refundRequest.body },
  amount: fifty,
  reason: 'customer was charged twice',
};

const needs = (approvalsRequired: number, rule: string | null = 'refunds-by-hand'): PolicyVerdict => ({
  decision: 'require_approval',
  approvalsRequired,
  rule,
  reason: rule ? `rule "${rule}" matched` : 'no rule matched: the default applies',
});
const autoApprove: PolicyVerdict = { decision: 'auto_approve', approvalsRequired: 0, rule: 'small-refunds', reason: 'rule "small-refunds" matched' };
const denied: PolicyVerdict = { decision: 'deny', approvalsRequired: 0, rule: 'no-refunds-on-fridays', reason: 'rule "no-refunds-on-fridays" matched' };

type SubmitIntent = Extract<IntentCommand, { type: 'SubmitIntent' }>;
const mission: SubmitIntent['mission'] = { missionId: 'msn_1', jti: 'pp_1', agentId: 'agt_1', services: ['stripe', 'slack'], accountabilityMode: 'enforced' };
const submit = (overrides: Partial<SubmitIntent> = {}): IntentCommand => ({
  type: 'SubmitIntent',
  intentId: 'int_1',
  mission,
  namedIntent: 'refund.partial',
  service: 'stripe',
  action: 'refunds.create',
  call: refundCall,
  amount: fifty,
  reason: 'customer was charged twice',
  authorizationDetails: [detail],
  expiresInSeconds: TTL,
  verdict: needs(1),
  now: T0,
  ...overrides,
});

const submittedEvent = (verdict: PolicyVerdict, amount: Amount | null = fifty): IntentEvent => ({
  type: 'IntentSubmitted',
  data: {
    ...ref,
    namedIntent: 'refund.partial',
    service: 'stripe',
    action: 'refunds.create',
    call: refundCall,
    amount,
    reason: 'customer was charged twice',
    authorizationDetails: [detail],
    accountabilityMode: 'enforced',
    submittedAt: T0,
    expiresAt: DEADLINE,
    approvalTtlSeconds: TTL,
    policy: { decision: verdict.decision, approvalsRequired: verdict.approvalsRequired, rule: verdict.rule },
  },
});

// Histories, written as facts (the submit specs below pin these facts to what SubmitIntent decides).
const pending = (approvalsRequired = 1, amount: Amount | null = fifty): IntentEvent[] => [submittedEvent(needs(approvalsRequired), amount)];
const approvalGiven = (approver: Actor, given: number, required: number, seconds: number): IntentEvent => ({
  type: 'IntentApprovalGiven',
  data: { ...ref, approver, note: 'ok', given, required, at: at(seconds) },
});
const approvedEvent = (approvers: Actor[], seconds: number): IntentEvent => ({
  type: 'IntentApproved',
  data: { ...ref, approvalId: APPROVAL, approvers, approvalExpiresAt: at(seconds + TTL), at: at(seconds) },
});
/** Approved by Ada at T0+60s: the approval is usable until T0+960s. */
const APPROVED_AT = 60;
const APPROVAL_EXPIRES = APPROVED_AT + TTL;
const approved = (amount: Amount | null = fifty): IntentEvent[] => [...pending(1, amount), approvalGiven(ada, 1, 1, APPROVED_AT), approvedEvent([ada], APPROVED_AT)];
const autoApproved: IntentEvent[] = [
  submittedEvent(autoApprove),
  { type: 'IntentAutoApproved', data: { ...ref, approvalId: APPROVAL, rule: 'small-refunds', approvalExpiresAt: DEADLINE, at: T0 } },
];
const rejectedEvent: IntentEvent = { type: 'IntentRejected', data: { ...ref, by: ada, note: 'not without a ticket', at: at(30) } };
const rejected: IntentEvent[] = [...pending(), rejectedEvent];
const expiredEvent = (seconds = TTL): IntentEvent => ({ type: 'IntentExpired', data: { ...ref, at: at(seconds) } });
const expired: IntentEvent[] = [...pending(), expiredEvent()];
const consumedEvent = (seconds: number): IntentEvent => ({ type: 'ApprovalConsumed', data: { ...ref, approvalId: APPROVAL, call: refundCall, at: at(seconds) } });

/** Operators decide with their key's role (approver unless said otherwise); anyone else has none. */
const as = (actor: Actor, role: string | null = actor.kind === 'operator' ? 'approver' : null) => ({ actor, role });
const approve = (approver: Actor, seconds: number, note = 'ok', role?: string | null): IntentCommand => ({ type: 'ApproveIntent', approver: as(approver, role), note, now: at(seconds) });
const reject = (approver: Actor, seconds: number, note = 'not without a ticket'): IntentCommand => ({ type: 'RejectIntent', approver: as(approver), note, now: at(seconds) });
const expire = (seconds: number): IntentCommand => ({ type: 'ExpireIntent', now: at(seconds) });
const consume = (seconds: number, overrides: Partial<Extract<IntentCommand, { type: 'ConsumeApproval' }>> = {}): IntentCommand => ({
  type: 'ConsumeApproval',
  approvalId: APPROVAL,
  presentedBy: 'pp_1',
  call: refundCall,
  now: at(seconds),
  ...overrides,
});

const refusal = (seconds: number, reason: ApprovalRefusal, mismatched: CallField[] = [], presentedBy = 'pp_1'): IntentEvent => ({
  type: 'ApprovalRefused',
  data: { ...ref, approvalId: APPROVAL, presentedBy, reason, mismatched, at: at(seconds) },
});

describe('submitting an intent', () => {
  it('given no intent, when policy auto-approves it, then it is submitted and approved by the rule at once, usable for one intent window', () =>
    spec([]).when(submit({ verdict: autoApprove })).then([
      submittedEvent(autoApprove),
      { type: 'IntentAutoApproved', data: { ...ref, approvalId: APPROVAL, rule: 'small-refunds', approvalExpiresAt: DEADLINE, at: T0 } },
    ]));

  it('given no intent, when policy denies it, then it is submitted and rejected by the rule, with the rule as the note', () =>
    spec([]).when(submit({ verdict: denied })).then([
      submittedEvent(denied),
      { type: 'IntentRejected', data: { ...ref, by: { kind: 'policy', id: 'no-refunds-on-fridays' }, note: 'rule "no-refunds-on-fridays" matched', at: T0 } },
    ]));

  it('given no intent, when the default policy denies it, then the rejection is by the default', () => {
    const byDefault: PolicyVerdict = { decision: 'deny', approvalsRequired: 0, rule: null, reason: 'no rule matched: the default applies' };
    spec([]).when(submit({ verdict: byDefault })).then([
      submittedEvent(byDefault),
      { type: 'IntentRejected', data: { ...ref, by: { kind: 'policy', id: 'default' }, note: 'no rule matched: the default applies', at: T0 } },
    ]);
  });

  it('given no intent, when the default policy auto-approves it, then the approval names no rule', () =>
    spec([]).when(submit({ verdict: { ...autoApprove, rule: null } })).then(([, approval]) =>
      expect(approval).toEqual({ type: 'IntentAutoApproved', data: { ...ref, approvalId: APPROVAL, rule: null, approvalExpiresAt: DEADLINE, at: T0 } })));

  it('given no intent, when policy requires approval, then it is submitted and waits, recording the quorum it needs', () =>
    spec([]).when(submit({ verdict: needs(2) })).then([submittedEvent(needs(2))]));

  it('given no intent, when it states no amount, then the submitted intent carries none', () =>
    spec([]).when(submit({ amount: null })).then([submittedEvent(needs(1), null)]));

  it('given a mission for stripe and slack, when the agent submits an intent for github, then the attempt is refused as out of scope', () =>
    spec([]).when(submit({ service: 'github', call: shape('github', { url: 'https://api.github.com/repos/o/r', method: 'DELETE' }) })).then([
      { type: 'IntentRefused', data: { ...ref, reason: 'out_of_scope', service: 'github', missionServices: ['stripe', 'slack'], at: T0 } },
    ]));

  it('given an out-of-scope intent, when policy would auto-approve it, then it is still refused (scope comes before policy)', () =>
    spec([]).when(submit({ service: 'github', verdict: autoApprove })).then((events) => expect(events.map((e) => e.type)).toEqual(['IntentRefused'])));

  it('given a mission naming no services, then every intent is out of scope', () =>
    spec([]).when(submit({ mission: { ...mission, services: [] } })).then(
      (events) => expect(events).toEqual([{ type: 'IntentRefused', data: { ...ref, reason: 'out_of_scope', service: 'stripe', missionServices: [], at: T0 } }]),
    ));

  it('given an intent already submitted, when it is submitted again, then INTENT_EXISTS', () => spec(pending()).when(submit()).thenThrows('INTENT_EXISTS'));

  it('given an intent already approved, when it is submitted again, then INTENT_EXISTS', () => spec(autoApproved).when(submit({ verdict: autoApprove })).thenThrows('INTENT_EXISTS'));

  it('given a refused intent, when it is submitted again under the same id, then INTENT_EXISTS', () =>
    spec([{ type: 'IntentRefused', data: { ...ref, reason: 'out_of_scope', service: 'github', missionServices: ['stripe'], at: T0 } }])
      .when(submit())
      .thenThrows('INTENT_EXISTS'));

  it.each<[string, IntentCommand]>([
    ['approved', approve(ada, 10)],
    ['rejected', reject(ada, 10)],
    ['expired', expire(TTL)],
    ['consumed', consume(10)],
  ])('given no intent, when it is %s, then NOT_FOUND', (_name, command) => spec([]).when(command).thenThrows('NOT_FOUND'));

  it('given a refused intent, when someone tries to approve it, then NOT_FOUND (a refusal is a record, not an intent)', () =>
    spec([{ type: 'IntentRefused', data: { ...ref, reason: 'out_of_scope', service: 'github', missionServices: ['stripe'], at: T0 } }])
      .when(approve(ada, 10))
      .thenThrows('NOT_FOUND'));
});

describe('approving an intent', () => {
  it('given an intent that needs one approval, when an operator approves, then the approval is given and the intent approved, usable for one window from now', () =>
    spec(pending(1)).when(approve(ada, APPROVED_AT)).then([approvalGiven(ada, 1, 1, APPROVED_AT), approvedEvent([ada], APPROVED_AT)]));

  it('given an intent that needs one approval, when an admin approves, then it is approved', () =>
    spec(pending(1)).when(approve(grace, 30)).then((events) => expect(events.map((e) => e.type)).toEqual(['IntentApprovalGiven', 'IntentApproved'])));

  it('given a quorum of two, when the first approver approves, then only the approval is recorded (one of two)', () =>
    spec(pending(2)).when(approve(ada, 60, 'looks right')).then([
      { type: 'IntentApprovalGiven', data: { ...ref, approver: ada, note: 'looks right', given: 1, required: 2, at: at(60) } },
    ]));

  it('given a quorum of two with one approval, when a second, distinct approver approves, then the intent is approved by both and usable for one window from the second approval', () =>
    spec([...pending(2), approvalGiven(ada, 1, 2, 60)]).when(approve(grace, 120, 'agreed')).then([
      { type: 'IntentApprovalGiven', data: { ...ref, approver: grace, note: 'agreed', given: 2, required: 2, at: at(120) } },
      { type: 'IntentApproved', data: { ...ref, approvalId: APPROVAL, approvers: [ada, grace], approvalExpiresAt: at(120 + TTL), at: at(120) } },
    ]));

  it('given a quorum of three with two approvals, when the third approves, then the approved event names all three in order', () => {
    const linus: Actor = { kind: 'operator', id: 'usr_linus' };
    spec([...pending(3), approvalGiven(ada, 1, 3, 10), approvalGiven(grace, 2, 3, 20)]).when(approve(linus, 30)).then(([, done]) =>
      expect(done).toEqual({ type: 'IntentApproved', data: { ...ref, approvalId: APPROVAL, approvers: [ada, grace, linus], approvalExpiresAt: at(30 + TTL), at: at(30) } }));
  });

  it('given a quorum of two with one approval, when the same approver approves again, then ALREADY_APPROVED', () =>
    spec([...pending(2), approvalGiven(ada, 1, 2, 60)]).when(approve(ada, 120)).thenThrows('ALREADY_APPROVED'));

  it.each<[string | null]>([['operator'], ['auditor'], [null]])('given a pending intent, when an operator key with role %s approves, then SELF_APPROVAL_FORBIDDEN (only admin and approver keys decide)', (role) =>
    spec(pending()).when(approve(ada, 10, 'ok', role)).thenThrows('SELF_APPROVAL_FORBIDDEN'));

  it('given a pending intent, when the instance admin approves, then SELF_APPROVAL_FORBIDDEN (it runs the installation, not the tenant)', () =>
    spec(pending()).when(approve({ kind: 'admin', id: 'instance-admin' }, 10)).thenThrows('SELF_APPROVAL_FORBIDDEN'));

  it('given a pending intent, when a tenant admin key approves, then the approval is given', () =>
    spec(pending()).when(approve(ada, 10, 'ok', 'admin')).then((events) => expect(events.map((e) => e.type)).toEqual(['IntentApprovalGiven', 'IntentApproved'])));

  it.each<ActorKind>(['agent', 'passport', 'detector', 'system'])('given a pending intent, when a %s tries to approve it, then SELF_APPROVAL_FORBIDDEN', (kind) =>
    spec(pending()).when(approve({ kind, id: 'agt_1' }, 10)).thenThrows('SELF_APPROVAL_FORBIDDEN'));

  it('given a pending intent, when its own passport tries to approve it, then SELF_APPROVAL_FORBIDDEN', () =>
    spec(pending()).when(approve({ kind: 'passport', id: 'pp_1' }, 10)).thenThrows('SELF_APPROVAL_FORBIDDEN'));

  it('given a pending intent, when another agent tries to approve it, then SELF_APPROVAL_FORBIDDEN (agents never approve)', () =>
    spec(pending()).when(approve({ kind: 'agent', id: 'agt_2' }, 10)).thenThrows('SELF_APPROVAL_FORBIDDEN'));

  it('given a quorum of two with one approval, when an agent approves, then SELF_APPROVAL_FORBIDDEN (it does not count toward the quorum)', () =>
    spec([...pending(2), approvalGiven(ada, 1, 2, 60)]).when(approve({ kind: 'agent', id: 'agt_1' }, 70)).thenThrows('SELF_APPROVAL_FORBIDDEN'));

  it.each<[string, IntentEvent[]]>([
    ['approved by a person', approved()],
    ['approved by policy', autoApproved],
    ['rejected by a person', rejected],
    ['denied by policy', [submittedEvent(denied), { type: 'IntentRejected', data: { ...ref, by: { kind: 'policy', id: 'no-refunds-on-fridays' }, note: '', at: T0 } }]],
    ['expired', expired],
  ])('given an intent already %s, when an approver approves it, then INTENT_NOT_PENDING', (_name, given) =>
    spec(given).when(approve(grace, 100)).thenThrows('INTENT_NOT_PENDING'));
});

describe('rejecting an intent', () => {
  it('given a pending intent, when an operator rejects it, then it is rejected by that person with their note', () =>
    spec(pending()).when(reject(ada, 30, 'not without a ticket')).then([rejectedEvent]));

  it('given a quorum of two with one approval, when another approver rejects, then the intent is rejected (one no is enough)', () =>
    spec([...pending(2), approvalGiven(ada, 1, 2, 10)]).when(reject(grace, 30, 'no')).then([
      { type: 'IntentRejected', data: { ...ref, by: grace, note: 'no', at: at(30) } },
    ]));

  it.each<[string | null]>([['operator'], ['auditor'], [null]])('given a pending intent, when an operator key with role %s approves, then SELF_APPROVAL_FORBIDDEN (only admin and approver keys decide)', (role) =>
    spec(pending()).when(approve(ada, 10, 'ok', role)).thenThrows('SELF_APPROVAL_FORBIDDEN'));

  it('given a pending intent, when the instance admin approves, then SELF_APPROVAL_FORBIDDEN (it runs the installation, not the tenant)', () =>
    spec(pending()).when(approve({ kind: 'admin', id: 'instance-admin' }, 10)).thenThrows('SELF_APPROVAL_FORBIDDEN'));

  it('given a pending intent, when a tenant admin key approves, then the approval is given', () =>
    spec(pending()).when(approve(ada, 10, 'ok', 'admin')).then((events) => expect(events.map((e) => e.type)).toEqual(['IntentApprovalGiven', 'IntentApproved'])));

  it.each<ActorKind>(['agent', 'passport', 'detector', 'system'])('given a pending intent, when a %s tries to reject it, then SELF_APPROVAL_FORBIDDEN', (kind) =>
    spec(pending()).when(reject({ kind, id: 'agt_1' }, 10)).thenThrows('SELF_APPROVAL_FORBIDDEN'));

  it.each<[string, IntentEvent[]]>([
    ['approved', approved()],
    ['auto-approved', autoApproved],
    ['rejected', rejected],
    ['expired', expired],
  ])('given an intent already %s, when an approver rejects it, then INTENT_NOT_PENDING', (_name, given) =>
    spec(given).when(reject(grace, 100)).thenThrows('INTENT_NOT_PENDING'));
});

describe('an intent expires when nobody decides in time', () => {
  it('given a pending intent, when it is approved one second before its deadline, then the approval counts', () =>
    spec(pending()).when(approve(ada, TTL - 1)).then([approvalGiven(ada, 1, 1, TTL - 1), approvedEvent([ada], TTL - 1)]));

  it('given a pending intent, when it is approved exactly at its deadline, then it expires instead', () =>
    spec(pending()).when(approve(ada, TTL)).then([expiredEvent(TTL)]));

  it('given a pending intent, when it is approved after its deadline, then it expires instead, at the moment it was noticed', () =>
    spec(pending()).when(approve(ada, TTL + 30)).then([expiredEvent(TTL + 30)]));

  it('given a quorum half given, when the second approval comes at the deadline, then the intent expires', () =>
    spec([...pending(2), approvalGiven(ada, 1, 2, 60)]).when(approve(grace, TTL)).then([expiredEvent(TTL)]));

  it('given a pending intent, when it is rejected one second before its deadline, then it is rejected', () =>
    spec(pending()).when(reject(ada, TTL - 1, 'no')).then([{ type: 'IntentRejected', data: { ...ref, by: ada, note: 'no', at: at(TTL - 1) } }]));

  it('given a pending intent, when it is rejected exactly at its deadline, then it expires instead', () =>
    spec(pending()).when(reject(ada, TTL)).then([expiredEvent(TTL)]));

  it('given a pending intent, when it is rejected after its deadline, then it expires instead', () =>
    spec(pending()).when(reject(ada, TTL + 1)).then([expiredEvent(TTL + 1)]));

  it('given a pending intent, when expiry is checked one second before the deadline, then nothing happens', () =>
    spec(pending()).when(expire(TTL - 1)).then([]));

  it('given a pending intent, when expiry is checked at the deadline, then it expires', () => spec(pending()).when(expire(TTL)).then([expiredEvent(TTL)]));

  it('given a pending intent, when expiry is checked after the deadline, then it expires', () => spec(pending()).when(expire(TTL + 3600)).then([expiredEvent(TTL + 3600)]));

  it.each<[string, IntentEvent[]]>([
    ['approved', approved()],
    ['auto-approved', autoApproved],
    ['rejected', rejected],
    ['expired', expired],
  ])('given an intent already %s, when expiry is checked after the deadline, then nothing happens', (_name, given) =>
    spec(given).when(expire(TTL + 60)).then([]));

  it('given a pending intent, when its passport tries to use it one second before the deadline, then it is refused as pending', () =>
    spec(pending()).when(consume(TTL - 1)).then([refusal(TTL - 1, 'pending')]));

  it('given a pending intent, when its passport tries to use it at the deadline, then it expires and the use is refused as expired', () =>
    spec(pending()).when(consume(TTL)).then([expiredEvent(TTL), refusal(TTL, 'expired')]));

  it('given a pending intent, when its passport tries to use it after the deadline, then it expires and the use is refused as expired', () =>
    spec(pending()).when(consume(TTL + 5)).then([expiredEvent(TTL + 5), refusal(TTL + 5, 'expired')]));

  it('given an intent approved late in its window, when it is used after the intent deadline but within the approval lifetime, then it opens (the approval has its own clock)', () =>
    spec([...pending(), approvalGiven(ada, 1, 1, 800), approvedEvent([ada], 800)]).when(consume(TTL + 100)).then([consumedEvent(TTL + 100)]));
});

describe('the gate: using an approval', () => {
  it('given an approved intent, when its passport makes exactly the approved call, then the approval is consumed', () =>
    spec(approved()).when(consume(120)).then([consumedEvent(120)]));

  it('given an approved intent, when the call sends the same body with its keys in another order, then the approval is consumed', () => {
    const reordered = shape('stripe', { ...refundRequest, body: { metadata: { reason: 'duplicate', ticket: 'T-9' }, amount: 5000, charge: 'ch_1' } });
    spec(approved()).when(consume(120, { call: reordered })).then([{ type: 'ApprovalConsumed', data: { ...ref, approvalId: APPROVAL, call: reordered, at: at(120) } }]);
  });

  it('given an approved intent, when the call writes method and host in another case, then the approval is consumed', () => {
    const recased = shape('stripe', { ...refundRequest, method: 'post', url: 'https://API.STRIPE.COM/v1/refunds?charge=ch_1' });
    spec(approved()).when(consume(120, { call: recased })).then((events) => expect(events.map((e) => e.type)).toEqual(['ApprovalConsumed']));
  });

  it('given an approved intent with an amount, when the call states the same amount, then the approval is consumed', () =>
    spec(approved()).when(consume(120, { amount: { value: 50, currency: 'USD' } })).then([consumedEvent(120)]));

  it('given an approved intent with an amount, when the call states the same amount with the currency in lower case, then the approval is consumed', () =>
    spec(approved()).when(consume(120, { amount: { value: 50, currency: 'usd' } })).then([consumedEvent(120)]));

  it('given an approved intent with an amount, when the call states no amount, then only the call shape is compared and the approval is consumed', () =>
    spec(approved()).when(consume(120)).then([consumedEvent(120)]));

  it('given an auto-approved intent, when its passport makes the approved call, then the approval is consumed', () =>
    spec(autoApproved).when(consume(10)).then([consumedEvent(10)]));

  it.each<[string, Partial<Extract<IntentCommand, { type: 'ConsumeApproval' }>>, CallField[]]>([
    ['another service', { call: shape('stripe-eu', refundRequest) }, ['service']],
    ['another method', { call: shape('stripe', { ...refundRequest, method: 'PUT' }) }, ['method']],
    ['another host', { call: shape('stripe', { ...refundRequest, url: 'https://evil.example.com/v1/refunds?charge=ch_1' }) }, ['host']],
    ['another path', { call: shape('stripe', { ...refundRequest, url: 'https://api.stripe.com/v1/payouts?charge=ch_1' }) }, ['path']],
    ['another query', { call: shape('stripe', { ...refundRequest, url: 'https://api.stripe.com/v1/refunds?charge=ch_2' }) }, ['path']],
    ['a body value changed', { call: shape('stripe', { ...refundRequest, body: { charge: 'ch_1', amount: 500000, metadata: { ticket: 'T-9', reason: 'duplicate' } } }) }, ['body']],
    ['a nested body value changed', { call: shape('stripe', { ...refundRequest, body: { charge: 'ch_1', amount: 5000, metadata: { ticket: 'T-9', reason: 'fraud' } } }) }, ['body']],
    ['another amount', { amount: { value: 5000, currency: 'USD' } }, ['amount']],
    ['another currency', { amount: { value: 50, currency: 'EUR' } }, ['amount']],
    [
      'another host, body and amount',
      { call: shape('stripe', { url: 'https://evil.example.com/v1/refunds?charge=ch_1', method: 'POST', body: { charge: 'ch_1', amount: 1 } }), amount: { value: 1, currency: 'USD' } },
      ['host', 'body', 'amount'],
    ],
  ])('given an approved intent, when its passport makes the call with %s, then the use is refused as call_mismatch naming exactly that', (_name, overrides, fields) =>
    spec(approved()).when(consume(120, overrides)).then([refusal(120, 'call_mismatch', fields)]));

  it('given an approved intent, when a call that does not match is refused, then the approval is still unused and the exact call opens it', () =>
    spec([...approved(), refusal(100, 'call_mismatch', ['host'])]).when(consume(120)).then([consumedEvent(120)]));

  it('given a consumed approval, when its passport uses it again, then it is refused as consumed', () =>
    spec([...approved(), consumedEvent(120)]).when(consume(130)).then([refusal(130, 'consumed')]));

  it('given a consumed approval, when it is used again after it would have expired anyway, then it is refused as consumed', () =>
    spec([...approved(), consumedEvent(120)]).when(consume(APPROVAL_EXPIRES + 10)).then([refusal(APPROVAL_EXPIRES + 10, 'consumed')]));

  it('given an approved intent, when another passport presents the approval, then it is refused as other_passport and records who presented it', () =>
    spec(approved()).when(consume(120, { presentedBy: 'pp_2' })).then([refusal(120, 'other_passport', [], 'pp_2')]));

  it('given an approval refused to another passport, then its own passport can still use it', () =>
    spec([...approved(), refusal(100, 'other_passport', [], 'pp_2')]).when(consume(120)).then([consumedEvent(120)]));

  it('given a pending intent, when its passport tries to use it, then it is refused as pending', () =>
    spec(pending()).when(consume(120)).then([refusal(120, 'pending')]));

  it('given a quorum of two with only one approval, when its passport tries to use it, then it is refused as pending', () =>
    spec([...pending(2), approvalGiven(ada, 1, 2, 60)]).when(consume(120)).then([refusal(120, 'pending')]));

  it('given a rejected intent, when its passport tries to use it, then it is refused as rejected', () =>
    spec(rejected).when(consume(120)).then([refusal(120, 'rejected')]));

  it('given an intent denied by policy, when its passport tries to use it, then it is refused as rejected', () =>
    spec([submittedEvent(denied), { type: 'IntentRejected', data: { ...ref, by: { kind: 'policy', id: 'no-refunds-on-fridays' }, note: '', at: T0 } }])
      .when(consume(10))
      .then([refusal(10, 'rejected')]));

  it('given a rejected intent, when it is used after the deadline, then it is still refused as rejected (it does not expire)', () =>
    spec(rejected).when(consume(TTL + 10)).then([refusal(TTL + 10, 'rejected')]));

  it('given an expired intent, when its passport tries to use it, then it is refused as expired', () =>
    spec(expired).when(consume(TTL + 10)).then([refusal(TTL + 10, 'expired')]));

  it('given an approved intent, when it is used one second before the approval expires, then the approval is consumed', () =>
    spec(approved()).when(consume(APPROVAL_EXPIRES - 1)).then([consumedEvent(APPROVAL_EXPIRES - 1)]));

  it('given an approved intent, when it is used exactly as the approval expires, then it is refused as expired', () =>
    spec(approved()).when(consume(APPROVAL_EXPIRES)).then([refusal(APPROVAL_EXPIRES, 'expired')]));

  it('given an approved intent, when it is used after the approval expired, then it is refused as expired', () =>
    spec(approved()).when(consume(APPROVAL_EXPIRES + 60)).then([refusal(APPROVAL_EXPIRES + 60, 'expired')]));

  it('given an auto-approved intent, when it is used after its approval expired, then it is refused as expired', () =>
    spec(autoApproved).when(consume(TTL)).then([refusal(TTL, 'expired')]));

  it('given an approval past its expiry, when the call also differs, then expiry is the reason (nothing is compared)', () =>
    spec(approved()).when(consume(APPROVAL_EXPIRES + 1, { call: shape('stripe', { ...refundRequest, method: 'DELETE' }) })).then([refusal(APPROVAL_EXPIRES + 1, 'expired')]));

  it('every refusal of the gate has a stable code', () =>
    expect(Object.fromEntries(Object.entries(APPROVAL_REFUSALS).map(([reason, answer]) => [reason, answer.code]))).toEqual({
      pending: 'APPROVAL_PENDING',
      rejected: 'APPROVAL_REJECTED',
      expired: 'APPROVAL_EXPIRED',
      consumed: 'APPROVAL_CONSUMED',
      other_passport: 'APPROVAL_NOT_YOURS',
      call_mismatch: 'call_mismatch',
    }));
});

describe('the state of an intent', () => {
  const state = (events: IntentEvent[]) => fold(intentDecider, events);

  it('given a quorum of two with one approval, then the intent is pending with that approver counted', () =>
    expect(state([...pending(2), approvalGiven(ada, 1, 2, 60)])).toMatchObject({ status: 'pending', approvalsRequired: 2, approvers: [ada], approvalId: null, decision: null }));

  it('given an approved intent, then it is approved by the last approver, with its approval id and expiry, and unused', () =>
    expect(state(approved())).toMatchObject({ status: 'approved', approvalId: APPROVAL, approvalExpiresAt: at(APPROVAL_EXPIRES), consumed: false, decision: { by: ada, at: at(APPROVED_AT) } }));

  it('given an auto-approved intent, then the policy rule is the decider', () =>
    expect(state(autoApproved)).toMatchObject({ status: 'approved', decision: { by: { kind: 'policy', id: 'small-refunds' } } }));

  it('given an expired intent, then expiry is the decider', () =>
    expect(state(expired)).toMatchObject({ status: 'expired', decision: { by: { kind: 'policy', id: 'expiry' }, at: DEADLINE } }));

  it('given a consumed approval, then the intent stays approved and is marked consumed', () =>
    expect(state([...approved(), consumedEvent(120)])).toMatchObject({ status: 'approved', consumed: true }));

  it('given a refused use of the approval, then nothing about the intent changes', () =>
    expect(state([...approved(), refusal(100, 'call_mismatch', ['host'])])).toEqual(state(approved())));
});

describe('names', () => {
  it('an intent and its approval share one suffix', () => {
    expect(approvalIdOf('int_01HZX')).toBe('apr_01HZX');
    expect(intentIdOfApproval('apr_01HZX')).toBe('int_01HZX');
    expect(intentIdOfApproval(approvalIdOf('int_abc'))).toBe('int_abc');
  });

  it('an intent lives in its own stream', () => expect(intentStream('int_1')).toBe('intent-int_1'));
});

describe('the gate, on amounts and approval ids it was not given', () => {
  const T = '2026-01-01T10:00:00.000Z';
  const shape = callShape('stripe', { url: 'https://api.stripe.com/v1/refunds', method: 'POST', body: { amount: 4200 } })!;
  const submitted = intentDecider.decide(
    {
      type: 'SubmitIntent', intentId: 'int_x', mission: { missionId: 'msn_x', jti: 'pp_x', agentId: 'agt_x', services: ['stripe'], accountabilityMode: 'enforced' },
      namedIntent: 'stripe:refunds:create', service: 'stripe', action: 'refund', call: shape, amount: null, reason: 'r', authorizationDetails: [],
      expiresInSeconds: 300, verdict: { decision: 'auto_approve', approvalsRequired: 0, rule: 'auto', reason: 'rule' }, now: T,
    },
    intentDecider.initialState,
  );

  it('given an approval for an intent that stated no amount, when the call claims one, then amount is a mismatch', () =>
    specFor(intentDecider)(submitted).when({ type: 'ConsumeApproval', approvalId: 'apr_x', presentedBy: 'pp_x', call: shape, amount: { value: 5000, currency: 'USD' }, now: T }).then(([event]) =>
      expect(event).toMatchObject({ type: 'ApprovalRefused', data: { reason: 'call_mismatch', mismatched: ['amount'] } })));

  it('given an approval id that is not this intent’s, then NOT_FOUND', () =>
    specFor(intentDecider)(submitted).when({ type: 'ConsumeApproval', approvalId: 'apr_other', presentedBy: 'pp_x', call: shape, now: T }).thenThrows('NOT_FOUND'));
});
