import { canonicalJson, chainLink, GENESIS_HASH, RecordedEvent } from '@mandate/core';
import { ChainedEvent } from '@mandate/event-store';
import { ChainVerifier } from './chain-verification';

const event = (position: number, data: unknown): RecordedEvent => ({
  id: `e${position}`, type: 'ToolCallLogged', schemaVersion: 1, streamId: 'mission-m', streamVersion: position, position,
  tenantId: 't', occurredAt: '2026-01-01T00:00:00.000Z', actor: { kind: 'passport', id: 'pp_1' }, causationId: null,
  correlationId: 'c', data,
});

function chain(events: RecordedEvent[]): ChainedEvent[] {
  let previous = GENESIS_HASH;
  return events.map((e) => {
    const canonical = canonicalJson(e);
    return { event: e, canonical, chainHash: (previous = chainLink(previous, canonical)) };
  });
}

/** What tampering with the stored text of event i looks like to the verifier. */
const alter = (history: ChainedEvent[], i: number, edit: (text: string) => string) =>
  history.map((c, j) => (j === i ? { ...c, canonical: edit(c.canonical) } : c));

describe('hash chain verification', () => {
  const history = chain([1, 2, 3, 4].map((p) => event(p, { service: 'slack', amount: 4200 + p })));

  it('given an untouched history, then every link checks, across pages', () => {
    const verifier = new ChainVerifier();
    expect(verifier.feed(history.slice(0, 2)) && verifier.feed(history.slice(2))).toBe(true);
    expect(verifier).toMatchObject({ checked: 4, firstBreak: null });
  });

  it('given one altered digit in a payload, then the break is at that event', () => {
    const verifier = new ChainVerifier();
    expect(verifier.feed(alter(history, 2, (t) => t.replace('"amount":4203', '"amount":4208')))).toBe(false);
    expect(verifier.firstBreak).toEqual({ position: 3, event_id: 'e3', reason: 'hash_mismatch' });
  });

  it.each([
    ['position', '"position":2', '"position":9'],
    ['streamVersion', '"streamVersion":2', '"streamVersion":9'],
    ['occurredAt', '2026-01-01', '2026-01-02'],
    ['type', 'ToolCallLogged', 'ToolCallLoggeD'],
    ['actor', '"pp_1"', '"pp_2"'],
  ])('given an altered envelope field (%s), then the break is found: no field is left out of the hash', (_field, from, to) => {
    const verifier = new ChainVerifier();
    verifier.feed(alter(history, 1, (t) => t.replace(from, to)));
    expect(verifier.firstBreak?.event_id).toBe('e2');
  });

  it('given a stored link that was replaced, then the break is at the event after it', () => {
    const verifier = new ChainVerifier();
    verifier.feed(history.map((c, j) => (j === 1 ? { ...c, chainHash: GENESIS_HASH } : c)));
    expect(verifier.firstBreak?.event_id).toBe('e2');
  });

  it('given a deleted event, then the break is at the event after the gap', () => {
    const verifier = new ChainVerifier();
    verifier.feed([history[0], history[2], history[3]]);
    expect(verifier.firstBreak?.event_id).toBe('e3');
  });
});
