import { Actor, addSeconds, Decider, DomainError } from '@mandate/core';
import { withinMission } from '@mandate/missions';
import { CallShape, mismatchedFields } from './call-shape';
import {
  Amount,
  ApprovalRefusal,
  approvalIdOf,
  evolveIntent,
  IntentDescription,
  IntentEvent,
  IntentFacts,
  intentInitialState,
  IntentState,
} from './intent';
import { PolicyVerdict } from './policy';

export type IntentCommand =
  | (Pick<IntentDescription, 'namedIntent' | 'service' | 'action' | 'call' | 'amount' | 'reason' | 'authorizationDetails'> & {
      type: 'SubmitIntent';
      intentId: string;
      mission: { missionId: string; jti: string; agentId: string; services: string[]; accountabilityMode: string };
      expiresInSeconds: number;
      verdict: PolicyVerdict;
      /** Set when the request carried an idempotency key: the intent id is derived from the key. */
      requestFingerprint?: string;
      now: string;
    })
  | { type: 'ApproveIntent'; approver: Approver; note: string; now: string }
  | { type: 'RejectIntent'; approver: Approver; note: string; now: string }
  | { type: 'ExpireIntent'; now: string }
  | { type: 'ConsumeApproval'; approvalId: string; presentedBy: string; call: CallShape; amount?: Amount; now: string };

/** Whoever decides on an intent: the authenticated key, never a field of a request body. */
export interface Approver {
  actor: Actor;
  /** The operator key's role; null for anyone who is not an operator key (a passport, an agent, the instance admin). */
  role: string | null;
}

/** The tenant roles whose keys may decide on intents: the routes allow exactly these, and the decider checks again. */
export const APPROVER_ROLES = ['admin', 'approver'] as const;

/** People decide: a passport or an agent is never an approver, of its own intent or any other. */
export function mayDecide(approver: Approver): boolean {
  return approver.actor.kind === 'operator' && (APPROVER_ROLES as readonly string[]).includes(approver.role ?? '');
}

const ref = (s: IntentFacts) => ({ intentId: s.intentId, missionId: s.missionId, jti: s.jti, agentId: s.agentId });

function facts(state: IntentState): IntentFacts {
  if (state.status === 'none' || state.status === 'refused') throw new DomainError('NOT_FOUND', 'intent was not found');
  return state;
}

/** A pending intent past its deadline expires on the first command that notices: the expiry is the answer. */
function expiredIfDue(state: IntentFacts, now: string): IntentEvent[] | null {
  return state.status === 'pending' && now >= state.expiresAt ? [{ type: 'IntentExpired', data: { ...ref(state), at: now } }] : null;
}

function decideIntent(command: IntentCommand, state: IntentState): IntentEvent[] {
  switch (command.type) {
    case 'SubmitIntent':
      return submit(command, state);
    case 'ApproveIntent': {
      const intent = facts(state);
      const expired = expiredIfDue(intent, command.now);
      if (expired) return expired;
      if (!mayDecide(command.approver)) {
        throw new DomainError('SELF_APPROVAL_FORBIDDEN', 'only a person with an approver key can approve an intent');
      }
      if (intent.status !== 'pending') throw new DomainError('INTENT_NOT_PENDING', `this intent is already ${intent.status}`);
      const approver = command.approver.actor;
      if (intent.approvers.some((a) => a.kind === approver.kind && a.id === approver.id)) {
        throw new DomainError('ALREADY_APPROVED', 'this approver has already approved; a quorum needs distinct approvers');
      }
      const approvers = [...intent.approvers, approver];
      const given: IntentEvent = {
        type: 'IntentApprovalGiven',
        data: { ...ref(intent), approver, note: command.note, given: approvers.length, required: intent.approvalsRequired, at: command.now },
      };
      if (approvers.length < intent.approvalsRequired) return [given];
      return [
        given,
        {
          type: 'IntentApproved',
          data: { ...ref(intent), approvalId: approvalIdOf(intent.intentId), approvers, approvalExpiresAt: addSeconds(command.now, intent.approvalTtlSeconds), at: command.now },
        },
      ];
    }
    case 'RejectIntent': {
      const intent = facts(state);
      const expired = expiredIfDue(intent, command.now);
      if (expired) return expired;
      if (!mayDecide(command.approver)) {
        throw new DomainError('SELF_APPROVAL_FORBIDDEN', 'only a person with an approver key can decide on an intent');
      }
      if (intent.status !== 'pending') throw new DomainError('INTENT_NOT_PENDING', `this intent is already ${intent.status}`);
      return [{ type: 'IntentRejected', data: { ...ref(intent), by: command.approver.actor, note: command.note, at: command.now } }];
    }
    case 'ExpireIntent':
      return expiredIfDue(facts(state), command.now) ?? [];
    case 'ConsumeApproval':
      return consume(command, facts(state));
  }
}

