import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
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
