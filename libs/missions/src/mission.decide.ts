import { addSeconds, Decider, DomainError } from '@mandate/core';
import { AccountabilityMode } from '@mandate/agents';
import {
  evolveMission,
  MissionEvent,
  MissionFacts,
  missionInitialState,
  MissionState,
  ObservedCall,
  ObservedOutcome,
  PassportOperation,
  REFUSAL_WINDOW_SECONDS,
  RefusalCode,
  RefusalCount,
  refusalKind,
  refusalOf,
  RevocationScope,
  ToolCall,
  withinMission,
} from './mission';

/**
 * A refused use whose kind was already stored in its window: answered with the refusal's code, not stored again.
 * The shell counts it for the next PassportUseRefusalsCounted.
 */
export class RefusalAlreadyRecorded extends DomainError {
  constructor(
    readonly refusal: RefusalCode,
    readonly operation: PassportOperation,
    readonly mission: { missionId: string; jti: string; agentId: string; tenantId: string },
  ) {
    super(refusal, `refused (${operation}); this kind of refusal is already recorded for this passport`, { jti: mission.jti });
  }
}

/** Commands that use a passport carry the presented token's exp: an old token stays expired after a refresh. */
interface PassportUse {
  now: string;
  tokenExpiresAt: string;
}

export type MissionCommand =
  | {
      type: 'IssuePassport';
      missionId: string;
      jti: string;
      tenantId: string;
      agent: { agentId: string; accountabilityMode: AccountabilityMode; suspended: boolean };
      intent: { summary: string; services: string[] };
      ttlSeconds: number;
      checkpointIntervalSeconds: number;
      idempotencyKey: string | null;
      requestFingerprint: string;
      boundKey?: string;
      openedBy?: 'operator' | 'agent';
      now: string;
    }
  | ({ type: 'RecordCheckpoint'; servicesUsed: string[]; actionsCount: number; summary: string } & PassportUse)
  | ({ type: 'LogToolCalls'; calls: ToolCall[] } & PassportUse)
  | ({ type: 'CheckOut'; summary: string; outcome: 'success' | 'failure' } & PassportUse)
  | ({ type: 'VerifyPassport' } & PassportUse)
  /** Another service uses the passport (an intent, an approval): refused and recorded like any other use. */
  | ({ type: 'UsePassport'; operation: PassportOperation; services: string[] } & PassportUse)
  /**
   * The proxy about to forward a call: started, unless the passport, the mission's scope or the shell's own checks
   * (`refusal`: hosts, deny rules, policy) refuse it.
   */
  | ({ type: 'StartProxiedCall'; call: ObservedCall & { requestBytes: number; requestDigest: string }; refusal: { code: string; detail: string } | null; requestFingerprint?: string } & PassportUse)
  /** Not a use of the passport: a call that was started ends, whatever happened to the passport meanwhile. */
  | { type: 'EndProxiedCall'; call: ObservedCall; outcome: ObservedOutcome; now: string }
  /** A use the shell refused before the mission could judge it (a bound passport without a valid proof of its key). */
  | { type: 'RefuseUse'; operation: PassportOperation; code: RefusalCode; services: string[]; now: string }
  | { type: 'RevokePassport'; reason: string; scope: RevocationScope; now: string }
  | { type: 'CountRefusals'; refusals: RefusalCount[]; from: string; to: string };

const minIso = (a: string, b: string) => (a < b ? a : b);

/** In enforced mode the token lives one checkpoint interval at a time; otherwise it lives as long as the mission. */
function leash(mode: AccountabilityMode, now: string, intervalSeconds: number, expiresAt: string): string {
  return mode === 'enforced' ? minIso(addSeconds(now, intervalSeconds), expiresAt) : expiresAt;
}

const ref = (s: MissionFacts) => ({ missionId: s.missionId, jti: s.jti, agentId: s.agentId });

function servicesOf(command: MissionCommand): string[] {
  if (command.type === 'LogToolCalls') return [...new Set(command.calls.map((c) => c.service))];
  if (command.type === 'RecordCheckpoint') return command.servicesUsed;
  if (command.type === 'UsePassport') return command.services;
  if (command.type === 'StartProxiedCall') return [command.call.service];
  return [];
}

const operationOf: Record<string, PassportOperation> = {
  RecordCheckpoint: 'checkpoint',
  LogToolCalls: 'tool_call',
  CheckOut: 'checkout',
  VerifyPassport: 'verify',
  StartProxiedCall: 'proxy',
};

