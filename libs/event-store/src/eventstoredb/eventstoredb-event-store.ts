// Longer than 300 lines on purpose: one adapter of the EventStore port, mapping Mandate's streams, global positions
// and tenant chains onto EventStoreDB's; the mapping functions and the class share its naming scheme.
import type * as Esdb from '@eventstore/db-client';
import { canonicalJson, chainLink, GENESIS_HASH, NewEvent, RecordedEvent, upcasters } from '@mandate/core';
import { follow } from '../follow';
import { malformedAppend } from '../group-commit';
import { placed } from '../stored-event';
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
  WrongExpectedVersion,
} from '../event-store';

type EsdbModule = typeof Esdb;
type EsdbClient = Esdb.EventStoreDBClient;
type EsdbPosition = { commit: bigint; prepare: bigint };
type StreamRevision = 'no_stream' | bigint;

/** One stream per event id, holding the stream that id was first appended to: EventStoreDB has no index by event id. */
export const CLAIM_STREAM_PREFIX = 'mandate-id-';
/** One stream per tenant, each event naming the tenant's next chain link before the events carrying it are appended. */
export const CHAIN_STREAM_PREFIX = 'mandate-chain-';
const CLAIM_EVENT_TYPE = 'MandateEventIdClaimed';
const CHAIN_EVENT_TYPE = 'MandateChainHeadMoved';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ANY_VERSION_ATTEMPTS = 20;
const CHAIN_FENCE_ATTEMPTS = 20;
const SCAN_PAGE = 1024;

export interface EventStoreDbOptions {
  /**
   * Prefix of every stream this store writes, and the only streams it reads back: several Mandate deployments (or
   * test runs) can share one server without seeing each other's events. Default: none.
   */
  namespace?: string;
  /** How long a chain-head record whose events are not (yet) in their stream is waited for before it counts as failed. */
  inFlightGraceMs?: number;
  /** A subscriber that missed the live signal reads again after this long at the latest. */
  pollIntervalMs?: number;
}

/** The chained part of an event: every envelope field except the `$all` position, which only exists once written. */
export type ChainedEnvelope = Omit<RecordedEvent, 'position'>;

export interface MandateEventMetadata {
  mandateChainHash: string;
  /** EventStoreDB's own names, so its `$by_correlation_id` projection works on Mandate events too. */
  $correlationId: string;
  $causationId?: string;
}

/** What one Mandate event becomes in EventStoreDB: its id and type, the envelope as data, its chain link as metadata. */
export interface StoredMandateEvent {
  id: string;
  type: string;
  envelope: ChainedEnvelope;
  canonical: string;
  metadata: MandateEventMetadata;
}

/** The fields of the client's recorded event that the mapping reads. */
export interface EsdbRecordedEvent {
  streamId: string;
  revision: bigint;
  data: unknown;
  metadata: unknown;
  position?: EsdbPosition;
}

/** Data of an event in a tenant's chain stream. `eventIds` empty: the head went back to `previous` (append refused). */
export interface ChainHeadRecord {
  chainHash: string;
  previous: string;
  streamId: string;
  firstVersion: number;
  eventIds: string[];
}

/** Mandate's expected version → the client's expected revision: version n is revision n-1, and 0 is "no stream". */
export function toExpectedRevision(expected: ExpectedVersion): 'any' | 'no_stream' | bigint {
  if (expected === 'any') return 'any';
  if (!Number.isSafeInteger(expected) || expected < 0) throw new RangeError(`expected version must be 'any' or an integer >= 0, got ${expected}`);
  return expected === 0 ? 'no_stream' : BigInt(expected - 1);
}

/** The client's current revision of a stream → Mandate's stream version (its number of events). */
export function versionOf(revision: StreamRevision): number {
  return revision === 'no_stream' ? 0 : toSafeNumber(revision + 1n, 'stream revision');
}

