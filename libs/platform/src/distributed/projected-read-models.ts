import Database from 'better-sqlite3';
import { RecordedEvent } from '@mandate/core';
import { AuditEntry } from '@mandate/audit';
import { DomainError } from '@mandate/core';
import { EventStore, EventStream, Subscription } from '@mandate/event-store';
import { INTENT_STREAM_PREFIX } from '@mandate/intents';
import {
  AgentSummary,
  AuditQuery,
  compareReadModelsWithRebuild,
  IntentSummary,
  MissionQuery,
  MissionSummary,
  ChangeAt,
  FindingChange,
  ReadModelDifference,
  ReadModelOptions,
  ReadModels,
  Revocation,
  SecurityEventQuery,
  SecurityEventSummary,
  SqliteReadModels,
  liveFeedsOf,
  LiveFeedListeners,
  TenantChange,
} from '@mandate/read-models';

/**
 * The read models of one service process in distributed mode: the same SQLite projections as embedded mode, in a
 * file of the process's own, fed by the shared stream in commit order. They can always be rebuilt from the store
 * (delete the file), so the file is written with synchronous=NORMAL: a crash loses at most the last batches, which
 * the stream delivers again from the saved checkpoint.
 */
const CATCH_UP_TIMEOUT_MS = 10_000;

export class ProjectedReadModels implements ReadModels {
  private readonly models: SqliteReadModels;
  private subscription: Subscription | null = null;
  private waiters: Array<{ position: number; wake: () => void }> = [];
  private readonly live = new LiveFeedListeners();
  private readonly intentListeners = new Set<(streamIds: string[]) => void>();

  constructor(
    private readonly db: Database.Database,
    private readonly file: string,
    private readonly store: EventStore,
    private readonly options: ReadModelOptions,
  ) {
    this.models = new SqliteReadModels(db, options);
  }

  static open(file: string, store: EventStore, options: ReadModelOptions = {}): ProjectedReadModels {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    return new ProjectedReadModels(db, file, store, options);
  }

  /**
   * Read-your-writes for every query, as in embedded mode: a query first waits until these read models hold every
   * event committed before it began (anywhere), so a client never misses its own write made at another service.
   */
  private async current(): Promise<void> {
    const head = await this.store.headPosition();
    if (this.models.position >= head) return;
    if (!(await this.waitFor(head, CATCH_UP_TIMEOUT_MS))) {
      throw new DomainError('READ_MODELS_BEHIND', `the read models are at ${this.models.position} of ${head}; retry shortly`);
    }
  }

  /** Follows the stream from the saved checkpoint. */
  follow(stream: EventStream, subscriber = 'read-models'): void {
    this.subscription = stream.subscribe(subscriber, this.models.position, (events) => this.apply(events));
  }

  private apply(events: RecordedEvent[]): void {
    const fresh = events.filter((e) => e.position > this.models.position);
    if (fresh.length === 0) return;
    this.db.transaction(() => this.models.apply(fresh))();
    this.live.publish(liveFeedsOf(fresh));
    if (this.intentListeners.size > 0) {
      const intents = [...new Set(fresh.filter((e) => e.streamId.startsWith(INTENT_STREAM_PREFIX)).map((e) => e.streamId))];
      if (intents.length > 0) this.intentListeners.forEach((listener) => listener(intents));
    }
    const position = this.models.position;
    if (this.waiters.length > 0) {
      const ready = this.waiters.filter((w) => w.position <= position);
      this.waiters = this.waiters.filter((w) => w.position > position);
      ready.forEach((w) => w.wake());
    }
  }

  position(): number {
    return this.models.position;
  }

