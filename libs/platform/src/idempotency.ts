import { createHash } from 'crypto';
import { DomainError } from '@mandate/core';

/** The `Idempotency-Key` request header as the contract describes it, on every route that honours it. */
export const IDEMPOTENCY_KEY_HEADER = {
  name: 'Idempotency-Key',
  required: false,
  description: 'a retry with the same key and body answers with what the first request did (200, Idempotent-Replayed: true) instead of doing it again',
  schema: { type: 'string', minLength: 1, maxLength: 200 },
} as const;

/** The idempotency key of a request: the header, or a body field that must agree with it; null when neither is sent. */
export function idempotencyKeyOf(header: string | undefined, field?: string): string | null {
  if (header !== undefined && (header.length === 0 || header.length > 200)) {
    throw new DomainError('VALIDATION_FAILED', 'the Idempotency-Key header must be 1 to 200 characters');
  }
  if (header !== undefined && field !== undefined && header !== field) {
    throw new DomainError('VALIDATION_FAILED', 'the Idempotency-Key header and idempotency_key differ');
  }
  return header ?? field ?? null;
}

/** The random part of ids derived from who asked and their key, so a retry lands on the very stream the first wrote. */
export const idempotentSuffix = (...parts: string[]) => createHash('sha256').update(parts.join('\n')).digest('base64url').slice(0, 22);

export const idempotentId = (prefix: string, ...parts: string[]) => `${prefix}_${idempotentSuffix(...parts)}`;

/** What a request asked for, for telling a retry from another request under the same key. */
export const requestFingerprint = (canonical: string) => createHash('sha256').update(canonical).digest('hex');

/** 201 for the first request, 200 and `Idempotent-Replayed: true` for its retry. */
export function answerIdempotently(reply: { status(code: number): void; header(name: string, value: string): void }, replayed: boolean): void {
  reply.status(replayed ? 200 : 201);
  if (replayed) reply.header('idempotent-replayed', 'true');
}
