import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { randomUUID } from 'crypto';
import { canonicalJson, NewEvent, RecordedEvent, upcasters } from '@mandate/core';
import { ChainVerifier } from '@mandate/audit';
import { SqliteEventStore } from '@mandate/event-store';
import { upcasterTo } from '@mandate/events';
import { readModelChanges } from '@mandate/read-models';

/** AgentRegistered as an older release might have written it: `mode`, no description, no registration time. */
interface AgentRegisteredV0 {
  agentId: string;
  tenantId: string;
  name: string;
  mode: 'standard' | 'logged' | 'enforced';
}

const OCCURRED_AT = '2026-01-01T10:00:00.000Z';
const stored = (type: string, schemaVersion: number, data: unknown): NewEvent => ({
  id: randomUUID(), type, schemaVersion, tenantId: 'ten_1', occurredAt: OCCURRED_AT, actor: { kind: 'admin', id: 'key_1' },
  causationId: null, correlationId: randomUUID(), data,
});

const agentRegisteredFromV0 = upcasterTo('AgentRegistered', 0, (old: AgentRegisteredV0, event) => ({
  agentId: old.agentId, tenantId: old.tenantId, name: old.name, description: '', accountabilityMode: old.mode, registeredAt: event.occurredAt,
}));

const CURRENT_SHAPE = { agentId: 'agt_1', tenantId: 'ten_1', name: 'support-bot', description: '', accountabilityMode: 'logged', registeredAt: OCCURRED_AT };

describe('reading events stored at an older schemaVersion, through the embedded store', () => {
  let dir: string;
  let store: SqliteEventStore;
  let unregister: () => void = () => undefined;
  let oldAgent: NewEvent;
  let oldTenant: NewEvent;
  let currentSuspension: NewEvent;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mandate-upcast-'));
    store = new SqliteEventStore({ file: path.join(dir, 'events.db') });
    oldAgent = stored('AgentRegistered', 0, { agentId: 'agt_1', tenantId: 'ten_1', name: 'support-bot', mode: 'logged' } satisfies AgentRegisteredV0);
    // An older TenantCreated has no upcaster: it must come back exactly as stored.
    oldTenant = stored('TenantCreated', 0, { tenantId: 'ten_1', title: 'acme' });
    currentSuspension = stored('AgentSuspended', 1, { agentId: 'agt_1', reason: 'investigating' });
    await store.append('tenant-ten_1', [oldTenant], 0);
    await store.append('agent-agt_1', [oldAgent, currentSuspension], 0);
    unregister = upcasters.register(agentRegisteredFromV0);
  });

  afterEach(async () => {
    unregister();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const expectCurrentShape = (events: RecordedEvent[]) => {
    const byId = new Map(events.map((e) => [e.id, e]));
    expect(byId.get(oldAgent.id)).toMatchObject({ type: 'AgentRegistered', schemaVersion: 1, data: CURRENT_SHAPE });
    expect(byId.get(oldTenant.id)).toMatchObject({ type: 'TenantCreated', schemaVersion: 0, data: { tenantId: 'ten_1', title: 'acme' } });
    expect(byId.get(currentSuspension.id)).toMatchObject({ schemaVersion: 1, data: { agentId: 'agt_1', reason: 'investigating' } });
  };

  it('given an AgentRegistered stored at version 0 and an upcaster from 0, when its stream is read, then it reads in the current shape', async () => {
    const events = await store.readStream('agent-agt_1');
    expect(events).toHaveLength(2);
    expectCurrentShape([...events, ...(await store.readStream('tenant-ten_1'))]);
  });

  it('given the same, when the whole log is read, then the old event reads in the current shape and the one with no upcaster as stored', async () =>
    expectCurrentShape(await store.readAll(0, 100)));

  it('given the same, when a subscriber follows the log, then it is handed the current shape', async () => {
    const delivered: RecordedEvent[] = [];
    let caughtUp!: () => void;
    const done = new Promise<void>((resolve) => (caughtUp = resolve));
    const subscription = store.subscribe(0, (events) => {
      delivered.push(...events);
      if (delivered.length >= 3) caughtUp();
    });
    await done;
    await subscription.stop();
    expectCurrentShape(delivered);
  });

  it('given the same after a restart, then the read models project the old event as an agent in its mode', async () => {
    await store.close();
    store = new SqliteEventStore({ file: path.join(dir, 'events.db') });
    const [registered] = await store.readStream('agent-agt_1');
    expect(readModelChanges(registered)).toEqual([{ kind: 'agentRegistered', agent: { ...CURRENT_SHAPE, suspended: false } }]);
  });

  it('given no upcaster registered, then the old event reads exactly as it was stored', async () => {
    unregister();
    const [registered] = await store.readStream('agent-agt_1');
    expect(registered).toMatchObject({ schemaVersion: 0, data: oldAgent.data });
  });

  it('given an upcaster, then the tenant chain still verifies over the stored text, which keeps the old shape', async () => {
    const chain = await store.readTenantChain('ten_1', 0, 100);
    const verifier = new ChainVerifier();
    expect(verifier.feed(chain)).toBe(true);
    expect(verifier.checked).toBe(3);
    const link = chain.find((c) => c.event.id === oldAgent.id)!;
    expect(link.event.data).toEqual(CURRENT_SHAPE);
    expect(JSON.parse(link.canonical)).toMatchObject({ schemaVersion: 0, data: oldAgent.data });
  });

  it('given an upcaster, when someone rewrites the old event in the current shape behind the log, then the chain check finds it although it reads the same', async () => {
    const [before] = await store.readStream('agent-agt_1');
    const rewritten = canonicalJson({ ...JSON.parse(store.db.prepare('SELECT body FROM events WHERE id = ?').pluck().get(oldAgent.id) as string), schemaVersion: 1, data: CURRENT_SHAPE });
    store.db.prepare('UPDATE events SET body = ? WHERE id = ?').run(rewritten, oldAgent.id);
    const [after] = await store.readStream('agent-agt_1');
    expect(after).toEqual(before);
    const verifier = new ChainVerifier();
    expect(verifier.feed(await store.readTenantChain('ten_1', 0, 100))).toBe(false);
    expect(verifier.firstBreak).toMatchObject({ event_id: oldAgent.id, reason: 'hash_mismatch' });
  });
});
