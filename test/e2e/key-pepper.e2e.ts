import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { call, newTenant } from './support/client';
import { ADMIN_KEY, freePort, MandateProcess, NodeProcess, ROOT } from './support/server';

describe('the operator key pepper', () => {
  let dataDir: string;
  let server: MandateProcess | undefined;

  beforeAll(() => (dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mandate-pepper-'))));
  afterAll(async () => {
    await server?.kill('SIGTERM');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('given no pepper set, when an installation starts, then one is generated 0600 into the keys dir, the log says where and never what; given another pepper later, it refuses to start and says why; given the first again, its keys work', async () => {
    server = await MandateProcess.startEmbedded({ LOG_LEVEL: 'log' }, dataDir);
    const tenant = await newTenant(server, 'peppered');
    const file = path.join(dataDir, 'key-pepper');
    const pepper = fs.readFileSync(file, 'utf8').trim();
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(server.output).toContain(`Generated the operator key pepper into ${file}`);
    expect(server.output).not.toContain(pepper);
    await server.kill('SIGTERM');

    // A bare process: the harness's failed start would clean the data dir away, and this one must stay.
    const env = { MANDATE_DATA_DIR: dataDir, MANDATE_ADMIN_KEY: ADMIN_KEY, MANDATE_KEY_PEPPER: 'not-the-pepper-of-this-store-0123456789abcdef' };
    const mistaken = new NodeProcess('mandate', path.join(ROOT, 'dist', 'apps', 'mandate', 'src', 'main.js'), await freePort(), () => env);
    const wrong = await mistaken.boot().then(
      () => null,
      (error: Error) => error.message,
    );
    await mistaken.kill();
    expect(wrong).toMatch(/exited with 1 before it was ready/);
    expect(wrong).toMatch(/the operator key pepper \(MANDATE_KEY_PEPPER, or the key-pepper file of the keys directory\) is not the one this store's key verifiers were made with/);

    server = await MandateProcess.startEmbedded({ MANDATE_KEY_PEPPER: pepper }, dataDir);
    expect((await call(server, 'GET', '/v1/keys', { token: tenant.adminKey })).status).toBe(200);
  });
});
