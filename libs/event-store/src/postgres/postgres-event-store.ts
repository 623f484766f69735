// Longer than 300 lines on purpose: one adapter of the EventStore port. Its pool, migrations, group commit under
// the head-row lock and LISTEN/NOTIFY follower share private state; the shared group-commit logic is in ../group-commit.
import { Client, ClientConfig, Pool, PoolClient, PoolConfig } from 'pg';
import { GENESIS_HASH, NewEvent, RecordedEvent } from '@mandate/core';
import { follow } from '../follow';
import { appendResult, malformedAppend, WriteOverlay } from '../group-commit';
import { parseStoredEvent, PendingAppend } from '../stored-event';
import {
  AppendResult,
  BatchHandler,
  ChainedEvent,
  DuplicateEventId,
  EventStore,
  ExpectedVersion,
  StoreUnavailable,
  StreamAppend,
  Subscription,
} from '../event-store';
import { KeyVerifierStore } from '../key-verifiers';
import { SecretStore } from '../secret-store';
import { migrate, schemaIdentifier } from './migrations';
import { PostgresRelayCheckpoint } from './relay-checkpoint';

export interface PostgresEventStoreOptions {
  /** e.g. postgres://mandate:mandate@127.0.0.1:5432/mandate */
  connectionString: string;
  /** A PostgreSQL schema of its own (created if missing), e.g. one per test; lower-case letters, digits and _. */
  schema?: string;
  /** Connections in the pool (default 10). */
  poolSize?: number;
}

interface EventRow {
  body: string;
  chain_hash: string;
}

interface StoredEventRef {
  streamId: string;
  streamVersion: number;
  body: string;
}

/** What a batch reads under the head lock: its event ids already stored, and the heads its appends start from. */
interface StoredState {
  stored: Map<string, StoredEventRef>;
  versions: Map<string, number>;
  chains: Map<string, string>;
}

const CHANNEL = 'mandate_events';
const MAX_APPENDS_PER_TRANSACTION = 1000;
/** A follower re-reads this often even without a notification, so a lost NOTIFY (listener reconnecting) never stalls it. */
const POLL_INTERVAL_MS = 1000;
const MAX_BACKOFF_MS = 5000;

/**
 * Read under the head lock, in one round trip: the batch's event ids already stored (retries and duplicates), the
 * current version of each stream it writes, and the chain head of each tenant it writes.
 */
const READ_UNDER_LOCK = `
SELECT 'event' AS kind, id AS key, stream_id, stream_version, body AS value FROM events WHERE id = ANY($1::text[])
UNION ALL
SELECT 'stream', s, NULL, (SELECT max(stream_version) FROM events WHERE stream_id = s), NULL FROM unnest($2::text[]) AS s
UNION ALL
SELECT 'chain', tenant_id, NULL, NULL, chain_hash FROM tenant_chain_heads WHERE tenant_id = ANY($3::text[])`;

/** The whole batch in one statement: its events, the new head, the tenants' chain heads, and a NOTIFY sent at commit. */
const WRITE_BATCH = `
WITH inserted AS (
  INSERT INTO events (position, id, stream_id, stream_version, tenant_id, body, chain_hash)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[])
), chains AS (
  INSERT INTO tenant_chain_heads (tenant_id, chain_hash)
  SELECT * FROM unnest($8::text[], $9::text[])
  ON CONFLICT (tenant_id) DO UPDATE SET chain_hash = excluded.chain_hash
), head AS (
  UPDATE event_head SET position = $10 WHERE id = 1 RETURNING position
)
SELECT pg_notify('${CHANNEL}', position::text) FROM head`;