/**
 * An event's `$all` position → Mandate's position. Every event appended over gRPC is its own committed record, so its
 * commit and prepare positions are both its offset in the transaction log: unique per event and rising in commit order.
 * Only events from legacy (TCP) explicit transactions differ, and Mandate never writes those.
 */
export function toMandatePosition(position: EsdbPosition | undefined): number {
  if (!position) throw new Error('EventStoreDB returned an event without its $all position (stream reads carry it from server 22.6 on)');
  if (position.commit !== position.prepare) {
    throw new Error(`event at $all commit ${position.commit} / prepare ${position.prepare} is part of an explicit transaction; Mandate positions need commit = prepare`);
  }
  return toSafeNumber(position.prepare, '$all position');
}

export function fromMandatePosition(position: number): EsdbPosition {
  if (!Number.isSafeInteger(position) || position < 0) throw new RangeError(`position must be a safe integer >= 0, got ${position}`);
  return { commit: BigInt(position), prepare: BigInt(position) };
}

function toSafeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < 0n) throw new RangeError(`${what} ${value} does not fit a JavaScript number`);
  return Number(value);
}

/** The envelope, its canonical text and its chain link over `previousHash`, ready to append as a JSON event. */
export function toStoredEvent(event: NewEvent, streamId: string, streamVersion: number, previousHash: string): StoredMandateEvent {
  const envelope: ChainedEnvelope = placed(event, streamId, streamVersion);
  const canonical = canonicalJson(envelope);
  const metadata: MandateEventMetadata = { mandateChainHash: chainLink(previousHash, canonical), $correlationId: event.correlationId };
  if (event.causationId !== null) metadata.$causationId = event.causationId;
  // Stored as the value of its canonical text, so canonicalJson of what is read back gives the same text.
  return { id: event.id, type: event.type, envelope: JSON.parse(canonical) as ChainedEnvelope, canonical, metadata };
}

/**
 * A recorded EventStoreDB event → the Mandate event with its chain link, or null for anything Mandate did not write
 * (system streams, other namespaces, id claims and chain heads, events without a chain link).
 */
export function fromStoredEvent(recorded: EsdbRecordedEvent, namespace = ''): ChainedEvent | null {
  if (!isMandateStream(recorded.streamId, namespace)) return null;
  const chainHash = (recorded.metadata as Partial<MandateEventMetadata> | undefined)?.mandateChainHash;
  const envelope = recorded.data as ChainedEnvelope;
  if (typeof chainHash !== 'string' || typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) return null;
  const streamId = recorded.streamId.slice(namespace.length);
  const streamVersion = versionOf(recorded.revision);
  if (envelope.streamId !== streamId || envelope.streamVersion !== streamVersion) {
    throw new Error(
      `event ${String(envelope.id)} sits in ${recorded.streamId} at revision ${recorded.revision} but its envelope says ` +
        `${String(envelope.streamId)} version ${String(envelope.streamVersion)}: it was not appended there by Mandate`,
    );
  }
  const canonical = canonicalJson(envelope);
  // Upcast after the canonical text is taken: the chain covers what was stored, readers get the current shape.
  return { event: upcasters.upcast({ ...envelope, position: toMandatePosition(recorded.position) } as RecordedEvent), chainHash, canonical };
}

export function isMandateStream(esdbStreamName: string, namespace = ''): boolean {
  if (esdbStreamName.startsWith('$') || !esdbStreamName.startsWith(namespace)) return false;
  const rest = esdbStreamName.slice(namespace.length);
  return rest.length > 0 && !rest.startsWith(CLAIM_STREAM_PREFIX) && !rest.startsWith(CHAIN_STREAM_PREFIX);
}

/** The server-side stream-name filter (a .NET regex) that lets through exactly the streams `isMandateStream` accepts. */
export function mandateStreamRegex(namespace = ''): string {
  const escaped = namespace.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return `^(?!\\$)${escaped}(?!${CLAIM_STREAM_PREFIX}|${CHAIN_STREAM_PREFIX}).`;
}

