import * as path from 'path';
import { Logger } from '@nestjs/common';
import { Kafka, Producer } from 'kafkajs';
import { RecordedEvent } from '@mandate/core';
import {
  CommandConsumer,
  ensureTopics,
  EventRelay,
  EventStore,
  EventStoreDbEventStore,
  EventStream,
  FileRelayCheckpoint,
  InProcessEventStream,
  kafkaClient,
  KafkaEventStream,
  MandateTopics,
  orderedProducer,
  KeyVerifierStore,
  PostgresEventStore,
  RelayCheckpoint,
  SecretStore,
  SqliteKeyVerifiers,
  SqliteSecretStore,
} from '@mandate/event-store';
import { ReadModelDifference, revocationView, toRevocation } from '@mandate/read-models';
import { MandateConfig } from '../config';
import { MandateStorage, RevokeCommand } from '../storage';
import { revocationOfFinding } from '../revocation';
import { ProjectedReadModels } from './projected-read-models';

const KAFKA_START_ATTEMPTS = 30;

/** Kafka's side of a process: topics, the relay (if this process may run it), producers, consumers. */
interface KafkaParts {
  kafka: Kafka;
  topics: MandateTopics;
  /** Publishes the relay's pages: idempotent, one request in flight, so each partition keeps commit order. */
  relayProducer: Producer;
  /** Revoke commands and dead letters, never queued behind a relay page. */
  producer: Producer;
  relay: EventRelay | null;
  commandConsumer: CommandConsumer<RevokeCommand> | null;
}

/**
 * Distributed mode: the store is PostgreSQL or EventStoreDB, shared by every service; the stream is Kafka (or, for
 * one process on a server store, the store's own commit order). Each process keeps its read models in a local file
 * fed by the stream.
 */
export class DistributedStorage implements MandateStorage {
  private head = 0;

  private constructor(
    private readonly config: MandateConfig,
    readonly store: EventStore,
    readonly stream: EventStream,
    readonly readModels: ProjectedReadModels,
    private readonly kafkaParts: KafkaParts | null,
    readonly keyVerifiers: KeyVerifierStore,
    readonly secretStore: SecretStore,
  ) {}

  static async open(config: MandateConfig): Promise<DistributedStorage> {
    const logger = new Logger('storage');
    const store = await openStore(config);
    let kafkaParts: KafkaParts | null = null;
    let stream: EventStream;
    if (config.stream === 'kafka') {
      kafkaParts = await startKafka(config, store, logger);
      stream = new KafkaEventStream({
        kafka: kafkaParts.kafka,
        producer: kafkaParts.producer,
        topics: kafkaParts.topics,
        groupPrefix: `${config.kafka.topicPrefix}${config.service}.`,
        store,
        log: new Logger('stream'),
      });
    } else {
      stream = new InProcessEventStream(store);
    }
    // Only the audit service (or an all-in-one process) answers audit queries: the others skip the row per event.
    const auditTrail = config.service === 'audit' || config.service === 'mandate';
    const readModels = ProjectedReadModels.open(path.join(config.dataDir, `read-models-${config.service}.db`), store, { auditTrail });
    readModels.follow(stream);
    const storage = new DistributedStorage(config, store, stream, readModels, kafkaParts, keyVerifiersOf(config, store), secretStoreOf(config, store));
    storage.head = await store.headPosition();
    kafkaParts?.relay?.onPublished((position) => (storage.head = Math.max(storage.head, position)));
    return storage;
  }

  headPosition(): number {
    return Math.max(this.head, this.readModels.position());
  }

  compareReadModels(): Promise<ReadModelDifference[]> {
    return this.readModels.compare();
  }

  async sendRevokeCommand(command: RevokeCommand, apply: (command: RevokeCommand) => Promise<void>): Promise<void> {
    if (!this.kafkaParts) return apply(command);
    await this.kafkaParts.producer.send({
      topic: this.kafkaParts.topics.revokeCommands,
      acks: -1,
      messages: [{ key: command.missionId, value: JSON.stringify(command) }],
    });
  }

  consumeRevokeCommands(apply: (command: RevokeCommand) => Promise<void>): void {
    const parts = this.kafkaParts;
    if (!parts || parts.commandConsumer) return;
    parts.commandConsumer = new CommandConsumer<RevokeCommand>({
      kafka: parts.kafka,
      producer: parts.producer,
      topic: parts.topics.revokeCommands,
      deadLetters: parts.topics.deadLetters,
      groupId: `${this.config.kafka.topicPrefix}${this.config.service}.revoke-commands`,
      log: new Logger('revoke-commands'),
      parse: parseRevokeCommand,
      handle: apply,
    });
    void parts.commandConsumer.start();
    // The finding itself is the durable copy of the order: while the command is still on its way (this service just
    // restarted and its consumer group is rejoining), the revocation is applied as soon as the read models see the
    // finding. Whichever comes first revokes; the other changes nothing.
    const logger = new Logger('revoke-commands');
    this.readModels.onSecurityEvents((findings) => {
      for (const f of findings) {
        if (!f.revoke) continue;
        const command: RevokeCommand = { ...revocationOfFinding(f), jti: f.jti };
        apply(command).catch((error) => logger.warn(`revocation for finding ${f.findingId} left to its command: ${(error as Error).message}`));
      }
    });
  }

