import { canonicalJson, chainLink, GENESIS_HASH, KEY_VERIFIER_FIELDS, redactKeyVerifiers } from '@mandate/core';
import { ChainedEvent } from '@mandate/event-store';

/** What a redacted export line says it lacks: a category, never the stored field's name or value. */
export const REDACTED_KEY_VERIFIER = 'operator_key_verifier';

/**
 * One line of the audit export: the stored text itself, not the event as read (an upcaster may have reshaped it), so
 * the chain link covers exactly what is shown. Except an operator key verifier, which never leaves the server: an
 * event of release 0.1 that holds one is shown without it and marked `redacted`, and a verifier of the file takes that
 * one event on its stored link (the link after it is still recomputed from that link, so continuity holds).
 */
export function exportLine({ event, canonical, chainHash }: ChainedEvent): string {
  const { event: shown, redacted } = redactKeyVerifiers(JSON.parse(canonical) as { type?: unknown; data?: unknown });
  return JSON.stringify({ ...shown, position: event.position, chainHash, ...(redacted.length > 0 ? { redacted: [REDACTED_KEY_VERIFIER] } : {}) });
}

type BreakReason = 'hash_mismatch' | 'malformed' | 'unexpected_redaction';

/** Release 0.1's events (schemaVersion 1) of the types that held a verifier. */
const redactable = (stored: Record<string, unknown>) =>
  typeof stored.type === 'string' && Object.hasOwn(KEY_VERIFIER_FIELDS, stored.type) && stored.schemaVersion === 1;

export interface ExportVerdict {
  ok: boolean;
  /** Lines read. */
  checked: number;
  /** Links recomputed from the exported event itself. */
  recomputed: number;
  /** Events shown redacted: their own link is taken as stored, the next one is recomputed from it. */
  taken_on_stored_link: number;
  first_break: { line: number; position: number | null; event_id: string | null; reason: BreakReason } | null;
}

/**
 * Re-checks a whole export (from the tenant's first event) offline: every unredacted event's link is recomputed over
 * its canonical text after the previous link, so altering any shown byte of it, or any stored link, breaks the chain
 * there. A redacted event cannot be recomputed by anyone without the server; the verdict counts those instead of
 * hiding them.
 */
export function verifyExport(lines: Iterable<string>): ExportVerdict {
  const verdict: ExportVerdict = { ok: true, checked: 0, recomputed: 0, taken_on_stored_link: 0, first_break: null };
  let previous = GENESIS_HASH;
  let number = 0;
  for (const line of lines) {
    number++;
    if (line.trim() === '') continue;
    verdict.checked++;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line);
    } catch {
      return broken(verdict, number, null, 'malformed');
    }
    const { chainHash, redacted, ...stored } = parsed;
    if (typeof chainHash !== 'string' || !/^[0-9a-f]{64}$/.test(chainHash)) return broken(verdict, number, stored, 'malformed');
    if (redacted !== undefined) {
      // Only an event of a type and shape that held a verifier can be shown redacted: a mark added to any other
      // event, to have it taken on trust, is itself a break.
      if (!redactable(stored)) return broken(verdict, number, stored, 'unexpected_redaction');
      verdict.taken_on_stored_link++;
    } else {
      if (chainLink(previous, canonicalJson(stored)) !== chainHash) return broken(verdict, number, stored, 'hash_mismatch');
      verdict.recomputed++;
    }
    previous = chainHash;
  }
  return verdict;
}

function broken(verdict: ExportVerdict, line: number, stored: Record<string, unknown> | null, reason: BreakReason): ExportVerdict {
  const position = typeof stored?.position === 'number' ? stored.position : null;
  const eventId = typeof stored?.id === 'string' ? stored.id : null;
  return { ...verdict, ok: false, first_break: { line, position, event_id: eventId, reason } };
}
