import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RecordedEvent } from '@mandate/core';
import { InProcessEventStream } from '@mandate/event-store';
import { EmbeddedStorage } from '../../libs/platform/src/embedded/storage-client';
import { newEvent } from './event-store.contract';

/** A subscriber that persists its checkpoint after handling, as every Mandate projection does. */
class CheckpointedSubscriber {
  seen: RecordedEvent[] = [];
  private waiters: Array<{ count: number; wake: () => void }> = [];

  constructor(private readonly checkpointFile: string) {}

  get checkpoint(): number {
    return fs.existsSync(this.checkpointFile) ? Number(fs.readFileSync(this.checkpointFile, 'utf8')) : 0;
  }

  handle = (batch: RecordedEvent[]) => {
    this.seen.push(...batch);
    fs.writeFileSync(this.checkpointFile, String(batch[batch.length - 1].position));
    this.waiters = this.waiters.filter((w) => (this.seen.length >= w.count ? (w.wake(), false) : true));
  };

  until(count: number): Promise<void> {
    if (this.seen.length >= count) return Promise.resolve();
    return new Promise((wake) => this.waiters.push({ count, wake }));
  }
}

describe('the in-process event stream', () => {
  it('given a subscriber that stopped with a persisted checkpoint, when the process restarts, then it resumes with nothing missed or repeated', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mandate-stream-'));
    const checkpointFile = path.join(dir, 'checkpoint');
    try {
      let storage = await EmbeddedStorage.start(dir);
      const first = new CheckpointedSubscriber(checkpointFile);
      const subscription = new InProcessEventStream(storage.store).subscribe('detector', first.checkpoint, first.handle);
      for (let i = 0; i < 5; i++) await storage.store.append(`mission-${i}`, [newEvent(), newEvent()], 0);
      await first.until(10);
      await subscription.stop();

      // Written while nobody listened, then the process goes away.
      for (let i = 0; i < 3; i++) await storage.store.append(`mission-late-${i}`, [newEvent()], 0);
      await storage.close();

      storage = await EmbeddedStorage.start(dir);
      const resumed = new CheckpointedSubscriber(checkpointFile);
      const again = new InProcessEventStream(storage.store).subscribe('detector', resumed.checkpoint, resumed.handle);
      await storage.store.append('mission-after-restart', [newEvent()], 0);
      await resumed.until(4);
      await again.stop();
      await storage.close();

      expect(resumed.seen.map((e) => e.streamId)).toEqual(['mission-late-0', 'mission-late-1', 'mission-late-2', 'mission-after-restart']);
      const positions = [...first.seen, ...resumed.seen].map((e) => e.position);
      expect(positions).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
