// Longer than 300 lines on purpose: one client of one worker protocol, whose request queue, replies and restart
// handling share private state; split, each part would reach into the others.
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { Logger } from '@nestjs/common';
import { NewEvent, RecordedEvent } from '@mandate/core';
import { AppendResult, BatchHandler, ChainedEvent, EventStore, EventStream, ExpectedVersion, follow, InProcessEventStream, KeyVerifierStore, malformedAppend, SecretStore, StreamAppend, Subscription } from '@mandate/event-store';
import { AuditEntry } from '@mandate/audit';
import {
  AgentSummary,
  AuditQuery,
  IntentSummary,
  MissionQuery,
  MissionSummary,
  ChangeAt,
  FindingChange,
  ReadModelDifference,
  LiveFeedListeners,
  ReadModels,
  Revocation,
  SecurityEventQuery,
  SecurityEventSummary,
  TenantChange,
} from '@mandate/read-models';
import { AppendItem, AppendOutcome, appendResults, fromWire, Message, QueryMethod, Request } from './protocol';
import { MandateStorage, RevokeCommand } from '../storage';

/** How many committed events the main thread keeps for its followers (twice as many before it trims). */
const RECENT_EVENTS = 5_000;

/** From the built tree the worker sits beside this file; tests running TypeScript sources use the build's copy. */
function workerFile(): string {
  const beside = path.join(__dirname, 'storage-worker.js');
  if (fs.existsSync(beside)) return beside;
  const built = path.resolve(__dirname, '..', '..', '..', '..', 'dist', 'libs', 'platform', 'src', 'embedded', 'storage-worker.js');
  if (fs.existsSync(built)) return built;
  throw new Error(`storage worker not found at ${beside} or ${built}: run "npm run build"`);
}

/**
 * The main thread's side of the storage worker: an EventStore and the ReadModels, both answered by the worker.
 * Appends made in one turn of the event loop travel in one message and land in one group commit.
 */
