import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { call } from './support/client';
import { MandateProcess } from './support/server';

const CLI = path.join(__dirname, '..', '..', 'bin', 'mandate.js');
/** A history written by release 0.1.0 (scripts/make-history-fixture.js), before the one-write-path rework. */
const FIXTURE = path.join(__dirname, '..', 'fixtures', 'history-v0.1.0');

describe('a data directory written by an earlier release', () => {
  let dataDir: string;
  let server: MandateProcess | undefined;

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mandate-compat-'));
    fs.cpSync(FIXTURE, dataDir, { recursive: true });
  });
  afterAll(async () => {
    await server?.kill('SIGTERM');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('given the v0.1.0 history, when replayed offline by this release, then live and rebuilt agree exactly', () => {
    const replay = spawnSync(process.execPath, [CLI, 'replay', '--data-dir', dataDir], { encoding: 'utf8' });
    expect(replay.stderr).toMatch(/^identical/m);
    const report = JSON.parse(replay.stdout);
    // Read models of release 0.1.0's shape are rebuilt in this release's before they are compared.
    expect(report).toMatchObject({ identical: true, differences: [], revocation_differences: [], read_models: { differences: [], rebuilt_from_version: 1 } });
    expect(report.findings.live).toBeGreaterThanOrEqual(3);
    expect(replay.status).toBe(0);
  });

  it('given the v0.1.0 history, when this release opens it, then its keys still authenticate, its chain verifies and its state reads back', async () => {
    const [instanceAdminKey, tenantAdminKey] = fs.readFileSync(path.join(dataDir, 'ADMIN_KEY'), 'utf8').trim().split('\n');
    server = await MandateProcess.startEmbedded({ MANDATE_ADMIN_KEY: instanceAdminKey }, dataDir);
    const verified = await call(server, 'GET', '/v1/audit/verify', { token: tenantAdminKey });
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ ok: true, first_break: null });
    expect(verified.body.checked).toBeGreaterThanOrEqual(40);
    const agents = await call(server, 'GET', '/v1/agents', { token: tenantAdminKey });
    expect(agents.body.agents.map((a: { name: string }) => a.name).sort()).toEqual(['enforced-bot', 'logged-bot', 'standard-bot']);
    expect(agents.body.agents.find((a: { name: string }) => a.name === 'logged-bot').status).toBe('suspended');
    // The read models were rebuilt in this release's shape: audit entries now say what happened.
    const calls = await call(server, 'GET', '/v1/audit?type=ToolCallLogged', { token: tenantAdminKey });
    expect(calls.body.entries[0].what).toMatchObject({ service: 'slack', action: 'chat.postMessage', target: '#support', outcome: 'success' });
    const findings = await call(server, 'GET', '/v1/security-events', { token: tenantAdminKey });
    expect(findings.body.security_events.filter((f: { status: string }) => f.status === 'resolved')).toHaveLength(1);
    // The tenant-wide kill switch ended every passport: a new agent still gets a working one.
    const agent = await call(server, 'POST', '/v1/agents', { token: tenantAdminKey, body: { name: 'new-bot', accountability_mode: 'logged' } });
    const passport = await call(server, 'POST', '/v1/passports', { token: tenantAdminKey, body: { agent_id: agent.body.id, intent: { summary: 'after upgrade', services: ['slack'] } } });
    const logged = await call(server, 'POST', `/v1/passports/${passport.body.jti}/actions`, { token: passport.body.token, body: { service: 'slack', action: 'chat.postMessage' } });
    expect(logged.status).toBe(201);
  });
});
