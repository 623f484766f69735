import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { systemClock } from '@mandate/core';
import { LocalKeyProvider, ServiceCatalogCommand, serviceCatalogDecider, serviceCatalogStream } from '@mandate/credentials';
import { EventStore, PostgresEventStore, SecretStore, SqliteEventStore, SqliteSecretStore } from '@mandate/event-store';
import { AggregateRepository, commandContext, Credentials } from '@mandate/platform';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://mandate:mandate@127.0.0.1:5432/mandate';
const TENANT = 'ten_int';
const provider = new LocalKeyProvider(randomBytes(32));

interface Installation {
  store: EventStore;
  secrets: SecretStore;
  /** Runs SQL on the secret table as someone with the database would. */
  sql(text: string, ...values: unknown[]): Promise<void>;
  /** The same data, opened again as after a restart. */
  reopen(): Promise<void>;
  close(): Promise<void>;
}

async function sqliteInstallation(): Promise<Installation> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mandate-credentials-'));
  const open = () => new SqliteEventStore({ file: path.join(dir, 'events.db') });
  let store = open();
  const installation: Installation = {
    store,
    secrets: new SqliteSecretStore(store.db),
    sql: async (text, ...values) => void store.db.prepare(text).run(...values),
    reopen: async () => {
      await store.close();
      store = open();
      installation.store = store;
      installation.secrets = new SqliteSecretStore(store.db);
    },
    close: async () => (await store.close(), fs.rmSync(dir, { recursive: true, force: true })),
  };
  return installation;
}

async function postgresInstallation(): Promise<Installation> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const open = () => PostgresEventStore.open({ connectionString: DATABASE_URL, schema });
  let store = await open();
  const admin = new Client({ connectionString: DATABASE_URL, options: `-c search_path=${schema}` });
  await admin.connect();
  const installation: Installation = {
    store,
    secrets: store.secretStore(),
    sql: async (text, ...values) => {
      let n = 0;
      await admin.query(text.replace(/\?/g, () => `$${++n}`), values);
    },
    reopen: async () => {
      await store.close();
      store = await open();
      installation.store = store;
      installation.secrets = store.secretStore();
    },
    close: async () => {
      await store.close();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    },
  };
  return installation;
}

