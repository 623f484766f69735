import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RecordedEvent } from '@mandate/core';
import { EmbeddedStorage } from '../../libs/platform/src/embedded/storage-client';
import { eventStoreContract, newEvent } from './event-store.contract';

/** The adapter the server runs on: the SQLite store in its storage thread, reached by messages. */
eventStoreContract('embedded SQLite behind the storage worker', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mandate-storage-'));
  let storage = await EmbeddedStorage.start(dir);
  return {
    store: storage.store,
    async reopen() {
      await storage.close();
      storage = await EmbeddedStorage.start(dir);
      return storage.store;
    },
    async cleanup() {
      await storage.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('read models projected in the append transaction', () => {
  it('given a committed revocation, then the read models hold it at the same position and the live feed names it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mandate-storage-'));
    const storage = await EmbeddedStorage.start(dir);
    try {
      const heard: string[] = [];
      storage.readModels.onRevocations((rs) => heard.push(...rs.map((r) => r.jti)));
      const ref = { missionId: 'msn_1', jti: 'pp_1', agentId: 'agt_1' };
      const { position } = await storage.store.append(
        'mission-msn_1',
        [newEvent('ten_a', { ...ref, reason: 'off-script', scope: 'passport', at: '2026-01-01T00:00:00.000Z', tokenExpiresAt: '2999-01-01T00:00:00.000Z' }, 'PassportRevoked')],
        0,
      );
      expect(storage.readModels.position()).toBe(position);
      expect(await storage.readModels.revocationsAfter('ten_a', 0, 10)).toEqual([expect.objectContaining({ jti: 'pp_1', reason: 'off-script', position })]);
      expect((await storage.readModels.audit({ tenantId: 'ten_a', afterPosition: 0, limit: 10 }))[0]).toMatchObject({ type: 'PassportRevoked', jti: 'pp_1' });
      await storage.store.append('mission-msn_2', [newEvent('ten_a')], 0);
      expect(heard).toEqual(['pp_1']);
    } finally {
      await storage.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('given a gated tool call and the approval it spends appended together, then the read models hold both at the head, and hold neither when the approval part is refused', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mandate-storage-'));
    const storage = await EmbeddedStorage.start(dir);
    try {
      const gated = (intentVersion: number) => [
        { streamId: 'mission-msn_1', events: [newEvent('ten_a', { service: 'stripe' }, 'ToolCallLogged')], expectedVersion: 0 },
        { streamId: 'intent-int_1', events: [newEvent('ten_a', { intentId: 'int_1', approvalId: 'apv_1' }, 'ApprovalConsumed')], expectedVersion: intentVersion },
      ];
      await expect(storage.store.appendMany(gated(3))).rejects.toMatchObject({ code: 'WRONG_EXPECTED_VERSION', streamId: 'intent-int_1' });
      expect(storage.readModels.position()).toBe(0);
      expect(await storage.readModels.audit({ tenantId: 'ten_a', afterPosition: 0, limit: 10 })).toEqual([]);

      const [call, consumed] = await storage.store.appendMany(gated(0));
      expect(storage.readModels.position()).toBe(consumed.position);
      const audit = await storage.readModels.audit({ tenantId: 'ten_a', afterPosition: 0, limit: 10 });
      expect(audit.map((entry) => [entry.type, entry.position])).toEqual([
        ['ToolCallLogged', call.position],
        ['ApprovalConsumed', consumed.position],
      ]);
    } finally {
      await storage.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('followers served from the committed events the worker announces', () => {
  it('given more events than the main thread keeps, then a follower from the start and one from the middle each get every event once, in order, as the worker reads them', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mandate-storage-'));
    const storage = await EmbeddedStorage.start(dir);
    try {
      // given 12,000 committed events, more than the 10,000 the main thread keeps before it trims to 5,000
      for (let batch = 0; batch < 120; batch++) {
        await storage.store.append(`mission-msn_${batch}`, Array.from({ length: 100 }, (_, i) => newEvent('ten_a', { i })), 0);
      }
      const head = await storage.store.headPosition();
      // when one follower starts at the beginning (older than what is kept) and one near the head (within it)
      const follow = (after: number) =>
        new Promise<number[]>((resolve) => {
          const seen: number[] = [];
          const subscription = storage.store.subscribe(after, async (events) => {
            seen.push(...events.map((e) => e.position));
            if (seen[seen.length - 1] === head) void subscription.stop().then(() => resolve(seen));
          });
        });
      const [fromStart, fromMiddle] = await Promise.all([follow(0), follow(head - 3000)]);
      // then each saw exactly the positions after its start, and what it saw is what the worker has stored
      const positions = (after: number) => Array.from({ length: head - after }, (_, i) => after + i + 1);
      expect(fromStart).toEqual(positions(0));
      expect(fromMiddle).toEqual(positions(head - 3000));
      const fromWorker = await storage.query<RecordedEvent[]>('readAll', head - 3000, 3000);
      expect(await storage.store.readAll(head - 3000, 3000)).toEqual(fromWorker);
    } finally {
      await storage.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
