import { randomUUID } from 'crypto';
import { NewEvent, RecordedEvent } from '@mandate/core';
import { ChainVerifier } from '@mandate/audit';
import { DuplicateEventId, EventStore, WrongExpectedVersion } from '@mandate/event-store';

export interface StoreUnderTest {
  store: EventStore;
  /** Closes the store and opens a new instance on the same data: what survives is what was durable. */
  reopen(): Promise<EventStore>;
  cleanup(): Promise<void>;
}

export const newEvent = (tenantId = 'ten_a', data: unknown = { service: 'slack' }, type = 'ToolCallLogged'): NewEvent => ({
  id: randomUUID(),
  type,
  schemaVersion: 1,
  tenantId,
  occurredAt: new Date('2026-01-01T00:00:00.000Z').toISOString(),
  actor: { kind: 'passport', id: 'pp_1' },
  causationId: null,
  correlationId: randomUUID(),
  data,
});

/**
 * Positions rise in commit order; a store that numbers them 1, 2, 3… must leave no hole and repeat nothing after
 * `after` (the property a reader checkpointing "last position seen" relies on).
 */
export function expectIncreasing(store: EventStore, positions: number[], after?: number): void {
  positions.forEach((p, i) => i > 0 && expect(p).toBeGreaterThan(positions[i - 1]));
  if (store.consecutivePositions) {
    const first = after === undefined ? positions[0] : after + 1;
    expect(positions).toEqual(Array.from({ length: positions.length }, (_, i) => first + i));
  }
}

const settle = <T>(promises: Promise<T>[]) => Promise.allSettled(promises);

export interface ContractOptions {
  /** What the adapter's `atomicMultiStreamAppend` says, known before a store is opened so Jest can list the skips. */
  atomicMultiStreamAppend: boolean;
}

