import { Actor, DomainEvent } from '@mandate/core';
import { CallField, CallShape } from './call-shape';
import { PolicyDecision } from './policy';

export interface Amount {
  value: number;
  currency: string;
}

/** The intent in the shape of an RFC 9396 authorization_details entry, so it can travel in a token later. */
export interface AuthorizationDetail {
  type: 'mandate_intent';
  locations: string[];
  actions: string[];
  named_intent: string;
  target: string;
  action: string;
  parameters: { url: string; method: string; body?: unknown };
  amount?: Amount;
  estimated_cost?: Record<string, unknown>;
  reason: string;
}

/** Every intent event names its intent, mission, passport and agent. */
interface IntentRef {
  intentId: string;
  missionId: string;
  jti: string;
  agentId: string;
}

/** What an intent says it will do, as submitted: the same in the event and in the state. */
export interface IntentDescription {
  namedIntent: string;
  service: string;
  action: string;
  call: CallShape;
  amount: Amount | null;
  reason: string;
  authorizationDetails: AuthorizationDetail[];
  accountabilityMode: string;
  submittedAt: string;
  expiresAt: string;
  /** How long an approval stays usable once given. */
  approvalTtlSeconds: number;
  /** With an idempotency key: what the request asked, so its retry is told from another request under the same key. */
  requestFingerprint?: string;
}

export type ApprovalRefusal = 'pending' | 'rejected' | 'expired' | 'consumed' | 'other_passport' | 'call_mismatch';

export type IntentEvent =
  | DomainEvent<'IntentSubmitted', IntentRef & IntentDescription & {
      policy: { decision: PolicyDecision; approvalsRequired: number; rule: string | null };
    }>
  | DomainEvent<'IntentRefused', IntentRef & { reason: 'out_of_scope'; service: string; missionServices: string[]; at: string; requestFingerprint?: string }>
  | DomainEvent<'IntentAutoApproved', IntentRef & { approvalId: string; rule: string | null; approvalExpiresAt: string; at: string }>
  | DomainEvent<'IntentApprovalGiven', IntentRef & { approver: Actor; note: string; given: number; required: number; at: string }>
  | DomainEvent<'IntentApproved', IntentRef & { approvalId: string; approvers: Actor[]; approvalExpiresAt: string; at: string }>
  | DomainEvent<'IntentRejected', IntentRef & { by: Actor | { kind: 'policy'; id: string }; note: string; at: string }>
  | DomainEvent<'IntentExpired', IntentRef & { at: string }>
  | DomainEvent<'ApprovalConsumed', IntentRef & { approvalId: string; call: CallShape; at: string }>
  | DomainEvent<'ApprovalRefused', IntentRef & {
      approvalId: string;
      /** The passport that tried to use the approval (not always the one it was given to). */
      presentedBy: string;
      reason: ApprovalRefusal;
      mismatched: CallField[];
      at: string;
    }>;

export type IntentStatus = 'pending' | 'approved' | 'rejected' | 'expired';

export interface IntentFacts extends IntentRef, IntentDescription {
  status: IntentStatus;
  approvalsRequired: number;
  approvers: Actor[];
  approvalId: string | null;
  approvalExpiresAt: string | null;
  consumed: boolean;
  decision: { by: Actor | { kind: 'policy'; id: string }; note: string; at: string } | null;
}

export type IntentState = { status: 'none' } | { status: 'refused'; requestFingerprint?: string } | IntentFacts;

export const intentInitialState: IntentState = { status: 'none' };

export function evolveIntent(state: IntentState, event: IntentEvent): IntentState {
  if (event.type === 'IntentSubmitted') {
    const { policy, ...submitted } = event.data;
    return {
      ...submitted,
      status: 'pending',
      approvalsRequired: policy.approvalsRequired,
      approvers: [],
      approvalId: null,
      approvalExpiresAt: null,
      consumed: false,
      decision: null,
    };
  }
  if (event.type === 'IntentRefused') return { status: 'refused', ...(event.data.requestFingerprint ? { requestFingerprint: event.data.requestFingerprint } : {}) };
  if (state.status === 'none' || state.status === 'refused') return state;
  switch (event.type) {
    case 'IntentAutoApproved':
      return { ...state, status: 'approved', approvalId: event.data.approvalId, approvalExpiresAt: event.data.approvalExpiresAt, decision: { by: { kind: 'policy', id: event.data.rule ?? 'default' }, note: '', at: event.data.at } };
    case 'IntentApprovalGiven':
      return { ...state, approvers: [...state.approvers, event.data.approver] };
    case 'IntentApproved':
      return { ...state, status: 'approved', approvalId: event.data.approvalId, approvalExpiresAt: event.data.approvalExpiresAt, decision: { by: event.data.approvers[event.data.approvers.length - 1], note: '', at: event.data.at } };
    case 'IntentRejected':
      return { ...state, status: 'rejected', decision: { by: event.data.by, note: event.data.note, at: event.data.at } };
    case 'IntentExpired':
      return { ...state, status: 'expired', decision: { by: { kind: 'policy', id: 'expiry' }, note: 'no decision before the intent expired', at: event.data.at } };
    case 'ApprovalConsumed':
      return { ...state, consumed: true };
    case 'ApprovalRefused':
      return state;
  }
}

export const INTENT_STREAM_PREFIX = 'intent-';
export const intentStream = (intentId: string) => `${INTENT_STREAM_PREFIX}${intentId}`;
/** An intent and its approval share one suffix: `apr_X` is the approval of `int_X`. */
export const intentIdOfApproval = (approvalId: string) => `int_${approvalId.slice(4)}`;
export const approvalIdOf = (intentId: string) => `apr_${intentId.slice(4)}`;
