import { Admin, ITopicConfig, Kafka, logLevel, Partitioners, Producer } from 'kafkajs';
import { RecordedEvent } from '@mandate/core';

/** The topics distributed Mandate shares, all under one prefix so several installations can share a cluster. */
export interface MandateTopics {
  /** Every committed event, keyed (and so partitioned) by mission: each mission's events stay in order. */
  events: string;
  /** Commands to revoke a passport, sent by the detectors and applied by the passport service. */
  revokeCommands: string;
  /** The latest revocation of each passport, keyed by jti, compacted: what downstream verifiers consume. */
  revocations: string;
  /** Messages that kept failing, with the error, so they stop blocking their partition. */
  deadLetters: string;
}

export interface KafkaSettings {
  brokers: string[];
  topicPrefix: string;
  /** Partitions of the events and revoke-commands topics when Mandate creates them. */
  partitions: number;
  clientId: string;
}

export function topicsOf(prefix: string): MandateTopics {
  return {
    events: `${prefix}events`,
    revokeCommands: `${prefix}revoke-commands`,
    revocations: `${prefix}revocations`,
    deadLetters: `${prefix}dead-letters`,
  };
}

export function kafkaClient(settings: KafkaSettings): Kafka {
  return new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    // kafkajs logs every retry of a lost broker at error level; Mandate logs what it does about it instead.
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 100, retries: 5, maxRetryTime: 2000 },
    connectionTimeout: 3000,
  });
}

/**
 * One idempotent producer: the broker drops a retried batch it already has, and one request in flight keeps each
 * partition in the order the batches were sent.
 */
export function orderedProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}

/** Creates Mandate's topics if they are missing (every service does this at start; the first one wins). */
export async function ensureTopics(kafka: Kafka, settings: KafkaSettings): Promise<MandateTopics> {
  const topics = topicsOf(settings.topicPrefix);
  const admin: Admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const wanted: ITopicConfig[] = [
      { topic: topics.events, numPartitions: settings.partitions },
      { topic: topics.revokeCommands, numPartitions: settings.partitions },
      {
        topic: topics.revocations,
        numPartitions: settings.partitions,
        configEntries: [
          { name: 'cleanup.policy', value: 'compact' },
          { name: 'min.cleanable.dirty.ratio', value: '0.1' },
        ],
      },
      { topic: topics.deadLetters, numPartitions: 1 },
    ].filter((t) => !existing.has(t.topic));
    if (wanted.length > 0) {
      // replicationFactor -1 takes the broker's default.replication.factor (1 on a single local broker).
      await admin.createTopics({ topics: wanted.map((t) => ({ replicationFactor: -1, ...t })), waitForLeaders: true });
    }
  } catch (error) {
    // Another service created them between our list and create.
    if (!/already exists/i.test(String((error as Error).message))) throw error;
  } finally {
    await admin.disconnect();
  }
  return topics;
}

/**
 * The key that places an event on a partition: its mission when it has one (mission streams, intents and findings
 * name it), otherwise its own stream. Consumers that need the global order rebuild it from positions.
 */
export function partitionKey(event: RecordedEvent): string {
  if (event.streamId.startsWith('mission-')) return event.streamId.slice('mission-'.length);
  const missionId = (event.data as { missionId?: unknown } | null)?.missionId;
  return typeof missionId === 'string' ? missionId : event.streamId;
}

export const HEADER = {
  position: 'mandate-position',
  previous: 'mandate-previous-position',
  eventId: 'mandate-event-id',
  type: 'mandate-type',
  tenant: 'mandate-tenant',
} as const;

/** An event as it travels on the events topic: the stored JSON, and in headers where it sits in the global order. */
export function eventMessage(event: RecordedEvent, previous: number) {
  return {
    key: partitionKey(event),
    value: JSON.stringify(event),
    headers: {
      [HEADER.position]: String(event.position),
      [HEADER.previous]: String(previous),
      [HEADER.eventId]: event.id,
      [HEADER.type]: event.type,
      [HEADER.tenant]: event.tenantId,
    },
  };
}

export interface TravellingEvent {
  event: RecordedEvent;
  previous: number;
}

/** Reads an events-topic message back; throws with a reason for anything malformed (it goes to the dead letters). */
export function readEventMessage(value: Buffer | null, headers: Record<string, unknown> | undefined): TravellingEvent {
  if (!value) throw new Error('message has no value');
  const previousHeader = headers?.[HEADER.previous];
  const previous = Number(previousHeader === undefined ? NaN : String(previousHeader));
  if (!Number.isSafeInteger(previous) || previous < 0) throw new Error(`header ${HEADER.previous} is missing or not a position`);
  const event = JSON.parse(value.toString('utf8')) as RecordedEvent;
  if (!event || typeof event !== 'object' || !Number.isSafeInteger(event.position) || event.position <= previous) {
    throw new Error('value is not a recorded event after its previous position');
  }
  if (typeof event.id !== 'string' || typeof event.type !== 'string' || typeof event.streamId !== 'string') {
    throw new Error('value lacks the event envelope');
  }
  return { event, previous };
}
