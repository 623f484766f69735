import { randomBytes, randomInt } from 'crypto';
import * as net from 'net';
import { Client } from 'pg';
import { RecordedEvent } from '@mandate/core';
import { ChainVerifier } from '@mandate/audit';
import { MIGRATION_VERSIONS, PostgresEventStore, PostgresEventStoreOptions, StoreUnavailable } from '@mandate/event-store';
import { eventStoreContract, newEvent } from './event-store.contract';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://mandate:mandate@127.0.0.1:5432/mandate';

const freshSchema = () => `t_${randomBytes(6).toString('hex')}`;

function withUrl(change: (url: URL) => void): string {
  const url = new URL(DATABASE_URL);
  change(url);
  return url.toString();
}

async function admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const dropSchema = (schema: string) => admin((client) => client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));

/** Asks the server until it answers with a value: for waiting on another session's state, never on time. */
async function waitFor<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

/** Stands between a store and the server, so a test can take "the server" away without stopping the shared one. */
class CuttableProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  async start(): Promise<string> {
    const target = new URL(DATABASE_URL);
    this.server = net.createServer((downstream) => {
      const upstream = net.connect(Number(target.port || 5432), target.hostname);
      for (const socket of [downstream, upstream]) {
        this.sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => {
          this.sockets.delete(socket);
          downstream.destroy();
          upstream.destroy();
        });
      }
      downstream.pipe(upstream).pipe(downstream);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return withUrl((url) => {
      url.hostname = '127.0.0.1';
      url.port = String(this.port);
    });
  }

  /** Every connection is cut and new ones are refused, as when the server goes down. */
  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.sockets.forEach((socket) => socket.destroy());
    await closed;
  }
}

eventStoreContract('PostgreSQL', async () => {
  const schema = freshSchema();
  const open = () => PostgresEventStore.open({ connectionString: DATABASE_URL, schema });
  let store = await open();
  return {
    store,
    async reopen() {
      await store.close();
      store = await open();
      return store;
    },
    async cleanup() {
      await store.close();
      await dropSchema(schema);
    },
  };
});

