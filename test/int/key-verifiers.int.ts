import { createHash, createHmac, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { EventStore, KeyVerifierStore, PostgresEventStore, SqliteEventStore, SqliteKeyVerifiers } from '@mandate/event-store';
import { keyOf, tenantDecider, tenantStream } from '@mandate/tenancy';
import { AggregateRepository, keyPepper, OperatorKeys } from '@mandate/platform';
import { newEvent } from './event-store.contract';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://mandate:mandate@127.0.0.1:5432/mandate';
const PEPPER = Buffer.from('int-key-pepper-0123456789abcdef-0123456789');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const hmac = (pepper: Buffer, text: string) => createHmac('sha256', pepper).update(text).digest('hex');
const secretOf = (key: string) => key.split('.')[3];

interface Installation {
  store: EventStore;
  verifiers: KeyVerifierStore;
  /** Every verifier row as stored: what a leaked backup holds. */
  rows(): Promise<Array<{ key_id: string; verifier: string }>>;
  close(): Promise<void>;
}

async function sqliteInstallation(): Promise<Installation> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mandate-verifiers-'));
  const store = new SqliteEventStore({ file: path.join(dir, 'events.db') });
  const verifiers = new SqliteKeyVerifiers(store.db);
  return {
    store,
    verifiers,
    rows: async () => store.db.prepare('SELECT key_id, verifier FROM operator_key_verifiers').all() as Array<{ key_id: string; verifier: string }>,
    close: async () => (await store.close(), fs.rmSync(dir, { recursive: true, force: true })),
  };
}

async function postgresInstallation(): Promise<Installation> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const store = await PostgresEventStore.open({ connectionString: DATABASE_URL, schema });
  const admin = new Client({ connectionString: DATABASE_URL });
  await admin.connect();
  return {
    store,
    verifiers: store.keyVerifiers(),
    rows: async () => (await admin.query(`SELECT key_id, verifier FROM ${schema}.operator_key_verifiers`)).rows,
    close: async () => {
      await store.close();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    },
  };
}

/** A tenant stream as release 0.1 wrote it: its key events carry sha256(secret) as `keyHash`, at schemaVersion 1. */
async function appendReleaseZeroOneTenant(store: EventStore, tenantId: string, keyId: string, secret: string): Promise<void> {
  const at = (type: string, data: unknown) => ({ ...newEvent(tenantId, data, type), actor: { kind: 'admin' as const, id: 'instance-admin' } });
  await store.append(tenantStream(tenantId), [at('TenantCreated', { tenantId, name: 'old' }), at('OperatorKeyCreated', { keyId, name: 'first admin key', role: 'admin', keyHash: sha256(secret) })], 0);
}

describe.each([
  ['the embedded SQLite file', sqliteInstallation],
  ['PostgreSQL', postgresInstallation],
])('operator key verifiers in %s', (_, open) => {
  let installation: Installation;

  beforeEach(async () => (installation = await open()));
  afterEach(() => installation.close());

  it('given an issued key, then the verifier kept is HMAC(pepper, sha256(secret)): not the hash a guess could be checked against', async () => {
    const keys = await OperatorKeys.open(PEPPER, installation.verifiers, installation.store);
    const key = await keys.issue('ten_1', 'key_1');
    const secret = secretOf(key);
    const [row] = await installation.rows();
    expect(row).toEqual({ key_id: 'key_1', verifier: hmac(PEPPER, sha256(secret)) });
    // A leaked store without the pepper: the guessed secret's hash is nowhere, and no other pepper gives the row.
    expect(row.verifier).not.toBe(sha256(secret));
    expect(row.verifier).not.toBe(hmac(Buffer.from('another-pepper-0123456789abcdef-0123'), sha256(secret)));
    const state = { status: 'active' as const, tenantId: 'ten_1', name: 'acme', keys: {} };
    const operatorKey = { keyId: 'key_1', name: 'ci', role: 'operator' as const, revoked: false };
    expect(await keys.matches(state.tenantId, operatorKey, secret)).toBe(true);
    expect(await keys.matches(state.tenantId, operatorKey, secret.slice(1) + 'A')).toBe(false);
    expect(await keys.matches('ten_2', operatorKey, secret)).toBe(false);
  });

  it('given verifiers made with one pepper, when opened with another, then it refuses to start and names the pepper', async () => {
    await OperatorKeys.open(PEPPER, installation.verifiers, installation.store);
    await expect(OperatorKeys.open(Buffer.from('a-different-pepper-0123456789abcdef-0123'), installation.verifiers, installation.store)).rejects.toThrow(/MANDATE_KEY_PEPPER.*not the one/);
    await expect(OperatorKeys.open(PEPPER, installation.verifiers, installation.store)).resolves.toBeInstanceOf(OperatorKeys);
  });

  it('given a release 0.1 key, when it is first presented, then it authenticates, its verifier is keyed from the stored hash, and a restart needs the event no more', async () => {
    const secret = randomBytes(32).toString('base64url');
    await appendReleaseZeroOneTenant(installation.store, 'ten_old', 'key_old', secret);
    const { state } = await new AggregateRepository(installation.store).load(tenantDecider, tenantStream('ten_old'));
    const key = keyOf(state, 'key_old')!;
    expect(key).not.toHaveProperty('keyHash');
    expect(await installation.rows()).toEqual([]);

    const keys = await OperatorKeys.open(PEPPER, installation.verifiers, installation.store);
    expect(await keys.matches('ten_old', key, secret)).toBe(true);
    expect(await keys.matches('ten_old', key, 'not-the-secret')).toBe(false);
    expect(await installation.rows()).toEqual([{ key_id: 'key_old', verifier: hmac(PEPPER, sha256(secret)) }]);
    const restarted = await OperatorKeys.open(PEPPER, installation.verifiers, installation.store);
    expect(await restarted.matches('ten_old', { ...key, position: undefined }, secret)).toBe(true);
  });

  it('given a key whose event names no verifier and none is kept, then it fails closed', async () => {
    const keys = await OperatorKeys.open(PEPPER, installation.verifiers, installation.store);
    expect(await keys.matches('ten_1', { keyId: 'key_lost', name: 'x', role: 'admin', revoked: false, position: 1 }, 'anything')).toBe(false);
  });
});

describe('the key pepper file', () => {
  it('given no MANDATE_KEY_PEPPER, then one is generated once, 0600, and read back the same by every later start', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mandate-pepper-'));
    try {
      const first = keyPepper(dir, null);
      expect(fs.statSync(path.join(dir, 'key-pepper')).mode & 0o777).toBe(0o600);
      expect(keyPepper(dir, null).equals(first)).toBe(true);
      expect(first.length).toBeGreaterThanOrEqual(32);
      expect(() => keyPepper(dir, 'too short')).toThrow(/at least 32/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
