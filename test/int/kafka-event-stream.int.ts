import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Kafka, Producer } from 'kafkajs';
import { RecordedEvent } from '@mandate/core';
import {
  CommandConsumer,
  ensureTopics,
  EventRelay,
  FileRelayCheckpoint,
  HEADER,
  KafkaEventStream,
  KafkaSettings,
  MandateTopics,
  orderedProducer,
  SqliteEventStore,
  StoreUnavailable,
} from '@mandate/event-store';
import { newEvent } from './event-store.contract';
import { appendAcrossMissions, CheckpointedSubscriber, eventStreamContract, positionsOf } from './event-stream.contract';
import { header, isolatedKafka, kafkaClient, quietLog, readTopic } from './support/kafka';

/** One process of distributed Mandate as far as the stream goes: a store, its relay to Kafka, and the Kafka stream. */
class KafkaRig {
  store!: SqliteEventStore;
  relay!: EventRelay;
  stream!: KafkaEventStream;
  producer!: Producer;
  readonly kafka: Kafka;
  topics!: MandateTopics;
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mandate-kafka-'));

  constructor(readonly settings: KafkaSettings = isolatedKafka(), private readonly streamOptions: { maxAttempts?: number } = {}) {
    this.kafka = kafkaClient(settings);
  }

  get relayCheckpoint(): string {
    return path.join(this.dir, 'relay.checkpoint');
  }

  async start(): Promise<this> {
    this.topics = await ensureTopics(this.kafka, this.settings);
    this.store = new SqliteEventStore({ file: path.join(this.dir, 'events.db') });
    this.producer = orderedProducer(this.kafka);
    await this.producer.connect();
    const revocations = (event: RecordedEvent) =>
      event.type === 'PassportRevoked' ? [{ topic: this.topics.revocations, key: (event.data as { jti: string }).jti, value: JSON.stringify(event.data) }] : [];
    this.relay = new EventRelay(this.store, this.producer, this.topics, new FileRelayCheckpoint(this.relayCheckpoint), quietLog, revocations);
    this.relay.start();
    this.stream = new KafkaEventStream({ kafka: this.kafka, producer: this.producer, topics: this.topics, groupPrefix: `${this.settings.topicPrefix}test.`, store: this.store, log: quietLog, ...this.streamOptions });
    return this;
  }

