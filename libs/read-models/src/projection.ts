import { RecordedEvent } from '@mandate/core';
import { AccountabilityMode } from '@mandate/agents';
import { assertEventOf, isMandateEvent, RecordedEventOf, RecordedMandateEvent } from '@mandate/events';
import { AgentSummary, IntentSummary, Revocation, SecurityEventSummary, TenantChange } from './read-models';

/** A passport as the kill switches find it: which are still open, and until when their tokens could be accepted. */
export interface PassportRow {
  /** Where the passport was issued: the missions list's order (newest first) and cursor. */
  position: number;
  jti: string;
  missionId: string;
  tenantId: string;
  agentId: string;
  accountabilityMode: AccountabilityMode;
  summary: string;
  services: string[];
  tokenExpiresAt: string;
  issuedAt: string;
  /** The mission's end (the token's leash, tokenExpiresAt, may be nearer). */
  expiresAt: string;
}

/**
 * One write an event makes to the read models, said in the domain's words. Pure: the SQL read models carry each out
 * with one statement, and the specs check them with no database.
 */
export type ReadModelChange =
  /** Opened as active; the first record of a passport wins. */
  | { kind: 'passportIssued'; passport: PassportRow }
  | { kind: 'passportLeashMoved'; jti: string; tokenExpiresAt: string }
  /** A revoked passport stays revoked, whatever comes after. */
  | { kind: 'passportClosed'; jti: string; status: 'checked_out' | 'revoked' }
  | { kind: 'revocationRecorded'; revocation: Revocation }
  | { kind: 'agentRegistered'; agent: AgentSummary }
  | { kind: 'agentModeChanged'; agentId: string; accountabilityMode: AccountabilityMode }
  | { kind: 'agentSuspensionChanged'; agentId: string; suspended: boolean }
  /** Queued as pending with no approval given. Every change of an intent moves its position: the queue's feed. */
  | { kind: 'intentQueued'; intent: IntentSummary }
  | { kind: 'intentApprovalsCounted'; intentId: string; approvalsGiven: number; position: number }
  | { kind: 'intentDecided'; intentId: string; status: 'approved' | 'rejected' | 'expired'; position: number }
  /** Listed as open. */
  | { kind: 'findingRaised'; finding: SecurityEventSummary }
  | { kind: 'findingResolved'; findingId: string; resolution: { note: string; by: string; at: string }; position: number };

/** A PassportRevoked event as the revocation feed shows it. */
export function toRevocation(event: RecordedEvent): Revocation {
  assertEventOf(event, 'PassportRevoked');
  const d = event.data;
  return {
    position: event.position, tenantId: event.tenantId, jti: d.jti, agentId: d.agentId, missionId: d.missionId,
    reason: d.reason, scope: d.scope, revokedByKind: event.actor.kind, revokedBy: event.actor.id,
    revokedAt: d.at, tokenExpiresAt: d.tokenExpiresAt,
  };
}

/** A SecurityEventRaised event as the findings feed and list show it. */
export function toSecurityEvent(event: RecordedEvent): SecurityEventSummary {
  assertEventOf(event, 'SecurityEventRaised');
  const d = event.data;
  return {
    position: event.position, findingId: event.id, tenantId: event.tenantId, signal: d.signal, severity: d.severity,
    agentId: d.agentId, jti: d.jti, missionId: d.missionId, detail: d.detail, evidence: d.evidence, action: d.action,
    revoke: d.revoke, raised: d.raised, raisedAt: event.occurredAt, status: 'open', resolution: null,
  };
}

/** What a tenant event changes for open streams and the limits a process applies, or null. */
export function toTenantChange(event: RecordedMandateEvent): TenantChange | null {
  switch (event.type) {
    case 'OperatorKeyRevoked':
      return { tenantId: event.tenantId, kind: 'key_revoked', keyId: event.data.keyId };
    case 'TenantDisabled':
      return { tenantId: event.tenantId, kind: 'disabled' };
    case 'TenantEnabled':
      return { tenantId: event.tenantId, kind: 'enabled' };
    case 'TenantLimitsChanged':
      return { tenantId: event.tenantId, kind: 'limits_changed' };
    case 'BoundPassportsRequired':
      return { tenantId: event.tenantId, kind: 'binding_changed' };
    default:
      return null;
  }
}

/** What committed events bring to the live feeds: revocations, findings, tenant changes, queue changes and resolutions, in commit order. */
export function liveFeedsOf(events: RecordedEvent[]): LiveFeeds {
  const feeds: LiveFeeds = { revocations: [], findings: [], tenantChanges: [], queueChanges: [], resolutions: [] };
  for (const event of events) {
    if (!isMandateEvent(event)) continue;
    if (event.type === 'PassportRevoked') feeds.revocations.push(toRevocation(event));
    if (event.type === 'SecurityEventRaised') feeds.findings.push(toSecurityEvent(event));
    const change = toTenantChange(event);
    if (change) feeds.tenantChanges.push(change);
    if (QUEUE_EVENTS.has(event.type)) feeds.queueChanges.push({ tenantId: event.tenantId, position: event.position });
    if (event.type === 'SecurityEventResolved') feeds.resolutions.push({ tenantId: event.tenantId, position: event.position });
  }
  return feeds;
}

export interface LiveFeeds {
  revocations: Revocation[];
  findings: SecurityEventSummary[];
  tenantChanges: TenantChange[];
  /** Where an intent of a tenant changed: the queue's feed reads the intents changed since (their rows say how). */
  queueChanges: ChangeAt[];
  /** Where a finding of a tenant was resolved: the findings feed reads it (the event holds no more than the note). */
  resolutions: ChangeAt[];
}

