// Longer than 300 lines on purpose: one adapter of the EventStream port. Re-threading partitions into commit order,
// filling gaps from the store and de-duplicating share one subscriber's state, so they stay in one class.
import { Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import { RecordedEvent } from '@mandate/core';
import { BatchHandler, EventStore, Subscription } from '../event-store';
import { EventStream } from '../event-stream';
import { backoff, delay, isTransient, sendDeadLetter, SESSION_TIMEOUT_MS } from './dead-letters';
import { MandateTopics, readEventMessage } from './topics';

export interface StreamLog {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface KafkaEventStreamOptions {
  kafka: Kafka;
  /** Sends dead letters. */
  producer: Producer;
  topics: MandateTopics;
  /** Consumer groups are `<prefix><service>.<subscriber>`: one group per service and subscriber. */
  groupPrefix: string;
  /** The truth, read to catch up at start and to fill what the topic has not brought (see OrderedSubscription). */
  store: EventStore;
  log: StreamLog;
  /** A held event waits this long for the one before it before the store is asked for it. */
  gapFillAfterMs?: number;
  /** With nothing held, how often the store's head is compared with what was delivered. */
  headProbeMs?: number;
  /** Non-transient failures of one event before it goes to the dead letters. */
  maxAttempts?: number;
}

export interface DeliveryStats {
  fromKafka: number;
  fromStore: number;
  duplicatesDropped: number;
  deadLettered: number;
}

/**
 * The shared stream on Apache Kafka. A subscriber gets every committed event once, in the store's commit order, like
 * the in-process stream: the events topic is partitioned by mission, and each message names the position before it,
 * so the subscriber re-threads the partitions into one order and drops what it has already seen.
 */
export class KafkaEventStream implements EventStream {
  private readonly subscriptions = new Set<OrderedSubscription>();

  constructor(private readonly options: KafkaEventStreamOptions) {}

  subscribe(name: string, afterPosition: number, handle: BatchHandler): Subscription & { stats: DeliveryStats; joined: Promise<void> } {
    const subscription = new OrderedSubscription(name, afterPosition, handle, this.options);
    this.subscriptions.add(subscription);
    subscription.start();
    return {
      stats: subscription.stats,
      joined: subscription.joined,
      stop: async () => {
        this.subscriptions.delete(subscription);
        await subscription.stop();
      },
    };
  }

  /** Totals over this process's live subscribers. */
  stats(): DeliveryStats {
    const total: DeliveryStats = { fromKafka: 0, fromStore: 0, duplicatesDropped: 0, deadLettered: 0 };
    for (const s of this.subscriptions) for (const key of Object.keys(total) as Array<keyof DeliveryStats>) total[key] += s.stats[key];
    return total;
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    this.subscriptions.clear();
  }
}

interface Held {
  event: RecordedEvent;
  since: number;
}

const PAGE = 500;
/** How far before its start a new subscriber's group begins on the topic: more than the relay's usual lag. */
const NEW_GROUP_LOOKBACK_MS = 10_000;
const PAUSE_ABOVE = 20_000;
const RESUME_BELOW = 2_000;

/**
 * Delivery in global order from a partitioned topic:
 * - an event whose previous position is the last one accepted is queued for the handler at once; others are held;
 * - a held event that waits longer than `gapFillAfterMs`, or a store head that moves while the topic brings nothing
 *   (a broker away, a consumer group still joining), is filled from the store, which is the truth: Kafka carries the
 *   fan-out, it is never the only copy;
 * - offsets are committed only for messages whose events the handler has finished with (at least once), and a
 *   redelivered or republished event is dropped by position (so each is handled once);
 * - an event the handler keeps failing on, for reasons other than an unreachable store or broker, goes to the dead
 *   letters with the error after `maxAttempts`, and the subscriber moves on.
 */
class OrderedSubscription {
  readonly stats: DeliveryStats = { fromKafka: 0, fromStore: 0, duplicatesDropped: 0, deadLettered: 0 };
  private accepted: number;
  private handled: number;
  private readonly held = new Map<number, Held>();
  /** Per partition, messages in offset order with the position each carried (-1: nothing to wait for). */
  private readonly uncommitted = new Map<number, Array<{ offset: string; position: number }>>();
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;
  private consumer: Consumer | null = null;
  private paused = false;
  private stopped = false;
  private filling = false;
  private probe: NodeJS.Timeout | null = null;
  private lastProbe = { accepted: -1, at: 0 };
  private committing = false;
  private readonly gapFillAfterMs: number;
  private readonly headProbeMs: number;
  private readonly maxAttempts: number;
  private readonly startedAt = Date.now();
  private markJoined!: () => void;
  /** Resolves when the consumer group has given this subscriber its partitions: from then on events come by Kafka. */
  readonly joined = new Promise<void>((resolve) => (this.markJoined = resolve));

  constructor(
    private readonly name: string,
    afterPosition: number,
    private readonly handle: BatchHandler,
    private readonly options: KafkaEventStreamOptions,
  ) {
    this.accepted = afterPosition;
    this.handled = afterPosition;
    this.gapFillAfterMs = options.gapFillAfterMs ?? 300;
    this.headProbeMs = options.headProbeMs ?? 1000;
    this.maxAttempts = options.maxAttempts ?? 5;
  }

  private running: Promise<void> = Promise.resolve();

  start(): void {
    this.running = this.run().catch((error) => this.options.log.error(`subscriber ${this.name} stopped: ${(error as Error).stack ?? error}`));
  }

  private async run(): Promise<void> {
    // History comes from the store, page by page, before the topic is joined.
    while (!this.stopped && (await this.fillFromStore()) > 0) await this.chain;
    if (this.stopped) return;
    this.probe = setInterval(() => void this.check(), Math.min(this.gapFillAfterMs, this.headProbeMs) / 2);
    this.probe.unref();
    await this.connect();
  }

  private newConsumer(groupId: string): Consumer {
    const consumer = this.options.kafka.consumer({
      groupId,
      allowAutoTopicCreation: false,
      // A restarted process rejoins quickly; a killed one is noticed after this (the store fills the gap meanwhile).
      sessionTimeout: SESSION_TIMEOUT_MS,
      heartbeatInterval: 500,
      maxWaitTimeInMs: 500,
    });
    consumer.on(consumer.events.GROUP_JOIN, () => this.markJoined());
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (this.stopped || consumer !== this.consumer) return;
      // kafkajs restarts its consumer after a transient failure on its own. After any other it stops for good, and
      // the store alone would bring events from then on: this subscriber joins again with a fresh consumer instead.
      const restart = payload.restart;
      this.options.log.warn(`subscriber ${this.name}: the Kafka consumer failed (${payload.error.name}: ${payload.error.message}); ${restart ? 'kafkajs restarts it' : 'joining again'}`);
      if (!restart) this.running = this.running.then(() => this.connect()).catch((error) => this.options.log.error(`subscriber ${this.name} stopped: ${(error as Error).stack ?? error}`));
    });
    return consumer;
  }

  private async connect(): Promise<void> {
    const groupId = `${this.options.groupPrefix}${this.name}`;
    await this.consumer?.disconnect().catch(() => undefined);
    const consumer = this.newConsumer(groupId);
    this.consumer = consumer;
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        const start = await this.newGroupStart(groupId);
        await consumer.connect();
        await consumer.subscribe({ topic: this.options.topics.events, fromBeginning: false });
        await consumer.run({ autoCommit: false, eachBatch: (payload) => this.receive(payload) });
        for (const { partition, offset } of start) consumer.seek({ topic: this.options.topics.events, partition, offset });
        this.options.log.log(`subscriber ${this.name} joined ${this.options.topics.events} as group ${groupId} after position ${this.accepted}`);
        return;
      } catch (error) {
        if (attempt === 1 || attempt % 20 === 0) {
          this.options.log.warn(`subscriber ${this.name} cannot reach Kafka yet (${(error as Error).message}); following the store meanwhile`);
        }
        await consumer.disconnect().catch(() => undefined);
        await delay(backoff(attempt));
      }
    }
  }

  /**
   * A group with no committed offsets starts at the messages published shortly before this subscriber began reading
   * the store: neither the whole topic (everything in it is already handled) nor its end (what was published while
   * the group joined would only come later, from the store). Empty for a group that has committed offsets.
   */
  private async newGroupStart(groupId: string): Promise<Array<{ partition: number; offset: string }>> {
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      const topic = this.options.topics.events;
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      if (committed && committed.partitions.some((p) => p.offset !== '-1')) return [];
      return await admin.fetchTopicOffsetsByTimestamp(topic, this.startedAt - NEW_GROUP_LOOKBACK_MS);
    } finally {
      await admin.disconnect();
    }
  }

  private async receive({ batch }: EachBatchPayload): Promise<void> {
    const list = this.uncommitted.get(batch.partition) ?? [];
    this.uncommitted.set(batch.partition, list);
    for (const message of batch.messages) {
      if (this.stopped) return;
      let travelling;
      try {
        travelling = readEventMessage(message.value, message.headers);
      } catch (error) {
        // Not an event at all: it cannot block anything, and if it hid a real one the store fills that in.
        list.push({ offset: message.offset, position: -1 });
        await this.deadLetter(batch.partition, message.offset, message.key, message.value, error, 1);
        continue;
      }
      const { event, previous } = travelling;
      list.push({ offset: message.offset, position: event.position });
      if (event.position <= this.accepted) {
        this.stats.duplicatesDropped++;
        continue;
      }
      this.held.set(previous, { event, since: Date.now() });
    }
    this.drainHeld();
    this.applyBackpressure();
  }

  /** Queues every held event that now follows on from the last accepted one. */
  private drainHeld(): void {
    const ready: RecordedEvent[] = [];
    for (let next = this.held.get(this.accepted); next; next = this.held.get(this.accepted)) {
      this.held.delete(this.accepted);
      ready.push(next.event);
      this.accepted = next.event.position;
    }
    if (ready.length > 0) {
      this.stats.fromKafka += ready.length;
      this.enqueue(ready);
    }
  }

  private enqueue(events: RecordedEvent[]): void {
    this.queued += events.length;
    this.chain = this.chain.then(() => this.deliver(events));
  }

  /** Reads a page from the store after the last accepted position; returns how many events came. */
  private async fillFromStore(): Promise<number> {
    if (this.filling) return 0;
    this.filling = true;
    try {
      const page = await this.options.store.readAll(this.accepted, PAGE);
      if (page.length === 0 || this.stopped) return 0;
      this.accepted = page[page.length - 1].position;
      this.stats.fromStore += page.length;
      this.enqueue(page);
      // Whatever was held and is now behind is a copy of something just read.
      for (const [previous, held] of this.held) if (held.event.position <= this.accepted) this.held.delete(previous);
      this.drainHeld();
      return page.length;
    } catch (error) {
      if (!isTransient(error)) throw error;
      return 0;
    } finally {
      this.filling = false;
    }
  }

  private async check(): Promise<void> {
    if (this.stopped || this.filling || this.queued > PAUSE_ABOVE) return;
    const now = Date.now();
    let oldestHeld = Infinity;
    for (const held of this.held.values()) oldestHeld = Math.min(oldestHeld, held.since);
    if (now - oldestHeld >= this.gapFillAfterMs) {
      const filled = await this.fillFromStore();
      if (filled > 0) this.options.log.warn(`subscriber ${this.name}: ${filled} events were missing from the topic; read them from the store`);
      return;
    }
    if (this.held.size > 0 || now - this.lastProbe.at < this.headProbeMs) return;
    const stalled = this.lastProbe.accepted === this.accepted;
    this.lastProbe = { accepted: this.accepted, at: now };
    if (!stalled) return;
    let head: number;
    try {
      head = await this.options.store.headPosition();
    } catch {
      return;
    }
    if (head > this.accepted) {
      const filled = await this.fillFromStore();
      if (filled > 0) this.options.log.warn(`subscriber ${this.name}: the topic brought nothing for ${this.headProbeMs} ms while the store moved on; read ${filled} events from the store`);
    }
  }

  private async deliver(events: RecordedEvent[]): Promise<void> {
    try {
      if (this.stopped) return;
      await this.handleWithRetries(events);
      this.handled = events[events.length - 1].position;
      void this.commit();
    } finally {
      this.queued -= events.length;
      this.applyBackpressure();
    }
  }

  private async handleWithRetries(events: RecordedEvent[]): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        await this.handle(events);
        return;
      } catch (error) {
        if (this.stopped) return;
        if (isTransient(error)) {
          if (attempt === 1 || attempt % 20 === 0) this.options.log.warn(`subscriber ${this.name} waits: ${(error as Error).message}`);
          await delay(backoff(attempt));
          continue;
        }
        if (events.length > 1) {
          // Find the one that fails: the others are handled on their own.
          for (const event of events) await this.handleWithRetries([event]);
          return;
        }
        if (attempt >= this.maxAttempts) {
          const [event] = events;
          this.options.log.error(`subscriber ${this.name} gives up on event ${event.id} at position ${event.position} after ${attempt} attempts: ${(error as Error).message}`);
          await this.deadLetter(-1, String(event.position), null, Buffer.from(JSON.stringify(event)), error, attempt);
          return;
        }
        await delay(backoff(attempt));
      }
    }
  }

  private async deadLetter(partition: number, offset: string, key: Buffer | null, value: Buffer | null, error: unknown, attempts: number): Promise<void> {
    this.stats.deadLettered++;
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        await sendDeadLetter(this.options.producer, this.options.topics.deadLetters, {
          topic: this.options.topics.events,
          partition,
          offset,
          key: key?.toString('utf8') ?? null,
          value: value?.toString('utf8') ?? null,
          subscriber: this.name,
          error: (error as Error)?.message ?? String(error),
          attempts,
        });
        return;
      } catch (sendError) {
        if (attempt === 1) this.options.log.warn(`subscriber ${this.name} cannot write a dead letter yet: ${(sendError as Error).message}`);
        await delay(backoff(attempt));
      }
    }
  }

  /** Commits, per partition, the offset after the last message whose event has been handled. */
  private async commit(): Promise<void> {
    if (this.committing || !this.consumer) return;
    this.committing = true;
    try {
      const offsets: Array<{ topic: string; partition: number; offset: string }> = [];
      for (const [partition, list] of this.uncommitted) {
        let done = 0;
        while (done < list.length && list[done].position <= this.handled) done++;
        if (done === 0) continue;
        offsets.push({ topic: this.options.topics.events, partition, offset: (BigInt(list[done - 1].offset) + 1n).toString() });
        list.splice(0, done);
      }
      if (offsets.length > 0) await this.consumer.commitOffsets(offsets);
    } catch {
      // A commit that did not land means some messages come again; they are dropped by position.
    } finally {
      this.committing = false;
    }
  }

  private applyBackpressure(): void {
    if (!this.consumer) return;
    const load = this.queued + this.held.size;
    const topics = [{ topic: this.options.topics.events }];
    if (!this.paused && load > PAUSE_ABOVE) {
      this.paused = true;
      this.consumer.pause(topics);
    } else if (this.paused && load < RESUME_BELOW) {
      this.paused = false;
      this.consumer.resume(topics);
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.probe) clearInterval(this.probe);
    // A start still under way (catching up, joining) finishes first, so no consumer is left connected behind us.
    await this.running;
    await this.commit();
    // Leaving the group lets a restarted process take the partitions at once instead of after the session timeout.
    await this.consumer?.disconnect().catch(() => undefined);
  }
}
