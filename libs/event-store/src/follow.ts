import { RecordedEvent } from '@mandate/core';
import { BatchHandler, StoreUnavailable, Subscription } from './event-store';

const RETRY_UNAVAILABLE_MAX_MS = 1000;

/**
 * Catch-up then live, by pulling: read a page after the checkpoint, hand it over, repeat; when caught up, wait for
 * the next commit signal. Pulling from the store (instead of pushing the appended events) keeps order and leaves no
 * gap between the catch-up and the live phase. A store that cannot be reached is waited for (a follower outlives a
 * database restart); a handler that throws ends the subscription.
 */
export function follow(
  readPage: (afterPosition: number, limit: number) => Promise<RecordedEvent[]>,
  nextCommit: () => Promise<void>,
  afterPosition: number,
  handle: BatchHandler,
  batchSize: number,
  onError: (error: unknown) => void,
): Subscription {
  let stopped = false;
  let position = afterPosition;
  let backoff = 50;
  void (async () => {
    while (!stopped) {
      const signal = nextCommit();
      let page: RecordedEvent[];
      try {
        page = await readPage(position, batchSize);
        backoff = 50;
      } catch (error) {
        if (!(error instanceof StoreUnavailable)) throw error;
        await new Promise((resolve) => setTimeout(resolve, backoff));
        backoff = Math.min(backoff * 2, RETRY_UNAVAILABLE_MAX_MS);
        continue;
      }
      if (stopped) return;
      if (page.length === 0) {
        await signal;
        continue;
      }
      await handle(page);
      position = page[page.length - 1].position;
    }
  })().catch((error) => {
    stopped = true;
    onError(error);
  });
  return {
    // A page being handled finishes; nothing is delivered after stop() returns, and a waiting loop ends with the store.
    async stop() {
      stopped = true;
    },
  };
}
