import { DomainEvent } from '@mandate/core';
import { AccountabilityMode } from '@mandate/agents';

export const MISSION_LIMITS = {
  ttlSeconds: { min: 60, max: 3600, default: 900 },
  checkpointIntervalSeconds: { min: 60, max: 3600, default: 300 },
  intentSummary: 500,
  checkpointSummary: 1000,
} as const;

/** Every mission event names its mission, passport and agent, so each one reads on its own in an export or a topic. */
interface MissionRef {
  missionId: string;
  jti: string;
  agentId: string;
}

export type PassportOperation = 'checkpoint' | 'tool_call' | 'checkout' | 'verify' | 'intent' | 'approval' | 'proxy';
/** Why the passport itself can no longer be used. */
export type PassportStateRefusal = 'PASSPORT_REVOKED' | 'PASSPORT_CHECKED_OUT' | 'PASSPORT_EXPIRED';
export type RefusalCode =
  | PassportStateRefusal
  /** A bound passport presented without a valid proof of its key (RFC 9449): a stolen token, a replay, a wrong key. */
  | 'DPOP_PROOF_MISSING' | 'DPOP_PROOF_INVALID' | 'DPOP_PROOF_STALE' | 'DPOP_PROOF_REPLAYED' | 'DPOP_KEY_MISMATCH' | 'DPOP_KEY_REVOKED'
  /** A bearer passport of a tenant that requires every passport to be bound to an agent key. */
  | 'BOUND_PASSPORT_REQUIRED';
export type RevocationScope = 'passport' | 'agent' | 'tenant' | 'key';

/**
 * A refused use of each kind (operation and code) is stored once per this many seconds of event time; the refusals
 * in between are answered all the same and counted in a PassportUseRefusalsCounted, so an attacker hammering a dead
 * passport cannot grow the history faster than that.
 */
export const REFUSAL_WINDOW_SECONDS = 60;

export const refusalKind = (operation: PassportOperation, code: RefusalCode) => `${operation}:${code}`;

/** Refused uses that were answered but not stored one by one, as counted by the process that answered them. */
export interface RefusalCount {
  operation: PassportOperation;
  code: RefusalCode;
  count: number;
}

export interface ToolCall {
  service: string;
  action: string;
  target?: string;
  outcome: 'success' | 'failure' | 'unknown';
  approvalId?: string;
}

/**
 * A call the proxy made for the agent, as Mandate saw it: where it went, never the credential, the query or the body.
 * `path` is the URL's path alone (a query string may hold what the agent must not be shown again).
 */
export interface ObservedCall {
  callId: string;
  service: string;
  method: string;
  host: string;
  path: string;
  /** The approval the call spent, when it was gated. */
  approvalId?: string;
}

/** What the proxy saw of one forwarded call: digests and sizes, never the bodies unless the tenant captures them. */
export interface ObservedOutcome {
  /** `success` for a 2xx or 3xx answer, `failure` for 4xx and 5xx, `error` when no answer came (then `code` says why). */
  outcome: 'success' | 'failure' | 'error';
  status: number | null;
  code: string | null;
  latencyMs: number;
  responseBytes: number;
  /** sha256 of the response body the agent got (masked). */
  responseDigest: string | null;
  /** Values replaced by the mask in the answer: the secret echoed back, card numbers, … */
  masked: number;
  /** Only with the tenant's body capture on, masked first, cut at the capture limit. */
  captured?: { request?: string; response?: string };
}

export type MissionEvent =
  | DomainEvent<'PassportIssued', MissionRef & {
      tenantId: string;
      accountabilityMode: AccountabilityMode;
      intent: { summary: string; services: string[] };
      ttlSeconds: number;
      checkpointIntervalSeconds: number;
      issuedAt: string;
      expiresAt: string;
      /** The passport token's exp: the mission's end, or one checkpoint interval ahead in enforced mode. */
      leashExpiresAt: string;
      checkpointDueAt: string;
      idempotencyKey: string | null;
      requestFingerprint: string;
      /** The thumbprint of the agent key the passport is bound to (DPoP, RFC 9449); absent: a bearer passport. */
      boundKey?: string;
      /** Who opened the mission: an operator, or the agent itself with its own key (within its ceiling). */
      openedBy?: 'operator' | 'agent';
    }>
  | DomainEvent<'CheckpointRecorded', MissionRef & {
      servicesUsed: string[];
      actionsCount: number;
      summary: string;
      at: string;
      leashExpiresAt: string;
      checkpointDueAt: string;
    }>
  | DomainEvent<'ToolCallLogged', MissionRef & ToolCall & { at: string }>
  /** A batch is one command and one fact: the calls, in the order the agent sent them. */
  | DomainEvent<'ToolCallsLogged', MissionRef & { calls: ToolCall[]; at: string }>
  | DomainEvent<'MissionCheckedOut', MissionRef & { summary: string; outcome: 'success' | 'failure'; at: string }>
  | DomainEvent<'PassportRevoked', MissionRef & {
      reason: string;
      scope: RevocationScope;
      at: string;
      /** Until when an offline verifier could still accept the token: after this, the revocation can be forgotten. */
      tokenExpiresAt: string;
    }>
  | DomainEvent<'PassportUseRefused', MissionRef & {
      operation: PassportOperation;
      code: RefusalCode;
      at: string;
      /** What the refused call tried to touch, so detectors can weigh the attempt. */
      services: string[];
    }>
  /** The refusals answered between `from` and `to` that their window's first refusal already stood for. */
  | DomainEvent<'PassportUseRefusalsCounted', MissionRef & { refusals: RefusalCount[]; from: string; to: string }>
  /** Recorded before the call is forwarded: a start with no end is a call whose outcome is unknown. */
  | DomainEvent<'ProxiedCallStarted', MissionRef & ObservedCall & { requestBytes: number; requestDigest: string; at: string; requestFingerprint?: string }>
  | DomainEvent<'ProxiedCallEnded', MissionRef & ObservedCall & ObservedOutcome & { at: string }>
  /** A call the proxy would not make for a live passport, with the stable code the agent was answered with. */
  | DomainEvent<'ProxiedCallRefused', MissionRef & ObservedCall & { code: string; detail: string; at: string }>;

