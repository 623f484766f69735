// About 300 lines: the SQL of every read-model table, its writes and its queries, kept together so a change of shape
// is one place (and bumps READ_MODEL_VERSION).
import Database from 'better-sqlite3';
import { canonicalJson, RecordedEvent } from '@mandate/core';
import { AuditEntry, toAuditEntry } from '@mandate/audit';
import { readModelChanges, ReadModelChange } from './projection';
import { AgentSummary, AuditQuery, FindingChange, IntentSummary, MissionQuery, MissionSummary, Revocation, SecurityEventQuery, SecurityEventSummary } from './read-models';

/**
 * The shape of the read-model tables. A data directory written with another shape has its read models dropped and
 * rebuilt from the events at start (they are projections: nothing is lost). 2: audit entries say what happened. 3: what
 * they say is canonical JSON, whatever the key order of the event object it was projected from. 5: passports hold what
 * the missions list shows; intents, the position of their last change (the queue's feed); findings, where they were
 * resolved (the findings feed).
 */
const READ_MODEL_VERSION = 5;
const READ_MODEL_TABLES = ['read_model_checkpoint', 'audit_entries', 'revocations', 'passports', 'agents', 'intents', 'security_events'];

const SCHEMA = `
CREATE TABLE IF NOT EXISTS read_model_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS read_model_checkpoint (id INTEGER PRIMARY KEY CHECK (id = 1), position INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS audit_entries (
  tenant_id TEXT NOT NULL, position INTEGER NOT NULL, event_id TEXT NOT NULL, type TEXT NOT NULL,
  occurred_at TEXT NOT NULL, actor_kind TEXT NOT NULL, actor_id TEXT NOT NULL, agent_id TEXT, jti TEXT,
  mission_id TEXT, outcome TEXT NOT NULL, code TEXT, what TEXT, PRIMARY KEY (tenant_id, position)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS audit_by_agent ON audit_entries (tenant_id, agent_id, position) WHERE agent_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS audit_by_jti ON audit_entries (tenant_id, jti, position) WHERE jti IS NOT NULL;
CREATE INDEX IF NOT EXISTS audit_by_type ON audit_entries (tenant_id, type, position);
CREATE TABLE IF NOT EXISTS revocations (
  position INTEGER PRIMARY KEY, tenant_id TEXT NOT NULL, jti TEXT NOT NULL, agent_id TEXT NOT NULL,
  mission_id TEXT NOT NULL, reason TEXT NOT NULL, scope TEXT NOT NULL, revoked_by_kind TEXT NOT NULL,
  revoked_by TEXT NOT NULL, revoked_at TEXT NOT NULL, token_expires_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS revocations_by_tenant ON revocations (tenant_id, position);
CREATE TABLE IF NOT EXISTS passports (
  jti TEXT PRIMARY KEY, mission_id TEXT NOT NULL, tenant_id TEXT NOT NULL, agent_id TEXT NOT NULL,
  status TEXT NOT NULL, token_expires_at TEXT NOT NULL, issued_at TEXT NOT NULL, position INTEGER NOT NULL,
  accountability_mode TEXT NOT NULL, summary TEXT NOT NULL, services TEXT NOT NULL, expires_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS passports_by_agent ON passports (tenant_id, agent_id, position);
CREATE INDEX IF NOT EXISTS passports_by_tenant ON passports (tenant_id, position);
CREATE TABLE IF NOT EXISTS agents (
  agent_id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL,
  accountability_mode TEXT NOT NULL, suspended INTEGER NOT NULL, registered_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS agents_by_tenant ON agents (tenant_id, agent_id);
CREATE TABLE IF NOT EXISTS intents (
  intent_id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, agent_id TEXT NOT NULL, jti TEXT NOT NULL, mission_id TEXT NOT NULL,
  named_intent TEXT NOT NULL, service TEXT NOT NULL, status TEXT NOT NULL, submitted_at TEXT NOT NULL,
  expires_at TEXT NOT NULL, approvals_required INTEGER NOT NULL, approvals_given INTEGER NOT NULL, position INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS intents_by_status ON intents (tenant_id, status, intent_id);
CREATE INDEX IF NOT EXISTS intents_by_change ON intents (tenant_id, position);
CREATE INDEX IF NOT EXISTS intents_pending ON intents (tenant_id, position) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS intents_due ON intents (status, expires_at);
CREATE TABLE IF NOT EXISTS security_events (
  position INTEGER PRIMARY KEY, finding_id TEXT NOT NULL UNIQUE, tenant_id TEXT NOT NULL, signal TEXT NOT NULL,
  severity TEXT NOT NULL, agent_id TEXT NOT NULL, jti TEXT NOT NULL, mission_id TEXT NOT NULL, detail TEXT NOT NULL,
  evidence TEXT NOT NULL, action TEXT NOT NULL, revoke INTEGER NOT NULL, raised INTEGER NOT NULL, raised_at TEXT NOT NULL,
  status TEXT NOT NULL, resolution TEXT, resolved_position INTEGER);
CREATE INDEX IF NOT EXISTS security_events_by_tenant ON security_events (tenant_id, position);
CREATE INDEX IF NOT EXISTS security_events_resolved ON security_events (tenant_id, resolved_position) WHERE resolved_position IS NOT NULL;
CREATE INDEX IF NOT EXISTS security_events_open ON security_events (tenant_id, position) WHERE status = 'open' AND raised = 1;
`;

