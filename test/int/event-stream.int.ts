import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { InProcessEventStream, SqliteEventStore } from '@mandate/event-store';
import { eventStreamContract } from './event-stream.contract';

eventStreamContract('in-process', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mandate-stream-'));
  const file = path.join(dir, 'events.db');
  const subject = {
    store: new SqliteEventStore({ file }),
    stream: null as unknown as InProcessEventStream,
    async restart() {
      await subject.store.close();
      subject.store = new SqliteEventStore({ file });
      subject.stream = new InProcessEventStream(subject.store);
    },
    async cleanup() {
      await subject.store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  subject.stream = new InProcessEventStream(subject.store);
  return subject;
});
