import { createHash } from 'crypto';

/** The first link of every tenant's chain. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * One link of a tenant's tamper-evident chain: sha256(previous link ‖ "\n" ‖ the stored canonical JSON of the whole
 * event). Every envelope field is in that text, position and stream version included, so no stored byte can change
 * unnoticed, and anyone can recompute a link from an export: canonicalize the event, hash it after the previous link.
 */
export function chainLink(previous: string, canonicalEvent: string): string {
  return createHash('sha256').update(previous).update('\n').update(canonicalEvent).digest('hex');
}