/**
 * The distributed event store: any number of Mandate processes append to one PostgreSQL database.
 *
 * Global order. A sequence value is taken at insert but becomes visible at commit, so with a sequence two writers can
 * commit out of order and a reader checkpointing "last position seen" skips the earlier number for ever. Here every
 * append transaction first locks the single `event_head` row and numbers its events head+1… under that lock; the lock
 * is released only when the transaction has committed (and its rows are visible), so the next writer's positions are
 * both higher and later. Commit order is position order, positions have no gap, across processes.
 *
 * Group commit. Appends that arrive in the same turn of the event loop share one transaction (five round trips for
 * the lot); each append's outcome (written, retried, wrong version, duplicate id) is decided here from what was read
 * under the lock, so one refused append does not abort the others. The batch's events are written by one statement
 * after every outcome is decided, so an appendMany whose parts were not all accepted contributes nothing to it and
 * its parts are committed together or not at all. One batch per instance is in flight at a time; the next one gathers
 * meanwhile.
 */
export class PostgresEventStore implements EventStore {
  /** Other processes append too: a state folded from this store is only as current as its last read. */
  readonly soleWriter = false;
  readonly consecutivePositions = true;
  readonly atomicMultiStreamAppend = true;
  private queue: PendingAppend[] = [];
  private flushScheduled = false;
  private writing: Promise<void> | null = null;
  private closed = false;
  private closing: Promise<void> | null = null;
  private commitWaiters: Array<() => void> = [];
  private sleepers = new Set<() => void>();
  private pollTimer: NodeJS.Timeout | null = null;
  private listenerLoop: Promise<void> | null = null;
  private listener: Client | null = null;

  private constructor(private readonly pool: Pool, private readonly clientConfig: ClientConfig) {}

  /** The relay's lease and position, kept in this database (see PostgresRelayCheckpoint). */
  relayCheckpoint(name = 'events'): PostgresRelayCheckpoint {
    return new PostgresRelayCheckpoint(this.clientConfig, name);
  }

  /**
   * Inserts a row unless its key has one, and returns the kept value of `column`: this one, or the one another writer
   * put first (when that happened in the same instant, the insert returns nothing and the read runs again). Table and
   * column names are this file's constants, never input.
   */
  private async keepOnce(table: string, key: Record<string, unknown>, column: string, value: string): Promise<string> {
    const keys = Object.keys(key);
    const values = [...Object.values(key), value];
    const where = keys.map((name, i) => `${name} = $${i + 1}`).join(' AND ');
    const read = `SELECT ${column} FROM ${table} WHERE ${where}`;
    const rows = await this.query<Record<string, string>>(
      `WITH kept AS (INSERT INTO ${table} (${[...keys, column].join(', ')}) VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')}) ON CONFLICT DO NOTHING RETURNING ${column})
       SELECT ${column} FROM kept UNION ALL ${read}`,
      values,
    );
    return (rows[0] ?? (await this.query<Record<string, string>>(read, values.slice(0, -1)))[0])[column];
  }

  /** The operator key verifiers, kept in this database beside the events (see KeyVerifierStore). */
  keyVerifiers(): KeyVerifierStore {
    return {
      keep: (tenantId, keyId, verifier) => this.keepOnce('operator_key_verifiers', { tenant_id: tenantId, key_id: keyId }, 'verifier', verifier),
      verifierOf: async (tenantId, keyId) => {
        const rows = await this.query<{ verifier: string }>('SELECT verifier FROM operator_key_verifiers WHERE tenant_id = $1 AND key_id = $2', [tenantId, keyId]);
        return rows[0]?.verifier ?? null;
      },
      pepperCheck: (check) => this.keepOnce('key_pepper_check', { id: 1 }, 'check_value', check),
    };
  }

  /** The credential proxy's encrypted secrets, kept in this database beside the events (see SecretStore). */
  secretStore(): SecretStore {
    return {
      keep: (tenantId, secretId, version, envelope) =>
        this.keepOnce('service_secrets', { tenant_id: tenantId, secret_id: secretId, version }, 'envelope', envelope),
      envelopeOf: async (tenantId, secretId, version) => {
        const rows = await this.query<{ envelope: string }>('SELECT envelope FROM service_secrets WHERE tenant_id = $1 AND secret_id = $2 AND version = $3', [tenantId, secretId, version]);
        return rows[0]?.envelope ?? null;
      },
      forget: async (tenantId, secretId, version) => {
        if (version === undefined) await this.query('DELETE FROM service_secrets WHERE tenant_id = $1 AND secret_id = $2', [tenantId, secretId]);
        else await this.query('DELETE FROM service_secrets WHERE tenant_id = $1 AND secret_id = $2 AND version = $3', [tenantId, secretId, version]);
      },
      fingerprintKey: (wrapped) => this.keepOnce('secret_fingerprint_key', { id: 1 }, 'wrapped', wrapped),
    };
  }

