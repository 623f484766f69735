import * as fs from 'fs';
import * as path from 'path';
import { randomBytes } from 'crypto';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { LocalKeyProvider, openSecret } from '@mandate/credentials';
import { call, newTenant, Tenant } from './support/client';
import { DistributedMandate, MandateProcess, MandateServer } from './support/server';

const MASTER_KEY = randomBytes(32).toString('hex');
/** Distinct, long, random: found only where a secret leaked, never by chance. */
const secretNamed = (label: string) => `${label}-${randomBytes(18).toString('base64url')}`;
const STRIPE_V1 = secretNamed('sk_live_v1');
const STRIPE_V2 = secretNamed('sk_live_v2');
const SLACK = secretNamed('xoxb');
/** Secrets sent in requests the server refuses: they must not come back in the refusal or land anywhere either. */
const REFUSED = [secretNamed('refused-unknown-field'), secretNamed('refused-bad-host'), secretNamed('refused-control')];
const ALL_SECRETS = [STRIPE_V1, STRIPE_V2, SLACK, ...REFUSED];

interface SecretRow {
  tenant_id: string;
  secret_id: string;
  version: number;
  envelope: string;
}

/** Every file of the installation (event store, read models, keys dir) as bytes, and every stored event and secret row. */
async function storedBytes(server: MandateServer): Promise<{ files: Buffer; events: string; rows: SecretRow[] }> {
  const root = server instanceof DistributedMandate ? server.root : (server as MandateProcess).dataDir;
  const everyFile = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? everyFile(path.join(dir, e.name)) : e.isFile() ? [path.join(dir, e.name)] : []));
  if (server instanceof DistributedMandate) {
    const client = new Client({ connectionString: server.databaseUrl });
    await client.connect();
    try {
      const events = (await client.query('SELECT body FROM events ORDER BY position')).rows.map((r) => r.body).join('\n');
      const rows = (await client.query('SELECT tenant_id, secret_id, version, envelope FROM service_secrets')).rows as SecretRow[];
      return { files: Buffer.concat(everyFile(root).map((f) => fs.readFileSync(f))), events, rows };
    } finally {
      await client.end();
    }
  }
  // The embedded file is held by its process: read it stopped, as a copied backup would be; then start it again.
  const embedded = server as MandateProcess;
  await embedded.kill('SIGTERM');
  try {
    const files = Buffer.concat(everyFile(root).map((f) => fs.readFileSync(f)));
    const db = new Database(path.join(root, 'events.db'), { readonly: true });
    try {
      const events = (db.prepare('SELECT body FROM events ORDER BY position').all() as Array<{ body: string }>).map((r) => r.body).join('\n');
      const rows = db.prepare('SELECT tenant_id, secret_id, version, envelope FROM service_secrets').all() as SecretRow[];
      return { files, events, rows };
    } finally {
      db.close();
    }
  } finally {
    await embedded.restart();
  }
}

const leaked = (text: string | Buffer) => ALL_SECRETS.filter((secret) => text.includes(secret));