export interface ReadModelOptions {
  /**
   * Whether to keep the audit trail (a row per event, the largest table). Embedded mode and the audit service do; in
   * distributed mode the other services never answer audit queries and skip it.
   */
  auditTrail?: boolean;
}

/** A revocation as subscribers see it: the SSE stream's frames and the compacted revocations topic's values. */
export function revocationView(r: Revocation) {
  return {
    jti: r.jti, agent_id: r.agentId, mission_id: r.missionId, reason: r.reason, scope: r.scope,
    revoked_by: { kind: r.revokedByKind, id: r.revokedBy }, revoked_at: r.revokedAt, exp: r.tokenExpiresAt,
  };
}

/**
 * The embedded read models, in the event store's own SQLite file and projected inside each append transaction
 * (see SqliteEventStore.addInlineProjection): never behind the store, never applied twice. They can be dropped and
 * rebuilt from the events; `catchUp` does that for whatever the checkpoint has not seen.
 */
export class SqliteReadModels {
  private checkpoint: number;
  private readonly sql: ReturnType<SqliteReadModels['prepare']>;

  constructor(
    private readonly db: Database.Database,
    private readonly options: ReadModelOptions = {},
  ) {
    this.dropIfOfAnotherVersion();
    this.db.exec(SCHEMA);
    this.db.prepare('INSERT INTO read_model_version (id, version) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET version = excluded.version').run(READ_MODEL_VERSION);
    this.sql = this.prepare();
    this.checkpoint = (this.sql.checkpoint.get() as { position: number } | undefined)?.position ?? 0;
  }

