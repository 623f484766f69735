import { RecordedEvent } from '@mandate/core';
import { BatchHandler, Subscription } from './event-store';

/**
 * Catch-up then live, by pulling: read a page after the checkpoint, hand it over, repeat; when caught up, wait for
 * the next commit signal. Pulling from the store (instead of pushing the appended events) keeps order and leaves no
 * gap between the catch-up and the live phase.
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
  void (async () => {
    while (!stopped) {
      const signal = nextCommit();
      const page = await readPage(position, batchSize);
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