describe('services and their credentials', () => {
  let server: MandateServer;
  let tenant: Tenant;
  let roles: Record<'operator' | 'approver' | 'auditor', string>;
  /** Every answer's text, searched for secrets at the end. */
  const answers: string[] = [];
  const admin = async (method: string, url: string, body?: unknown) => {
    const reply = await call(server, method, url, { token: tenant.adminKey, body });
    answers.push(JSON.stringify(reply.body ?? ''));
    return reply;
  };
  const stripe = {
    name: 'stripe',
    hosts: ['api.stripe.com'],
    presentation: { kind: 'bearer' },
    secret: STRIPE_V1,
  };

  beforeAll(async () => {
    // The most talkative log level: the log searched for secrets is as full as an operator's can be.
    server = await MandateProcess.start({ MANDATE_MASTER_KEY: MASTER_KEY, LOG_LEVEL: 'debug' });
    tenant = await newTenant(server, 'credentials');
    roles = { operator: await tenant.key('operator'), approver: await tenant.key('approver'), auditor: await tenant.key('auditor') };
  });
  afterAll(() => server?.stop());

  it('given an admin, when a service is registered, then it answers its hosts, presentation and first secret version by id and fingerprint only', async () => {
    const created = await admin('POST', '/v1/services', stripe);
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      name: 'stripe',
      hosts: ['api.stripe.com'],
      internal_hosts: [],
      presentation: { kind: 'bearer' },
      secrets: [{ secret_id: expect.stringMatching(/^sec_/), version: 1, fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/), created_at: expect.any(String) }],
      current_version: 1,
      registered_at: expect.any(String),
      position: expect.any(Number),
    });
    expect(leaked(JSON.stringify(created.body))).toEqual([]);
  });

  it('given a registered service, when it is registered again, then 409 SERVICE_EXISTS', async () => {
    const again = await admin('POST', '/v1/services', { ...stripe, secret: STRIPE_V2 });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('SERVICE_EXISTS');
  });

  it('given services, when they are listed or read, then each shows without its secret; an unknown one is 404 SERVICE_NOT_FOUND', async () => {
    expect((await admin('POST', '/v1/services', { name: 'slack', hosts: ['slack.com'], presentation: { kind: 'header', name: 'X-Slack-Token' }, secret: SLACK })).status).toBe(201);
    const list = await admin('GET', '/v1/services');
    expect(list.status).toBe(200);
    expect(list.body.services.map((s: { name: string }) => s.name)).toEqual(['slack', 'stripe']);
    const one = await admin('GET', '/v1/services/stripe');
    expect(one.body).toMatchObject({ name: 'stripe', current_version: 1 });
    const unknown = await admin('GET', '/v1/services/github');
    expect([unknown.status, unknown.body.code]).toEqual([404, 'SERVICE_NOT_FOUND']);
  });

  it('given a service, when its hosts, an internal host and its presentation change, then the answer shows them; an internal host outside the hosts is 422 INVALID_HOST', async () => {
    const changed = await admin('PATCH', '/v1/services/stripe', { hosts: ['api.stripe.com', 'stripe-mock'], internal_hosts: ['stripe-mock'], presentation: { kind: 'basic' } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ hosts: ['api.stripe.com', 'stripe-mock'], internal_hosts: ['stripe-mock'], presentation: { kind: 'basic' }, current_version: 1 });
    const outside = await admin('PATCH', '/v1/services/stripe', { internal_hosts: ['vault.internal'] });
    expect([outside.status, outside.body.code]).toEqual([422, 'INVALID_HOST']);
    const dropsInternal = await admin('PATCH', '/v1/services/stripe', { hosts: ['api.stripe.com'] });
    expect([dropsInternal.status, dropsInternal.body.code]).toEqual([422, 'INVALID_HOST']);
    const nothing = await admin('PATCH', '/v1/services/stripe', {});
    expect([nothing.status, nothing.body.position, nothing.body.hosts]).toEqual([200, changed.body.position, ['api.stripe.com', 'stripe-mock']]);
  });

  it('given a service, when its secret is rotated, then the new version is current and the old one stays active; the same value again has the same fingerprint', async () => {
    const rotated = await admin('POST', '/v1/services/stripe/secrets', { secret: STRIPE_V2 });
    expect(rotated.status).toBe(201);
    expect(rotated.body.current_version).toBe(2);
    const [v1, v2] = rotated.body.secrets;
    expect([v1.version, v2.version]).toEqual([1, 2]);
    expect(v2.secret_id).toBe(v1.secret_id);
    expect(v2.fingerprint).not.toBe(v1.fingerprint);
    const same = await admin('POST', '/v1/services/stripe/secrets', { secret: STRIPE_V1 });
    expect(same.body.secrets[2]).toMatchObject({ version: 3, fingerprint: v1.fingerprint });
    expect((await admin('DELETE', '/v1/services/stripe/secrets/3')).body.current_version).toBe(2);
  });

  it('given two active versions, when the old one is removed, then one remains; removing it is 409 LAST_SECRET_VERSION; a gone or malformed version is 404', async () => {
    const removed = await admin('DELETE', '/v1/services/stripe/secrets/1');
    expect(removed.status).toBe(200);
    expect(removed.body.secrets.map((s: { version: number }) => s.version)).toEqual([2]);
    const last = await admin('DELETE', '/v1/services/stripe/secrets/2');
    expect([last.status, last.body.code]).toEqual([409, 'LAST_SECRET_VERSION']);
    const gone = await admin('DELETE', '/v1/services/stripe/secrets/1');
    expect([gone.status, gone.body.code]).toEqual([404, 'SECRET_VERSION_NOT_FOUND']);
    expect((await admin('DELETE', '/v1/services/stripe/secrets/first')).status).toBe(404);
    expect((await admin('POST', '/v1/services/github/secrets', { secret: 'x' })).body.code).toBe('SERVICE_NOT_FOUND');
  });

  it('given a service, when it is removed, then it is gone from the list at once and its name may be registered again later', async () => {
    const removed = await admin('DELETE', '/v1/services/slack');
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ name: 'slack', removed: true, position: expect.any(Number) });
    expect((await admin('GET', '/v1/services')).body.services.map((s: { name: string }) => s.name)).toEqual(['stripe']);
    expect((await admin('GET', '/v1/services/slack')).status).toBe(404);
    expect((await admin('DELETE', '/v1/services/slack')).status).toBe(404);
  });

  it.each([
    ['POST', '/v1/services'],
    ['GET', '/v1/services'],
    ['GET', '/v1/services/stripe'],
    ['PATCH', '/v1/services/stripe'],
    ['POST', '/v1/services/stripe/secrets'],
    ['DELETE', '/v1/services/stripe/secrets/2'],
    ['DELETE', '/v1/services/stripe'],
  ])('given operator, approver and auditor keys, when %s %s is asked, then each is 403 and nothing changes', async (method, url) => {
    const body = method === 'GET' || method === 'DELETE' ? undefined : { secret: 'never-stored', hosts: ['a.com'], name: 'x', presentation: { kind: 'bearer' } };
    for (const key of Object.values(roles)) {
      const refused = await call(server, method, url, { token: key, body });
      expect([refused.status, refused.body.code]).toEqual([403, 'FORBIDDEN']);
    }
    expect((await admin('GET', '/v1/services/stripe')).body.current_version).toBe(2);
  });

  it.each([
    ['an unknown field (carrying a secret)', 'VALIDATION_FAILED', { ...stripe, name: 'a1', secret: REFUSED[0], scope: 'all' }],
    ['a wildcard host (with a secret)', 'INVALID_HOST', { ...stripe, name: 'a2', secret: REFUSED[1], hosts: ['*.stripe.com'] }],
    ['a secret with a line break', 'VALIDATION_FAILED', { ...stripe, name: 'a3', secret: `${REFUSED[2]}\r\nX-Injected: 1` }],
    ['an http URL as a host (not marked internal, and hosts are names)', 'INVALID_HOST', { ...stripe, name: 'a4', hosts: ['http://billing.internal'] }],
    ['a host with a port', 'INVALID_HOST', { ...stripe, name: 'a5', hosts: ['api.stripe.com:8443'] }],
    ['an upper-case host', 'INVALID_HOST', { ...stripe, name: 'a6', hosts: ['API.stripe.com'] }],
    ['an internal host outside the hosts', 'INVALID_HOST', { ...stripe, name: 'a7', internal_hosts: ['vault'] }],
    ['no hosts', 'VALIDATION_FAILED', { ...stripe, name: 'a8', hosts: [] }],
    ['a header presentation without a name', 'VALIDATION_FAILED', { ...stripe, name: 'a9', presentation: { kind: 'header' } }],
    ['a presentation of an unknown kind', 'VALIDATION_FAILED', { ...stripe, name: 'b1', presentation: { kind: 'cookie' } }],
    ['a presentation with an unknown field', 'VALIDATION_FAILED', { ...stripe, name: 'b2', presentation: { kind: 'bearer', prefix: 'Token' } }],
    ['an empty secret', 'VALIDATION_FAILED', { ...stripe, name: 'b3', secret: '' }],
    ['no secret', 'VALIDATION_FAILED', { name: 'b4', hosts: ['a.com'], presentation: { kind: 'bearer' } }],
    ['a null internal_hosts', 'VALIDATION_FAILED', { ...stripe, name: 'b5', internal_hosts: null }],
    ['a service name in capitals', 'VALIDATION_FAILED', { ...stripe, name: 'Stripe' }],
  ])('given %s, when a service is registered, then 422 %s and the secret is not repeated', async (_, code, body) => {
    const refused = await admin('POST', '/v1/services', body);
    expect([refused.status, refused.body.code]).toEqual([422, code]);
    expect(leaked(JSON.stringify(refused.body))).toEqual([]);
  });

  it('given refused registrations, then none of them was registered', async () =>
    expect((await admin('GET', '/v1/services')).body.services.map((s: { name: string }) => s.name)).toEqual(['stripe']));

  it('given all of the above, then no secret is in any answer, the audit export, the audit query, the log, or any stored byte; the kept ciphertext opens with the master key at its own address only', async () => {
    const auditor = roles.auditor;
    const exported = await call(server, 'GET', '/v1/audit/export', { token: auditor });
    const exportText = exported.body as string;
    // The texts searched are the ones that hold the services' events: the search could find a secret if it were there.
    for (const type of ['ServiceRegistered', 'ServiceChanged', 'ServiceSecretAdded', 'ServiceSecretRemoved', 'ServiceRemoved']) expect(exportText).toContain(`"${type}"`);
    expect(leaked(exportText)).toEqual([]);
    const head = Math.max(...answers.map((a) => JSON.parse(a)?.position ?? 0).filter((p) => typeof p === 'number'));
    const audit = await call(server, 'GET', `/v1/audit?limit=1000&wait_for_position=${head}`, { token: auditor });
    expect(JSON.stringify(audit.body)).toContain('ServiceSecretAdded');
    expect(leaked(JSON.stringify(audit.body))).toEqual([]);
    expect(leaked(answers.join('\n'))).toEqual([]);

    const stored = await storedBytes(server);
    expect(stored.events).toContain('ServiceSecretAdded');
    expect(leaked(stored.events)).toEqual([]);
    expect(leaked(stored.files)).toEqual([]);
    // One row: stripe's current version. Removed versions and the removed service's rows are deleted.
    const mine = stored.rows.filter((row) => row.tenant_id === tenant.tenantId);
    expect(mine.map((row) => row.version)).toEqual([2]);
    const [row] = mine;
    expect(leaked(row.envelope)).toEqual([]);
    const provider = new LocalKeyProvider(Buffer.from(MASTER_KEY, 'hex'));
    const address = { tenantId: tenant.tenantId, service: 'stripe', secretId: row.secret_id, version: 2 };
    expect(await openSecret(provider, address, row.envelope)).toBe(STRIPE_V2);
    await expect(openSecret(provider, { ...address, service: 'slack' }, row.envelope)).rejects.toThrow(/altered or belongs elsewhere/);

    // The log covered these requests (so the search below could have found a secret in it).
    expect(server.output).toContain('/v1/services');
    expect(leaked(server.output)).toEqual([]);
    // After the restart the search needed, the service is still there, its version still current.
    expect((await admin('GET', '/v1/services/stripe')).body.current_version).toBe(2);
  });
});