  gauges(): Record<string, { help: string; read: () => number }> {
    const parts = this.kafkaParts;
    if (!parts) return {};
    const stream = this.stream as KafkaEventStream;
    return {
      mandate_relay_published_position: { help: 'Last store position this process relayed to the events topic (0 unless it holds the relay lease)', read: () => parts.relay?.publishedPosition ?? 0 },
      mandate_stream_events_from_kafka: { help: 'Events this process\'s subscribers took from the events topic', read: () => stream.stats().fromKafka },
      mandate_stream_events_from_store: { help: 'Events this process\'s subscribers had to read from the store', read: () => stream.stats().fromStore },
      mandate_stream_duplicates_dropped: { help: 'Events dropped because a subscriber had already seen their position', read: () => stream.stats().duplicatesDropped },
      mandate_stream_dead_lettered: { help: 'Events a subscriber could not apply, sent to the dead-letter topic', read: () => stream.stats().deadLettered },
      mandate_revoke_commands_applied: { help: 'Revoke commands this passport service applied', read: () => parts.commandConsumer?.handled ?? 0 },
      mandate_revoke_commands_dead_lettered: { help: 'Revoke commands this passport service could not apply', read: () => parts.commandConsumer?.deadLettered ?? 0 },
    };
  }

  describe(): string {
    const stream = this.kafkaParts
      ? `Kafka ${this.config.kafka.brokers.join(',')} (topics ${this.kafkaParts.topics.events}…, relay ${this.kafkaParts.relay ? 'eligible' : 'off'})`
      : 'the store\'s own commit order';
    return `${this.config.store} store, stream on ${stream}`;
  }

  async close(): Promise<void> {
    await this.readModels.close();
    const parts = this.kafkaParts;
    if (parts) {
      await parts.commandConsumer?.stop();
      await (this.stream as KafkaEventStream).close();
      await parts.relay?.stop();
      await parts.relayProducer.disconnect().catch(() => undefined);
      await parts.producer.disconnect().catch(() => undefined);
    }
    await this.store.close();
  }
}

async function openStore(config: MandateConfig): Promise<EventStore> {
  if (config.store === 'postgres') return PostgresEventStore.open({ connectionString: config.databaseUrl! });
  return EventStoreDbEventStore.connect(config.eventstoreConnectionString!);
}

/**
 * PostgreSQL keeps the verifiers in a table beside the events. EventStoreDB has no table: they go to a SQLite file in
 * the keys directory, which every process of the installation already shares (the signing key is there).
 */
function keyVerifiersOf(config: MandateConfig, store: EventStore): KeyVerifierStore {
  if (store instanceof PostgresEventStore) return store.keyVerifiers();
  return SqliteKeyVerifiers.openFile(path.join(config.keysDir, 'key-verifiers.db'));
}

/** The encrypted secrets go where the verifiers go, for the same reasons: PostgreSQL's table, or a file in the keys directory. */
function secretStoreOf(config: MandateConfig, store: EventStore): SecretStore {
  if (store instanceof PostgresEventStore) return store.secretStore();
  return SqliteSecretStore.openFile(path.join(config.keysDir, 'secrets.db'));
}

function relayCheckpoint(config: MandateConfig, store: EventStore): RelayCheckpoint {
  if (store instanceof PostgresEventStore) return store.relayCheckpoint();
  return new FileRelayCheckpoint(path.join(config.dataDir, 'relay.checkpoint'));
}

/** Each revocation also goes, keyed by jti, to the compacted topic downstream verifiers read. */
function revocationMessages(topics: MandateTopics) {
  return (event: RecordedEvent) => {
    if (event.type !== 'PassportRevoked') return [];
    const r = toRevocation(event);
    const value = { ...revocationView(r), tenant_id: r.tenantId, position: r.position };
    return [{ topic: topics.revocations, key: r.jti, value: JSON.stringify(value) }];
  };
}

async function startKafka(config: MandateConfig, store: EventStore, logger: Logger): Promise<KafkaParts> {
  const settings = { brokers: config.kafka.brokers, topicPrefix: config.kafka.topicPrefix, partitions: config.kafka.partitions, clientId: `mandate-${config.service}` };
  const kafka = kafkaClient(settings);
  let topics: MandateTopics | null = null;
  for (let attempt = 1; !topics; attempt++) {
    try {
      topics = await ensureTopics(kafka, settings);
    } catch (error) {
      if (attempt >= KAFKA_START_ATTEMPTS) throw new Error(`Kafka at ${settings.brokers.join(',')} cannot be reached: ${(error as Error).message}`);
      if (attempt === 1) logger.warn(`waiting for Kafka at ${settings.brokers.join(',')}: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  const relayProducer = orderedProducer(kafka);
  const producer = orderedProducer(kafka);
  await Promise.all([relayProducer.connect(), producer.connect()]);
  const relay = config.relay
    ? new EventRelay(store, relayProducer, topics, relayCheckpoint(config, store), new Logger('relay'), revocationMessages(topics))
    : null;
  relay?.start();
  return { kafka, topics, relayProducer, producer, relay, commandConsumer: null };
}

function parseRevokeCommand(value: Buffer | null): RevokeCommand {
  const command = JSON.parse(value?.toString('utf8') ?? '') as RevokeCommand;
  const strings: Array<keyof RevokeCommand> = ['tenantId', 'missionId', 'jti', 'reason', 'correlationId', 'causationId'];
  for (const field of strings) if (typeof command?.[field] !== 'string') throw new Error(`revoke command without ${field}`);
  if (typeof command.actor?.kind !== 'string' || typeof command.actor?.id !== 'string') throw new Error('revoke command without actor');
  return command;
}