function submit(command: Extract<IntentCommand, { type: 'SubmitIntent' }>, state: IntentState): IntentEvent[] {
  if (state.status !== 'none') {
    // A retry under the same idempotency key: nothing new; another request under it: refused.
    const fingerprint = (state as { requestFingerprint?: string }).requestFingerprint;
    if (command.requestFingerprint !== undefined && fingerprint === command.requestFingerprint) return [];
    if (command.requestFingerprint !== undefined) throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'this idempotency key was already used for a different intent');
    throw new DomainError('INTENT_EXISTS', `intent ${command.intentId} already exists`);
  }
  const { mission, now } = command;
  const intentRef = { intentId: command.intentId, missionId: mission.missionId, jti: mission.jti, agentId: mission.agentId };
  const keyed = command.requestFingerprint !== undefined ? { requestFingerprint: command.requestFingerprint } : {};
  if (!withinMission(mission.services, command.service)) {
    return [{ type: 'IntentRefused', data: { ...intentRef, reason: 'out_of_scope', service: command.service, missionServices: mission.services, at: now, ...keyed } }];
  }
  const submitted: IntentEvent = {
    type: 'IntentSubmitted',
    data: {
      ...intentRef,
      namedIntent: command.namedIntent,
      service: command.service,
      action: command.action,
      call: command.call,
      amount: command.amount,
      reason: command.reason,
      authorizationDetails: command.authorizationDetails,
      accountabilityMode: mission.accountabilityMode,
      submittedAt: now,
      expiresAt: addSeconds(now, command.expiresInSeconds),
      approvalTtlSeconds: command.expiresInSeconds,
      policy: { decision: command.verdict.decision, approvalsRequired: command.verdict.approvalsRequired, rule: command.verdict.rule },
      ...keyed,
    },
  };
  switch (command.verdict.decision) {
    case 'auto_approve':
      return [
        submitted,
        {
          type: 'IntentAutoApproved',
          data: { ...intentRef, approvalId: approvalIdOf(command.intentId), rule: command.verdict.rule, approvalExpiresAt: addSeconds(now, command.expiresInSeconds), at: now },
        },
      ];
    case 'deny':
      return [submitted, { type: 'IntentRejected', data: { ...intentRef, by: { kind: 'policy', id: command.verdict.rule ?? 'default' }, note: command.verdict.reason, at: now } }];
    case 'require_approval':
      return [submitted];
  }
}

/** The gate: an approval opens the door once, for the passport it was given to, for exactly the call approved. */
function consume(command: Extract<IntentCommand, { type: 'ConsumeApproval' }>, intent: IntentFacts): IntentEvent[] {
  const refuse = (reason: ApprovalRefusal, mismatched: ReturnType<typeof mismatchedFields> = []): IntentEvent[] => [
    { type: 'ApprovalRefused', data: { ...ref(intent), approvalId: command.approvalId, presentedBy: command.presentedBy, reason, mismatched, at: command.now } },
  ];
  if (command.approvalId !== approvalIdOf(intent.intentId)) throw new DomainError('NOT_FOUND', `approval ${command.approvalId} was not found`);
  if (command.presentedBy !== intent.jti) return refuse('other_passport');
  const expired = expiredIfDue(intent, command.now);
  if (expired) return [...expired, ...refuse('expired')];
  if (intent.status === 'pending') return refuse('pending');
  if (intent.status === 'rejected') return refuse('rejected');
  if (intent.status === 'expired') return refuse('expired');
  if (intent.consumed) return refuse('consumed');
  if (intent.approvalExpiresAt !== null && command.now >= intent.approvalExpiresAt) return refuse('expired');
  const mismatched = mismatchedFields(intent.call, command.call);
  // A call that claims an amount must claim the approved one; an amount where none was approved is a different call.
  if (command.amount && (!intent.amount || command.amount.value !== intent.amount.value || command.amount.currency.toUpperCase() !== intent.amount.currency.toUpperCase())) {
    mismatched.push('amount');
  }
  if (mismatched.length > 0) return refuse('call_mismatch', mismatched);
  return [{ type: 'ApprovalConsumed', data: { ...ref(intent), approvalId: command.approvalId, call: command.call, at: command.now } }];
}

export const intentDecider: Decider<IntentCommand, IntentEvent, IntentState> = {
  initialState: intentInitialState,
  evolve: evolveIntent,
  decide: decideIntent,
};

/** The stable code and words of each refusal of the gate (the platform maps codes to HTTP statuses). */
export const APPROVAL_REFUSALS: Record<ApprovalRefusal, { code: string; detail: string }> = {
  pending: { code: 'APPROVAL_PENDING', detail: 'this intent has not been approved yet' },
  rejected: { code: 'APPROVAL_REJECTED', detail: 'this intent was rejected' },
  expired: { code: 'APPROVAL_EXPIRED', detail: 'this approval has expired' },
  consumed: { code: 'APPROVAL_CONSUMED', detail: 'this approval was already used; an approval opens the door once' },
  other_passport: { code: 'APPROVAL_NOT_YOURS', detail: 'this approval was given to another passport' },
  call_mismatch: { code: 'call_mismatch', detail: 'the call differs from the one that was approved' },
};
