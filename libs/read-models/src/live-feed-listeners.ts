import type { LiveFeeds } from './projection';

type Listener<K extends keyof LiveFeeds> = (items: LiveFeeds[K]) => void;

/**
 * The subscribers of a process's live feeds, told of each committed batch's feeds (liveFeedsOf) in commit order: what
 * the embedded storage hears from its storage thread and the distributed read models from the stream they follow.
 */
export class LiveFeedListeners {
  private readonly listeners: { [K in keyof LiveFeeds]: Set<Listener<K>> } = {
    revocations: new Set(),
    findings: new Set(),
    tenantChanges: new Set(),
    queueChanges: new Set(),
    resolutions: new Set(),
  };

  publish(feeds: LiveFeeds): void {
    this.tell('revocations', feeds.revocations);
    this.tell('findings', feeds.findings);
    this.tell('tenantChanges', feeds.tenantChanges);
    this.tell('queueChanges', feeds.queueChanges);
    this.tell('resolutions', feeds.resolutions);
  }

  /** Listens to one feed; returns the unsubscribe. */
  on<K extends keyof LiveFeeds>(feed: K, listener: Listener<K>): () => void {
    const listeners = this.listeners[feed] as Set<Listener<K>>;
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  private tell<K extends keyof LiveFeeds>(feed: K, items: LiveFeeds[K]): void {
    if (items.length > 0) (this.listeners[feed] as Set<Listener<K>>).forEach((listener) => listener(items));
  }
}
