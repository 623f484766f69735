import { AuditEntry } from '@mandate/audit';

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
  /** Pending intents whose deadline has passed, across tenants: what the expiry sweep must record. */
  dueIntents(now: string, limit: number): Promise<Array<{ intentId: string; tenantId: string }>>;
  securityEvents(query: SecurityEventQuery): Promise<SecurityEventSummary[]>;
  securityEvent(tenantId: string, findingId: string): Promise<SecurityEventSummary | null>;
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