/** True when a stored event is the proposed one: same envelope apart from where it was placed. */
export function sameEventContent(stored: RecordedEvent, proposed: NewEvent): boolean {
  return canonicalJson(toStoredEvent(stored, '', 0, GENESIS_HASH).envelope) === canonicalJson(toStoredEvent(proposed, '', 0, GENESIS_HASH).envelope);
}

/** A chain-head record holds when its events are in their stream carrying exactly the link it announced. */
export function chainRecordHolds(record: ChainHeadRecord, tenantId: string, stored: ChainedEvent[]): boolean {
  if (record.eventIds.length === 0) return true;
  if (stored.length !== record.eventIds.length || stored.some((c, i) => c.event.id !== record.eventIds[i])) return false;
  const ownLinks = stored.filter((c) => c.event.tenantId === tenantId);
  return ownLinks.length > 0 && ownLinks[ownLinks.length - 1].chainHash === record.chainHash;
}

const CONNECTION_FAILURE_TYPES = new Set(['unavailable', 'deadline-exceeded', 'timeout', 'cancelled', 'not-leader']);
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNAVAILABLE = 14;

/**
 * The server could not be reached or did not answer in time: nothing was acknowledged. A cancelled call counts too
 * (EventStoreDB 24.4+ cancels calls when a node shuts down), and so does "not leader" (the client reconnects).
 */
export function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { type, code } = error as { type?: unknown; code?: unknown };
  if (typeof type === 'string' && CONNECTION_FAILURE_TYPES.has(type)) return true;
  if (code === GRPC_UNAVAILABLE || code === GRPC_DEADLINE_EXCEEDED) return true;
  return /ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|Failed to discover/.test(error.message);
}

export function toStoreError(error: unknown): unknown {
  return isConnectionFailure(error) ? new StoreUnavailable((error as Error).message) : error;
}

function wrongExpectedVersion(error: unknown): { actualVersion: StreamRevision } | null {
  return (error as { type?: unknown })?.type === 'wrong-expected-version' ? (error as { actualVersion: StreamRevision }) : null;
}

function streamNotFound(error: unknown): boolean {
  return (error as { type?: unknown })?.type === 'stream-not-found';
}

function isAfter(a: EsdbPosition, b: EsdbPosition): boolean {
  return a.commit > b.commit || (a.commit === b.commit && a.prepare > b.prepare);
}

async function collect<T>(read: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of read) out.push(item);
  return out;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** Runs work holding every named lock; locks are taken in sorted order, so two multi-key holders never deadlock. */
class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(keys: string[], work: () => Promise<T>): Promise<T> {
    const releases: Array<() => void> = [];
    try {
      for (const key of [...new Set(keys)].sort()) {
        const previous = this.tails.get(key) ?? Promise.resolve();
        let release!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        const tail = previous.then(() => held);
        this.tails.set(key, tail);
        releases.push(() => {
          release();
          if (this.tails.get(key) === tail) this.tails.delete(key);
        });
        await previous;
      }
      return await work();
    } finally {
      releases.forEach((release) => release());
    }
  }
}

interface ChainHead {
  hash: string;
  /** Revision of the tenant's chain stream this process last saw: the expected revision of its next record. */
  revision: StreamRevision;
}

interface TenantLinks {
  tenantId: string;
  record: ChainHeadRecord;
  /** Revision of the record once written. */
  revision: bigint;
}

interface LinkedBatch {
  stored: StoredMandateEvent[];
  tenants: TenantLinks[];
}

/**
 * The EventStore port on EventStoreDB (gRPC client, loaded only by `connect`). A Mandate stream is the EventStoreDB
 * stream of the same name (after the namespace); the event id is the Mandate id; the data is the envelope without its
 * position; the metadata carries the tenant chain link. Positions are `$all` log offsets: rising, not consecutive.
 * Appends for one tenant are serialized in this process so that each tenant's chain follows `$all` order.
 */
