import { chainHash, GENESIS_HASH, RecordedEvent } from '@mandate/core';
import { ChainedEvent } from '@mandate/event-store';
import { ChainVerifier } from './chain-verification';

const event = (position: number, data: unknown): RecordedEvent => ({
  id: `e${position}`, type: 'ToolCallLogged', schemaVersion: 1, streamId: 'mission-m', streamVersion: position, position,
  tenantId: 't', occurredAt: '2026-01-01T00:00:00.000Z', actor: { kind: 'passport', id: 'pp_1' }, causationId: null,
  correlationId: 'c', data,
});

function chain(events: RecordedEvent[]): ChainedEvent[] {
  let previous = GENESIS_HASH;
  return events.map((e) => ({ event: e, chainHash: (previous = chainHash(previous, e)) }));
}

describe('hash chain verification', () => {
  const history = chain([1, 2, 3, 4].map((p) => event(p, { service: 'slack', n: p })));

  it('given an untouched history, then every link checks', () => {
    const verifier = new ChainVerifier();
    expect(verifier.feed(history.slice(0, 2)) && verifier.feed(history.slice(2))).toBe(true);
    expect(verifier).toMatchObject({ checked: 4, firstBreak: null });
  });

  it('given one altered payload, then the break is at that event', () => {
    const altered = history.map((c, i) => (i === 2 ? { ...c, event: { ...c.event, data: { service: 'slack', n: 30 } } } : c));
    const verifier = new ChainVerifier();
    expect(verifier.feed(altered)).toBe(false);
    expect(verifier.firstBreak).toEqual({ position: 3, event_id: 'e3', reason: 'hash_mismatch' });
  });

  it.each(['position', 'streamVersion', 'occurredAt', 'type', 'tenantId', 'correlationId'] as const)(
    'given an altered envelope field (%s), then the break is found: no field is left out of the hash',
    (field) => {
      const altered = history.map((c, i) => (i === 1 ? { ...c, event: { ...c.event, [field]: field === 'position' || field === 'streamVersion' ? 99 : 'x' } } : c));
      const verifier = new ChainVerifier();
      verifier.feed(altered);
      expect(verifier.firstBreak?.event_id).toBe('e2');
    },
  );

  it('given a deleted event, then the break is at the event after the gap', () => {
    const verifier = new ChainVerifier();
    verifier.feed([history[0], history[2], history[3]]);
    expect(verifier.firstBreak?.event_id).toBe('e3');
  });
});
