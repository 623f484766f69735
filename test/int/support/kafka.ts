import { randomUUID } from 'crypto';
import { Kafka, KafkaMessage } from 'kafkajs';
import { kafkaClient, KafkaSettings } from '@mandate/event-store';

export const KAFKA_BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

/** Settings with a topic prefix of its own, so each test has fresh topics on the shared broker. */
export function isolatedKafka(): KafkaSettings {
  return { brokers: KAFKA_BROKERS, topicPrefix: `t${randomUUID().slice(0, 8)}.`, partitions: 4, clientId: 'mandate-test' };
}

export const quietLog = {
  log: () => undefined,
  warn: () => undefined,
  error: (message: string) => console.error(message),
};

/** Reads a topic from the beginning with a throwaway group until `until` holds for what came. */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  until: (messages: Array<KafkaMessage & { partition: number }>) => boolean,
): Promise<Array<KafkaMessage & { partition: number }>> {
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}`, maxWaitTimeInMs: 200 });
  const messages: Array<KafkaMessage & { partition: number }> = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  try {
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          messages.push({ ...message, partition });
          if (until(messages)) resolve();
        },
      });
    });
    return messages;
  } finally {
    await consumer.disconnect();
  }
}

export const header = (message: KafkaMessage, name: string) => message.headers?.[name]?.toString();

export { kafkaClient };
