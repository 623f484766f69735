import { createHash } from 'crypto';
import { canonicalJson } from './canonical-json';
import { RecordedEvent } from './event';

/** The first link of every tenant's chain. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * One link of a tenant's tamper-evident chain: sha256(previous link ‖ canonical form of the whole event).
 * Every envelope field is hashed, position and stream version included, so no stored byte can change unnoticed.
 */
export function chainHash(previous: string, event: RecordedEvent): string {
  return createHash('sha256').update(previous).update('\n').update(canonicalJson(event)).digest('hex');
}
