import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ChainVerifier } from '@mandate/audit';
import { SqliteEventStore } from '@mandate/event-store';
import { eventStoreContract, newEvent } from './event-store.contract';

eventStoreContract('embedded SQLite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mandate-store-'));
  const file = path.join(dir, 'events.db');
  let store = new SqliteEventStore({ file });
  return {
    store,
    async reopen() {
      await store.close();
      store = new SqliteEventStore({ file });
      return store;
    },
    async cleanup() {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SQLite group commit', () => {
  let dir: string;
  let store: SqliteEventStore;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mandate-store-'));
    store = new SqliteEventStore({ file: path.join(dir, 'events.db') });
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('given an append whose second event cannot be written as JSON, then none of it is stored and the appends around it keep consecutive positions', async () => {
    const [before, unwritable, after] = await Promise.allSettled([
      store.append('mission-1', [newEvent()], 0),
      store.append('mission-2', [newEvent(), newEvent('ten_a', { amount: Number.NaN })], 0),
      store.append('mission-3', [newEvent()], 0),
    ]);
    expect(unwritable).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ message: expect.stringContaining('non-finite') }) });
    expect([before, after].map((r) => r.status === 'fulfilled' && r.value.position)).toEqual([1, 2]);
    expect(await store.readStream('mission-2')).toEqual([]);
    expect((await store.readAll(0, 10)).map((e) => e.streamId)).toEqual(['mission-1', 'mission-3']);
    expect(new ChainVerifier().feed(await store.readTenantChain('ten_a', 0, 10))).toBe(true);
  });
});