  async stop(): Promise<void> {
    await this.stream.close();
    await this.relay.stop();
    await this.producer.disconnect();
    await this.store.close();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async cleanup(): Promise<void> {
    await this.stop();
    const admin = this.kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: Object.values(this.topics) }).catch(() => undefined);
    await admin.disconnect();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

eventStreamContract('Kafka', async () => {
  const rig = await new KafkaRig().start();
  return {
    get store() {
      return rig.store;
    },
    get stream() {
      return rig.stream;
    },
    restart: () => rig.restart(),
    cleanup: () => rig.cleanup(),
  };
});

describe('the Kafka stream and relay', () => {
  let rig: KafkaRig;
  afterEach(() => rig.cleanup());

  it('given a subscriber that has caught up, when events are committed, then they reach it through the topic, not the store', async () => {
    rig = await new KafkaRig().start();
    await appendAcrossMissions(rig.store, 10, 3, 'history');
    const subscriber = new CheckpointedSubscriber();
    const subscription = rig.stream.subscribe('live', 0, subscriber.handle);
    await subscriber.count(10);
    await subscription.joined;
    await appendAcrossMissions(rig.store, 50, 10, 'live');
    await subscriber.count(60);
    expect(subscription.stats).toMatchObject({ fromStore: 10, fromKafka: 50, deadLettered: 0 });
    expect(positionsOf(subscriber.seen)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    await subscription.stop();
  });

  it('given committed events, then each is on the events topic once, keyed by mission, in commit order within each mission', async () => {
    rig = await new KafkaRig().start();
    await appendAcrossMissions(rig.store, 200, 17, 'm');
    const messages = await readTopic(rig.kafka, rig.topics.events, (m) => m.length >= 200);
    expect(messages).toHaveLength(200);
    const byKey = new Map<string, number[]>();
    for (const m of messages) {
      const key = m.key!.toString();
      expect(JSON.parse(m.value!.toString()).streamId).toBe(`mission-${key}`);
      byKey.set(key, [...(byKey.get(key) ?? []), Number(header(m, HEADER.position))]);
    }
    expect(byKey.size).toBe(17);
    for (const positions of byKey.values()) expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(messages.map((m) => Number(header(m, HEADER.position))).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });

  it('given a relay that crashed after publishing but before saving its position, when it restarts, then consumers see each event once', async () => {
    rig = await new KafkaRig().start();
    const subscriber = new CheckpointedSubscriber();
    const subscription = rig.stream.subscribe('dedupe', 0, subscriber.handle);
    await appendAcrossMissions(rig.store, 30, 6, 'first');
    await subscriber.count(30);
    // The crash: the relay's saved position goes back to 0, so it publishes all 30 again.
    await rig.relay.stop();
    fs.writeFileSync(rig.relayCheckpoint, '0');
    rig.relay = new EventRelay(rig.store, rig.producer, rig.topics, new FileRelayCheckpoint(rig.relayCheckpoint), quietLog);
    rig.relay.start();
    await appendAcrossMissions(rig.store, 5, 5, 'after');
    await subscriber.count(35);
    await new Promise<void>((resolve) => {
      const check = setInterval(() => subscription.stats.duplicatesDropped >= 30 && (clearInterval(check), resolve()), 20);
    });
    expect(positionsOf(subscriber.seen)).toEqual(Array.from({ length: 35 }, (_, i) => i + 1));
    const copies = await readTopic(rig.kafka, rig.topics.events, (m) => m.length >= 65);
    expect(copies).toHaveLength(65);
    await subscription.stop();
  });

  it('given a passport revocation, then it is on the compacted revocations topic keyed by jti', async () => {
    rig = await new KafkaRig().start();
    await rig.store.append('mission-m1', [newEvent('ten_a', { jti: 'pp_1', missionId: 'm1', reason: 'drift' }, 'PassportRevoked')], 0);
    const [message] = await readTopic(rig.kafka, rig.topics.revocations, (m) => m.length >= 1);
    expect(message.key!.toString()).toBe('pp_1');
    expect(JSON.parse(message.value!.toString())).toMatchObject({ jti: 'pp_1', reason: 'drift' });
    const admin = rig.kafka.admin();
    await admin.connect();
    const described = await admin.describeConfigs({ resources: [{ type: 2, name: rig.topics.revocations, configNames: ['cleanup.policy'] }], includeSynonyms: false });
    await admin.disconnect();
    expect(described.resources[0].configEntries[0].configValue).toBe('compact');
  });

  it('given a malformed message on the events topic, then it goes to the dead letters with the error and the events after it still arrive', async () => {
    rig = await new KafkaRig().start();
    const subscriber = new CheckpointedSubscriber();
    const subscription = rig.stream.subscribe('poison', 0, subscriber.handle);
    await appendAcrossMissions(rig.store, 3, 3, 'before');
    await subscriber.count(3);
    await rig.producer.send({ topic: rig.topics.events, messages: [{ key: 'm', value: '{"not": "an event"' }] });
    await appendAcrossMissions(rig.store, 3, 3, 'after');
    await subscriber.count(6);
    const [letter] = await readTopic(rig.kafka, rig.topics.deadLetters, (m) => m.length >= 1);
    expect(letter.value!.toString()).toBe('{"not": "an event"');
    expect(header(letter, 'mandate-dlq-subscriber')).toBe('poison');
    expect(header(letter, 'mandate-dlq-error')).toMatch(/previous-position/);
    expect(positionsOf(subscriber.seen)).toEqual([1, 2, 3, 4, 5, 6]);
    await subscription.stop();
  });

  it('given a handler that keeps failing on one event, then that event goes to the dead letters after the last attempt and the rest are handled', async () => {
    rig = await new KafkaRig(isolatedKafka(), { maxAttempts: 3 }).start();
    const attempts: number[] = [];
    const subscriber = new CheckpointedSubscriber(0, (batch) => {
      const bad = batch.find((e) => (e.data as { i: number }).i === 2);
      if (bad) {
        attempts.push(bad.position);
        throw new Error('cannot handle this one');
      }
    });
    const subscription = rig.stream.subscribe('failing', 0, subscriber.handle);
    await appendAcrossMissions(rig.store, 5, 5, 'x');
    await subscriber.count(4);
    const [letter] = await readTopic(rig.kafka, rig.topics.deadLetters, (m) => m.length >= 1);
    expect(header(letter, 'mandate-dlq-error')).toBe('cannot handle this one');
    expect(header(letter, 'mandate-dlq-attempts')).toBe('3');
    expect(JSON.parse(letter.value!.toString()).position).toBe(3);
    expect(positionsOf(subscriber.seen)).toEqual([1, 2, 4, 5]);
    expect(subscription.stats.deadLettered).toBe(1);
    await subscription.stop();
  });
});

describe('commands on Kafka', () => {
  let rig: KafkaRig;
  afterEach(() => rig.cleanup());

  it('given good, malformed, failing and briefly unavailable commands, then good ones are handled once each, bad ones are dead-lettered and the unavailable one is retried', async () => {
    rig = await new KafkaRig().start();
    const handled: string[] = [];
    let unavailableOnce = true;
    const consumer = new CommandConsumer<{ id: string }>({
      kafka: rig.kafka,
      producer: rig.producer,
      topic: rig.topics.revokeCommands,
      deadLetters: rig.topics.deadLetters,
      groupId: `${rig.settings.topicPrefix}passport.revoke`,
      log: quietLog,
      maxAttempts: 2,
      parse: (value) => {
        const command = JSON.parse(value!.toString());
        if (typeof command.id !== 'string') throw new Error('command has no id');
        return command;
      },
      handle: async (command) => {
        if (command.id === 'fails') throw new Error('always fails');
        if (command.id === 'flaky' && unavailableOnce) {
          unavailableOnce = false;
          throw new StoreUnavailable('connection refused');
        }
        handled.push(command.id);
      },
    });
    await rig.producer.send({
      topic: rig.topics.revokeCommands,
      messages: ['a', 'fails', 'flaky', 'b'].map((id) => ({ key: 'k', value: JSON.stringify({ id }) })).concat([{ key: 'k', value: 'not json' }]),
    });
    await consumer.start();
    const letters = await readTopic(rig.kafka, rig.topics.deadLetters, (m) => m.length >= 2);
    await new Promise<void>((resolve) => {
      const check = setInterval(() => handled.length >= 3 && (clearInterval(check), resolve()), 20);
    });
    await consumer.stop();
    expect(handled).toEqual(['a', 'flaky', 'b']);
    expect(letters.map((l) => header(l, 'mandate-dlq-error'))).toEqual(['always fails', expect.stringMatching(/JSON/)]);
    expect(letters.map((l) => header(l, 'mandate-dlq-attempts'))).toEqual(['2', '1']);
  });
});
