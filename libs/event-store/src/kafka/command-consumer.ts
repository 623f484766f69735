import { Consumer, Kafka, Producer } from 'kafkajs';
import { backoff, delay, isTransient, sendDeadLetter, SESSION_TIMEOUT_MS } from './dead-letters';
import { StreamLog } from './kafka-event-stream';

export interface CommandConsumerOptions<C> {
  kafka: Kafka;
  producer: Producer;
  topic: string;
  deadLetters: string;
  groupId: string;
  log: StreamLog;
  /** Parses and checks a message; throws for one that can never be handled (it goes straight to the dead letters). */
  parse(value: Buffer | null): C;
  /** Must be idempotent: a command is delivered at least once. */
  handle(command: C): Promise<void>;
  maxAttempts?: number;
}

/**
 * Commands on a keyed topic, one partition's messages in order, each committed only after its handler finished. A
 * command that keeps failing for a reason of its own goes to the dead letters with the error; an unreachable store or
 * broker is waited for instead.
 */
export class CommandConsumer<C> {
  private consumer: Consumer | null = null;
  private stopped = false;
  handled = 0;
  deadLettered = 0;

  constructor(private readonly options: CommandConsumerOptions<C>) {}

  private starting: Promise<void> = Promise.resolve();

  /** Resolves once the group is joined (it keeps trying while the broker is away). */
  start(): Promise<void> {
    this.starting = this.join();
    return this.starting;
  }

  private async join(): Promise<void> {
    const { kafka, topic, groupId, log } = this.options;
    for (let attempt = 1; !this.stopped; attempt++) {
      const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, sessionTimeout: SESSION_TIMEOUT_MS, heartbeatInterval: 500, maxWaitTimeInMs: 500 });
      try {
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            await this.handleOne(partition, message.offset, message.key, message.value);
            await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]).catch(() => undefined);
          },
        });
        this.consumer = consumer;
        log.log(`consuming ${topic} as group ${groupId}`);
        return;
      } catch (error) {
        if (attempt === 1 || attempt % 20 === 0) log.warn(`cannot consume ${topic} yet: ${(error as Error).message}`);
        await consumer.disconnect().catch(() => undefined);
        await delay(backoff(attempt));
      }
    }
  }

  private async handleOne(partition: number, offset: string, key: Buffer | null, value: Buffer | null): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    let command: C;
    try {
      command = this.options.parse(value);
    } catch (error) {
      return this.deadLetter(partition, offset, key, value, error, 1);
    }
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        await this.options.handle(command);
        this.handled++;
        return;
      } catch (error) {
        if (isTransient(error)) {
          if (attempt === 1 || attempt % 20 === 0) this.options.log.warn(`command at ${this.options.topic}/${partition}@${offset} waits: ${(error as Error).message}`);
        } else if (attempt >= maxAttempts) {
          this.options.log.error(`command at ${this.options.topic}/${partition}@${offset} failed ${attempt} times; dead-lettered: ${(error as Error).message}`);
          return this.deadLetter(partition, offset, key, value, error, attempt);
        }
        await delay(backoff(attempt));
      }
    }
  }

  private async deadLetter(partition: number, offset: string, key: Buffer | null, value: Buffer | null, error: unknown, attempts: number): Promise<void> {
    this.deadLettered++;
    await sendDeadLetter(this.options.producer, this.options.deadLetters, {
      topic: this.options.topic,
      partition,
      offset,
      key: key?.toString('utf8') ?? null,
      value: value?.toString('utf8') ?? null,
      subscriber: this.options.groupId,
      error: (error as Error)?.message ?? String(error),
      attempts,
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.starting;
    await this.consumer?.disconnect().catch(() => undefined);
  }
}