export class EmbeddedStorage implements MandateStorage {
  private readonly logger = new Logger('storage');
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: unknown): void }>();
  private appendQueue: Array<{ item: AppendItem; resolve(r: AppendResult[]): void; reject(e: unknown): void }> = [];
  private appendScheduled = false;
  /**
   * One append message in flight at a time: what arrives while the worker commits waits and goes in the next message,
   * so under load each commit (and its fsync) carries every request that came meanwhile. Sent as they came, appends
   * made a message and a commit for every few requests, and the main thread spent more on postMessage than on routing.
   */
  private appendInFlight = false;
  private head = 0;
  private headWaiters: Array<{ position: number; wake(): void }> = [];
  private commitWaiters: Array<() => void> = [];
  /** The live feeds of each commit, as the storage thread's commit messages bring them. */
  readonly live = new LiveFeedListeners();
  private closing = false;
  /**
   * The latest committed events, in order: every event after `recentAfter`, as the commit messages brought them.
   * A follower that keeps up (the detectors, under load) reads its next page here instead of asking the worker.
   */
  private recent: RecordedEvent[] = [];
  private recentAfter = 0;
  readonly store: EventStore;
  readonly readModels: ReadModels;
  readonly stream: EventStream;
  readonly keyVerifiers: KeyVerifierStore = {
    keep: (tenantId, keyId, verifier) => this.query('keepKeyVerifier', tenantId, keyId, verifier),
    verifierOf: (tenantId, keyId) => this.query('keyVerifierOf', tenantId, keyId),
    pepperCheck: (check) => this.query('keyPepperCheck', check),
  };
  readonly secretStore: SecretStore = {
    keep: (tenantId, secretId, version, envelope) => this.query('keepSecret', tenantId, secretId, version, envelope),
    envelopeOf: (tenantId, secretId, version) => this.query('secretEnvelopeOf', tenantId, secretId, version),
    forget: (tenantId, secretId, version) => this.query('forgetSecret', tenantId, secretId, version),
    fingerprintKey: (wrapped) => this.query('secretFingerprintKey', wrapped),
  };

  private constructor(private readonly worker: Worker, private readonly dataDir: string) {
    this.store = new WorkerEventStore(this);
    this.readModels = new WorkerReadModels(this);
    this.stream = new InProcessEventStream(this.store);
  }

  static async start(dataDir: string): Promise<EmbeddedStorage> {
    const worker = new Worker(workerFile(), { workerData: { dataDir } });
    const storage = new EmbeddedStorage(worker, dataDir);
    await storage.attach();
    return storage;
  }

  private attach(): Promise<void> {
    return new Promise((ready, failed) => {
      this.worker.on('message', (message: Message) => {
        switch (message.kind) {
          case 'ready':
            this.head = message.head;
            this.recentAfter = message.head;
            if (message.caughtUp > 0) this.logger.log(`read models rebuilt from ${message.caughtUp} events`);
            ready();
            return;
          case 'commit':
            this.remember(message.events);
            this.advance(message.head);
            this.live.publish(message);
            return;
          case 'reply': {
            const waiting = this.pending.get(message.id);
            this.pending.delete(message.id);
            if (message.ok) waiting?.resolve(message.value);
            else waiting?.reject(fromWire(message.error));
          }
        }
      });
      this.worker.on('error', (error) => {
        failed(error);
        this.fail(error);
      });
      this.worker.on('exit', (code) => {
        if (!this.closing) this.fail(new Error(`storage worker exited with code ${code}`));
      });
    });
  }

  /** Without its storage thread the process cannot keep a promise it made, so it stops and lets its supervisor restart it. */
  private fail(error: Error): void {
    if (this.closing) return;
    this.logger.error(`storage worker failed; stopping: ${error.stack ?? error.message}`);
    this.pending.forEach((p) => p.reject(error));
    this.appendQueue.forEach((p) => p.reject(error));
    process.exit(70);
  }

  private remember(events: RecordedEvent[]): void {
    this.recent.push(...events);
    if (this.recent.length > 2 * RECENT_EVENTS) {
      const dropped = this.recent.length - RECENT_EVENTS;
      this.recentAfter = this.recent[dropped - 1].position;
      this.recent = this.recent.slice(dropped);
    }
  }

  /** The page after `afterPosition` from the recent events, or null when they do not reach back that far. */
  recentPage(afterPosition: number, limit: number): RecordedEvent[] | null {
    if (afterPosition < this.recentAfter) return null;
    let low = 0;
    let high = this.recent.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.recent[middle].position <= afterPosition) low = middle + 1;
      else high = middle;
    }
    return this.recent.slice(low, low + limit);
  }

  private advance(head: number): void {
    if (head <= this.head) return;
    this.head = head;
    const woken = this.commitWaiters;
    this.commitWaiters = [];
    woken.forEach((wake) => wake());
    if (this.headWaiters.length > 0) {
      const ready = this.headWaiters.filter((w) => w.position <= head);
      this.headWaiters = this.headWaiters.filter((w) => w.position > head);
      ready.forEach((w) => w.wake());
    }
  }

  request<T>(request: Omit<Request, 'id'>): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...request, id });
    });
  }

  query<T>(method: QueryMethod, ...args: unknown[]): Promise<T> {
    return this.request<T>({ op: 'query', method, args } as Omit<Request, 'id'>);
  }

  appendMany(item: AppendItem): Promise<AppendResult[]> {
    if (this.closing) return Promise.reject(new Error('event store is closed'));
    return new Promise((resolve, reject) => {
      this.appendQueue.push({ item, resolve, reject });
      this.scheduleAppends();
    });
  }

  private scheduleAppends(): void {
    if (this.appendScheduled || this.appendInFlight || this.appendQueue.length === 0) return;
    this.appendScheduled = true;
    setImmediate(() => this.sendAppends());
  }

  private async sendAppends(): Promise<void> {
    this.appendScheduled = false;
    const batch = this.appendQueue;
    this.appendQueue = [];
    this.appendInFlight = true;
    try {
      const items = JSON.stringify(batch.map((b) => b.item));
      const outcomes = await this.request<AppendOutcome[]>({ op: 'append', items } as Omit<Request, 'id'>);
      outcomes.forEach((outcome, i) => {
        const { item, resolve, reject } = batch[i];
        if (!outcome.ok) return reject(fromWire(outcome.error));
        this.advance(Math.max(...outcome.parts.map((part) => part.position)));
        resolve(appendResults(item, outcome.parts));
      });
    } catch (error) {
      batch.forEach((b) => b.reject(error));
    } finally {
      this.appendInFlight = false;
      this.scheduleAppends();
    }
  }

  headPosition(): number {
    return this.head;
  }

  /** Rebuilds the read models from the events and lists the tables where they differ from the live ones. */
  compareReadModels(): Promise<ReadModelDifference[]> {
    return this.query('compareReadModels');
  }

  /** One process applies its own revoke commands. */
  sendRevokeCommand(command: RevokeCommand, apply: (command: RevokeCommand) => Promise<void>): Promise<void> {
    return apply(command);
  }

  consumeRevokeCommands(): void {}

  describe(): string {
    return `embedded store in ${this.dataDir}, in-process stream`;
  }

  nextCommit(): Promise<void> {
    return new Promise((wake) => (this.closing ? wake() : this.commitWaiters.push(wake)));
  }

  waitForHead(position: number, timeoutMs: number): Promise<boolean> {
    if (this.head >= position) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = { position, wake: () => (clearTimeout(timer), resolve(true)) };
      const timer = setTimeout(() => {
        this.headWaiters = this.headWaiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      this.headWaiters.push(waiter);
    });
  }

  async close(): Promise<void> {
    if (this.closing) return;
    while (this.appendQueue.length > 0 || this.appendScheduled || this.appendInFlight) await new Promise((r) => setImmediate(r));
    await this.request({ op: 'close' } as Omit<Request, 'id'>);
    this.closing = true;
    this.commitWaiters.forEach((wake) => wake());
    await this.worker.terminate();
  }
}

