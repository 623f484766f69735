import { spawnSync } from 'child_process';
import { createHmac } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Database from 'better-sqlite3';
import { call } from './support/client';
import { MandateProcess } from './support/server';

const CLI = path.join(__dirname, '..', '..', 'bin', 'mandate.js');
/** A history written by release 0.1.0 (scripts/make-history-fixture.js), before the one-write-path rework. */
const FIXTURE = path.join(__dirname, '..', 'fixtures', 'history-v0.1.0');

/** The sha256(secret) of each operator key, as release 0.1 stored it in the text of its OperatorKeyCreated. */
function legacyKeyHashes(dataDir: string): Record<string, string> {
  const db = new Database(path.join(dataDir, 'events.db'), { readonly: true });
  try {
    const bodies = db.prepare(`SELECT body FROM events WHERE body LIKE '%"OperatorKeyCreated"%'`).all() as Array<{ body: string }>;
    return Object.fromEntries(bodies.map(({ body }) => JSON.parse(body).data).map((d) => [d.keyId, d.keyHash]));
  } finally {
    db.close();
  }
}

describe('a data directory written by an earlier release', () => {
  let dataDir: string;
  let server: MandateProcess | undefined;

  let legacy: Record<string, string>;

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mandate-compat-'));
    fs.cpSync(FIXTURE, dataDir, { recursive: true });
    legacy = legacyKeyHashes(dataDir);
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

  it('given the v0.1.0 history, when its keys were used, then the export, audit query and keys list hold none of their stored hashes, and the export verifies offline with the two key events taken on their stored links', async () => {
    expect(Object.keys(legacy)).toHaveLength(2);
    const tenantAdminKey = fs.readFileSync(path.join(dataDir, 'ADMIN_KEY'), 'utf8').trim().split('\n')[1];
    const exported = (await call(server!, 'GET', '/v1/audit/export', { token: tenantAdminKey })).body as string;
    const audit = JSON.stringify((await call(server!, 'GET', '/v1/audit?limit=1000', { token: tenantAdminKey })).body);
    const keys = JSON.stringify((await call(server!, 'GET', '/v1/keys', { token: tenantAdminKey })).body);
    for (const text of [exported, audit, keys]) {
      for (const [keyId, hash] of Object.entries(legacy)) {
        expect(text).toContain(keyId);
        expect(text).not.toContain(hash);
      }
      expect(text).not.toContain('keyHash');
    }

    const file = path.join(dataDir, 'export.ndjson');
    fs.writeFileSync(file, exported);
    const verified = spawnSync(process.execPath, [CLI, 'verify-export', file], { encoding: 'utf8' });
    const lines = exported.trim().split('\n');
    expect(JSON.parse(verified.stdout)).toEqual({ ok: true, checked: lines.length, recomputed: lines.length - 2, taken_on_stored_link: 2, first_break: null });
    expect(verified.stderr).toMatch(/^chain holds: .* 2 redacted events taken on their stored link/m);
    expect(verified.status).toBe(0);

    // One byte of an unredacted event changed in the file: the offline check names that line.
    const altered = lines.findIndex((l) => l.includes('"ToolCallLogged"'));
    lines[altered] = lines[altered].replace('"slack"', '"slacK"');
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const tampered = spawnSync(process.execPath, [CLI, 'verify-export', file], { encoding: 'utf8' });
    expect(JSON.parse(tampered.stdout).first_break).toMatchObject({ line: altered + 1, reason: 'hash_mismatch' });
    expect(tampered.status).toBe(1);
  });

  it('given the v0.1.0 keys used once, when the server restarts, then they authenticate from keyed verifiers kept beside the store, whose stored text is unchanged', async () => {
    await server!.kill('SIGTERM');
    const pepper = fs.readFileSync(path.join(dataDir, 'key-pepper'), 'utf8').trim();
    const db = new Database(path.join(dataDir, 'events.db'), { readonly: true });
    try {
      const rows = db.prepare('SELECT key_id, verifier FROM operator_key_verifiers').all() as Array<{ key_id: string; verifier: string }>;
      const tenantAdminKeyId = fs.readFileSync(path.join(dataDir, 'ADMIN_KEY'), 'utf8').trim().split('\n')[1].split('.')[2];
      expect(rows).toContainEqual({ key_id: tenantAdminKeyId, verifier: createHmac('sha256', pepper).update(legacy[tenantAdminKeyId]).digest('hex') });
      expect(rows.map((r) => r.verifier)).not.toContain(legacy[tenantAdminKeyId]);
    } finally {
      db.close();
    }
    expect(legacyKeyHashes(dataDir)).toEqual(legacy);
    await server!.restart();
    const tenantAdminKey = fs.readFileSync(path.join(dataDir, 'ADMIN_KEY'), 'utf8').trim().split('\n')[1];
    expect((await call(server!, 'GET', '/v1/keys', { token: tenantAdminKey })).status).toBe(200);
    expect((await call(server!, 'GET', '/v1/audit/verify', { token: tenantAdminKey })).body).toMatchObject({ ok: true, first_break: null });
  });
});