export class EventStoreDbEventStore implements EventStore {
  /** Any process that can reach the server can append. */
  readonly soleWriter = false;
  readonly consecutivePositions = false;
  /** EventStoreDB commits one stream per append: appendMany goes part by part (see README.md). */
  readonly atomicMultiStreamAppend = false;
  readonly namespace: string;
  private readonly inFlightGraceMs: number;
  private readonly pollIntervalMs: number;
  private readonly heads = new Map<string, ChainHead>();
  private readonly tenantLocks = new KeyedLock();
  private live: Esdb.AllStreamSubscription | undefined;
  private liveAttemptAt = 0;
  private commitWait: { promise: Promise<void>; wake: () => void; timer: NodeJS.Timeout } | undefined;
  private closed = false;

  private constructor(
    private readonly esdb: EsdbModule,
    private readonly client: EsdbClient,
    options: EventStoreDbOptions,
  ) {
    this.namespace = options.namespace ?? '';
    this.inFlightGraceMs = options.inFlightGraceMs ?? 5000;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
  }

  /**
   * Connects and checks the server answers (a one-event read of `$all`, which needs an admin user on a secure server).
   * `connectionString`, e.g. `esdb://127.0.0.1:2113?tls=false`. Unreachable → StoreUnavailable.
   */
  static async connect(connectionString: string, options: EventStoreDbOptions = {}): Promise<EventStoreDbEventStore> {
    const namespace = options.namespace ?? '';
    if (namespace.startsWith('$')) throw new Error(`namespace must not start with '$' (system streams): ${namespace}`);
    const esdb: EsdbModule = await import('@eventstore/db-client');
    const client = esdb.EventStoreDBClient.connectionString(connectionString);
    const store = new EventStoreDbEventStore(esdb, client, options);
    try {
      await store.call(() => collect(client.readAll({ direction: esdb.BACKWARDS, fromPosition: esdb.END, maxCount: 1 })));
    } catch (error) {
      await client.dispose().catch(() => undefined);
      throw error;
    }
    return store;
  }

  async append(streamId: string, events: NewEvent[], expectedVersion: ExpectedVersion): Promise<AppendResult> {
    const [result] = await this.appendMany([{ streamId, events, expectedVersion }]);
    return result;
  }

  /**
   * Part by part, in order, stopping at the first refusal: the parts before it stay stored. Every part is checked
   * before the first is sent, so a part that could never be stored does not leave the others half done.
   */
  async appendMany(parts: StreamAppend[]): Promise<AppendResult[]> {
    this.assertOpen();
    const malformed = malformedAppend(parts);
    if (malformed) throw malformed;
    parts.forEach((part) => this.checkAppendable(part));
    const ids = parts.flatMap((part) => part.events.map((e) => e.id));
    const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
    if (repeated) throw new DuplicateEventId(repeated);
    const results: AppendResult[] = [];
    for (const { streamId, events, expectedVersion } of parts) {
      const tenants = events.map((e) => e.tenantId);
      results.push(await this.tenantLocks.run(tenants, () => this.appendHoldingTenants(streamId, events, expectedVersion)));
    }
    return results;
  }

  private checkAppendable({ streamId, events }: StreamAppend): void {
    if (!isMandateStream(this.namespace + streamId, this.namespace)) throw new Error(`stream id ${streamId} is reserved on EventStoreDB`);
    for (const event of events) {
      if (!UUID.test(event.id)) throw new Error(`EventStoreDB event ids are UUIDs; ${event.id} is not`);
      if (event.type.length === 0 || event.type.startsWith('$')) throw new Error(`event type ${event.type} is reserved on EventStoreDB`);
    }
  }

