import { addSeconds, Decider, DomainError, DomainEvent } from '@mandate/core';

export const ACCOUNTABILITY_MODES = ['standard', 'logged', 'enforced'] as const;
/** standard: audit only · logged: record warnings, never block · enforced: detectors revoke on critical findings. */
export type AccountabilityMode = (typeof ACCOUNTABILITY_MODES)[number];

/**
 * What an agent may open for itself with its own key (missions it asks for, not ones an operator issues): the
 * services it may name, the longest mission, and how many may run at once. Without one it opens none.
 */
export interface AgentCeiling {
  allowedServices: string[];
  maxTtlSeconds: number;
  maxConcurrentMissions: number;
}

/** An Ed25519 public key (RFC 8037 OKP JWK): all the server ever holds of an agent's key pair. */
export interface AgentPublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
}

export interface AgentKey {
  /** The key's RFC 7638 thumbprint: what a bound passport's `cnf.jkt` names. */
  keyId: string;
  jwk: AgentPublicJwk;
  enrolledAt: string;
  revoked: boolean;
}

export const AGENT_LIMITS = { keys: 10, enrollmentSeconds: { min: 1, max: 3600, default: 600 } } as const;

export type AgentEvent =
  | DomainEvent<'AgentRegistered', { agentId: string; tenantId: string; name: string; description: string; accountabilityMode: AccountabilityMode; registeredAt: string }>
  | DomainEvent<'AccountabilityModeChanged', { agentId: string; from: AccountabilityMode; to: AccountabilityMode }>
  | DomainEvent<'AgentSuspended', { agentId: string; reason: string }>
  | DomainEvent<'AgentReinstated', { agentId: string }>
  | DomainEvent<'AgentCeilingSet', { agentId: string; ceiling: AgentCeiling | null }>
  /** The token itself is never in an event: its verifier is kept beside the store, like an operator key's. */
  | DomainEvent<'EnrollmentTokenCreated', { agentId: string; enrollmentId: string; expiresAt: string }>
  | DomainEvent<'AgentKeyEnrolled', { agentId: string; enrollmentId: string; keyId: string; jwk: AgentPublicJwk; enrolledAt: string }>
  | DomainEvent<'AgentKeyRevoked', { agentId: string; keyId: string; reason: string; at: string }>
  /** The agent asked for a mission above its ceiling: stored once a minute per agent, the repeats answered the same. */
  | DomainEvent<'AgentMissionRefused', { agentId: string; keyId: string; exceeded: CeilingLimit[]; requested: { services: string[]; ttlSeconds: number }; at: string }>;

export const CEILING_LIMITS = ['no_ceiling', 'services', 'ttl', 'concurrent_missions'] as const;
export type CeilingLimit = (typeof CEILING_LIMITS)[number];
/** How often an agent's refused asks are stored: a runaway agent cannot grow the history faster than this. */
export const MISSION_REFUSAL_WINDOW_SECONDS = 60;

export interface RegisteredAgent {
  agentId: string;
  tenantId: string;
  name: string;
  description: string;
  accountabilityMode: AccountabilityMode;
  suspended: boolean;
  registeredAt: string;
  ceiling: AgentCeiling | null;
  /** Enrollment tokens by id: each opens one enrollment, once, before it expires. */
  enrollments: Readonly<Record<string, { expiresAt: string; used: boolean }>>;
  keys: readonly AgentKey[];
  /** When a refused ask of the agent was last stored: the start of its window. */
  missionRefusalRecordedAt: string | null;
}

export type AgentState = { status: 'none' } | ({ status: 'registered' } & RegisteredAgent);

export type AgentCommand =
  | { type: 'RegisterAgent'; agentId: string; tenantId: string; name: string; description: string; accountabilityMode: AccountabilityMode; now: string }
  | { type: 'ChangeAccountabilityMode'; to: AccountabilityMode }
  | { type: 'SuspendAgent'; reason: string }
  | { type: 'ReinstateAgent' }
  | { type: 'SetCeiling'; ceiling: AgentCeiling | null }
  | { type: 'CreateEnrollment'; enrollmentId: string; expiresAt: string }
  | { type: 'EnrollKey'; enrollmentId: string; keyId: string; jwk: AgentPublicJwk; now: string }
  | { type: 'RevokeKey'; keyId: string; reason: string; now: string }
  | { type: 'RefuseMission'; keyId: string; exceeded: CeilingLimit[]; requested: { services: string[]; ttlSeconds: number }; now: string };

