import { AuditEntry } from '@mandate/audit';
import type { ChangeAt } from './projection';

export interface Revocation {
  position: number;
  tenantId: string;
  jti: string;
  agentId: string;
  missionId: string;
  reason: string;
  scope: string;
  revokedByKind: string;
  revokedBy: string;
  revokedAt: string;
  tokenExpiresAt: string;
}

export interface AgentSummary {
  agentId: string;
  tenantId: string;
  name: string;
  description: string;
  accountabilityMode: string;
  suspended: boolean;
  registeredAt: string;
}

export interface IntentSummary {
  /** The position of the intent's last change (its submission, an approval, its decision). */
  position: number;
  intentId: string;
  tenantId: string;
  agentId: string;
  jti: string;
  missionId: string;
  namedIntent: string;
  service: string;
  status: string;
  submittedAt: string;
  expiresAt: string;
  approvalsRequired: number;
  approvalsGiven: number;
}

/** A mission as the console's list shows it: its passport, its agent, and where it stands. */
export interface MissionSummary {
  /** Where its passport was issued: the list's order, newest first, and its cursor. */
  position: number;
  jti: string;
  missionId: string;
  agentId: string;
  agentName: string;
  accountabilityMode: string;
  status: MissionStatus;
  summary: string;
  services: string[];
  issuedAt: string;
  expiresAt: string;
}

export const MISSION_STATUSES = ['active', 'expired', 'checked_out', 'revoked'] as const;
export type MissionStatus = (typeof MISSION_STATUSES)[number];

export interface MissionQuery {
  tenantId: string;
  agentId?: string;
  status?: MissionStatus;
  mode?: string;
  /** What `expired` means: an active mission whose end is at or before now. */
  now: string;
  /** Missions issued before this position (0: from the newest). */
  beforePosition: number;
  limit: number;
}

export interface SecurityEventSummary {
  position: number;
  findingId: string;
  tenantId: string;
  signal: string;
  severity: string;
  agentId: string;
  jti: string;
  missionId: string;
  detail: string;
  evidence: string[];
  action: string;
  revoke: boolean;
  raised: boolean;
  raisedAt: string;
  status: 'open' | 'resolved';
  resolution: { note: string; by: string; at: string } | null;
}

/** A finding raised to operators, or its resolution, at its position; the finding as it stands now. */
export interface FindingChange {
  position: number;
  kind: 'raised' | 'resolved';
  finding: SecurityEventSummary;
}

export interface SecurityEventQuery {
  tenantId: string;
  signal?: string;
  severity?: string;
  agentId?: string;
  jti?: string;
  status?: string;
  afterPosition: number;
  limit: number;
}

export interface AuditQuery {
  tenantId: string;
  agentId?: string;
  jti?: string;
  missionId?: string;
  type?: string;
  from?: string;
  to?: string;
  afterPosition: number;
  limit: number;
}

/** A tenant event that ends open streams (a key revoked, the tenant disabled) or changes the limits in force. */
export type TenantChange =
  | { tenantId: string; kind: 'key_revoked'; keyId: string }
  | { tenantId: string; kind: 'disabled' | 'enabled' | 'limits_changed' | 'binding_changed' };

/** What the services read: the audit trail, revocations, passports that a kill switch must reach, agents. */
export interface ReadModels {
  /** Position of the last event the read models hold. */
  position(): number;
  /** Read-your-writes: resolves true once the read models hold `position`, false after the timeout. */
  waitFor(position: number, timeoutMs: number): Promise<boolean>;
  onRevocations(listener: (revocations: Revocation[]) => void): () => void;
  revocationsAfter(tenantId: string, afterPosition: number, limit: number): Promise<Revocation[]>;
  /** Passports whose tokens could still be accepted somewhere: what a kill switch must reach. */
  revocablePassports(tenantId: string, now: string, agentId?: string): Promise<Array<{ jti: string; missionId: string }>>;
  agents(tenantId: string, afterAgentId: string, limit: number): Promise<AgentSummary[]>;
  audit(query: AuditQuery): Promise<AuditEntry[]>;
  /** The approval queue: a tenant's intents in a status, oldest first. */
  intents(tenantId: string, status: string, afterIntentId: string, limit: number): Promise<IntentSummary[]>;
  /**
   * The queue's feed: a tenant's intents changed after a position, each at its current state, in the order of their
   * last change; `openOnly`: the pending ones only (where a new subscriber starts, without reading every intent).
   */
  intentsChangedAfter(tenantId: string, afterPosition: number, limit: number, openOnly?: boolean): Promise<IntentSummary[]>;
  /** Where intents changed, live, as the read models learn of it (from the stream in distributed mode). */
  onQueueChanges(listener: (changes: ChangeAt[]) => void): () => void;
  /** A tenant's missions, newest first. */
  missions(query: MissionQuery): Promise<MissionSummary[]>;
  /** Pending intents whose deadline has passed, across tenants: what the expiry sweep must record. */
  dueIntents(now: string, limit: number): Promise<Array<{ intentId: string; tenantId: string }>>;
  securityEvents(query: SecurityEventQuery): Promise<SecurityEventSummary[]>;
  securityEvent(tenantId: string, findingId: string): Promise<SecurityEventSummary | null>;
  /**
   * The findings feed: findings raised to operators and their resolutions after a position, in position order;
   * `openOnly`: the open findings only (where a new subscriber starts).
   */
  findingChangesAfter(tenantId: string, afterPosition: number, limit: number, openOnly?: boolean): Promise<FindingChange[]>;
  /** Where findings were resolved, live, as the read models learn of it. */
  onFindingResolutions(listener: (changes: ChangeAt[]) => void): () => void;
  /** Findings raised to operators, live, for the security-events stream. */
  onSecurityEvents(listener: (findings: SecurityEventSummary[]) => void): () => void;
  /** Tenant changes, live, as the read models learn of them (from the stream in distributed mode): never polled. */
  onTenantChanges(listener: (changes: TenantChange[]) => void): () => void;
  /**
   * Intents changed by any process, as the read models learn of them (distributed mode), so a long-poll here wakes on
   * a decision taken in another service. Embedded mode has no other process and leaves it out.
   */
  onIntentChanges?(listener: (streamIds: string[]) => void): () => void;
}

export const READ_MODELS = Symbol('READ_MODELS');