  private async appendHoldingTenants(streamId: string, events: NewEvent[], expectedVersion: ExpectedVersion): Promise<AppendResult> {
    const ids = events.map((e) => e.id);
    const claimedHere = new Set<string>();
    for (let attempt = 1; ; attempt++) {
      const [claims, current] = await Promise.all([Promise.all(ids.map((id) => this.readClaim(id))), this.streamVersion(streamId)]);
      const foreign = claims.findIndex((claim) => claim !== null && claim !== streamId);
      if (foreign >= 0) throw new DuplicateEventId(ids[foreign]);
      if (claims.some((claim, i) => claim !== null && !claimedHere.has(ids[i]))) {
        const replay = await this.findStoredAppend(streamId, events);
        if (replay) return replay;
      }
      if (expectedVersion !== 'any' && current !== expectedVersion) throw new WrongExpectedVersion(streamId, expectedVersion, current);

      const [claimed, linked] = await Promise.allSettled([this.writeClaims(ids, claims, streamId), this.linkBatch(streamId, events, current)]);
      if (claimed.status === 'rejected' || linked.status === 'rejected') {
        if (linked.status === 'fulfilled') await this.abandon(linked.value);
        throw claimed.status === 'rejected' ? claimed.reason : (linked as PromiseRejectedResult).reason;
      }
      const lost = claimed.value.findIndex((holder) => holder !== streamId);
      if (lost >= 0) {
        await this.abandon(linked.value);
        throw new DuplicateEventId(ids[lost]);
      }
      ids.forEach((id) => claimedHere.add(id));

      const batch = linked.value;
      try {
        await this.call(() =>
          this.client.appendToStream(
            this.namespace + streamId,
            batch.stored.map((s) => this.esdb.jsonEvent({ id: s.id, type: s.type, data: s.envelope, metadata: s.metadata })),
            { expectedRevision: toExpectedRevision(current) },
          ),
        );
      } catch (error) {
        const conflict = wrongExpectedVersion(error);
        if (!conflict) {
          // Unknown outcome (the append may have landed): the next append re-reads the chain head from the server.
          batch.tenants.forEach((t) => this.heads.delete(t.tenantId));
          throw error;
        }
        await this.abandon(batch);
        if (expectedVersion === 'any' && attempt < ANY_VERSION_ATTEMPTS) continue;
        throw new WrongExpectedVersion(streamId, expectedVersion, versionOf(conflict.actualVersion));
      }
      return this.confirm(streamId, batch, current);
    }
  }

  /** Reads back what was appended, for the positions; moves the in-memory chain heads only if these are our links. */
  private async confirm(streamId: string, batch: LinkedBatch, current: number): Promise<AppendResult> {
    let stored: ChainedEvent[];
    try {
      stored = (await this.readStreamPage(streamId, BigInt(current), batch.stored.length, 'forwards')).map((r) => this.mandateEvent(r));
    } catch (error) {
      batch.tenants.forEach((t) => this.heads.delete(t.tenantId));
      throw error;
    }
    if (stored.length !== batch.stored.length || stored.some((c, i) => c.event.id !== batch.stored[i].id)) {
      batch.tenants.forEach((t) => this.heads.delete(t.tenantId));
      throw new Error(`append to ${streamId} succeeded but revision ${current} onwards holds other events`);
    }
    if (stored.some((c, i) => c.chainHash !== batch.stored[i].metadata.mandateChainHash)) {
      // The server answered a concurrent identical append idempotently: those events carry the other writer's links.
      await this.abandon(batch);
    } else {
      for (const { tenantId, record, revision } of batch.tenants) this.heads.set(tenantId, { hash: record.chainHash, revision });
    }
    const last = stored[stored.length - 1].event;
    return { streamVersion: last.streamVersion, position: last.position, events: stored.map((c) => c.event) };
  }

  /** A retried append: the same ids already stored, in order and with the same content, in this stream. */
  private async findStoredAppend(streamId: string, events: NewEvent[]): Promise<AppendResult | null> {
    const wanted = new Set(events.map((e) => e.id));
    const found = new Map<string, RecordedEvent>();
    let from: bigint | 'end' = 'end';
    for (;;) {
      const page = await this.readStreamPage(streamId, from, SCAN_PAGE, 'backwards');
      for (const recorded of page) {
        const event = this.mandateEvent(recorded).event;
        if (wanted.has(event.id)) found.set(event.id, event);
      }
      if (found.size === wanted.size || page.length < SCAN_PAGE) break;
      from = page[page.length - 1].revision - 1n;
    }
    if (found.size === 0) return null;
    const stored = events.map((e) => found.get(e.id));
    stored.forEach((s, i) => {
      const first = stored[0];
      if (!s || !first || s.streamVersion !== first.streamVersion + i || !sameEventContent(s, events[i])) throw new DuplicateEventId(events[i].id);
    });
    const recorded = stored as RecordedEvent[];
    const last = recorded[recorded.length - 1];
    return { streamVersion: last.streamVersion, position: last.position, events: recorded };
  }