export const agentDecider: Decider<AgentCommand, AgentEvent, AgentState> = {
  initialState: { status: 'none' },

  evolve(state, event) {
    switch (event.type) {
      case 'AgentRegistered':
        return { status: 'registered', ...event.data, suspended: false, ceiling: null, enrollments: {}, keys: [], missionRefusalRecordedAt: null };
      case 'AccountabilityModeChanged':
        return state.status === 'registered' ? { ...state, accountabilityMode: event.data.to } : state;
      case 'AgentSuspended':
        return state.status === 'registered' ? { ...state, suspended: true } : state;
      case 'AgentReinstated':
        return state.status === 'registered' ? { ...state, suspended: false } : state;
      case 'AgentCeilingSet':
        return state.status === 'registered' ? { ...state, ceiling: event.data.ceiling } : state;
      case 'EnrollmentTokenCreated':
        return state.status === 'registered' ? { ...state, enrollments: { ...state.enrollments, [event.data.enrollmentId]: { expiresAt: event.data.expiresAt, used: false } } } : state;
      case 'AgentKeyEnrolled': {
        if (state.status !== 'registered') return state;
        const { enrollmentId, keyId, jwk, enrolledAt } = event.data;
        const enrollment = state.enrollments[enrollmentId];
        return {
          ...state,
          enrollments: enrollment ? { ...state.enrollments, [enrollmentId]: { ...enrollment, used: true } } : state.enrollments,
          keys: [...state.keys, { keyId, jwk, enrolledAt, revoked: false }],
        };
      }
      case 'AgentKeyRevoked':
        return state.status === 'registered' ? { ...state, keys: state.keys.map((k) => (k.keyId === event.data.keyId ? { ...k, revoked: true } : k)) } : state;
      case 'AgentMissionRefused':
        return state.status === 'registered' ? { ...state, missionRefusalRecordedAt: event.data.at } : state;
    }
  },

  decide(command, state) {
    if (command.type === 'RegisterAgent') {
      if (state.status !== 'none') throw new DomainError('AGENT_EXISTS', `agent ${command.agentId} already exists`);
      const { agentId, tenantId, name, description, accountabilityMode, now } = command;
      return [{ type: 'AgentRegistered', data: { agentId, tenantId, name, description, accountabilityMode, registeredAt: now } }];
    }
    if (state.status !== 'registered') throw new DomainError('NOT_FOUND', 'agent was not found');
    switch (command.type) {
      case 'ChangeAccountabilityMode':
        if (state.accountabilityMode === command.to) return [];
        return [{ type: 'AccountabilityModeChanged', data: { agentId: state.agentId, from: state.accountabilityMode, to: command.to } }];
      case 'SuspendAgent':
        return state.suspended ? [] : [{ type: 'AgentSuspended', data: { agentId: state.agentId, reason: command.reason } }];
      case 'ReinstateAgent':
        return state.suspended ? [{ type: 'AgentReinstated', data: { agentId: state.agentId } }] : [];
      case 'SetCeiling':
        return JSON.stringify(state.ceiling) === JSON.stringify(command.ceiling) ? [] : [{ type: 'AgentCeilingSet', data: { agentId: state.agentId, ceiling: command.ceiling } }];
      case 'CreateEnrollment':
        return [{ type: 'EnrollmentTokenCreated', data: { agentId: state.agentId, enrollmentId: command.enrollmentId, expiresAt: command.expiresAt } }];
      case 'EnrollKey':
        return enroll(state, command);
      case 'RevokeKey': {
        const key = state.keys.find((k) => k.keyId === command.keyId);
        if (!key) throw new DomainError('AGENT_KEY_NOT_FOUND', `agent ${state.agentId} has no key ${command.keyId}`);
        return key.revoked ? [] : [{ type: 'AgentKeyRevoked', data: { agentId: state.agentId, keyId: key.keyId, reason: command.reason, at: command.now } }];
      }
      case 'RefuseMission': {
        const recorded = state.missionRefusalRecordedAt;
        if (recorded !== null && command.now < addSeconds(recorded, MISSION_REFUSAL_WINDOW_SECONDS)) return [];
        const { keyId, exceeded, requested, now } = command;
        return [{ type: 'AgentMissionRefused', data: { agentId: state.agentId, keyId, exceeded, requested, at: now } }];
      }
    }
  },
};

export const agentStream = (agentId: string) => `agent-${agentId}`;

/**
 * One use of an enrollment token: the token was checked against its verifier by the shell; here it must be one of this
 * agent's, unused (two enrollments racing with one token: the stream's version lets one win) and unexpired.
 */
function enroll(state: RegisteredAgent, command: Extract<AgentCommand, { type: 'EnrollKey' }>): AgentEvent[] {
  const enrollment = state.enrollments[command.enrollmentId];
  if (!enrollment) throw new DomainError('ENROLLMENT_TOKEN_INVALID', 'the enrollment token is not valid');
  if (enrollment.used) throw new DomainError('ENROLLMENT_TOKEN_USED', 'this enrollment token was already used: ask an operator for a new one');
  if (command.now >= enrollment.expiresAt) throw new DomainError('ENROLLMENT_TOKEN_EXPIRED', 'this enrollment token has expired: ask an operator for a new one');
  if (state.suspended) throw new DomainError('AGENT_SUSPENDED', `agent ${state.agentId} is suspended`);
  if (state.keys.some((k) => k.keyId === command.keyId)) throw new DomainError('AGENT_KEY_EXISTS', 'this key is already enrolled for the agent');
  if (state.keys.filter((k) => !k.revoked).length >= AGENT_LIMITS.keys) {
    throw new DomainError('AGENT_KEY_LIMIT', `an agent holds at most ${AGENT_LIMITS.keys} active keys: revoke one first`);
  }
  const { enrollmentId, keyId, jwk, now } = command;
  return [{ type: 'AgentKeyEnrolled', data: { agentId: state.agentId, enrollmentId, keyId, jwk, enrolledAt: now } }];
}

/** The agent's key with this thumbprint, if it is enrolled and not revoked. */
export const activeKeyOf = (state: RegisteredAgent, keyId: string): AgentKey | null => state.keys.find((k) => k.keyId === keyId && !k.revoked) ?? null;

/** What a mission the agent asks for would exceed of its ceiling (empty: within it). */
export function ceilingExceeded(state: RegisteredAgent, ask: { services: string[]; ttlSeconds: number; openMissions: number }): CeilingLimit[] {
  const ceiling = state.ceiling;
  if (!ceiling) return ['no_ceiling'];
  const exceeded: CeilingLimit[] = [];
  if (ask.services.some((s) => !ceiling.allowedServices.includes(s))) exceeded.push('services');
  if (ask.ttlSeconds > ceiling.maxTtlSeconds) exceeded.push('ttl');
  if (ask.openMissions >= ceiling.maxConcurrentMissions) exceeded.push('concurrent_missions');
  return exceeded;
}