describe.each([
  ['the embedded SQLite file', sqliteInstallation],
  ['PostgreSQL', postgresInstallation],
])('credentials for calls, kept in %s', (_, open) => {
  let installation: Installation;
  let credentials: Credentials;
  let repository: AggregateRepository;
  const context = () => commandContext({ actor: { kind: 'operator', id: 'key_admin' } }, TENANT, systemClock);
  const decide = (command: ServiceCatalogCommand) => repository.execute(serviceCatalogDecider, serviceCatalogStream(TENANT), command, context());
  const start = async () => {
    repository = new AggregateRepository(installation.store);
    credentials = await Credentials.open(provider, installation.secrets, repository);
  };
  /** What the handlers do: the ciphertext kept first, then the event. */
  const register = async (service: string, secret: string, secretId = `sec_${service}`) => {
    const { fingerprint } = await credentials.keep({ tenantId: TENANT, service, secretId, version: 1 }, secret);
    await decide({ type: 'RegisterService', service, hosts: [`api.${service}.com`, 'mock'], internalHosts: ['mock'], presentation: { kind: 'header', name: 'X-Api-Key' }, secretId, fingerprint, at: new Date().toISOString() });
  };
  const rotate = async (service: string, secret: string, from: number, secretId = `sec_${service}`) => {
    const { version, fingerprint } = await credentials.keep({ tenantId: TENANT, service, secretId, version: from }, secret);
    await decide({ type: 'AddSecretVersion', service, secretId, version, fingerprint, at: new Date().toISOString() });
    return version;
  };

  beforeEach(async () => {
    installation = await open();
    await start();
  });
  afterEach(() => installation.close());

  it('given no such service, when a call asks for its credential, then null', async () => expect(await credentials.forCall(TENANT, 'stripe')).toBeNull());

  it('given a registered service, when a call asks, then its hosts, presentation and the decrypted current version; another tenant gets null', async () => {
    await register('stripe', 'sk_one');
    expect(await credentials.forCall(TENANT, 'stripe')).toEqual({
      hosts: ['api.stripe.com', 'mock'],
      internalHosts: ['mock'],
      presentation: { kind: 'header', name: 'X-Api-Key' },
      secret: { id: 'sec_stripe', version: 1, value: 'sk_one' },
    });
    expect(await credentials.forCall('ten_other', 'stripe')).toBeNull();
  });

  it('given rotations, then the next call uses the newest version; the newest removed, the one before it again', async () => {
    await register('stripe', 'sk_one');
    await rotate('stripe', 'sk_two', 2);
    expect((await credentials.forCall(TENANT, 'stripe'))?.secret).toEqual({ id: 'sec_stripe', version: 2, value: 'sk_two' });
    await rotate('stripe', 'sk_three', 3);
    await decide({ type: 'RemoveSecretVersion', service: 'stripe', version: 3 });
    expect((await credentials.forCall(TENANT, 'stripe'))?.secret.value).toBe('sk_two');
  });

  it('given a ciphertext kept whose event never came, then it is never used, and the next rotation takes the number after it', async () => {
    await register('stripe', 'sk_one');
    await credentials.keep({ tenantId: TENANT, service: 'stripe', secretId: 'sec_stripe', version: 2 }, 'sk_orphan');
    expect((await credentials.forCall(TENANT, 'stripe'))?.secret).toEqual({ id: 'sec_stripe', version: 1, value: 'sk_one' });
    expect(await rotate('stripe', 'sk_two', 2)).toBe(3);
    expect((await credentials.forCall(TENANT, 'stripe'))?.secret).toEqual({ id: 'sec_stripe', version: 3, value: 'sk_two' });
  });

  it('given a removed service, then the next call gets null at once, its ciphertext still stored or not', async () => {
    await register('stripe', 'sk_one');
    await decide({ type: 'RemoveService', service: 'stripe' });
    expect(await credentials.forCall(TENANT, 'stripe')).toBeNull();
  });

  it('given a ciphertext altered in the table, or moved to another service\'s row, when a call asks, then it is refused, never a wrong secret', async () => {
    await register('stripe', 'sk_one');
    await register('slack', 'xoxb_one');
    await installation.sql("UPDATE service_secrets SET envelope = (SELECT envelope FROM service_secrets WHERE secret_id = 'sec_stripe') WHERE secret_id = 'sec_slack'");
    await expect(credentials.forCall(TENANT, 'slack')).rejects.toThrow(/altered or belongs elsewhere/);
    const row = JSON.parse((await installation.secrets.envelopeOf(TENANT, 'sec_stripe', 1))!);
    // One character in the middle, always changed (the character chosen never equals the one it replaces).
    const middle = Math.floor(row.ciphertext.length / 2);
    const flipped = row.ciphertext.slice(0, middle) + (row.ciphertext[middle] === 'A' ? 'B' : 'A') + row.ciphertext.slice(middle + 1);
    expect(flipped).not.toBe(row.ciphertext);
    await installation.sql('UPDATE service_secrets SET envelope = ? WHERE secret_id = ?', JSON.stringify({ ...row, ciphertext: flipped }), 'sec_stripe');
    await expect(credentials.forCall(TENANT, 'stripe')).rejects.toThrow(/altered or belongs elsewhere/);
  });

  it('given secrets, when the installation restarts with the same master key, then they still open; with another, it refuses to start and names the master key', async () => {
    await register('stripe', 'sk_one');
    const fingerprint = credentials.fingerprint('sk_one');
    await installation.reopen();
    await start();
    expect((await credentials.forCall(TENANT, 'stripe'))?.secret.value).toBe('sk_one');
    expect(credentials.fingerprint('sk_one')).toBe(fingerprint);
    await expect(Credentials.open(new LocalKeyProvider(randomBytes(32)), installation.secrets, repository)).rejects.toThrow(/MANDATE_MASTER_KEY, or the master-key file of the keys directory/);
  });
});