  private async readClaim(eventId: string): Promise<string | null> {
    const [claim] = await this.readStreamPage(CLAIM_STREAM_PREFIX + eventId, 'start', 1, 'forwards');
    return claim ? String((claim.data as { streamId?: unknown }).streamId) : null;
  }

  /** Claims each unclaimed id for this stream; answers, per id, the stream that holds its claim. */
  private writeClaims(ids: string[], claims: Array<string | null>, streamId: string): Promise<string[]> {
    return Promise.all(
      ids.map(async (id, i) => {
        if (claims[i] !== null) return claims[i] as string;
        try {
          await this.call(() =>
            this.client.appendToStream(
              this.namespace + CLAIM_STREAM_PREFIX + id,
              this.esdb.jsonEvent({ type: CLAIM_EVENT_TYPE, data: { streamId } }),
              { expectedRevision: this.esdb.NO_STREAM },
            ),
          );
          return streamId;
        } catch (error) {
          if (!wrongExpectedVersion(error)) throw error;
          return (await this.readClaim(id)) ?? streamId;
        }
      }),
    );
  }

  /**
   * Links the batch onto each tenant's chain head and records the new heads in the tenants' chain streams, expecting
   * the revision last seen: a record written meanwhile by another process refuses ours, and the head is re-read.
   */
  private async linkBatch(streamId: string, events: NewEvent[], current: number): Promise<LinkedBatch> {
    const stored: StoredMandateEvent[] = new Array(events.length);
    const tenantIds = [...new Set(events.map((e) => e.tenantId))];
    const tenants = await Promise.all(
      tenantIds.map(async (tenantId) => {
        for (let attempt = 1; ; attempt++) {
          const head = await this.chainHead(tenantId);
          let link = head.hash;
          events.forEach((event, i) => {
            if (event.tenantId !== tenantId) return;
            stored[i] = toStoredEvent(event, streamId, current + i + 1, link);
            link = stored[i].metadata.mandateChainHash;
          });
          const record: ChainHeadRecord = { chainHash: link, previous: head.hash, streamId, firstVersion: current + 1, eventIds: events.map((e) => e.id) };
          try {
            const revision = await this.writeChainRecord(tenantId, record, head.revision);
            this.heads.set(tenantId, { hash: head.hash, revision });
            return { tenantId, record, revision };
          } catch (error) {
            this.heads.delete(tenantId);
            if (!wrongExpectedVersion(error) || attempt >= CHAIN_FENCE_ATTEMPTS) throw error;
          }
        }
      }),
    );
    return { stored, tenants };
  }

  /** The batch was not appended: each tenant's head goes back to where it was. Best effort; a failure re-reads later. */
  private async abandon(batch: LinkedBatch): Promise<void> {
    await Promise.all(
      batch.tenants.map(async ({ tenantId, record, revision }) => {
        const back: ChainHeadRecord = { ...record, chainHash: record.previous, eventIds: [] };
        try {
          const next = await this.writeChainRecord(tenantId, back, revision);
          this.heads.set(tenantId, { hash: record.previous, revision: next });
        } catch {
          this.heads.delete(tenantId);
        }
      }),
    );
  }

  private async writeChainRecord(tenantId: string, record: ChainHeadRecord, expected: StreamRevision): Promise<bigint> {
    const result = await this.call(() =>
      this.client.appendToStream(
        this.namespace + CHAIN_STREAM_PREFIX + tenantId,
        this.esdb.jsonEvent({ type: CHAIN_EVENT_TYPE, data: { ...record } }),
        { expectedRevision: expected },
      ),
    );
    return result.nextExpectedRevision;
  }

