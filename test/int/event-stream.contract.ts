import { RecordedEvent } from '@mandate/core';
import { EventStore, EventStream, Subscription } from '@mandate/event-store';
import { newEvent } from './event-store.contract';

export interface StreamUnderTest {
  store: EventStore;
  stream: EventStream;
  /** The process goes away and comes back: the store keeps its data, everything else starts afresh. */
  restart(): Promise<void>;
  cleanup(): Promise<void>;
}

/** A subscriber that keeps its checkpoint after handling, as every Mandate projection does. */
export class CheckpointedSubscriber {
  seen: RecordedEvent[] = [];
  checkpoint: number;
  private waiters: Array<{ until: (seen: RecordedEvent[]) => boolean; wake: () => void }> = [];

  constructor(from = 0, private readonly onBatch: (batch: RecordedEvent[]) => void = () => undefined) {
    this.checkpoint = from;
  }

  handle = (batch: RecordedEvent[]) => {
    this.onBatch(batch);
    this.seen.push(...batch);
    this.checkpoint = batch[batch.length - 1].position;
    this.waiters = this.waiters.filter((w) => (w.until(this.seen) ? (w.wake(), false) : true));
  };

  until(predicate: (seen: RecordedEvent[]) => boolean): Promise<void> {
    if (predicate(this.seen)) return Promise.resolve();
    return new Promise((wake) => this.waiters.push({ until: predicate, wake }));
  }

  count(n: number): Promise<void> {
    return this.until((seen) => seen.length >= n);
  }
}

export const positionsOf = (events: RecordedEvent[]) => events.map((e) => e.position);

/** Appends `n` events spread over `missions` mission streams, interleaved, one append per event. */
export async function appendAcrossMissions(store: EventStore, n: number, missions: number, tag: string): Promise<number> {
  let last = 0;
  for (let i = 0; i < n; i++) last = (await store.append(`mission-${tag}-${i % missions}`, [newEvent('ten_a', { i, tag })], 'any')).position;
  return last;
}

/** The contract every EventStream adapter passes: the in-process stream and the one on Kafka. */
export function eventStreamContract(name: string, open: () => Promise<StreamUnderTest>): void {
  describe(`EventStream contract: ${name}`, () => {
    let subject: StreamUnderTest;
    const subscriptions: Subscription[] = [];
    const subscribe = (stream: EventStream, subscriber: string, s: CheckpointedSubscriber) => {
      const subscription = stream.subscribe(subscriber, s.checkpoint, s.handle);
      subscriptions.push(subscription);
      return subscription;
    };

    beforeEach(async () => {
      subject = await open();
    });
    afterEach(async () => {
      await Promise.all(subscriptions.splice(0).map((s) => s.stop()));
      await subject.cleanup();
    });

    it('given history and live commits across many missions, when a subscriber starts from 0, then it gets every event once, in commit order', async () => {
      await appendAcrossMissions(subject.store, 60, 12, 'before');
      const subscriber = new CheckpointedSubscriber();
      subscribe(subject.stream, 'contract', subscriber);
      const head = await appendAcrossMissions(subject.store, 120, 24, 'live');
      await subscriber.until((seen) => seen.length > 0 && seen[seen.length - 1].position >= head);
      expect(positionsOf(subscriber.seen)).toEqual((await subject.store.readAll(0, 1000)).map((e) => e.position));
      expect(subscriber.seen).toHaveLength(180);
    });

    it('given two subscribers with different names, then each gets everything on its own', async () => {
      const a = new CheckpointedSubscriber();
      const b = new CheckpointedSubscriber();
      subscribe(subject.stream, 'first', a);
      subscribe(subject.stream, 'second', b);
      await appendAcrossMissions(subject.store, 40, 8, 'both');
      await Promise.all([a.count(40), b.count(40)]);
      expect(positionsOf(a.seen)).toEqual(positionsOf(b.seen));
    });

    it('given a subscriber that stopped with its checkpoint, when the process restarts, then it resumes with nothing missed or repeated', async () => {
      const first = new CheckpointedSubscriber();
      const subscription = subscribe(subject.stream, 'resuming', first);
      await appendAcrossMissions(subject.store, 20, 5, 'one');
      await first.count(20);
      await subscription.stop();
      // Written while nobody listened, then the process goes away.
      await appendAcrossMissions(subject.store, 6, 3, 'late');
      await subject.restart();

      const resumed = new CheckpointedSubscriber(first.checkpoint);
      subscribe(subject.stream, 'resuming', resumed);
      await appendAcrossMissions(subject.store, 4, 2, 'after');
      await resumed.count(10);
      const all = [...first.seen, ...resumed.seen];
      expect(positionsOf(all)).toEqual((await subject.store.readAll(0, 100)).map((e) => e.position));
      expect(resumed.seen.map((e) => (e.data as { tag: string }).tag)).toEqual([...Array(6).fill('late'), ...Array(4).fill('after')]);
    });
  });
}
