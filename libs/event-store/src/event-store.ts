import { DomainError, NewEvent, RecordedEvent } from '@mandate/core';

/** `0` means "the stream must not exist yet"; `'any'` skips the check (only for facts with no invariant). */
export type ExpectedVersion = number | 'any';

export interface AppendResult {
  /** The stream's version after the append (the last event's streamVersion). */
  streamVersion: number;
  /** The global position of the last appended event: what a reader waits for to see this write. */
  position: number;
  events: RecordedEvent[];
}

export interface StreamAppend {
  streamId: string;
  events: NewEvent[];
  expectedVersion: ExpectedVersion;
}

export interface ChainedEvent {
  event: RecordedEvent;
  chainHash: string;
  /** The stored canonical JSON of the event: the exact bytes its chain link was taken over. */
  canonical: string;
}

export interface Subscription {
  stop(): Promise<void>;
}

export type BatchHandler = (events: RecordedEvent[]) => Promise<void> | void;

/**
 * The truth. Every adapter passes the contract suite in test/int/event-store.contract.ts.
 * - append is atomic per call, checks the expected version, is idempotent by event id, and is durable once it resolves;
 *   appendMany is the same over several streams where `atomicMultiStreamAppend` holds;
 * - positions are global, strictly increasing in commit order, so a reader checkpointing "last position seen" misses
 *   nothing. The embedded and PostgreSQL stores number events 1, 2, 3…; EventStoreDB's positions are its `$all` log
 *   positions, increasing but not consecutive (`consecutivePositions` says which).
 */
export interface EventStore {
  /** True when no other process can append: a state folded from this store stays current until this process writes. */
  readonly soleWriter?: boolean;
  /** True when positions are 1, 2, 3… with no hole: a reader can tell a missing event from the numbers alone. */
  readonly consecutivePositions?: boolean;
  /**
   * False where the store cannot commit several streams at once (EventStoreDB): appendMany then appends part by part
   * and a crash between parts can leave the first without the second.
   */
  readonly atomicMultiStreamAppend: boolean;
  append(streamId: string, events: NewEvent[], expectedVersion: ExpectedVersion): Promise<AppendResult>;
  /**
   * Appends to several streams in one commit: every part's expected version is checked and either all are stored or
   * none. Results in the order of `parts`; the events get consecutive positions in that order. Idempotent by event id
   * like append.
   */
  appendMany(parts: StreamAppend[]): Promise<AppendResult[]>;
  readStream(streamId: string, afterVersion?: number): Promise<RecordedEvent[]>;
  readAll(afterPosition: number, limit: number): Promise<RecordedEvent[]>;
  /** The tenant's events with their chain links, for tamper checks and export. */
  readTenantChain(tenantId: string, afterPosition: number, limit: number): Promise<ChainedEvent[]>;
  headPosition(): Promise<number>;
  /** Delivers every committed event after `afterPosition`, in order, then follows new commits until stopped. */
  subscribe(afterPosition: number, handle: BatchHandler, options?: { batchSize?: number }): Subscription;
  close(): Promise<void>;
}

export class WrongExpectedVersion extends DomainError {
  constructor(readonly streamId: string, readonly expected: ExpectedVersion, readonly actual: number) {
    super('WRONG_EXPECTED_VERSION', `stream ${streamId} is at version ${actual}, expected ${expected}`, {
      stream_id: streamId,
    });
  }
}

export class DuplicateEventId extends DomainError {
  constructor(readonly eventId: string) {
    super('DUPLICATE_EVENT_ID', `event ${eventId} was already appended with different content or stream`, { event_id: eventId });
  }
}

/**
 * The store cannot be reached (a server restarting, a network cut). Nothing was acknowledged, so nothing is lost: the
 * client gets a 503 and retries. Adapters raise it for connection failures only, never for a rejected append.
 */
export class StoreUnavailable extends DomainError {
  constructor(detail: string) {
    super('STORE_UNAVAILABLE', `the event store is unavailable: ${detail}; retry shortly`);
  }
}