  private prepare() {
    const db = this.db;
    return {
      checkpoint: db.prepare('SELECT position FROM read_model_checkpoint WHERE id = 1'),
      saveCheckpoint: db.prepare('INSERT INTO read_model_checkpoint (id, position) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET position = excluded.position'),
      audit: db.prepare(
        `INSERT OR IGNORE INTO audit_entries (tenant_id, position, event_id, type, occurred_at, actor_kind, actor_id, agent_id, jti, mission_id, outcome, code, what)
         VALUES (@tenantId, @position, @eventId, @type, @occurredAt, @actorKind, @actorId, @agentId, @jti, @missionId, @outcome, @code, @what)`,
      ),
      revocation: db.prepare(
        `INSERT OR IGNORE INTO revocations VALUES (@position, @tenantId, @jti, @agentId, @missionId, @reason, @scope,
           @revokedByKind, @revokedBy, @revokedAt, @tokenExpiresAt)`,
      ),
      passportIssued: db.prepare(
        `INSERT OR IGNORE INTO passports VALUES (@jti, @missionId, @tenantId, @agentId, 'active', @tokenExpiresAt, @issuedAt, @position,
           @accountabilityMode, @summary, @services, @expiresAt)`,
      ),
      passportLeash: db.prepare(`UPDATE passports SET token_expires_at = ? WHERE jti = ?`),
      passportStatus: db.prepare(`UPDATE passports SET status = ? WHERE jti = ? AND status <> 'revoked'`),
      agentRegistered: db.prepare(`INSERT OR IGNORE INTO agents VALUES (?, ?, ?, ?, ?, ?, ?)`),
      agentMode: db.prepare(`UPDATE agents SET accountability_mode = ? WHERE agent_id = ?`),
      agentSuspended: db.prepare(`UPDATE agents SET suspended = ? WHERE agent_id = ?`),
      revocationsAfter: db.prepare(`SELECT * FROM revocations WHERE tenant_id = ? AND position > ? ORDER BY position LIMIT ?`),
      unexpiredPassports: db.prepare(`SELECT jti, mission_id FROM passports WHERE tenant_id = ? AND status <> 'revoked' AND token_expires_at > ?`),
      unexpiredPassportsOfAgent: db.prepare(
        `SELECT jti, mission_id FROM passports WHERE tenant_id = ? AND agent_id = ? AND status <> 'revoked' AND token_expires_at > ?`,
      ),
      agentsPage: db.prepare(`SELECT * FROM agents WHERE tenant_id = ? AND agent_id > ? ORDER BY agent_id LIMIT ?`),
      intentQueued: db.prepare(`INSERT OR IGNORE INTO intents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      intentStatus: db.prepare(`UPDATE intents SET status = ?, position = ? WHERE intent_id = ?`),
      intentApprovals: db.prepare(`UPDATE intents SET approvals_given = ?, position = ? WHERE intent_id = ?`),
      intentsPage: db.prepare(`SELECT * FROM intents WHERE tenant_id = ? AND status = ? AND intent_id > ? ORDER BY intent_id LIMIT ?`),
      intentsChanged: db.prepare(`SELECT * FROM intents WHERE tenant_id = ? AND position > ? ORDER BY position LIMIT ?`),
      pendingIntentsChanged: db.prepare(`SELECT * FROM intents WHERE tenant_id = ? AND position > ? AND status = 'pending' ORDER BY position LIMIT ?`),
      securityEvent: db.prepare(
        `INSERT OR IGNORE INTO security_events VALUES (@position, @findingId, @tenantId, @signal, @severity, @agentId, @jti,
           @missionId, @detail, @evidence, @action, @revoke, @raised, @raisedAt, 'open', NULL, NULL)`,
      ),
      securityEventResolved: db.prepare(`UPDATE security_events SET status = 'resolved', resolution = ?, resolved_position = ? WHERE finding_id = ?`),
      // Raised findings by where they were raised, and their resolutions by where they were resolved, interleaved.
      findingChanges: db.prepare(
        `SELECT * FROM (
           SELECT *, position AS change_position, 'raised' AS change FROM security_events WHERE tenant_id = @tenantId AND raised = 1 AND position > @after
           UNION ALL
           SELECT *, resolved_position AS change_position, 'resolved' AS change FROM security_events
             WHERE tenant_id = @tenantId AND raised = 1 AND resolved_position > @after)
         ORDER BY change_position LIMIT @limit`,
      ),
      openFindings: db.prepare(
        `SELECT *, position AS change_position, 'raised' AS change FROM security_events
         WHERE tenant_id = @tenantId AND raised = 1 AND status = 'open' AND position > @after ORDER BY position LIMIT @limit`,
      ),
      securityEventById: db.prepare(`SELECT * FROM security_events WHERE tenant_id = ? AND finding_id = ?`),
      dueIntents: db.prepare(`SELECT intent_id, tenant_id FROM intents WHERE status = 'pending' AND expires_at <= ? ORDER BY expires_at LIMIT ?`),
    };
  }

  /** The version of read models found in another shape and dropped at open, to be rebuilt by catchUp; else null. */
  droppedVersion: number | null = null;

  /** Read models of another shape (or of before versions were recorded) are dropped: catchUp rebuilds them. */
  private dropIfOfAnotherVersion(): void {
    const exists = (table: string) => this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(table) !== undefined;
    if (!exists('read_model_checkpoint')) return;
    const stored = exists('read_model_version') ? (this.db.prepare('SELECT version FROM read_model_version WHERE id = 1').get() as { version: number } | undefined)?.version : 1;
    if (stored === READ_MODEL_VERSION) return;
    this.droppedVersion = stored ?? 0;
    this.db.transaction(() => READ_MODEL_TABLES.forEach((table) => this.db.exec(`DROP TABLE IF EXISTS ${table}`)))();
  }

  get position(): number {
    return this.checkpoint;
  }

  /** Projects committed events. Runs inside the append transaction (or catchUp's own). */
  apply(events: RecordedEvent[]): void {
    for (const event of events) {
      if (event.position <= this.checkpoint) continue;
      if (this.options.auditTrail !== false) {
        const entry = toAuditEntry(event);
        // Canonical, so the text does not depend on the key order of the object at hand: the appended one (as the
        // handler built it) and the one read back (sorted) must project to the same row, or a rebuild differs.
        this.sql.audit.run({ ...entry, what: entry.what === null ? null : canonicalJson(entry.what) });
      }
      for (const change of readModelChanges(event)) this.write(change);
    }
    const last = events[events.length - 1].position;
    if (last > this.checkpoint) {
      this.sql.saveCheckpoint.run(last);
      this.checkpoint = last;
    }
  }

  /** Rebuilds whatever the checkpoint has not seen (a fresh or dropped read model, an older version). */
  catchUp(readAll: (after: number, limit: number) => RecordedEvent[]): number {
    let applied = 0;
    for (;;) {
      const page = readAll(this.checkpoint, 2000);
      if (page.length === 0) return applied;
      this.db.transaction(() => this.apply(page))();
      applied += page.length;
    }
  }

  private write(change: ReadModelChange): void {
    const sql = this.sql;
    switch (change.kind) {
      case 'passportIssued': {
        sql.passportIssued.run({ ...change.passport, services: JSON.stringify(change.passport.services) });
        return;
      }
      case 'passportLeashMoved':
        sql.passportLeash.run(change.tokenExpiresAt, change.jti);
        return;
      case 'passportClosed':
        sql.passportStatus.run(change.status, change.jti);
        return;
      case 'revocationRecorded':
        sql.revocation.run(change.revocation);
        return;
      case 'agentRegistered': {
        const a = change.agent;
        sql.agentRegistered.run(a.agentId, a.tenantId, a.name, a.description, a.accountabilityMode, a.suspended ? 1 : 0, a.registeredAt);
        return;
      }
      case 'agentModeChanged':
        sql.agentMode.run(change.accountabilityMode, change.agentId);
        return;
      case 'agentSuspensionChanged':
        sql.agentSuspended.run(change.suspended ? 1 : 0, change.agentId);
        return;
      case 'intentQueued': {
        const i = change.intent;
        sql.intentQueued.run(i.intentId, i.tenantId, i.agentId, i.jti, i.missionId, i.namedIntent, i.service, i.status, i.submittedAt, i.expiresAt, i.approvalsRequired, i.approvalsGiven, i.position);
        return;
      }
      case 'intentApprovalsCounted':
        sql.intentApprovals.run(change.approvalsGiven, change.position, change.intentId);
        return;
      case 'intentDecided':
        sql.intentStatus.run(change.status, change.position, change.intentId);
        return;
      case 'findingRaised': {
        const f = change.finding;
        sql.securityEvent.run({ ...f, evidence: JSON.stringify(f.evidence), revoke: f.revoke ? 1 : 0, raised: f.raised ? 1 : 0 });
        return;
      }
      case 'findingResolved':
        sql.securityEventResolved.run(JSON.stringify(change.resolution), change.position, change.findingId);
        return;
    }
  }

  revocationsAfter(tenantId: string, afterPosition: number, limit: number): Revocation[] {
    return (this.sql.revocationsAfter.all(tenantId, afterPosition, limit) as any[]).map((r) => ({
      position: r.position, tenantId: r.tenant_id, jti: r.jti, agentId: r.agent_id, missionId: r.mission_id,
      reason: r.reason, scope: r.scope, revokedByKind: r.revoked_by_kind, revokedBy: r.revoked_by,
      revokedAt: r.revoked_at, tokenExpiresAt: r.token_expires_at,
    }));
  }

  revocablePassports(tenantId: string, now: string, agentId?: string): Array<{ jti: string; missionId: string }> {
    const rows = agentId ? this.sql.unexpiredPassportsOfAgent.all(tenantId, agentId, now) : this.sql.unexpiredPassports.all(tenantId, now);
    return (rows as any[]).map((r) => ({ jti: r.jti, missionId: r.mission_id }));
  }

  agents(tenantId: string, afterAgentId: string, limit: number): AgentSummary[] {
    return (this.sql.agentsPage.all(tenantId, afterAgentId, limit) as any[]).map((r) => ({
      agentId: r.agent_id, tenantId: r.tenant_id, name: r.name, description: r.description,
      accountabilityMode: r.accountability_mode, suspended: r.suspended === 1, registeredAt: r.registered_at,
    }));
  }

  intents(tenantId: string, status: string, afterIntentId: string, limit: number): IntentSummary[] {
    return (this.sql.intentsPage.all(tenantId, status, afterIntentId, limit) as any[]).map(intentRow);
  }

  intentsChangedAfter(tenantId: string, afterPosition: number, limit: number, openOnly = false): IntentSummary[] {
    return ((openOnly ? this.sql.pendingIntentsChanged : this.sql.intentsChanged).all(tenantId, afterPosition, limit) as any[]).map(intentRow);
  }

  missions(query: MissionQuery): MissionSummary[] {
    const where = ['p.tenant_id = @tenantId'];
    const params: Record<string, unknown> = { tenantId: query.tenantId, now: query.now, limit: query.limit };
    if (query.beforePosition > 0) {
      where.push('p.position < @beforePosition');
      params.beforePosition = query.beforePosition;
    }
    if (query.agentId !== undefined) {
      where.push('p.agent_id = @agentId');
      params.agentId = query.agentId;
    }
    if (query.mode !== undefined) {
      where.push('p.accountability_mode = @mode');
      params.mode = query.mode;
    }
    // 'expired' is no stored status: an active mission past its end.
    if (query.status === 'active') where.push(`p.status = 'active' AND p.expires_at > @now`);
    else if (query.status === 'expired') where.push(`p.status = 'active' AND p.expires_at <= @now`);
    else if (query.status !== undefined) {
      where.push('p.status = @status');
      params.status = query.status;
    }
    const rows = this.db
      .prepare(
        `SELECT p.*, a.name AS agent_name FROM passports p LEFT JOIN agents a ON a.agent_id = p.agent_id
         WHERE ${where.join(' AND ')} ORDER BY p.position DESC LIMIT @limit`,
      )
      .all(params) as any[];
    return rows.map((r) => ({
      position: r.position, jti: r.jti, missionId: r.mission_id, agentId: r.agent_id, agentName: r.agent_name ?? '',
      accountabilityMode: r.accountability_mode, summary: r.summary, services: JSON.parse(r.services),
      status: r.status === 'active' && r.expires_at <= query.now ? 'expired' : r.status, issuedAt: r.issued_at, expiresAt: r.expires_at,
    }));
  }

  dueIntents(now: string, limit: number): Array<{ intentId: string; tenantId: string }> {
    return (this.sql.dueIntents.all(now, limit) as any[]).map((r) => ({ intentId: r.intent_id, tenantId: r.tenant_id }));
  }

  securityEvents(query: SecurityEventQuery): SecurityEventSummary[] {
    const where = ['tenant_id = @tenantId', 'position > @afterPosition'];
    const params: Record<string, unknown> = { tenantId: query.tenantId, afterPosition: query.afterPosition, limit: query.limit };
    for (const [column, key] of [['signal', 'signal'], ['severity', 'severity'], ['agent_id', 'agentId'], ['jti', 'jti'], ['status', 'status']] as const) {
      if (query[key] === undefined) continue;
      where.push(`${column} = @${key}`);
      params[key] = query[key];
    }
    const rows = this.db.prepare(`SELECT * FROM security_events WHERE ${where.join(' AND ')} ORDER BY position LIMIT @limit`).all(params) as any[];
    return rows.map(securityEventRow);
  }

  findingChangesAfter(tenantId: string, afterPosition: number, limit: number, openOnly = false): FindingChange[] {
    return ((openOnly ? this.sql.openFindings : this.sql.findingChanges).all({ tenantId, after: afterPosition, limit }) as any[]).map((r) => ({
      position: r.change_position,
      kind: r.change,
      finding: securityEventRow(r),
    }));
  }

  securityEvent(tenantId: string, findingId: string): SecurityEventSummary | null {
    const row = this.sql.securityEventById.get(tenantId, findingId);
    return row ? securityEventRow(row) : null;
  }

  audit(query: AuditQuery): AuditEntry[] {
    const where = ['tenant_id = @tenantId', 'position > @afterPosition'];
    const params: Record<string, unknown> = { tenantId: query.tenantId, afterPosition: query.afterPosition, limit: query.limit };
    const filter = (column: string, key: keyof AuditQuery, op = '=') => {
      if (query[key] === undefined) return;
      where.push(`${column} ${op} @${key}`);
      params[key] = query[key];
    };
    filter('agent_id', 'agentId');
    filter('jti', 'jti');
    filter('mission_id', 'missionId');
    filter('type', 'type');
    filter('occurred_at', 'from', '>=');
    filter('occurred_at', 'to', '<');
    // A mission and its passport share one suffix (msn_X ↔ pp_X): a mission filter can ride the passport index.
    if (query.missionId?.startsWith('msn_') && query.jti === undefined) {
      where.push('jti = @missionJti');
      params.missionJti = `pp_${query.missionId.slice(4)}`;
    }
    const rows = this.db.prepare(`SELECT * FROM audit_entries WHERE ${where.join(' AND ')} ORDER BY position LIMIT @limit`).all(params) as any[];
    return rows.map((r) => ({
      position: r.position, eventId: r.event_id, tenantId: r.tenant_id, type: r.type, occurredAt: r.occurred_at,
      actorKind: r.actor_kind, actorId: r.actor_id, agentId: r.agent_id, jti: r.jti, missionId: r.mission_id,
      outcome: r.outcome, code: r.code, what: r.what === null ? null : JSON.parse(r.what),
    }));
  }
}

function intentRow(r: any): IntentSummary {
  return {
    position: r.position, intentId: r.intent_id, tenantId: r.tenant_id, agentId: r.agent_id, jti: r.jti, missionId: r.mission_id,
    namedIntent: r.named_intent, service: r.service, status: r.status, submittedAt: r.submitted_at,
    expiresAt: r.expires_at, approvalsRequired: r.approvals_required, approvalsGiven: r.approvals_given,
  };
}

function securityEventRow(r: any): SecurityEventSummary {
  return {
    position: r.position, findingId: r.finding_id, tenantId: r.tenant_id, signal: r.signal, severity: r.severity,
    agentId: r.agent_id, jti: r.jti, missionId: r.mission_id, detail: r.detail, evidence: JSON.parse(r.evidence),
    action: r.action, revoke: r.revoke === 1, raised: r.raised === 1, raisedAt: r.raised_at, status: r.status,
    resolution: r.resolution ? JSON.parse(r.resolution) : null,
  };
}
