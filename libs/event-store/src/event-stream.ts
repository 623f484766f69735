import { BatchHandler, EventStore, Subscription } from './event-store';

/**
 * Fan-out of committed events, in commit order. Subscribers own their checkpoint and pass it in, so a restart
 * resumes where durable handling stopped; delivery is at least once, handlers dedupe by position.
 */
export interface EventStream {
  subscribe(name: string, afterPosition: number, handle: BatchHandler): Subscription;
}

/** The embedded stream: followers of the store's own commit order inside this process. */
export class InProcessEventStream implements EventStream {
  constructor(private readonly store: EventStore) {}

  subscribe(_name: string, afterPosition: number, handle: BatchHandler): Subscription {
    return this.store.subscribe(afterPosition, handle);
  }
}