export interface MissionFacts extends MissionRef {
  tenantId: string;
  accountabilityMode: AccountabilityMode;
  services: string[];
  summary: string;
  checkpointIntervalSeconds: number;
  issuedAt: string;
  expiresAt: string;
  leashExpiresAt: string;
  checkpointDueAt: string;
  idempotencyKey: string | null;
  requestFingerprint: string;
  /** The agent key every use must prove possession of, or null for a bearer passport. */
  boundKey: string | null;
  actionsLogged: number;
  /** Calls the proxy started for this mission: what Mandate saw, beside what the agent said (actionsLogged). */
  callsObserved: number;
  /** The latest calls started under an idempotency key (their id, derived from the key) and what each asked for. */
  keyedCalls: Readonly<Record<string, string>>;
  checkpoints: number;
  checkedOut: { at: string; outcome: 'success' | 'failure'; summary: string } | null;
  revoked: { at: string; reason: string; scope: RevocationScope } | null;
  /** The refusal last recorded for a verify: anyone may verify, so repeating it must not grow the history. */
  verifyRefusalRecorded: RefusalCode | null;
  /** When a refusal of each kind (see refusalKind) was last stored: the start of its window. */
  refusalsRecordedAt: Readonly<Record<string, string>>;
}

export type MissionState = { status: 'none' } | ({ status: 'issued' } & MissionFacts);

export const missionInitialState: MissionState = { status: 'none' };

export function evolveMission(state: MissionState, event: MissionEvent): MissionState {
  if (event.type === 'PassportIssued') {
    const d = event.data;
    return {
      status: 'issued',
      missionId: d.missionId,
      jti: d.jti,
      agentId: d.agentId,
      tenantId: d.tenantId,
      accountabilityMode: d.accountabilityMode,
      services: d.intent.services,
      summary: d.intent.summary,
      checkpointIntervalSeconds: d.checkpointIntervalSeconds,
      issuedAt: d.issuedAt,
      expiresAt: d.expiresAt,
      leashExpiresAt: d.leashExpiresAt,
      checkpointDueAt: d.checkpointDueAt,
      idempotencyKey: d.idempotencyKey,
      requestFingerprint: d.requestFingerprint,
      boundKey: d.boundKey ?? null,
      actionsLogged: 0,
      callsObserved: 0,
      keyedCalls: {},
      checkpoints: 0,
      checkedOut: null,
      revoked: null,
      verifyRefusalRecorded: null,
      refusalsRecordedAt: {},
    };
  }
  if (state.status !== 'issued') return state;
  switch (event.type) {
    case 'CheckpointRecorded':
      return {
        ...state,
        checkpoints: state.checkpoints + 1,
        leashExpiresAt: event.data.leashExpiresAt,
        checkpointDueAt: event.data.checkpointDueAt,
      };
    case 'ToolCallLogged':
      return { ...state, actionsLogged: state.actionsLogged + 1 };
    case 'ToolCallsLogged':
      return { ...state, actionsLogged: state.actionsLogged + event.data.calls.length };
    case 'MissionCheckedOut':
      return { ...state, checkedOut: { at: event.data.at, outcome: event.data.outcome, summary: event.data.summary } };
    case 'PassportRevoked':
      return { ...state, revoked: { at: event.data.at, reason: event.data.reason, scope: event.data.scope } };
    case 'PassportUseRefused': {
      const refusalsRecordedAt = { ...state.refusalsRecordedAt, [refusalKind(event.data.operation, event.data.code)]: event.data.at };
      return event.data.operation === 'verify' ? { ...state, verifyRefusalRecorded: event.data.code, refusalsRecordedAt } : { ...state, refusalsRecordedAt };
    }
    case 'ProxiedCallStarted':
      return { ...state, callsObserved: state.callsObserved + 1, keyedCalls: event.data.requestFingerprint ? remember(state.keyedCalls, event.data.callId, event.data.requestFingerprint) : state.keyedCalls };
    case 'PassportUseRefusalsCounted':
    case 'ProxiedCallEnded':
    case 'ProxiedCallRefused':
      return state;
  }
}

/** How many keyed calls a mission remembers: a retry comes within seconds, not a thousand calls later. */
export const KEYED_CALLS_REMEMBERED = 1000;

function remember(calls: Readonly<Record<string, string>>, callId: string, fingerprint: string): Record<string, string> {
  const kept = Object.entries(calls);
  return Object.fromEntries([...kept.slice(Math.max(0, kept.length - KEYED_CALLS_REMEMBERED + 1)), [callId, fingerprint]]);
}

/** Why a passport may not be used at `now` with a token that expires at `tokenExpiresAt`, or null if it may. */
export function refusalOf(state: MissionFacts, now: string, tokenExpiresAt: string): PassportStateRefusal | null {
  if (state.revoked) return 'PASSPORT_REVOKED';
  if (state.checkedOut) return 'PASSPORT_CHECKED_OUT';
  if (now >= tokenExpiresAt || now >= state.expiresAt) return 'PASSPORT_EXPIRED';
  return null;
}

/** The scope rule: a mission may touch only the services it named. Intents, simulate and the detectors ask this. */
export const withinMission = (services: readonly string[], service: string): boolean => services.includes(service);

export const missionStream = (missionId: string) => `mission-${missionId}`;