  /** Connects, migrates and returns the store; rejects with StoreUnavailable when the server cannot be reached. */
  static async open(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    const schema = options.schema === undefined ? undefined : schemaIdentifier(options.schema);
    const clientConfig: ClientConfig = {
      connectionString: options.connectionString,
      // Fail fast when the server is down instead of queueing requests behind a hanging connect.
      connectionTimeoutMillis: 2000,
      keepAlive: true,
      ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
    };
    const poolConfig: PoolConfig = { ...clientConfig, max: options.poolSize ?? 10 };
    const pool = new Pool(poolConfig);
    // An idle connection dropped by a server restart is removed by the pool; without a listener the error would crash.
    pool.on('error', () => undefined);
    // A checked-out connection that dies emits 'error' too (the query in flight is rejected, which is what we act on).
    pool.on('connect', (client) => client.on('error', () => undefined));
    try {
      await migrate(pool, schema);
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw unavailableOr(error);
    }
    return new PostgresEventStore(pool, clientConfig);
  }

  async append(streamId: string, events: NewEvent[], expectedVersion: ExpectedVersion): Promise<AppendResult> {
    const [result] = await this.appendMany([{ streamId, events, expectedVersion }]);
    return result;
  }

  appendMany(parts: StreamAppend[]): Promise<AppendResult[]> {
    if (this.closed) return Promise.reject(new Error('event store is closed'));
    const malformed = malformedAppend(parts);
    if (malformed) return Promise.reject(malformed);
    return new Promise((resolve, reject) => {
      this.queue.push({ parts, resolve, reject });
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.writing) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      void this.flush();
    });
  }

  private flush(): Promise<void> {
    if (this.writing) return this.writing;
    if (this.queue.length === 0) return Promise.resolve();
    const batch = this.queue.splice(0, MAX_APPENDS_PER_TRANSACTION);
    this.writing = this.writeBatch(batch).finally(() => {
      this.writing = null;
      if (this.queue.length > 0) this.scheduleFlush();
    });
    return this.writing;
  }

  /** Settles every append of the batch; never throws. */
  private async writeBatch(batch: PendingAppend[]): Promise<void> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      const failure = unavailableOr(error);
      batch.forEach((pending) => pending.reject(failure));
      return;
    }
    const outcomes: Array<{ ok: true; results: AppendResult[] } | { ok: false; error: unknown }> = [];
    try {
      await client.query('BEGIN');
      const locked = await client.query<{ position: string }>('SELECT position FROM event_head WHERE id = 1 FOR UPDATE');
      // A separate statement, so its snapshot is taken after the lock was granted and sees the previous holder's rows.
      const state = await this.readUnderLock(client, batch);
      const group = new WriteOverlay(Number(locked.rows[0].position), {
        streamVersion: (streamId) => state.versions.get(streamId) ?? 0,
        chainHead: (tenantId) => state.chains.get(tenantId) ?? GENESIS_HASH,
      });
      for (const pending of batch) {
        const draft = group.draft();
        try {
          outcomes.push({ ok: true, results: pending.parts.map((part) => applyPart(part, state, draft)) });
          group.keep(draft);
        } catch (error) {
          outcomes.push({ ok: false, error });
        }
      }
      if (group.linked.length > 0) {
        const events = group.linked.map((linked) => linked.event);
        const chains = group.chainHeads();
        await client.query(WRITE_BATCH, [
          events.map((e) => e.position), events.map((e) => e.id), events.map((e) => e.streamId), events.map((e) => e.streamVersion),
          events.map((e) => e.tenantId), group.linked.map((l) => l.body), group.linked.map((l) => l.link),
          [...chains.keys()], [...chains.values()],
          group.head,
        ]);
      }
      // If COMMIT fails on a broken connection the outcome is unknown: every append is rejected, and a retry with the
      // same event ids is answered with the first result if it did commit.
      await client.query('COMMIT');
    } catch (error) {
      const failure = unavailableOr(error);
      if (failure instanceof StoreUnavailable) {
        client.release(true);
      } else {
        await client.query('ROLLBACK').catch(() => undefined);
        client.release();
      }
      batch.forEach((pending) => pending.reject(failure));
      return;
    }
    client.release();
    outcomes.forEach((outcome, i) => (outcome.ok ? batch[i].resolve(outcome.results) : batch[i].reject(outcome.error)));
    if (outcomes.some((outcome) => outcome.ok)) this.wakeFollowers();
  }

  private async readUnderLock(client: PoolClient, batch: PendingAppend[]): Promise<StoredState> {
    const parts = batch.flatMap((pending) => pending.parts);
    const ids = parts.flatMap((part) => part.events.map((event) => event.id));
    const streams = [...new Set(parts.map((part) => part.streamId))];
    const tenants = [...new Set(parts.flatMap((part) => part.events.map((event) => event.tenantId)))];
    const rows = (
      await client.query<{ kind: string; key: string; stream_id: string | null; stream_version: number | null; value: string | null }>(
        READ_UNDER_LOCK,
        [ids, streams, tenants],
      )
    ).rows;
    const state: StoredState = { stored: new Map(), versions: new Map(), chains: new Map() };
    for (const row of rows) {
      if (row.kind === 'event') state.stored.set(row.key, { streamId: row.stream_id!, streamVersion: row.stream_version!, body: row.value! });
      else if (row.kind === 'stream') state.versions.set(row.key, row.stream_version ?? 0);
      else state.chains.set(row.key, row.value!);
    }
    return state;
  }

  async readStream(streamId: string, afterVersion = 0): Promise<RecordedEvent[]> {
    const rows = await this.query<EventRow>(
      'SELECT body, chain_hash FROM events WHERE stream_id = $1 AND stream_version > $2 ORDER BY stream_version',
      [streamId, afterVersion],
    );
    return rows.map(toEvent);
  }

  async readAll(afterPosition: number, limit: number): Promise<RecordedEvent[]> {
    const rows = await this.query<EventRow>('SELECT body, chain_hash FROM events WHERE position > $1 ORDER BY position LIMIT $2', [
      afterPosition,
      limit,
    ]);
    return rows.map(toEvent);
  }

  async readTenantChain(tenantId: string, afterPosition: number, limit: number): Promise<ChainedEvent[]> {
    const rows = await this.query<EventRow>(
      'SELECT body, chain_hash FROM events WHERE tenant_id = $1 AND position > $2 ORDER BY position LIMIT $3',
      [tenantId, afterPosition, limit],
    );
    return rows.map((row) => ({ event: toEvent(row), chainHash: row.chain_hash, canonical: row.body }));
  }

  async headPosition(): Promise<number> {
    const [row] = await this.query<{ position: string }>('SELECT position FROM event_head WHERE id = 1', []);
    return Number(row.position);
  }

  private async query<R extends object>(text: string, values: unknown[]): Promise<R[]> {
    if (this.closed) throw new Error('event store is closed');
    try {
      return (await this.pool.query<R>(text, values)).rows;
    } catch (error) {
      throw unavailableOr(error);
    }
  }

  /**
   * Follows by pulling pages after the checkpoint (`follow` waits out an unreachable server); woken by LISTEN, by this
   * instance's own commits, and by a poll timer in case a notification was lost while the listener reconnected.
   */
  subscribe(afterPosition: number, handle: BatchHandler, options: { batchSize?: number } = {}): Subscription {
    this.startListening();
    return follow(
      (after, limit) => this.readAll(after, limit),
      () => new Promise<void>((wake) => (this.closed ? wake() : this.commitWaiters.push(wake))),
      afterPosition,
      handle,
      options.batchSize ?? 500,
      (error) => {
        if (!this.closed) console.error('event store subscription stopped', error);
      },
    );
  }

  private wakeFollowers(): void {
    const waiters = this.commitWaiters;
    this.commitWaiters = [];
    waiters.forEach((wake) => wake());
  }

  private startListening(): void {
    if (this.listenerLoop || this.closed) return;
    this.pollTimer = setInterval(() => this.wakeFollowers(), POLL_INTERVAL_MS);
    this.pollTimer.unref();
    this.listenerLoop = this.listen();
  }

  /** Holds a LISTEN connection while the store is open, reconnecting with backoff when it drops. */
  private async listen(): Promise<void> {
    for (let backoff = 100; !this.closed; backoff = Math.min(backoff * 2, MAX_BACKOFF_MS)) {
      const client = new Client(this.clientConfig);
      const ended = new Promise<void>((resolve) => client.once('end', resolve));
      client.on('error', () => undefined);
      client.on('notification', () => this.wakeFollowers());
      this.listener = client;
      try {
        await client.connect();
        await client.query(`LISTEN ${CHANNEL}`);
        backoff = 100;
        // A commit made while no LISTEN was active would otherwise wait for the poll.
        this.wakeFollowers();
        if (!this.closed) await ended;
      } catch {
        // Unreachable or dropped: retried below.
      }
      this.listener = null;
      await Promise.race([client.end().catch(() => undefined), ended]);
      if (!this.closed) await this.sleep(backoff);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  /** Pending appends are written (or rejected if the server is gone), followers are released, connections closed. */
  close(): Promise<void> {
    if (!this.closing) this.closing = this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    while (this.writing || this.queue.length > 0) await this.flush();
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.wakeFollowers();
    [...this.sleepers].forEach((wake) => wake());
    await this.listener?.end().catch(() => undefined);
    await this.listenerLoop;
    await this.pool.end();
  }
}

/** Decided in the pending append's draft, so a refused part takes its earlier parts with it. */
function applyPart(part: StreamAppend, state: StoredState, draft: WriteOverlay): AppendResult {
  const replay = existingAppend(part.streamId, part.events, state, draft);
  if (replay) return replay;
  return appendResult(draft.decide(part, (id) => state.stored.has(id)).map((linked) => linked.event));
}

/** A retried append (same event ids, same stream) answers with what was stored the first time. */
function existingAppend(streamId: string, events: NewEvent[], state: StoredState, draft: WriteOverlay): AppendResult | null {
  if (draft.tookEventId(events[0].id)) throw new DuplicateEventId(events[0].id);
  const first = state.stored.get(events[0].id);
  if (!first) return null;
  if (first.streamId !== streamId) throw new DuplicateEventId(events[0].id);
  const stored = events.map((event, i) => {
    const ref = state.stored.get(event.id);
    if (!ref || ref.streamId !== streamId || ref.streamVersion !== first.streamVersion + i) throw new DuplicateEventId(events[0].id);
    return parseStoredEvent(ref.body);
  });
  return appendResult(stored);
}

const CONNECTION_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const CONNECTION_ERROR_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|connection error and is not queryable/;

/** Connection-level failures (SQLSTATE classes 08 and 57P: connection exceptions, server shutting down). */
function isConnectionFailure(error: unknown): boolean {
  // Duck-typed: socket errors may come from another realm (Jest's sandbox), where `instanceof Error` is false.
  if (typeof error !== 'object' || error === null) return false;
  const { code, message, errors } = error as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof code === 'string' && (CONNECTION_ERROR_CODES.has(code) || code.startsWith('08') || code.startsWith('57P'))) return true;
  if (Array.isArray(errors) && errors.some(isConnectionFailure)) return true; // AggregateError of a dual-stack connect
  return typeof message === 'string' && CONNECTION_ERROR_MESSAGES.test(message);
}

function unavailableOr(error: unknown): unknown {
  if (!isConnectionFailure(error)) return error;
  const { message, code } = error as Error & { code?: string };
  return new StoreUnavailable(`PostgreSQL: ${message || code}`);
}

const toEvent = (row: EventRow): RecordedEvent => parseStoredEvent(row.body);