function decideMission(command: MissionCommand, state: MissionState): MissionEvent[] {
  if (command.type === 'IssuePassport') return issue(command, state);
  if (state.status !== 'issued') throw new DomainError('PASSPORT_UNKNOWN', 'passport was not found');

  if (command.type === 'RevokePassport') {
    if (state.revoked) return [];
    return [
      {
        type: 'PassportRevoked',
        data: { ...ref(state), reason: command.reason, scope: command.scope, at: command.now, tokenExpiresAt: state.leashExpiresAt },
      },
    ];
  }

  if (command.type === 'CountRefusals') {
    const refusals = command.refusals.filter((r) => r.count > 0);
    return refusals.length === 0 ? [] : [{ type: 'PassportUseRefusalsCounted', data: { ...ref(state), refusals, from: command.from, to: command.to } }];
  }

  if (command.type === 'EndProxiedCall') {
    return [{ type: 'ProxiedCallEnded', data: { ...ref(state), ...command.call, ...command.outcome, at: command.now } }];
  }

  if (command.type === 'RefuseUse') return refuse(state, command.operation, command.code, command.services, command.now);

  // Every other command uses the passport: a refusal is itself a fact the detectors must see.
  const refusal = refusalOf(state, command.now, command.tokenExpiresAt);
  // A verify is unauthenticated: the first refused one is the fact detectors need, repeats would only be noise.
  if (refusal && command.type === 'VerifyPassport' && state.verifyRefusalRecorded === refusal) return [];
  if (refusal) {
    const operation = command.type === 'UsePassport' ? command.operation : operationOf[command.type];
    return refuse(state, operation, refusal, servicesOf(command), command.now);
  }

  switch (command.type) {
    case 'VerifyPassport':
    case 'UsePassport':
      return [];
    case 'RecordCheckpoint': {
      const leashExpiresAt = leash(state.accountabilityMode, command.now, state.checkpointIntervalSeconds, state.expiresAt);
      return [
        {
          type: 'CheckpointRecorded',
          data: {
            ...ref(state),
            servicesUsed: command.servicesUsed,
            actionsCount: command.actionsCount,
            summary: command.summary,
            at: command.now,
            leashExpiresAt,
            checkpointDueAt: addSeconds(command.now, state.checkpointIntervalSeconds),
          },
        },
      ];
    }
    case 'LogToolCalls':
      if (command.calls.length === 1) return [{ type: 'ToolCallLogged', data: { ...ref(state), ...command.calls[0], at: command.now } }];
      return [{ type: 'ToolCallsLogged', data: { ...ref(state), calls: command.calls, at: command.now } }];
    case 'CheckOut':
      return [{ type: 'MissionCheckedOut', data: { ...ref(state), summary: command.summary, outcome: command.outcome, at: command.now } }];
    case 'StartProxiedCall': {
      const { requestBytes, requestDigest, ...call } = command.call;
      // A retry under an idempotency key: the call is never made twice.
      const made = Object.hasOwn(state.keyedCalls, call.callId) ? state.keyedCalls[call.callId] : undefined;
      if (made !== undefined && made === command.requestFingerprint) {
        throw new DomainError('PROXY_CALL_ALREADY_MADE', 'a call under this idempotency key was already made: it is not made again (its outcome is in the audit under call_id)', { call_id: call.callId });
      }
      if (made !== undefined) throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'this idempotency key was already used for a different call');
      const keyed = command.requestFingerprint ? { requestFingerprint: command.requestFingerprint } : {};
      const refused = !withinMission(state.services, call.service)
        ? { code: 'PROXY_SERVICE_NOT_IN_MISSION', detail: `this mission did not name the service "${call.service}"` }
        : command.refusal;
      if (refused) return [{ type: 'ProxiedCallRefused', data: { ...ref(state), ...call, ...refused, at: command.now } }];
      return [{ type: 'ProxiedCallStarted', data: { ...ref(state), ...call, requestBytes, requestDigest, at: command.now, ...keyed } }];
    }
  }
}

/** A refused use, stored once per kind (operation and code) and window; the repeats are counted, not stored. */
function refuse(state: MissionFacts, operation: PassportOperation, code: RefusalCode, services: string[], now: string): MissionEvent[] {
  const recordedAt = state.refusalsRecordedAt[refusalKind(operation, code)];
  if (recordedAt !== undefined && now < addSeconds(recordedAt, REFUSAL_WINDOW_SECONDS)) {
    throw new RefusalAlreadyRecorded(code, operation, { ...ref(state), tenantId: state.tenantId });
  }
  return [{ type: 'PassportUseRefused', data: { ...ref(state), operation, code, at: now, services } }];
}

function issue(command: Extract<MissionCommand, { type: 'IssuePassport' }>, state: MissionState): MissionEvent[] {
  if (state.status === 'issued') {
    // Same idempotency key and same request: the retry gets the mission it already opened.
    if (state.requestFingerprint === command.requestFingerprint) return [];
    throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'this idempotency key was already used for a different passport request');
  }
  if (command.agent.suspended) throw new DomainError('AGENT_SUSPENDED', `agent ${command.agent.agentId} is suspended`);
  const mode = command.agent.accountabilityMode;
  if (mode !== 'standard' && (!command.intent.summary.trim() || command.intent.services.length === 0)) {
    throw new DomainError(
      'ACCOUNTABILITY_REQUIRED',
      `agents in ${mode} mode must state an intent: a summary and at least one service`,
    );
  }
  const expiresAt = addSeconds(command.now, command.ttlSeconds);
  return [
    {
      type: 'PassportIssued',
      data: {
        missionId: command.missionId,
        jti: command.jti,
        agentId: command.agent.agentId,
        tenantId: command.tenantId,
        accountabilityMode: mode,
        intent: { summary: command.intent.summary, services: [...new Set(command.intent.services)] },
        ttlSeconds: command.ttlSeconds,
        checkpointIntervalSeconds: command.checkpointIntervalSeconds,
        issuedAt: command.now,
        expiresAt,
        leashExpiresAt: leash(mode, command.now, command.checkpointIntervalSeconds, expiresAt),
        checkpointDueAt: addSeconds(command.now, command.checkpointIntervalSeconds),
        idempotencyKey: command.idempotencyKey,
        requestFingerprint: command.requestFingerprint,
        ...(command.boundKey ? { boundKey: command.boundKey } : {}),
        ...(command.openedBy === 'agent' ? { openedBy: 'agent' as const } : {}),
      },
    },
  ];
}

export const missionDecider: Decider<MissionCommand, MissionEvent, MissionState> = {
  initialState: missionInitialState,
  evolve: evolveMission,
  decide: decideMission,
};
