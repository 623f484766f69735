/**
 * The repository on a store that other processes write too (distributed mode): two repositories, each on its own
 * connection pool to one PostgreSQL schema, stand for two service processes. Their caches are trusted for writes
 * (the append's expected version catches a stale one), never for a decision that stores nothing.
 */
import { randomBytes } from 'crypto';
import { Client } from 'pg';
import { Actor, RecordedEvent } from '@mandate/core';
import { EventStore, PostgresEventStore } from '@mandate/event-store';
import { missionDecider, missionStream } from '@mandate/missions';
import { AggregateRepository, CommandContext } from '@mandate/platform';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://mandate:mandate@127.0.0.1:5432/mandate';
const NOW = new Date().toISOString();
const LATER = new Date(Date.now() + 3_600_000).toISOString();
const operator: Actor = { kind: 'operator', id: 'key_1' };
const context = (actor: Actor = operator): CommandContext => ({ tenantId: 'ten_1', actor, now: NOW, correlationId: 'c', causationId: null });

/** Counts the stream reads a store serves, to show what a decision cost. */
function counting(store: EventStore): EventStore & { reads: number } {
  const counted = Object.create(store) as EventStore & { reads: number };
  counted.reads = 0;
  counted.readStream = (streamId, after) => {
    counted.reads++;
    return store.readStream(streamId, after);
  };
  return counted;
}

describe('two processes on one shared store', () => {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  let first: PostgresEventStore;
  let second: PostgresEventStore;
  let passportService: AggregateRepository;
  let intentService: AggregateRepository;
  let counted: EventStore & { reads: number };

  beforeAll(async () => {
    first = await PostgresEventStore.open({ connectionString: DATABASE_URL, schema });
    second = await PostgresEventStore.open({ connectionString: DATABASE_URL, schema });
    counted = counting(second);
    passportService = new AggregateRepository(first);
    intentService = new AggregateRepository(counted);
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
    const client = new Client({ connectionString: DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  let missionNo = 0;
  async function openMission() {
    const id = `msn_shared${++missionNo}`;
    await passportService.execute(
      missionDecider,
      missionStream(id),
      {
        type: 'IssuePassport', missionId: id, jti: `pp_shared${missionNo}`, tenantId: 'ten_1',
        agent: { agentId: 'agt_1', accountabilityMode: 'logged', suspended: false }, intent: { summary: 'work', services: ['slack'] },
        ttlSeconds: 3600, checkpointIntervalSeconds: 300, idempotencyKey: null, requestFingerprint: 'f', now: NOW,
      },
      context(),
    );
    return id;
  }
  const use = (repository: AggregateRepository, id: string, type: 'LogToolCalls' | 'UsePassport') =>
    repository.execute(
      missionDecider,
      missionStream(id),
      type === 'LogToolCalls'
        ? { type, calls: [{ service: 'slack', action: 'post', outcome: 'success' }], now: NOW, tokenExpiresAt: LATER }
        : { type, operation: 'intent', services: ['slack'], now: NOW, tokenExpiresAt: LATER },
      context({ kind: 'passport', id: 'pp' }),
    );
  const types = async (id: string) => (await first.readStream(missionStream(id))).map((e: RecordedEvent) => e.type);

  it('given both processes have the mission cached, when each writes a tool call in turn, then both succeed, the second through a conflict and a reload', async () => {
    const id = await openMission();
    await use(passportService, id, 'LogToolCalls');
    await use(intentService, id, 'LogToolCalls');
    await use(passportService, id, 'LogToolCalls'); // its cache is one event behind: the append conflicts, it reloads
    await use(intentService, id, 'LogToolCalls');
    expect(await types(id)).toEqual(['PassportIssued', 'ToolCallLogged', 'ToolCallLogged', 'ToolCallLogged', 'ToolCallLogged']);
    const { state } = await passportService.load(missionDecider, missionStream(id));
    expect(state.status === 'issued' && state.actionsLogged).toBe(4);
  });

  it('given a mission cached by a process, when it writes again with nobody else writing, then it reads no stream at all (the append checks the version)', async () => {
    const id = await openMission();
    await use(intentService, id, 'LogToolCalls');
    const before = counted.reads;
    for (let i = 0; i < 5; i++) await use(intentService, id, 'LogToolCalls');
    expect(counted.reads - before).toBe(0);
  });

  it('given a passport revoked through one process, when the other process, whose cache still shows it active, lets it be used, then the use is refused and recorded', async () => {
    const id = await openMission();
    const passed = await use(intentService, id, 'UsePassport'); // the intent service caches the active mission
    expect(passed.events).toEqual([]);
    await passportService.execute(missionDecider, missionStream(id), { type: 'RevokePassport', reason: 'stop', scope: 'passport', now: NOW }, context());
    const refused = await use(intentService, id, 'UsePassport');
    expect(refused.events.map((e) => [e.type, (e.data as { code: string }).code])).toEqual([['PassportUseRefused', 'PASSPORT_REVOKED']]);
  });

  it('given many revocations racing uses across the two processes, then no use stores a pass after its passport was revoked', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const id = await openMission();
        await use(intentService, id, 'UsePassport');
        const [revoked, used] = await Promise.all([
          passportService.execute(missionDecider, missionStream(id), { type: 'RevokePassport', reason: 'race', scope: 'passport', now: NOW }, context()),
          use(intentService, id, 'LogToolCalls'),
        ]);
        const stored = await types(id);
        // Either the call was logged before the revocation, or it was refused after it: never logged after.
        const revokedAt = stored.indexOf('PassportRevoked');
        const loggedAt = stored.indexOf('ToolCallLogged');
        return { revoked: revoked.events.length, logged: used.events[0].type, ordered: loggedAt === -1 || loggedAt < revokedAt };
      }),
    );
    expect(outcomes.every((o) => o.revoked === 1 && o.ordered)).toBe(true);
  });
});