  /**
   * The tenant's chain head: cached, or the last record of its chain stream. A record whose events are not in their
   * stream may belong to an append still in flight elsewhere, so it is waited for before it counts as failed.
   */
  private async chainHead(tenantId: string): Promise<ChainHead> {
    const cached = this.heads.get(tenantId);
    if (cached) return cached;
    const [last] = await this.readStreamPage(CHAIN_STREAM_PREFIX + tenantId, 'end', 1, 'backwards');
    let head: ChainHead = { hash: GENESIS_HASH, revision: 'no_stream' };
    if (last) {
      const record = last.data as ChainHeadRecord;
      const deadline = Date.now() + this.inFlightGraceMs;
      let holds = await this.chainRecordHolds(tenantId, record);
      while (!holds && Date.now() < deadline) {
        await sleep(100);
        holds = await this.chainRecordHolds(tenantId, record);
      }
      head = { hash: holds ? record.chainHash : record.previous, revision: last.revision };
    }
    this.heads.set(tenantId, head);
    return head;
  }

  private async chainRecordHolds(tenantId: string, record: ChainHeadRecord): Promise<boolean> {
    if (record.eventIds.length === 0) return true;
    const page = await this.readStreamPage(record.streamId, BigInt(record.firstVersion - 1), record.eventIds.length, 'forwards');
    const stored = page.map((r) => fromStoredEvent(r, this.namespace)).filter((c): c is ChainedEvent => c !== null);
    return chainRecordHolds(record, tenantId, stored);
  }

  private async streamVersion(streamId: string): Promise<number> {
    const [last] = await this.readStreamPage(streamId, 'end', 1, 'backwards');
    return last ? versionOf(last.revision) : 0;
  }

  /** One page of a stream (name without the namespace); a stream that does not exist is empty. */
  private async readStreamPage(
    streamId: string,
    from: bigint | 'start' | 'end',
    maxCount: number,
    direction: 'forwards' | 'backwards',
  ): Promise<EsdbRecordedEvent[]> {
    try {
      const page = await this.call(() =>
        collect(
          this.client.readStream(this.namespace + streamId, {
            fromRevision: from === 'start' ? this.esdb.START : from === 'end' ? this.esdb.END : from,
            maxCount,
            direction: direction === 'forwards' ? this.esdb.FORWARDS : this.esdb.BACKWARDS,
          }),
        ),
      );
      return page.flatMap((resolved) => (resolved.event ? [resolved.event] : []));
    } catch (error) {
      if (streamNotFound(error)) return [];
      throw error;
    }
  }

  /** An event in a Mandate stream that Mandate did not write would make its versions lie: refuse to read around it. */
  private mandateEvent(recorded: EsdbRecordedEvent): ChainedEvent {
    const chained = fromStoredEvent(recorded, this.namespace);
    if (!chained) throw new Error(`${recorded.streamId} holds an event at revision ${recorded.revision} that Mandate did not write`);
    return chained;
  }

  async readStream(streamId: string, afterVersion = 0): Promise<RecordedEvent[]> {
    this.assertOpen();
    const page = await this.readStreamPage(streamId, BigInt(afterVersion), Number.MAX_SAFE_INTEGER, 'forwards');
    return page.map((recorded) => this.mandateEvent(recorded).event);
  }

  async readAll(afterPosition: number, limit: number): Promise<RecordedEvent[]> {
    return (await this.scanAll(afterPosition, limit, () => true)).map((c) => c.event);
  }

  async readTenantChain(tenantId: string, afterPosition: number, limit: number): Promise<ChainedEvent[]> {
    return this.scanAll(afterPosition, limit, (c) => c.event.tenantId === tenantId);
  }

