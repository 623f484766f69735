import { NewEvent, RecordedEvent } from '@mandate/core';
import { AppendResult, ExpectedVersion } from './event-store';

/** An append waiting for its store's next group commit. */
export interface PendingAppend {
  streamId: string;
  events: NewEvent[];
  expectedVersion: ExpectedVersion;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

/** A stored body that is no longer JSON has been altered; keep it readable so the chain check can point at it. */
export function parseStoredEvent(body: string): RecordedEvent {
  try {
    return JSON.parse(body) as RecordedEvent;
  } catch {
    return { id: 'unreadable', type: 'Unreadable', data: { body } } as unknown as RecordedEvent;
  }
}
