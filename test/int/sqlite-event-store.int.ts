import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SqliteEventStore } from '@mandate/event-store';
import { eventStoreContract } from './event-store.contract';

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