  /**
   * Reads `$all` forwards after a position and keeps this namespace's Mandate events. The client offers no server-side
   * filter on reads, so everything else in the log (system events, id claims, chain heads) is read and skipped here.
   */
  private async scanAll(afterPosition: number, limit: number, wanted: (c: ChainedEvent) => boolean): Promise<ChainedEvent[]> {
    this.assertOpen();
    const out: ChainedEvent[] = [];
    if (limit <= 0) return out;
    let cursor = afterPosition === 0 ? null : fromMandatePosition(afterPosition);
    for (;;) {
      const from: EsdbPosition | null = cursor;
      const page: Esdb.AllStreamResolvedEvent[] = await this.call(() => collect(this.client.readAll({ fromPosition: from ?? this.esdb.START, maxCount: SCAN_PAGE })));
      for (const { event: recorded } of page) {
        // The read starts at the cursor inclusively.
        if (!recorded || (cursor && !isAfter(recorded.position, cursor))) continue;
        cursor = recorded.position;
        const chained = fromStoredEvent(recorded, this.namespace);
        if (chained && wanted(chained)) {
          out.push(chained);
          if (out.length === limit) return out;
        }
      }
      if (page.length < SCAN_PAGE) return out;
    }
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    let from: EsdbPosition | null = null;
    for (;;) {
      const start: EsdbPosition | null = from;
      const page: Esdb.AllStreamResolvedEvent[] = await this.call(() =>
        collect(this.client.readAll({ direction: this.esdb.BACKWARDS, fromPosition: start ?? this.esdb.END, maxCount: SCAN_PAGE })),
      );
      for (const { event: recorded } of page) {
        if (!recorded || (from && !isAfter(from, recorded.position))) continue;
        from = recorded.position;
        const chained = fromStoredEvent(recorded, this.namespace);
        if (chained) return chained.event.position;
      }
      if (page.length < SCAN_PAGE) return 0;
    }
  }

  /**
   * Pulls pages with readAll (so order and gaps are the same as for every adapter; `follow` waits out an unreachable
   * server); a live `$all` subscription filtered to Mandate streams wakes the waiting readers, and a poll covers a
   * signal missed while it (re)connects.
   */
  subscribe(afterPosition: number, handle: BatchHandler, options: { batchSize?: number } = {}): Subscription {
    this.assertOpen();
    return follow(
      (after, limit) => this.readAll(after, limit),
      () => this.nextCommit(),
      afterPosition,
      handle,
      options.batchSize ?? 500,
      (error) => {
        if (!this.closed) console.error('event store subscription stopped', error);
      },
    );
  }

  private nextCommit(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.ensureLiveSignal();
    if (!this.commitWait) {
      let wake!: () => void;
      const promise = new Promise<void>((resolve) => (wake = resolve));
      const timer = setTimeout(() => this.wakeReaders(), this.pollIntervalMs);
      timer.unref();
      this.commitWait = { promise, wake, timer };
    }
    return this.commitWait.promise;
  }

  private wakeReaders(): void {
    const waiting = this.commitWait;
    this.commitWait = undefined;
    if (!waiting) return;
    clearTimeout(waiting.timer);
    waiting.wake();
  }

  private ensureLiveSignal(): void {
    if (this.live || Date.now() - this.liveAttemptAt < this.pollIntervalMs) return;
    this.liveAttemptAt = Date.now();
    const live = this.client.subscribeToAll({
      fromPosition: this.esdb.END,
      filter: this.esdb.streamNameFilter({ regex: mandateStreamRegex(this.namespace) }),
    });
    live.on('data', () => this.wakeReaders());
    live.on('error', () => {
      if (this.live === live) this.live = undefined;
    });
    this.live = live;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wakeReaders();
    const live = this.live;
    this.live = undefined;
    await live?.unsubscribe().catch(() => undefined);
    await this.client.dispose();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('event store is closed');
  }

  private async call<T>(operation: () => Promise<T>): Promise<T> {
    this.assertOpen();
    try {
      return await operation();
    } catch (error) {
      throw toStoreError(error);
    }
  }
}
