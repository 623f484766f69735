import { spawnSync } from 'child_process';
import * as path from 'path';
import { SqliteEventStore } from '@mandate/event-store';
import { call, newTenant } from './support/client';
import { MandateProcess } from './support/server';

const CLI = path.join(__dirname, '..', '..', 'bin', 'mandate.js');
const replay = (dataDir: string) => spawnSync(process.execPath, [CLI, 'replay', '--data-dir', dataDir], { encoding: 'utf8' });

describe('mandate replay (the CLI)', () => {
  let server: MandateProcess;

  beforeAll(async () => (server = await MandateProcess.startEmbedded()));
  afterAll(() => server?.stop());

  it('given a history with findings and a detector revocation, then an offline replay says identical; given a finding the history does not justify, then it says different', async () => {
    const acme = await newTenant(server);
    const passport = await acme.passport(await acme.agent('enforced'));
    const offending = await call(server, 'POST', `/v1/passports/${passport.jti}/actions`, { token: passport.token, body: { service: 'github', action: 'repos.delete' } });
    const findings = await call(server, 'GET', `/v1/security-events?jti=${passport.jti}&wait_for_position=${offending.body.position}`, { token: acme.adminKey });
    expect(findings.body.security_events.map((f: { signal: string }) => f.signal)).toEqual(['scope_drift']);
    await server.kill('SIGTERM');

    const identical = replay(server.dataDir);
    expect(identical.status).toBe(0);
    expect(JSON.parse(identical.stdout)).toMatchObject({ identical: true, findings: { live: 1, replayed: 1 }, revocations: { live: 1, replayed: 1 }, read_models: { differences: [] } });

    // A read model that no longer matches its history: one agent's name changed in place.
    const tampered = new SqliteEventStore({ file: path.join(server.dataDir, 'events.db') });
    tampered.db.prepare(`UPDATE agents SET name = 'renamed behind the log' WHERE tenant_id = ?`).run(acme.tenantId);
    await tampered.close();
    const readModelsDiffer = replay(server.dataDir);
    expect(readModelsDiffer.status).toBe(1);
    expect(JSON.parse(readModelsDiffer.stdout).read_models.differences).toEqual([{ table: 'agents', liveOnly: 1, rebuiltOnly: 1 }]);
    const repaired = new SqliteEventStore({ file: path.join(server.dataDir, 'events.db') });
    repaired.db.prepare(`UPDATE agents SET name = 'support-bot' WHERE tenant_id = ?`).run(acme.tenantId);
    await repaired.close();

    // A finding nobody's history raised: what a tampered or buggy detector would leave behind.
    const store = new SqliteEventStore({ file: path.join(server.dataDir, 'events.db') });
    await store.append('security-forged', [{ id: '00000000-0000-8000-8000-000000000001', type: 'SecurityEventRaised', schemaVersion: 1, tenantId: acme.tenantId, occurredAt: new Date().toISOString(), actor: { kind: 'detector', id: 'scope_drift' }, causationId: null, correlationId: 'c', data: { signal: 'scope_drift', jti: passport.jti, missionId: passport.mission_id, revoke: false } }], 'any');
    await store.close();
    const different = replay(server.dataDir);
    expect(different.status).toBe(1);
    expect(JSON.parse(different.stdout).differences).toEqual([expect.objectContaining({ findingId: '00000000-0000-8000-8000-000000000001', kind: 'missing_in_replay' })]);
    await server.restart();
  });
});