class WorkerEventStore implements EventStore {
  readonly soleWriter = true;
  readonly consecutivePositions = true;
  readonly atomicMultiStreamAppend = true;

  constructor(private readonly storage: EmbeddedStorage) {}

  async append(streamId: string, events: NewEvent[], expectedVersion: ExpectedVersion): Promise<AppendResult> {
    const [result] = await this.appendMany([{ streamId, events, expectedVersion }]);
    return result;
  }

  appendMany(parts: StreamAppend[]): Promise<AppendResult[]> {
    const malformed = malformedAppend(parts);
    if (malformed) return Promise.reject(malformed);
    return this.storage.appendMany(parts);
  }

  readStream(streamId: string, afterVersion = 0): Promise<RecordedEvent[]> {
    return this.storage.query('readStream', streamId, afterVersion);
  }

  readAll(afterPosition: number, limit: number): Promise<RecordedEvent[]> {
    const recent = this.storage.recentPage(afterPosition, limit);
    return recent ? Promise.resolve(recent) : this.storage.query('readAll', afterPosition, limit);
  }

  readTenantChain(tenantId: string, afterPosition: number, limit: number): Promise<ChainedEvent[]> {
    return this.storage.query('readTenantChain', tenantId, afterPosition, limit);
  }

  async headPosition(): Promise<number> {
    return this.storage.headPosition();
  }

  subscribe(afterPosition: number, handle: BatchHandler, options: { batchSize?: number } = {}): Subscription {
    return follow(
      (after, limit) => this.readAll(after, limit),
      () => this.storage.nextCommit(),
      afterPosition,
      handle,
      options.batchSize ?? 500,
      (error) => new Logger('storage').error(`subscription stopped: ${String(error)}`),
    );
  }

  close(): Promise<void> {
    return this.storage.close();
  }
}

/** Inline projections commit with the events, so the read models are exactly at the store's head. */
class WorkerReadModels implements ReadModels {
  constructor(private readonly storage: EmbeddedStorage) {}

  position(): number {
    return this.storage.headPosition();
  }

  waitFor(position: number, timeoutMs: number): Promise<boolean> {
    return this.storage.waitForHead(position, timeoutMs);
  }

  onRevocations(listener: (revocations: Revocation[]) => void): () => void {
    return this.storage.live.on('revocations', listener);
  }

  revocationsAfter(tenantId: string, afterPosition: number, limit: number): Promise<Revocation[]> {
    return this.storage.query('revocationsAfter', tenantId, afterPosition, limit);
  }

  revocablePassports(tenantId: string, now: string, agentId?: string): Promise<Array<{ jti: string; missionId: string }>> {
    return this.storage.query('revocablePassports', tenantId, now, agentId);
  }

  agents(tenantId: string, afterAgentId: string, limit: number): Promise<AgentSummary[]> {
    return this.storage.query('agents', tenantId, afterAgentId, limit);
  }

  audit(query: AuditQuery): Promise<AuditEntry[]> {
    return this.storage.query('audit', query);
  }

  intents(tenantId: string, status: string, afterIntentId: string, limit: number): Promise<IntentSummary[]> {
    return this.storage.query('intents', tenantId, status, afterIntentId, limit);
  }

  intentsChangedAfter(tenantId: string, afterPosition: number, limit: number, openOnly?: boolean): Promise<IntentSummary[]> {
    return this.storage.query('intentsChangedAfter', tenantId, afterPosition, limit, openOnly);
  }

  onQueueChanges(listener: (changes: ChangeAt[]) => void): () => void {
    return this.storage.live.on('queueChanges', listener);
  }

  findingChangesAfter(tenantId: string, afterPosition: number, limit: number, openOnly?: boolean): Promise<FindingChange[]> {
    return this.storage.query('findingChangesAfter', tenantId, afterPosition, limit, openOnly);
  }

  onFindingResolutions(listener: (changes: ChangeAt[]) => void): () => void {
    return this.storage.live.on('resolutions', listener);
  }

  missions(query: MissionQuery): Promise<MissionSummary[]> {
    return this.storage.query('missions', query);
  }

  dueIntents(now: string, limit: number): Promise<Array<{ intentId: string; tenantId: string }>> {
    return this.storage.query('dueIntents', now, limit);
  }

  securityEvents(query: SecurityEventQuery): Promise<SecurityEventSummary[]> {
    return this.storage.query('securityEvents', query);
  }

  securityEvent(tenantId: string, findingId: string): Promise<SecurityEventSummary | null> {
    return this.storage.query('securityEvent', tenantId, findingId);
  }

  onSecurityEvents(listener: (findings: SecurityEventSummary[]) => void): () => void {
    return this.storage.live.on('findings', listener);
  }

  onTenantChanges(listener: (changes: TenantChange[]) => void): () => void {
    return this.storage.live.on('tenantChanges', listener);
  }
}