/** The contract every EventStore adapter passes: the same suite runs against embedded, PostgreSQL and EventStoreDB. */
export function eventStoreContract(
  name: string,
  open: () => Promise<StoreUnderTest>,
  options: ContractOptions = { atomicMultiStreamAppend: true },
): void {
  /** Reported as skipped, not passed, on a store that appends several streams part by part. */
  const ifAtomic = options.atomicMultiStreamAppend ? it : it.skip;

  describe(`EventStore contract: ${name}`, () => {
    let subject: StoreUnderTest;
    let store: EventStore;

    beforeEach(async () => {
      subject = await open();
      store = subject.store;
    });
    afterEach(() => subject.cleanup());

    describe('appending', () => {
      it('given a new stream, when events are appended expecting version 0, then they get versions 1..n and consecutive positions', async () => {
        const result = await store.append('mission-1', [newEvent(), newEvent(), newEvent()], 0);
        expect(result.streamVersion).toBe(3);
        expect(result.events.map((e) => e.streamVersion)).toEqual([1, 2, 3]);
        const positions = result.events.map((e) => e.position);
        expectIncreasing(store, positions);
        expect(result.position).toBe(positions[2]);
        expect(await store.headPosition()).toBe(positions[2]);
      });

      it('given a stream at version 2, when an append expects version 1, then WRONG_EXPECTED_VERSION and nothing is stored', async () => {
        await store.append('mission-1', [newEvent(), newEvent()], 0);
        await expect(store.append('mission-1', [newEvent()], 1)).rejects.toBeInstanceOf(WrongExpectedVersion);
        await expect(store.append('mission-1', [newEvent()], 0)).rejects.toMatchObject({ code: 'WRONG_EXPECTED_VERSION' });
        expect(await store.readStream('mission-1')).toHaveLength(2);
      });

      it("given any stream, when an append expects 'any', then it is appended at the end", async () => {
        await store.append('tenant-a', [newEvent()], 'any');
        const result = await store.append('tenant-a', [newEvent()], 'any');
        expect(result.streamVersion).toBe(2);
      });

      it('given an append that was stored, when it is retried with the same event ids, then the first result is returned and nothing is duplicated', async () => {
        const events = [newEvent(), newEvent()];
        const first = await store.append('mission-1', events, 0);
        const retried = await store.append('mission-1', events, 0);
        expect(retried.position).toBe(first.position);
        expect(retried.events.map((e) => e.id)).toEqual(events.map((e) => e.id));
        expect(await store.readStream('mission-1')).toHaveLength(2);
      });

      it('given an event id already stored in another stream, when it is appended again, then DUPLICATE_EVENT_ID', async () => {
        const event = newEvent();
        await store.append('mission-1', [event], 0);
        await expect(store.append('mission-2', [event], 0)).rejects.toBeInstanceOf(DuplicateEventId);
        expect(await store.readStream('mission-2')).toHaveLength(0);
      });

      it('keeps every envelope field as written', async () => {
        const event = { ...newEvent('ten_z', { nested: { amount: 4200, currency: 'EUR' }, list: [1, 'two'] }), causationId: randomUUID() };
        await store.append('mission-1', [event], 0);
        const [stored] = await store.readStream('mission-1');
        const { position, streamId, streamVersion, ...rest } = stored;
        expect(rest).toEqual(event);
        expect({ streamId, streamVersion }).toEqual({ streamId: 'mission-1', streamVersion: 1 });
        expect(position).toBeGreaterThan(0);
      });
    });

    describe('appending to several streams at once', () => {
      const streamOf = (s: string) => store.readStream(s);

      it('says whether it commits several streams at once as the suite was told', () => {
        expect(store.atomicMultiStreamAppend).toBe(options.atomicMultiStreamAppend);
      });

      it('given two new streams, when they are appended together, then both versions advance and the events get consecutive positions in the order of the parts', async () => {
        const [mission, intent] = await store.appendMany([
          { streamId: 'mission-1', events: [newEvent(), newEvent()], expectedVersion: 0 },
          { streamId: 'intent-1', events: [newEvent()], expectedVersion: 0 },
        ]);
        expect([mission.streamVersion, intent.streamVersion]).toEqual([2, 1]);
        expect(mission.events.map((e) => [e.streamId, e.streamVersion])).toEqual([['mission-1', 1], ['mission-1', 2]]);
        expect(intent.events.map((e) => [e.streamId, e.streamVersion])).toEqual([['intent-1', 1]]);
        const positions = [...mission.events, ...intent.events].map((e) => e.position);
        expectIncreasing(store, positions);
        expect([mission.position, intent.position]).toEqual([positions[1], positions[2]]);
        expect(await store.headPosition()).toBe(intent.position);
        expect((await store.readAll(0, 10)).map((e) => e.id)).toEqual([...mission.events, ...intent.events].map((e) => e.id));
        const next = await store.appendMany([
          { streamId: 'mission-1', events: [newEvent()], expectedVersion: 2 },
          { streamId: 'intent-1', events: [newEvent()], expectedVersion: 1 },
        ]);
        expect(next.map((r) => r.streamVersion)).toEqual([3, 2]);
      });

      it('given two parts for one stream, then the second expects the version the first leaves', async () => {
        const results = await store.appendMany([
          { streamId: 'mission-1', events: [newEvent()], expectedVersion: 0 },
          { streamId: 'mission-1', events: [newEvent()], expectedVersion: 1 },
        ]);
        expect(results.map((r) => r.streamVersion)).toEqual([1, 2]);
        expect(await streamOf('mission-1')).toHaveLength(2);
      });

      it('given an appendMany that was stored, when it is retried with the same event ids, then the first results are returned and nothing is duplicated', async () => {
        const parts = [
          { streamId: 'mission-1', events: [newEvent(), newEvent()], expectedVersion: 0 },
          { streamId: 'intent-1', events: [newEvent()], expectedVersion: 0 },
        ];
        const first = await store.appendMany(parts);
        const retried = await store.appendMany(parts);
        expect(retried.map((r) => [r.streamVersion, r.position])).toEqual(first.map((r) => [r.streamVersion, r.position]));
        expect(retried.map((r) => r.events.map((e) => e.id))).toEqual(parts.map((p) => p.events.map((e) => e.id)));
        expect(await streamOf('mission-1')).toHaveLength(2);
        expect(await streamOf('intent-1')).toHaveLength(1);
        expect(await store.headPosition()).toBe(first[1].position);
      });

      it('given a wrong expected version on the first part, then nothing is stored and it rejects with WRONG_EXPECTED_VERSION', async () => {
        await store.append('mission-1', [newEvent()], 0);
        const head = await store.headPosition();
        const appending = store.appendMany([
          { streamId: 'mission-1', events: [newEvent()], expectedVersion: 0 },
          { streamId: 'intent-1', events: [newEvent()], expectedVersion: 0 },
        ]);
        await expect(appending).rejects.toBeInstanceOf(WrongExpectedVersion);
        await expect(appending).rejects.toMatchObject({ streamId: 'mission-1', expected: 0, actual: 1 });
        expect(await streamOf('mission-1')).toHaveLength(1);
        expect(await streamOf('intent-1')).toEqual([]);
        expect(await store.headPosition()).toBe(head);
      });

      ifAtomic('given a wrong expected version on the second part, then neither part is stored, the head does not move, and it rejects with WRONG_EXPECTED_VERSION', async () => {
        await store.append('intent-1', [newEvent()], 0);
        const head = await store.headPosition();
        const appending = store.appendMany([
          { streamId: 'mission-1', events: [newEvent(), newEvent()], expectedVersion: 0 },
          { streamId: 'intent-1', events: [newEvent()], expectedVersion: 0 },
        ]);
        await expect(appending).rejects.toBeInstanceOf(WrongExpectedVersion);
        await expect(appending).rejects.toMatchObject({ code: 'WRONG_EXPECTED_VERSION', streamId: 'intent-1', expected: 0, actual: 1 });
        expect(await streamOf('mission-1')).toEqual([]);
        expect(await streamOf('intent-1')).toHaveLength(1);
        expect(await store.headPosition()).toBe(head);
        expect(await store.readAll(head, 10)).toEqual([]);
      });

      ifAtomic('given a second part that repeats an event id, then neither part is stored and it rejects with DUPLICATE_EVENT_ID', async () => {
        const repeated = newEvent();
        const head = await store.headPosition();
        const appending = store.appendMany([
          { streamId: 'mission-1', events: [newEvent()], expectedVersion: 0 },
          { streamId: 'intent-1', events: [repeated, repeated], expectedVersion: 0 },
        ]);
        await expect(appending).rejects.toBeInstanceOf(DuplicateEventId);
        expect(await streamOf('mission-1')).toEqual([]);
        expect(await streamOf('intent-1')).toEqual([]);
        expect(await store.headPosition()).toBe(head);
      });

      ifAtomic('given appendMany calls and single appends in the same turn, when one appendMany is refused, then the others are stored with no gap and the refused one leaves no version behind', async () => {
        const start = await store.headPosition();
        await store.append('intent-2', [newEvent()], 0);
        const [single, refused, together, sameStreamAgain, after] = await settle<unknown>([
          store.append('mission-1', [newEvent()], 0),
          store.appendMany([
            { streamId: 'mission-2', events: [newEvent(), newEvent()], expectedVersion: 0 },
            { streamId: 'intent-2', events: [newEvent()], expectedVersion: 0 },
          ]),
          store.appendMany([
            { streamId: 'mission-3', events: [newEvent()], expectedVersion: 0 },
            { streamId: 'intent-3', events: [newEvent()], expectedVersion: 0 },
          ]),
          // Expects the version the refused part would have left had it been kept.
          store.append('mission-2', [newEvent()], 2),
          store.append('mission-2', [newEvent()], 0),
        ]);
        expect([single, together, after].map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
        expect(refused).toMatchObject({ status: 'rejected', reason: expect.any(WrongExpectedVersion) });
        expect(sameStreamAgain).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ streamId: 'mission-2', expected: 2, actual: 0 }) });
        expect((await streamOf('mission-2')).map((e) => e.streamVersion)).toEqual([1]);
        expect(await streamOf('intent-2')).toHaveLength(1);
        const all = await store.readAll(start, 100);
        expect(all.map((e) => e.streamId)).toEqual(['intent-2', 'mission-1', 'mission-3', 'intent-3', 'mission-2']);
        expectIncreasing(store, all.map((e) => e.position), start);
        expect(await store.headPosition()).toBe(all[all.length - 1].position);
        expect(new ChainVerifier().feed(await store.readTenantChain('ten_a', 0, 100))).toBe(true);
      });
    });

    describe('concurrency', () => {
      it('given 50 writers racing for version 0 of one stream, then exactly one wins and the others get WRONG_EXPECTED_VERSION', async () => {
        const results = await settle(Array.from({ length: 50 }, () => store.append('mission-race', [newEvent()], 0)));
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const losers = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(losers).toHaveLength(49);
        losers.forEach((l) => expect(l.reason).toBeInstanceOf(WrongExpectedVersion));
        expect(await store.readStream('mission-race')).toHaveLength(1);
      });

      it('given 20 writers that retry on conflict, then every version of the stream is taken exactly once', async () => {
        const writer = async (w: number) => {
          for (let i = 0; i < 10; i++) {
            for (;;) {
              const current = (await store.readStream('mission-hot')).length;
              try {
                await store.append('mission-hot', [newEvent('ten_a', { w, i })], current);
                break;
              } catch (error) {
                if (!(error instanceof WrongExpectedVersion)) throw error;
              }
            }
          }
        };
        await Promise.all(Array.from({ length: 20 }, (_, w) => writer(w)));
        const events = await store.readStream('mission-hot');
        expect(events.map((e) => e.streamVersion)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
        expect(new Set(events.map((e) => JSON.stringify(e.data))).size).toBe(200);
      });

      it('given 100 streams written concurrently, then all appends succeed and global positions have no gap and no repeat', async () => {
        const start = await store.headPosition();
        await Promise.all(
          Array.from({ length: 100 }, async (_, s) => {
            for (let v = 0; v < 5; v++) await store.append(`mission-${s}`, [newEvent(), newEvent()], v * 2);
          }),
        );
        const all = await store.readAll(start, 10_000);
        expect(all).toHaveLength(1000);
        expectIncreasing(store, all.map((e) => e.position), start);
        for (let s = 0; s < 100; s++) {
          expect((await store.readStream(`mission-${s}`)).map((e) => e.streamVersion)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
        }
      });
    });

    describe('reading', () => {
      it('reads a stream after a version, and everything after a position in pages', async () => {
        await store.append('mission-1', [newEvent(), newEvent(), newEvent()], 0);
        await store.append('mission-2', [newEvent()], 0);
        expect((await store.readStream('mission-1', 1)).map((e) => e.streamVersion)).toEqual([2, 3]);
        expect(await store.readStream('mission-unknown')).toEqual([]);
        const page1 = await store.readAll(0, 2);
        const page2 = await store.readAll(page1[1].position, 10);
        expect([...page1, ...page2].map((e) => e.streamId)).toEqual(['mission-1', 'mission-1', 'mission-1', 'mission-2']);
      });

      it("chains each tenant's events on its own, and the chain verifies", async () => {
        await store.append('mission-a', [newEvent('ten_a'), newEvent('ten_a')], 0);
        await store.append('mission-b', [newEvent('ten_b')], 0);
        await store.append('mission-a', [newEvent('ten_a')], 2);
        const chainA = await store.readTenantChain('ten_a', 0, 100);
        const chainB = await store.readTenantChain('ten_b', 0, 100);
        expect(chainA.map((c) => c.event.tenantId)).toEqual(['ten_a', 'ten_a', 'ten_a']);
        expect(chainB).toHaveLength(1);
        const verifier = new ChainVerifier();
        expect(verifier.feed(chainA)).toBe(true);
        expect(new ChainVerifier().feed(chainB)).toBe(true);
      });
    });

    describe('subscribing', () => {
      const collect = (from: number, until: (seen: RecordedEvent[]) => boolean) => {
        const seen: RecordedEvent[] = [];
        let done!: () => void;
        const finished = new Promise<void>((resolve) => (done = resolve));
        const subscription = store.subscribe(from, (batch) => {
          seen.push(...batch);
          if (until(seen)) done();
        });
        return { seen, finished, subscription };
      };

      it('given history, when a subscriber starts from 0, then it gets the history and then new commits, in order', async () => {
        await store.append('mission-1', [newEvent(), newEvent()], 0);
        const { seen, finished, subscription } = collect(0, (s) => s.length >= 5);
        await store.append('mission-2', [newEvent()], 0);
        await store.append('mission-1', [newEvent(), newEvent()], 2);
        await finished;
        await subscription.stop();
        const positions = seen.map((e) => e.position);
        expect(positions).toEqual([...positions].sort((a, b) => a - b));
        expect(new Set(positions).size).toBe(5);
      });

      it('given a checkpoint, when a subscriber resumes from it, then it gets only what came after', async () => {
        const first = await store.append('mission-1', [newEvent(), newEvent()], 0);
        await store.append('mission-1', [newEvent()], 2);
        const { seen, finished, subscription } = collect(first.position, (s) => s.length >= 1);
        await finished;
        await subscription.stop();
        expect(seen.map((e) => e.streamVersion)).toEqual([3]);
      });
    });

    describe('durability', () => {
      it('given appends that resolved, when the store is reopened, then they are all there with their chain', async () => {
        for (let i = 0; i < 20; i++) await store.append(`mission-${i % 3}`, [newEvent()], 'any');
        store = await subject.reopen();
        const all = await store.readAll(0, 100);
        expect(all).toHaveLength(20);
        expect(await store.headPosition()).toBe(all[19].position);
        const next = await store.append('mission-0', [newEvent()], 'any');
        expectIncreasing(store, [all[19].position, next.position]);
        const verifier = new ChainVerifier();
        expect(verifier.feed(await store.readTenantChain('ten_a', 0, 100))).toBe(true);
        expect(verifier.checked).toBe(21);
      });
    });
  });
}