  waitFor(position: number, timeoutMs: number): Promise<boolean> {
    if (this.models.position >= position) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = { position, wake: () => (clearTimeout(timer), resolve(true)) };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  onRevocations(listener: (revocations: Revocation[]) => void): () => void {
    return this.live.on('revocations', listener);
  }

  onIntentChanges(listener: (streamIds: string[]) => void): () => void {
    this.intentListeners.add(listener);
    return () => this.intentListeners.delete(listener);
  }

  onSecurityEvents(listener: (findings: SecurityEventSummary[]) => void): () => void {
    return this.live.on('findings', listener);
  }

  onTenantChanges(listener: (changes: TenantChange[]) => void): () => void {
    return this.live.on('tenantChanges', listener);
  }

  onQueueChanges(listener: (changes: ChangeAt[]) => void): () => void {
    return this.live.on('queueChanges', listener);
  }

  onFindingResolutions(listener: (changes: ChangeAt[]) => void): () => void {
    return this.live.on('resolutions', listener);
  }

  async revocationsAfter(tenantId: string, afterPosition: number, limit: number): Promise<Revocation[]> {
    await this.current();
    return this.models.revocationsAfter(tenantId, afterPosition, limit);
  }

  async revocablePassports(tenantId: string, now: string, agentId?: string): Promise<Array<{ jti: string; missionId: string }>> {
    await this.current();
    return this.models.revocablePassports(tenantId, now, agentId);
  }

  async agents(tenantId: string, afterAgentId: string, limit: number): Promise<AgentSummary[]> {
    await this.current();
    return this.models.agents(tenantId, afterAgentId, limit);
  }

  async audit(query: AuditQuery): Promise<AuditEntry[]> {
    if (this.options.auditTrail === false) throw new DomainError('NOT_SERVED_HERE', 'the audit trail is served by the audit service');
    await this.current();
    return this.models.audit(query);
  }

  async intents(tenantId: string, status: string, afterIntentId: string, limit: number): Promise<IntentSummary[]> {
    await this.current();
    return this.models.intents(tenantId, status, afterIntentId, limit);
  }

  async intentsChangedAfter(tenantId: string, afterPosition: number, limit: number, openOnly?: boolean): Promise<IntentSummary[]> {
    await this.current();
    return this.models.intentsChangedAfter(tenantId, afterPosition, limit, openOnly);
  }

  async missions(query: MissionQuery): Promise<MissionSummary[]> {
    await this.current();
    return this.models.missions(query);
  }

  async dueIntents(now: string, limit: number): Promise<Array<{ intentId: string; tenantId: string }>> {
    await this.current();
    return this.models.dueIntents(now, limit);
  }

  async securityEvents(query: SecurityEventQuery): Promise<SecurityEventSummary[]> {
    await this.current();
    return this.models.securityEvents(query);
  }

  async findingChangesAfter(tenantId: string, afterPosition: number, limit: number, openOnly?: boolean): Promise<FindingChange[]> {
    await this.current();
    return this.models.findingChangesAfter(tenantId, afterPosition, limit, openOnly);
  }

  async securityEvent(tenantId: string, findingId: string): Promise<SecurityEventSummary | null> {
    await this.current();
    return this.models.securityEvent(tenantId, findingId);
  }

  /**
   * Rebuilds the history the live tables hold into a scratch file and compares. The events are read first (async);
   * the rebuild and comparison run synchronously, when the live tables are exactly at the position read up to.
   */
  async compare(): Promise<ReadModelDifference[]> {
    const history: RecordedEvent[] = [];
    const readUpTo = async (upTo: number) => {
      let after = history.length > 0 ? history[history.length - 1].position : 0;
      while (after < upTo) {
        const page = (await this.store.readAll(after, 5000)).filter((e) => e.position <= upTo);
        if (page.length === 0) break;
        history.push(...page);
        after = page[page.length - 1].position;
      }
    };
    for (let upTo = this.models.position; ; upTo = this.models.position) {
      await readUpTo(upTo);
      if (this.models.position !== upTo) continue;
      let cursor = 0;
      const readAll = (after: number, limit: number) => {
        while (cursor < history.length && history[cursor].position <= after) cursor++;
        return history.slice(cursor, cursor + limit);
      };
      return compareReadModelsWithRebuild(this.db, readAll, `${this.file}.rebuild-${process.pid}`, this.options);
    }
  }

  async close(): Promise<void> {
    await this.subscription?.stop();
    this.db.close();
    this.waiters.forEach((w) => w.wake());
  }
}
