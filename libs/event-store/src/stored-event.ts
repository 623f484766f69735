import { RecordedEvent } from '@mandate/core';
import { AppendResult, StreamAppend } from './event-store';

/** An append or appendMany waiting for its store's next group commit: its parts are stored together or not at all. */
export interface PendingAppend {
  parts: StreamAppend[];
  resolve(results: AppendResult[]): void;
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
