import { chainLink, GENESIS_HASH } from '@mandate/core';
import { ChainedEvent } from '@mandate/event-store';

export interface ChainBreak {
  position: number;
  event_id: string;
  reason: 'hash_mismatch';
}

/**
 * Walks a tenant's chain page by page and recomputes every link from the stored event text. The first link that does
 * not match is where the stored history was altered: that event, or the link stored beside it, is not what was written.
 */
export class ChainVerifier {
  private previous = GENESIS_HASH;
  checked = 0;
  firstBreak: ChainBreak | null = null;

  /** Returns false once a break is found: nothing after it can be trusted, so the walk stops. */
  feed(page: ChainedEvent[]): boolean {
    for (const { event, chainHash: stored, canonical } of page) {
      this.checked++;
      if (chainLink(this.previous, canonical) !== stored) {
        this.firstBreak = { position: event.position, event_id: event.id, reason: 'hash_mismatch' };
        return false;
      }
      this.previous = stored;
    }
    return true;
  }
}
