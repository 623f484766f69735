import { Producer } from 'kafkajs';
import { DomainError } from '@mandate/core';
import { StoreUnavailable } from '../event-store';

/** Where a message that cannot be handled goes, with why, so its partition moves on. */
export interface DeadLetter {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  subscriber: string;
  error: string;
  attempts: number;
}

export async function sendDeadLetter(producer: Producer, deadLetters: string, letter: DeadLetter): Promise<void> {
  await producer.send({
    topic: deadLetters,
    acks: -1,
    messages: [
      {
        key: letter.key,
        value: letter.value,
        headers: {
          'mandate-dlq-topic': letter.topic,
          'mandate-dlq-partition': String(letter.partition),
          'mandate-dlq-offset': letter.offset,
          'mandate-dlq-subscriber': letter.subscriber,
          'mandate-dlq-error': letter.error.slice(0, 2000),
          'mandate-dlq-attempts': String(letter.attempts),
        },
      },
    ],
  });
}

/**
 * Failures that say nothing about the message: the store or the broker is away. They are retried for as long as it
 * takes; only other failures count towards the dead-letter limit (a restarting database must not bury good events).
 */
/** Codes that mean "not now" rather than "no": a part of the installation is catching up or away. */
const TRANSIENT_CODES = new Set(['STORE_UNAVAILABLE', 'READ_MODELS_BEHIND', 'DETECTORS_BEHIND']);

export function isTransient(error: unknown): boolean {
  if (error instanceof StoreUnavailable) return true;
  if (error instanceof DomainError) return TRANSIENT_CODES.has(error.code);
  const name = (error as Error | null)?.name ?? '';
  return name.startsWith('KafkaJS');
}

export const backoff = (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 6), 2000);
export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A consumer killed without leaving its group holds its partitions until this passes; a restarted process waits that
 * long to get them back. The broker's minimum (group.min.session.timeout.ms) is 6 s.
 */
export const SESSION_TIMEOUT_MS = 6_000;
