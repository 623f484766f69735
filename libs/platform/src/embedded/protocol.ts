import { DomainError, RecordedEvent } from '@mandate/core';
import { AppendResult, DuplicateEventId, ExpectedVersion, StreamAppend, WrongExpectedVersion } from '@mandate/event-store';
import { LiveFeeds } from '@mandate/read-models';

/** Messages between the main thread and the storage worker. An item is one append or appendMany: all its parts or none. */
export type AppendItem = StreamAppend[];

/** Each part's last version and position, in the order of the item's parts. */
export type AppendOutcome = { ok: true; parts: Array<{ streamVersion: number; position: number }> } | { ok: false; error: WireError };

export type Request =
  /** The items as JSON text: copying one string between threads is cheaper than cloning the object graph. */
  | { id: number; op: 'append'; items: string }
  | { id: number; op: 'query'; method: QueryMethod; args: unknown[] }
  | { id: number; op: 'close' };

export type QueryMethod =
  | 'readStream'
  | 'readAll'
  | 'readTenantChain'
  | 'revocationsAfter'
  | 'revocablePassports'
  | 'agents'
  | 'audit'
  | 'intents'
  | 'intentsChangedAfter'
  | 'findingChangesAfter'
  | 'missions'
  | 'dueIntents'
  | 'securityEvents'
  | 'securityEvent'
  | 'compareReadModels'
  | 'keepKeyVerifier'
  | 'keyVerifierOf'
  | 'keyPepperCheck'
  | 'keepSecret'
  | 'secretEnvelopeOf'
  | 'forgetSecret'
  | 'secretFingerprintKey';

export type Message =
  | { kind: 'ready'; head: number; caughtUp: number }
  | ({ kind: 'commit'; head: number; events: RecordedEvent[] } & LiveFeeds)
  | { kind: 'reply'; id: number; ok: true; value: unknown }
  | { kind: 'reply'; id: number; ok: false; error: WireError };

export interface WireError {
  message: string;
  code?: string;
  extensions?: Record<string, unknown>;
  streamId?: string;
  expected?: ExpectedVersion;
  actual?: number;
  eventId?: string;
}

export function toWire(error: unknown): WireError {
  if (error instanceof WrongExpectedVersion) {
    return { message: error.message, code: error.code, streamId: error.streamId, expected: error.expected, actual: error.actual };
  }
  if (error instanceof DuplicateEventId) return { message: error.message, code: error.code, eventId: error.eventId };
  if (error instanceof DomainError) return { message: error.message, code: error.code, extensions: error.extensions };
  return { message: error instanceof Error ? error.stack ?? error.message : String(error) };
}

/** The events the worker stored are the ones sent, numbered in order up to each part's last version and position. */
export function appendResults(item: AppendItem, parts: Array<{ streamVersion: number; position: number }>): AppendResult[] {
  return parts.map(({ streamVersion, position }, p) => {
    const { streamId, events } = item[p];
    const first = events.length - 1;
    return {
      streamVersion,
      position,
      events: events.map((event, i) => ({ ...event, streamId, streamVersion: streamVersion - first + i, position: position - first + i })),
    };
  });
}

/** Rebuilds the error classes the callers test for (a conflict must still be a WrongExpectedVersion). */
export function fromWire(wire: WireError): Error {
  if (wire.code === 'WRONG_EXPECTED_VERSION') return new WrongExpectedVersion(wire.streamId!, wire.expected!, wire.actual!);
  if (wire.code === 'DUPLICATE_EVENT_ID') return new DuplicateEventId(wire.eventId!);
  if (wire.code) return new DomainError(wire.code, wire.message, wire.extensions);
  return new Error(`storage worker: ${wire.message}`);
}