/** Where a read model's row of a tenant changed. */
export interface ChangeAt {
  tenantId: string;
  position: number;
}

/** The events that change an intent's row (readModelChanges' intent kinds): what moves the approval queue. */
const QUEUE_EVENTS: ReadonlySet<string> = new Set(['IntentSubmitted', 'IntentApprovalGiven', 'IntentAutoApproved', 'IntentApproved', 'IntentRejected', 'IntentExpired']);

/** The writes one committed event makes to the read models (the audit trail aside: it takes every event as it is). */
export function readModelChanges(event: RecordedEvent): ReadModelChange[] {
  return isMandateEvent(event) ? changesOf(event) : [];
}

function changesOf(event: RecordedMandateEvent): ReadModelChange[] {
  switch (event.type) {
    case 'PassportIssued': {
      const d = event.data;
      const passport: PassportRow = {
        position: event.position, jti: d.jti, missionId: d.missionId, tenantId: event.tenantId, agentId: d.agentId,
        accountabilityMode: d.accountabilityMode, summary: d.intent.summary, services: d.intent.services,
        tokenExpiresAt: d.leashExpiresAt, issuedAt: d.issuedAt, expiresAt: d.expiresAt,
      };
      return [{ kind: 'passportIssued', passport }];
    }
    case 'CheckpointRecorded':
      return [{ kind: 'passportLeashMoved', jti: event.data.jti, tokenExpiresAt: event.data.leashExpiresAt }];
    case 'MissionCheckedOut':
      return [{ kind: 'passportClosed', jti: event.data.jti, status: 'checked_out' }];
    case 'PassportRevoked':
      return [{ kind: 'revocationRecorded', revocation: toRevocation(event) }, { kind: 'passportClosed', jti: event.data.jti, status: 'revoked' }];
    case 'AgentRegistered': {
      const d = event.data;
      const agent = { agentId: d.agentId, tenantId: d.tenantId, name: d.name, description: d.description, accountabilityMode: d.accountabilityMode, suspended: false, registeredAt: d.registeredAt };
      return [{ kind: 'agentRegistered', agent }];
    }
    case 'AccountabilityModeChanged':
      return [{ kind: 'agentModeChanged', agentId: event.data.agentId, accountabilityMode: event.data.to }];
    case 'AgentSuspended':
      return [{ kind: 'agentSuspensionChanged', agentId: event.data.agentId, suspended: true }];
    case 'AgentReinstated':
      return [{ kind: 'agentSuspensionChanged', agentId: event.data.agentId, suspended: false }];
    case 'IntentSubmitted':
      return [{ kind: 'intentQueued', intent: queuedIntent(event) }];
    case 'IntentApprovalGiven':
      return [{ kind: 'intentApprovalsCounted', intentId: event.data.intentId, approvalsGiven: event.data.given, position: event.position }];
    case 'IntentAutoApproved':
    case 'IntentApproved':
      return [{ kind: 'intentDecided', intentId: event.data.intentId, status: 'approved', position: event.position }];
    case 'IntentRejected':
      return [{ kind: 'intentDecided', intentId: event.data.intentId, status: 'rejected', position: event.position }];
    case 'IntentExpired':
      return [{ kind: 'intentDecided', intentId: event.data.intentId, status: 'expired', position: event.position }];
    case 'SecurityEventRaised':
      return [{ kind: 'findingRaised', finding: toSecurityEvent(event) }];
    case 'SecurityEventResolved':
      // Who resolved it is the operator behind the event, not something the data repeats.
      return [{ kind: 'findingResolved', findingId: event.data.findingId, resolution: { note: event.data.note, by: event.actor.id, at: event.data.at }, position: event.position }];
    // Facts no read model lists (the audit trail has them all): named so that a new event type is a decision.
    case 'TenantCreated':
    case 'OperatorKeyCreated':
    case 'OperatorKeyRevoked':
    case 'TenantDisabled':
    case 'TenantEnabled':
    case 'TenantLimitsChanged':
    case 'BoundPassportsRequired':
    case 'ToolCallLogged':
    case 'ToolCallsLogged':
    case 'PassportUseRefused':
    case 'PassportUseRefusalsCounted':
    case 'ProxiedCallStarted':
    case 'ProxiedCallEnded':
    case 'ProxiedCallRefused':
    case 'IntentRefused':
    case 'ApprovalConsumed':
    case 'ApprovalRefused':
    case 'IntentPolicyChanged':
    case 'DetectorSettingsChanged':
    case 'ClockTicked':
    case 'ServiceRegistered':
    case 'ServiceChanged':
    case 'ServiceSecretAdded':
    case 'ServiceSecretRemoved':
    case 'ServiceRemoved':
    case 'ProxySettingsChanged':
    case 'AgentCeilingSet':
    case 'EnrollmentTokenCreated':
    case 'AgentKeyEnrolled':
    case 'AgentKeyRevoked':
    case 'AgentMissionRefused':
      return [];
  }
}

function queuedIntent(event: RecordedEventOf<'IntentSubmitted'>): IntentSummary {
  const d = event.data;
  return {
    position: event.position, intentId: d.intentId, tenantId: event.tenantId, agentId: d.agentId, jti: d.jti, missionId: d.missionId, namedIntent: d.namedIntent,
    service: d.service, status: 'pending', submittedAt: d.submittedAt, expiresAt: d.expiresAt, approvalsRequired: d.policy.approvalsRequired, approvalsGiven: 0,
  };
}