describe('PostgreSQL event store', () => {
  const opened: PostgresEventStore[] = [];
  const schemas: string[] = [];
  const proxies: CuttableProxy[] = [];

  const schema = () => {
    const name = freshSchema();
    schemas.push(name);
    return name;
  };
  const open = async (options: Partial<PostgresEventStoreOptions> & { schema: string }) => {
    const store = await PostgresEventStore.open({ connectionString: DATABASE_URL, ...options });
    opened.push(store);
    return store;
  };

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close().catch(() => undefined)));
    await Promise.all(proxies.splice(0).map((proxy) => proxy.stop().catch(() => undefined)));
    for (const name of schemas.splice(0)) await dropSchema(name);
  });

  it('declares consecutive positions and other writers', async () => {
    const store = await open({ schema: schema() });
    expect(store.consecutivePositions).toBe(true);
    expect(store.soleWriter).toBe(false);
  });

  describe('migrations', () => {
    it('given four services starting at once on an empty schema, then all open and each migration is applied once', async () => {
      const name = schema();
      const stores = await Promise.all(Array.from({ length: 4 }, () => open({ schema: name, poolSize: 1 })));
      const versions = await admin((client) => client.query(`SELECT version FROM ${name}.mandate_migrations`));
      expect(versions.rows).toEqual(MIGRATION_VERSIONS.map((version) => ({ version })));
      await stores[0].append('mission-1', [newEvent()], 0);
      expect(await stores[3].headPosition()).toBe(1);
    });

    it('given a schema name that is not a plain identifier, then open refuses it before touching the server', async () => {
      await expect(PostgresEventStore.open({ connectionString: DATABASE_URL, schema: 'x; DROP TABLE events' })).rejects.toThrow(
        /invalid PostgreSQL schema name/,
      );
    });
  });

  describe('global order across processes', () => {
    it('given a sequence-numbered table (the pitfall), when two writers commit out of order, then a checkpointing reader skips an event for ever', async () => {
      const name = schema();
      await admin((client) => client.query(`CREATE SCHEMA ${name}; CREATE TABLE ${name}.numbered (position bigserial PRIMARY KEY)`));
      const [early, late, reader] = [new Client(DATABASE_URL), new Client(DATABASE_URL), new Client(DATABASE_URL)];
      await Promise.all([early, late, reader].map((client) => client.connect()));
      try {
        await early.query('BEGIN');
        await early.query(`INSERT INTO ${name}.numbered DEFAULT VALUES`);
        await late.query(`INSERT INTO ${name}.numbered DEFAULT VALUES`);
        const firstPage = await reader.query(`SELECT position::int FROM ${name}.numbered WHERE position > 0 ORDER BY position`);
        const checkpoint = firstPage.rows[firstPage.rows.length - 1].position;
        await early.query('COMMIT');
        const nextPage = await reader.query(`SELECT position::int FROM ${name}.numbered WHERE position > $1`, [checkpoint]);
        const stored = await reader.query(`SELECT position::int FROM ${name}.numbered ORDER BY position`);
        expect(firstPage.rows).toEqual([{ position: 2 }]);
        expect(nextPage.rows).toEqual([]);
        expect(stored.rows).toEqual([{ position: 1 }, { position: 2 }]);
      } finally {
        await Promise.all([early, late, reader].map((client) => client.end()));
      }
    });

    it('given 8 store instances appending concurrently, when a subscriber follows checkpointing as it goes, then it sees positions 1..head once each, in order, and every acknowledged event', async () => {
      const name = schema();
      const writers = await Promise.all(Array.from({ length: 8 }, () => open({ schema: name, poolSize: 2 })));
      const reader = await open({ schema: name, poolSize: 2 });
      const seen: RecordedEvent[] = [];
      let target = Number.POSITIVE_INFINITY;
      let caughtUp!: () => void;
      const done = new Promise<void>((resolve) => (caughtUp = resolve));
      const reachedTarget = () => seen.length > 0 && seen[seen.length - 1].position >= target;
      const subscription = reader.subscribe(0, (batch) => {
        seen.push(...batch);
        if (reachedTarget()) caughtUp();
      });

      const acknowledged: string[] = [];
      // 8 writers × 5 lanes × 50 appends of 1–3 events; each lane owns its streams (exact expected versions) and one
      // append in five goes to a stream every writer shares, with 'any'.
      const write = (store: PostgresEventStore, w: number) =>
        Promise.all(
          Array.from({ length: 5 }, async (_, lane) => {
            const versions = new Map<string, number>();
            for (let i = 0; i < 50; i++) {
              const events = Array.from({ length: 1 + ((w + lane + i) % 3) }, () => newEvent('ten_a', { w, lane, i }));
              const shared = (i + w) % 5 === 0;
              const stream = shared ? `shared-${i % 4}` : `mission-${w}-${lane}-${i % 3}`;
              const result = await store.append(stream, events, shared ? 'any' : versions.get(stream) ?? 0);
              versions.set(stream, result.streamVersion);
              acknowledged.push(...events.map((event) => event.id));
            }
          }),
        );
      await Promise.all(writers.map(write));

      target = await reader.headPosition();
      if (reachedTarget()) caughtUp();
      await done;
      await subscription.stop();

      expect(target).toBe(acknowledged.length);
      expect(seen.map((event) => event.position)).toEqual(Array.from({ length: target }, (_, i) => i + 1));
      const seenIds = new Set(seen.map((event) => event.id));
      expect(acknowledged.filter((id) => !seenIds.has(id))).toEqual([]);
      const verifier = new ChainVerifier();
      expect(verifier.feed(await reader.readTenantChain('ten_a', 0, 100_000))).toBe(true);
      expect(verifier.checked).toBe(target);
    });

    it("given two store instances appending to one tenant at once, then the tenant's events form one chain that verifies", async () => {
      const name = schema();
      const [first, second] = await Promise.all([open({ schema: name }), open({ schema: name })]);
      await Promise.all(
        [first, second].flatMap((store, s) =>
          Array.from({ length: 40 }, (_, i) =>
            store.append(i % 2 ? 'mission-shared' : `mission-${s}-${i}`, [newEvent('ten_shared'), newEvent('ten_other')], 'any'),
          ),
        ),
      );
      const chain = await second.readTenantChain('ten_shared', 0, 1000);
      expect(chain).toHaveLength(80);
      const verifier = new ChainVerifier();
      expect(verifier.feed(chain)).toBe(true);
      expect(verifier.checked).toBe(80);
      expect(new ChainVerifier().feed(await first.readTenantChain('ten_other', 0, 1000))).toBe(true);
    });
  });

  describe('batching', () => {
    it('given appends in one turn where one expects the wrong version and one reuses an id, then only those two are refused', async () => {
      const store = await open({ schema: schema() });
      const reused = newEvent();
      const results = await Promise.allSettled([
        store.append('mission-1', [newEvent()], 0),
        store.append('mission-1', [newEvent()], 0),
        store.append('mission-2', [reused], 0),
        store.append('mission-3', [reused], 0),
        store.append('mission-1', [newEvent()], 1),
      ]);
      expect(results.map((r) => (r.status === 'fulfilled' ? r.value.position : (r.reason as { code: string }).code))).toEqual([
        1,
        'WRONG_EXPECTED_VERSION',
        2,
        'DUPLICATE_EVENT_ID',
        3,
      ]);
      expect((await store.readAll(0, 10)).map((event) => event.streamId)).toEqual(['mission-1', 'mission-2', 'mission-1']);
    });

    it('given an append whose data cannot be written as JSON, then it alone is refused and the events after it keep consecutive positions', async () => {
      const store = await open({ schema: schema() });
      const [before, unwritable, after] = await Promise.allSettled([
        store.append('mission-1', [newEvent()], 0),
        store.append('mission-2', [newEvent(), newEvent('ten_a', { amount: Number.NaN })], 0),
        store.append('mission-3', [newEvent()], 0),
      ]);
      expect(unwritable).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ message: expect.stringContaining('non-finite') }) });
      expect([before, after].map((r) => r.status === 'fulfilled' && r.value.position)).toEqual([1, 2]);
      expect(new ChainVerifier().feed(await store.readTenantChain('ten_a', 0, 10))).toBe(true);
    });

    it('given appends queued in the turn the store is closed, then they are written before close resolves', async () => {
      const name = schema();
      const store = await open({ schema: name });
      const appends = [store.append('mission-1', [newEvent()], 0), store.append('mission-2', [newEvent()], 0)];
      await store.close();
      expect((await Promise.all(appends)).map((result) => result.position)).toEqual([1, 2]);
      await expect(store.append('mission-3', [newEvent()], 0)).rejects.toThrow('event store is closed');
      expect(await (await open({ schema: name })).headPosition()).toBe(2);
    });
  });

  describe('when the server cannot be reached', () => {
    it('given nothing listening on the port, when a store is opened, then open rejects with STORE_UNAVAILABLE naming the refusal', async () => {
      const opening = PostgresEventStore.open({ connectionString: 'postgres://mandate:mandate@127.0.0.1:1/mandate', schema: 'unused' });
      await expect(opening).rejects.toBeInstanceOf(StoreUnavailable);
      await expect(opening).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', message: expect.stringContaining('ECONNREFUSED') });
    });

    it('given an open store whose server goes away, then every method rejects with STORE_UNAVAILABLE, and it serves again when the server is back', async () => {
      const proxy = new CuttableProxy();
      proxies.push(proxy);
      const store = await open({ connectionString: await proxy.start(), schema: schema() });
      await store.append('mission-1', [newEvent()], 0);

      await proxy.stop();
      await expect(store.append('mission-1', [newEvent()], 1)).rejects.toBeInstanceOf(StoreUnavailable);
      await expect(store.readStream('mission-1')).rejects.toBeInstanceOf(StoreUnavailable);
      await expect(store.readAll(0, 10)).rejects.toBeInstanceOf(StoreUnavailable);
      await expect(store.readTenantChain('ten_a', 0, 10)).rejects.toBeInstanceOf(StoreUnavailable);
      await expect(store.headPosition()).rejects.toBeInstanceOf(StoreUnavailable);

      await proxy.start();
      expect((await store.append('mission-1', [newEvent()], 1)).position).toBe(2);
    });

    it('given an append whose COMMIT is cut off, then it rejects with STORE_UNAVAILABLE, and its retry is stored once', async () => {
      const name = schema();
      const application = `mandate_${name}`;
      const store = await open({ connectionString: withUrl((url) => url.searchParams.set('application_name', application)), schema: name });
      const lock = randomInt(1, 2 ** 31);
      const holder = new Client(DATABASE_URL);
      await holder.connect();
      try {
        // A deferred trigger runs at COMMIT and waits for a lock this test holds: the append is caught mid-COMMIT.
        await holder.query(`
          CREATE FUNCTION ${name}.hold_commit() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN PERFORM pg_advisory_lock_shared(${lock}); PERFORM pg_advisory_unlock_shared(${lock}); RETURN NULL; END $$;
          CREATE CONSTRAINT TRIGGER hold_commit AFTER INSERT ON ${name}.events
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ${name}.hold_commit();
          SELECT pg_advisory_lock(${lock});`);
        const events = [newEvent(), newEvent()];
        const outcome = store.append('mission-1', events, 0).then(
          () => 'resolved',
          (error: unknown) => error,
        );
        const pid = await waitFor(async () => {
          const waiting = await holder.query(
            "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query = 'COMMIT' AND wait_event = 'advisory'",
            [application],
          );
          return waiting.rows[0]?.pid as number | undefined;
        }, 'the append to wait in COMMIT');
        await holder.query('SELECT pg_terminate_backend($1)', [pid]);
        expect(await outcome).toBeInstanceOf(StoreUnavailable);

        await holder.query('SELECT pg_advisory_unlock($1)', [lock]);
        expect(await store.readStream('mission-1')).toEqual([]);
        const retried = await store.append('mission-1', events, 0);
        expect(retried.position).toBe(2);
        expect(await store.append('mission-1', events, 0)).toEqual(retried);
        expect(await store.readStream('mission-1')).toHaveLength(2);
      } finally {
        await holder.end();
      }
    });

    it('given a subscriber whose server goes away for a while, when it comes back, then the subscriber carries on from its checkpoint', async () => {
      const name = schema();
      const proxy = new CuttableProxy();
      proxies.push(proxy);
      const follower = await open({ connectionString: await proxy.start(), schema: name });
      const writer = await open({ schema: name });
      const seen: RecordedEvent[] = [];
      const arrivals: Array<{ count: number; arrived: () => void }> = [];
      const untilSeen = (count: number) => new Promise<void>((arrived) => arrivals.push({ count, arrived }));
      const subscription = follower.subscribe(0, (batch) => {
        seen.push(...batch);
        arrivals.filter((a) => seen.length >= a.count).forEach((a) => a.arrived());
      });

      await writer.append('mission-1', [newEvent()], 0);
      await untilSeen(1);
      await proxy.stop();
      await writer.append('mission-1', [newEvent(), newEvent()], 1);
      await expect(follower.headPosition()).rejects.toBeInstanceOf(StoreUnavailable);
      await proxy.start();
      await untilSeen(3);
      await subscription.stop();

      expect(seen.map((event) => event.position)).toEqual([1, 2, 3]);
    });
  });
});
