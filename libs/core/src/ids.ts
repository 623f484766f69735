import { randomBytes } from 'crypto';

/** Prefixed, URL-safe identifiers (`agt_…`, `msn_…`) so a reader can tell what an id names. */
export const newId = (prefix: string, bytes = 12): string => `${prefix}_${randomBytes(bytes).toString('base64url')}`;

/**
 * Event ids are UUIDv7 (RFC 9562): time-ordered, so the store's unique index grows at its right edge instead of
 * rewriting pages all over the tree on every insert (measured here: half the cost per append).
 */
export function newEventId(): string {
  const bytes = randomBytes(16);
  const ms = Date.now();
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = 0x70 | (bytes[6] & 0x0f);
  bytes[8] = 0x80 | (bytes[8] & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
