import { Producer } from 'kafkajs';
import { RecordedEvent } from '@mandate/core';
import { EventStore, Subscription } from '../event-store';
import { eventMessage, MandateTopics } from './topics';

/** The right to relay, held by one process at a time, and the position it has published up to. */
export interface RelayLease {
  /** Last position published and acknowledged by Kafka. */
  readonly position: number;
  save(position: number): Promise<void>;
  /** Settles when another process may have taken over (the lease's connection ended): stop publishing. */
  readonly lost: Promise<void>;
  release(): Promise<void>;
}

export interface RelayCheckpoint {
  /** Resolves when this process holds the lease; waits while another one does. */
  lease(): Promise<RelayLease>;
}

/** More messages for one committed event, beside the events topic (the compacted revocations, for example). */
export type ExtraMessages = (event: RecordedEvent) => Array<{ topic: string; key: string; value: string }>;

export interface RelayLog {
  log(message: string): void;
  warn(message: string): void;
}

const MAX_BACKOFF_MS = 2000;

/**
 * Store → Kafka. Follows the store's commit order from the leased position, publishes each page to the events topic
 * (keyed by mission) and only then saves the position: a crash in between republishes a page, and consumers drop what
 * they already have by position, so each event is seen once. While the broker is away the page is retried; the store
 * keeps accepting writes and the relay catches up when the broker is back.
 */
export class EventRelay {
  private stopped = false;
  private requestStop!: () => void;
  private readonly stopSignal = new Promise<void>((resolve) => (this.requestStop = resolve));
  private wake: (() => void) | null = null;
  private published = 0;
  private running: Promise<void> | null = null;
  private publishedListeners = new Set<(position: number) => void>();

  constructor(
    private readonly store: EventStore,
    private readonly producer: Producer,
    private readonly topics: MandateTopics,
    private readonly checkpoint: RelayCheckpoint,
    private readonly log: RelayLog,
    private readonly extra: ExtraMessages = () => [],
  ) {}

  start(): void {
    this.running ??= this.run();
  }

  /** Position of the last event Kafka acknowledged (0 until this process holds the lease). */
  get publishedPosition(): number {
    return this.published;
  }

  onPublished(listener: (position: number) => void): () => void {
    this.publishedListeners.add(listener);
    return () => this.publishedListeners.delete(listener);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.requestStop();
    this.wake?.();
    await this.running;
  }

  private async run(): Promise<void> {
    let backoff = 100;
    while (!this.stopped) {
      let lease: RelayLease;
      try {
        lease = await Promise.race([this.checkpoint.lease(), this.stopSignal.then(() => null)]) as RelayLease;
        if (!lease) return;
      } catch (error) {
        this.log.warn(`relay cannot take its lease yet: ${(error as Error).message}`);
        await this.pause(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        continue;
      }
      backoff = 100;
      this.log.log(`relaying to ${this.topics.events} from position ${lease.position}`);
      let lost = false;
      void lease.lost.then(() => {
        lost = true;
        this.wake?.();
      });
      let previous = lease.position;
      const subscription: Subscription = this.store.subscribe(
        lease.position,
        async (events) => {
          if (lost || this.stopped) throw new RelayInterrupted();
          await this.publish(events, previous, () => lost || this.stopped);
          previous = events[events.length - 1].position;
          await lease.save(previous);
          this.published = previous;
          this.publishedListeners.forEach((listener) => listener(previous));
        },
        { batchSize: 500 },
      );
      await Promise.race([lease.lost, this.stopSignal]);
      await subscription.stop();
      await lease.release().catch(() => undefined);
      if (!this.stopped) this.log.warn('relay lease lost; waiting to take it again');
    }
  }

  /** Publishes one page; retries for as long as the broker is away, unless the relay is told to stop. */
  private async publish(events: RecordedEvent[], previous: number, interrupted: () => boolean): Promise<void> {
    const messages = events.map((event, i) => eventMessage(event, i === 0 ? previous : events[i - 1].position));
    const extra = events.flatMap(this.extra);
    const byTopic = new Map<string, Array<{ key: string; value: string; headers?: Record<string, string> }>>([[this.topics.events, messages]]);
    for (const m of extra) {
      if (!byTopic.has(m.topic)) byTopic.set(m.topic, []);
      byTopic.get(m.topic)!.push({ key: m.key, value: m.value });
    }
    const topicMessages = [...byTopic].map(([topic, list]) => ({ topic, messages: list }));
    let backoff = 100;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.producer.sendBatch({ topicMessages, acks: -1 });
        if (attempt > 1) this.log.log(`relay published positions ${events[0].position}..${events[events.length - 1].position} after ${attempt} attempts`);
        return;
      } catch (error) {
        if (interrupted()) throw new RelayInterrupted();
        if (attempt === 1 || attempt % 20 === 0) {
          this.log.warn(`relay cannot publish to Kafka (attempt ${attempt}): ${(error as Error).message}; writes are kept in the store and will follow`);
        }
        await this.pause(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => ((this.wake = null), resolve()), ms);
      this.wake = () => (clearTimeout(timer), (this.wake = null), resolve());
    });
  }
}

/** Thrown out of the subscription handler to end it when the lease is lost or the relay stops. */
class RelayInterrupted extends Error {
  constructor() {
    super('relay interrupted');
  }
}
