import { NewEvent, RecordedEvent, upcasters } from '@mandate/core';
import { AppendResult, StreamAppend } from './event-store';

/** An append or appendMany waiting for its store's next group commit: its parts are stored together or not at all. */
export interface PendingAppend {
  parts: StreamAppend[];
  resolve(results: AppendResult[]): void;
  reject(error: unknown): void;
}

/**
 * Every stored event is read here, in its current shape (see UpcasterRegistry). The chain is checked over the stored
 * text, never over what this returns, so reading an older shape as the current one can hide no alteration.
 */
export function parseStoredEvent(body: string): RecordedEvent {
  let stored: RecordedEvent;
  try {
    stored = JSON.parse(body) as RecordedEvent;
  } catch {
    // A stored body that is no longer JSON has been altered; keep it readable so the chain check can point at it.
    return { id: 'unreadable', type: 'Unreadable', data: { body } } as unknown as RecordedEvent;
  }
  return upcasters.upcast(stored);
}

/** A new event at its place in a stream: the one envelope every adapter stores (the store adds the position). */
export function placed(event: NewEvent, streamId: string, streamVersion: number): Omit<RecordedEvent, 'position'> {
  return {
    id: event.id,
    type: event.type,
    schemaVersion: event.schemaVersion,
    streamId,
    streamVersion,
    tenantId: event.tenantId,
    occurredAt: event.occurredAt,
    actor: event.actor,
    causationId: event.causationId,
    correlationId: event.correlationId,
    data: event.data,
  };
}
