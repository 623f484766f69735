import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { randomBytes } from 'crypto';
import Database from 'better-sqlite3';
import { LocalKeyProvider, openSecret, parseMasterKey } from '@mandate/credentials';
import { call, newTenant } from './support/client';
import { ADMIN_KEY, freePort, MandateProcess, NodeProcess, ROOT } from './support/server';

/** Starts a bare process on the data dir (the harness's failed start would clean the dir away) and returns why it stopped. */
async function refusedStart(dataDir: string, env: Record<string, string>): Promise<string | null> {
  const mistaken = new NodeProcess('mandate', path.join(ROOT, 'dist', 'apps', 'mandate', 'src', 'main.js'), await freePort(), () => ({ MANDATE_DATA_DIR: dataDir, MANDATE_ADMIN_KEY: ADMIN_KEY, ...env }));
  const why = await mistaken.boot().then(
    () => null,
    (error: Error) => error.message,
  );
  await mistaken.kill();
  return why;
}

describe('the secrets master key', () => {
  let dataDir: string;
  let server: MandateProcess | undefined;
  let adminKey: string;

  beforeAll(() => (dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mandate-master-key-'))));
  afterAll(async () => {
    await server?.kill('SIGTERM');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('given no master key set, when an installation starts, then one is generated 0600 into the keys dir and the log says where, never what; after a restart the kept secret still opens with it', async () => {
    server = await MandateProcess.startEmbedded({ LOG_LEVEL: 'log' }, dataDir);
    const tenant = await newTenant(server, 'keyed');
    adminKey = tenant.adminKey;
    const secret = `sk_live_${randomBytes(18).toString('base64url')}`;
    const created = await call(server, 'POST', '/v1/services', { token: tenant.adminKey, body: { name: 'stripe', hosts: ['api.stripe.com'], presentation: { kind: 'bearer' }, secret } });
    expect(created.status).toBe(201);
    const file = path.join(dataDir, 'master-key');
    const masterKey = fs.readFileSync(file, 'utf8').trim();
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(server.output).toContain(`Generated the secrets master key into ${file}`);
    expect(server.output).not.toContain(masterKey);

    await server.restart();
    expect((await call(server, 'GET', '/v1/services/stripe', { token: tenant.adminKey })).body.current_version).toBe(1);
    await server.kill('SIGTERM');
    const db = new Database(path.join(dataDir, 'events.db'), { readonly: true });
    const row = db.prepare('SELECT secret_id, envelope FROM service_secrets WHERE tenant_id = ?').get(tenant.tenantId) as { secret_id: string; envelope: string };
    db.close();
    const address = { tenantId: tenant.tenantId, service: 'stripe', secretId: row.secret_id, version: 1 };
    expect(await openSecret(new LocalKeyProvider(parseMasterKey(masterKey)), address, row.envelope)).toBe(secret);
  });

  it('given an installation with secrets, when it starts with another master key, then it refuses to start and says which key; with a key of the wrong length, it refuses by name', async () => {
    const other = await refusedStart(dataDir, { MANDATE_MASTER_KEY: randomBytes(32).toString('base64') });
    expect(other).toMatch(/exited with 1 before it was ready/);
    expect(other).toMatch(/the master key cannot unwrap this store's secrets \(key provider local\)/);
    expect(other).toMatch(/MANDATE_MASTER_KEY, or the master-key file of the keys directory/);
    const short = await refusedStart(dataDir, { MANDATE_MASTER_KEY: randomBytes(16).toString('hex') });
    expect(short).toMatch(/MANDATE_MASTER_KEY must be 32 bytes/);
  });

  it('given the master key this installation was first started with, when it is given explicitly, then the installation starts and its services are there', async () => {
    const masterKey = fs.readFileSync(path.join(dataDir, 'master-key'), 'utf8').trim();
    server = await MandateProcess.startEmbedded({ MANDATE_MASTER_KEY: masterKey }, dataDir);
    expect((await call(server, 'GET', '/v1/services/stripe', { token: adminKey })).body.current_version).toBe(1);
  });
});
