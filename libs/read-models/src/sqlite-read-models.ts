import Database from 'better-sqlite3';
import { RecordedEvent } from '@mandate/core';
import { AuditEntry, toAuditEntry } from '@mandate/audit';
import { EventStream, Subscription } from '@mandate/event-store';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS audit_entries (
  position INTEGER PRIMARY KEY, event_id TEXT NOT NULL, tenant_id TEXT NOT NULL, type TEXT NOT NULL,
  occurred_at TEXT NOT NULL, actor_kind TEXT NOT NULL, actor_id TEXT NOT NULL, agent_id TEXT, jti TEXT,
  mission_id TEXT, outcome TEXT NOT NULL, code TEXT);
CREATE INDEX IF NOT EXISTS audit_by_tenant ON audit_entries (tenant_id, position);
CREATE INDEX IF NOT EXISTS audit_by_agent ON audit_entries (tenant_id, agent_id, position);
CREATE INDEX IF NOT EXISTS audit_by_jti ON audit_entries (tenant_id, jti, position);
CREATE INDEX IF NOT EXISTS audit_by_mission ON audit_entries (tenant_id, mission_id, position);
CREATE INDEX IF NOT EXISTS audit_by_type ON audit_entries (tenant_id, type, position);
CREATE TABLE IF NOT EXISTS revocations (
  position INTEGER PRIMARY KEY, tenant_id TEXT NOT NULL, jti TEXT NOT NULL, agent_id TEXT NOT NULL,
  mission_id TEXT NOT NULL, reason TEXT NOT NULL, scope TEXT NOT NULL, revoked_by_kind TEXT NOT NULL,
  revoked_by TEXT NOT NULL, revoked_at TEXT NOT NULL, token_expires_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS revocations_by_tenant ON revocations (tenant_id, position);
CREATE TABLE IF NOT EXISTS passports (
  jti TEXT PRIMARY KEY, mission_id TEXT NOT NULL, tenant_id TEXT NOT NULL, agent_id TEXT NOT NULL,
  status TEXT NOT NULL, token_expires_at TEXT NOT NULL, issued_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS passports_by_agent ON passports (tenant_id, agent_id);
CREATE TABLE IF NOT EXISTS agents (
  agent_id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL,
  accountability_mode TEXT NOT NULL, suspended INTEGER NOT NULL, registered_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS agents_by_tenant ON agents (tenant_id, agent_id);
`;

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

const PROJECTOR = 'read-models';

/**
 * The embedded read models: a second SQLite file, rebuilt from the event store if deleted. Each batch of events and
 * the checkpoint after it commit in one transaction, so a crash never applies an event twice or skips one.
 */
export class SqliteReadModels {
  private readonly db: Database.Database;
  private position: number;
  private subscription: Subscription | null = null;
  private positionWaiters: Array<{ position: number; wake: () => void }> = [];
  private revocationListeners = new Set<(revocations: Revocation[]) => void>();
  private readonly sql: ReturnType<SqliteReadModels['prepare']>;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // Rebuildable from the store, so a lost tail after power loss is re-applied from the checkpoint.
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    this.sql = this.prepare();
    this.position = (this.sql.checkpoint.get(PROJECTOR) as { position: number } | undefined)?.position ?? 0;
  }

  private prepare() {
    const db = this.db;
    return {
      checkpoint: db.prepare('SELECT position FROM checkpoints WHERE name = ?'),
      saveCheckpoint: db.prepare('INSERT INTO checkpoints (name, position) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET position = excluded.position'),
      audit: db.prepare(
        `INSERT OR IGNORE INTO audit_entries VALUES (@position, @eventId, @tenantId, @type, @occurredAt, @actorKind, @actorId,
           @agentId, @jti, @missionId, @outcome, @code)`,
      ),
      revocation: db.prepare(
        `INSERT OR IGNORE INTO revocations VALUES (@position, @tenantId, @jti, @agentId, @missionId, @reason, @scope,
           @revokedByKind, @revokedBy, @revokedAt, @tokenExpiresAt)`,
      ),
      passportIssued: db.prepare(
        `INSERT OR IGNORE INTO passports VALUES (@jti, @missionId, @tenantId, @agentId, 'active', @tokenExpiresAt, @issuedAt)`,
      ),
      passportLeash: db.prepare(`UPDATE passports SET token_expires_at = ? WHERE jti = ?`),
      passportStatus: db.prepare(`UPDATE passports SET status = ? WHERE jti = ? AND status <> 'revoked'`),
      agentRegistered: db.prepare(
        `INSERT OR IGNORE INTO agents VALUES (@agentId, @tenantId, @name, @description, @accountabilityMode, 0, @registeredAt)`,
      ),
      agentMode: db.prepare(`UPDATE agents SET accountability_mode = ? WHERE agent_id = ?`),
      agentSuspended: db.prepare(`UPDATE agents SET suspended = ? WHERE agent_id = ?`),
      revocationsAfter: db.prepare(`SELECT * FROM revocations WHERE tenant_id = ? AND position > ? ORDER BY position LIMIT ?`),
      unexpiredPassports: db.prepare(
        `SELECT jti, mission_id FROM passports WHERE tenant_id = ? AND status <> 'revoked' AND token_expires_at > ?`,
      ),
      unexpiredPassportsOfAgent: db.prepare(
        `SELECT jti, mission_id FROM passports WHERE tenant_id = ? AND agent_id = ? AND status <> 'revoked' AND token_expires_at > ?`,
      ),
      agentsPage: db.prepare(`SELECT * FROM agents WHERE tenant_id = ? AND agent_id > ? ORDER BY agent_id LIMIT ?`),
    };
  }

  start(stream: EventStream): void {
    this.subscription = stream.subscribe(PROJECTOR, this.position, (events) => this.apply(events));
  }

  get checkpoint(): number {
    return this.position;
  }

  /** Read-your-writes: resolves once every event up to `position` is in the read models, or false on timeout. */
  waitFor(position: number, timeoutMs: number): Promise<boolean> {
    if (this.position >= position) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = { position, wake: () => (clearTimeout(timer), resolve(true)) };
      const timer = setTimeout(() => {
        this.positionWaiters = this.positionWaiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      this.positionWaiters.push(waiter);
    });
  }

  onRevocations(listener: (revocations: Revocation[]) => void): () => void {
    this.revocationListeners.add(listener);
    return () => this.revocationListeners.delete(listener);
  }

  private apply(events: RecordedEvent[]): void {
    const revoked: Revocation[] = [];
    this.db.transaction(() => {
      for (const event of events) {
        if (event.position <= this.position) continue;
        this.sql.audit.run(toAuditEntry(event));
        this.project(event, revoked);
      }
      this.sql.saveCheckpoint.run(PROJECTOR, events[events.length - 1].position);
    })();
    this.position = Math.max(this.position, events[events.length - 1].position);
    if (revoked.length > 0) this.revocationListeners.forEach((listener) => listener(revoked));
    const ready = this.positionWaiters.filter((w) => w.position <= this.position);
    if (ready.length > 0) {
      this.positionWaiters = this.positionWaiters.filter((w) => w.position > this.position);
      ready.forEach((w) => w.wake());
    }
  }

  private project(event: RecordedEvent, revoked: Revocation[]): void {
    const d = event.data as Record<string, any>;
    switch (event.type) {
      case 'PassportIssued':
        this.sql.passportIssued.run({
          jti: d.jti, missionId: d.missionId, tenantId: event.tenantId, agentId: d.agentId,
          tokenExpiresAt: d.leashExpiresAt, issuedAt: d.issuedAt,
        });
        break;
      case 'CheckpointRecorded':
        this.sql.passportLeash.run(d.leashExpiresAt, d.jti);
        break;
      case 'MissionCheckedOut':
        this.sql.passportStatus.run('checked_out', d.jti);
        break;
      case 'PassportRevoked': {
        const revocation: Revocation = {
          position: event.position, tenantId: event.tenantId, jti: d.jti, agentId: d.agentId, missionId: d.missionId,
          reason: d.reason, scope: d.scope, revokedByKind: event.actor.kind, revokedBy: event.actor.id,
          revokedAt: d.at, tokenExpiresAt: d.tokenExpiresAt,
        };
        this.sql.revocation.run(revocation);
        this.sql.passportStatus.run('revoked', d.jti);
        revoked.push(revocation);
        break;
      }
      case 'AgentRegistered':
        this.sql.agentRegistered.run(d);
        break;
      case 'AccountabilityModeChanged':
        this.sql.agentMode.run(d.to, d.agentId);
        break;
      case 'AgentSuspended':
      case 'AgentReinstated':
        this.sql.agentSuspended.run(event.type === 'AgentSuspended' ? 1 : 0, d.agentId);
        break;
    }
  }

  revocationsAfter(tenantId: string, afterPosition: number, limit = 500): Revocation[] {
    return (this.sql.revocationsAfter.all(tenantId, afterPosition, limit) as any[]).map((r) => ({
      position: r.position, tenantId: r.tenant_id, jti: r.jti, agentId: r.agent_id, missionId: r.mission_id,
      reason: r.reason, scope: r.scope, revokedByKind: r.revoked_by_kind, revokedBy: r.revoked_by,
      revokedAt: r.revoked_at, tokenExpiresAt: r.token_expires_at,
    }));
  }

  /** Passports whose tokens could still be accepted somewhere: what a kill switch must reach. */
  revocablePassports(tenantId: string, now: string, agentId?: string): Array<{ jti: string; missionId: string }> {
    const rows = agentId
      ? this.sql.unexpiredPassportsOfAgent.all(tenantId, agentId, now)
      : this.sql.unexpiredPassports.all(tenantId, now);
    return (rows as any[]).map((r) => ({ jti: r.jti, missionId: r.mission_id }));
  }

  agents(tenantId: string, afterAgentId: string, limit: number): AgentSummary[] {
    return (this.sql.agentsPage.all(tenantId, afterAgentId, limit) as any[]).map((r) => ({
      agentId: r.agent_id, tenantId: r.tenant_id, name: r.name, description: r.description,
      accountabilityMode: r.accountability_mode, suspended: r.suspended === 1, registeredAt: r.registered_at,
    }));
  }

  audit(query: AuditQuery): AuditEntry[] {
    const where = ['tenant_id = @tenantId', 'position > @afterPosition'];
    if (query.agentId) where.push('agent_id = @agentId');
    if (query.jti) where.push('jti = @jti');
    if (query.missionId) where.push('mission_id = @missionId');
    if (query.type) where.push('type = @type');
    if (query.from) where.push('occurred_at >= @from');
    if (query.to) where.push('occurred_at < @to');
    const rows = this.db
      .prepare(`SELECT * FROM audit_entries WHERE ${where.join(' AND ')} ORDER BY position LIMIT @limit`)
      .all(query) as any[];
    return rows.map((r) => ({
      position: r.position, eventId: r.event_id, tenantId: r.tenant_id, type: r.type, occurredAt: r.occurred_at,
      actorKind: r.actor_kind, actorId: r.actor_id, agentId: r.agent_id, jti: r.jti, missionId: r.mission_id,
      outcome: r.outcome, code: r.code,
    }));
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = null;
  }

  close(): void {
    this.db.close();
  }
}
