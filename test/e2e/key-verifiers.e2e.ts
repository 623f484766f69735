import { createHash, createHmac } from 'crypto';
import * as path from 'path';
import Database from 'better-sqlite3';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { call, newTenant, Tenant } from './support/client';
import { DistributedMandate, MandateProcess, MandateServer } from './support/server';

const PEPPER = 'e2e-key-pepper-0123456789abcdef-0123456789';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const verifierOf = (key: string) => createHmac('sha256', PEPPER).update(sha256(key.split('.')[3])).digest('hex');
const keyIdOf = (key: string) => key.split('.')[2];

/** Everything a store holds, as a thief of its files or database would read it: every event's text and every verifier. */
async function storedBytes(server: MandateServer): Promise<{ events: string; verifiers: Record<string, string> }> {
  if (server instanceof DistributedMandate) {
    const client = new Client({ connectionString: server.databaseUrl });
    await client.connect();
    try {
      const events = (await client.query('SELECT body FROM events ORDER BY position')).rows.map((r) => r.body).join('\n');
      const rows = (await client.query('SELECT key_id, verifier FROM operator_key_verifiers')).rows;
      return { events, verifiers: Object.fromEntries(rows.map((r) => [r.key_id, r.verifier])) };
    } finally {
      await client.end();
    }
  }
  // The embedded file is held exclusively by its process: read it stopped, as a copied backup would be.
  const embedded = server as MandateProcess;
  await embedded.kill('SIGTERM');
  const db = new Database(path.join(embedded.dataDir, 'events.db'), { readonly: true });
  try {
    const events = (db.prepare('SELECT body FROM events ORDER BY position').all() as Array<{ body: string }>).map((r) => r.body).join('\n');
    const rows = db.prepare('SELECT key_id, verifier FROM operator_key_verifiers').all() as Array<{ key_id: string; verifier: string }>;
    return { events, verifiers: Object.fromEntries(rows.map((r) => [r.key_id, r.verifier])) };
  } finally {
    db.close();
    await embedded.restart();
  }
}

/** Every message of the installation's events topic up to `head`: what any consumer of the stream (or its broker) sees. */
async function streamedEvents(server: DistributedMandate, head: number): Promise<string> {
  const kafka = new Kafka({ brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `${server.topicPrefix}verifier-check` });
  const values: string[] = [];
  let seen!: () => void;
  const allSeen = new Promise<void>((resolve) => (seen = resolve));
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: `${server.topicPrefix}events`, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value!.toString('utf8'));
        if (values.length >= head) seen();
      },
    });
    await allSeen;
    return values.join('\n');
  } finally {
    await consumer.disconnect();
  }
}

/** What of a key's secret material a text holds: its verifier, the sha256 of its secret, the secret, or the field name. */
function leaks(text: string, keys: string[]): string[] {
  const found = keys.flatMap((key) => [verifierOf(key), sha256(key.split('.')[3]), key.split('.')[3]].filter((secret) => text.includes(secret)));
  return text.includes('keyHash') ? [...found, 'keyHash'] : found;
}

describe('operator key verifiers never leave the server', () => {
  let server: MandateServer;
  let tenant: Tenant;
  let keys: string[];
  let revoked: string;

  beforeAll(async () => {
    server = await MandateProcess.start({ MANDATE_KEY_PEPPER: PEPPER });
    tenant = await newTenant(server, 'verifiers');
    keys = [tenant.adminKey, await tenant.key('auditor'), await tenant.key('approver'), await tenant.key('operator')];
    revoked = await tenant.key('operator');
    const revocation = await call(server, 'POST', `/v1/keys/${keyIdOf(revoked)}/revoke`, { token: tenant.adminKey, body: { reason: 'rotated' } });
    expect(revocation.status).toBe(200);
    keys.push(revoked);
  });
  afterAll(() => server?.stop());

  it('given keys of every role and a revoked one, when the export, the audit query and the keys list are read, then none holds a verifier, a key hash or the field name', async () => {
    const auditor = keys[1];
    const exported = await call(server, 'GET', '/v1/audit/export', { token: auditor });
    const exportText = exported.body as string;
    // The text searched is the one that names every key: the search could find them if they were there.
    for (const key of keys) expect(exportText).toContain(keyIdOf(key));
    expect(exportText.split('\n').filter((l) => l.includes('"OperatorKeyCreated"'))).toHaveLength(keys.length);
    expect(leaks(exportText, keys)).toEqual([]);

    const audit = await fetch(`${server.url}/v1/audit?limit=1000`, { headers: { authorization: `Bearer ${auditor}` } });
    const auditText = await audit.text();
    expect(auditText).toContain('OperatorKeyCreated');
    expect(leaks(auditText, keys)).toEqual([]);

    const listed = await fetch(`${server.url}/v1/keys`, { headers: { authorization: `Bearer ${tenant.adminKey}` } });
    const listText = await listed.text();
    for (const key of keys) expect(listText).toContain(keyIdOf(key));
    expect(leaks(listText, keys)).toEqual([]);
  });

  it('given keys, when the installation restarts, then each still authenticates and the revoked one still does not', async () => {
    await server.restart();
    expect((await call(server, 'GET', '/v1/keys', { token: keys[0] })).status).toBe(200);
    expect((await call(server, 'GET', '/v1/audit', { token: keys[1] })).status).toBe(200);
    expect((await call(server, 'GET', '/v1/intents?status=pending', { token: keys[2] })).status).toBe(200);
    expect((await call(server, 'GET', '/v1/agents', { token: keys[3] })).status).toBe(200);
    expect((await call(server, 'GET', '/v1/agents', { token: revoked })).status).toBe(401);
    const wrongSecret = keys[3].slice(0, -4) + (keys[3].endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect((await call(server, 'GET', '/v1/agents', { token: wrongSecret })).status).toBe(401);
  });

  it('given a copy of the store (events and verifier table) without the pepper, then a guessed secret cannot be confirmed: no sha256 of a secret is in it, only keyed verifiers', async () => {
    const stored = await storedBytes(server);
    expect(stored.events).toContain(keyIdOf(keys[0]));
    expect(leaks(stored.events, keys)).toEqual([]);
    for (const key of keys) {
      expect(stored.verifiers[keyIdOf(key)]).toBe(verifierOf(key));
      expect(stored.verifiers[keyIdOf(key)]).not.toBe(sha256(key.split('.')[3]));
    }
    expect(Object.values(stored.verifiers).join('\n')).not.toContain(sha256(keys[0].split('.')[3]));
    if (server instanceof DistributedMandate) {
      const streamed = await streamedEvents(server, stored.events.split('\n').length);
      expect(streamed).toContain(keyIdOf(keys[0]));
      expect(leaks(streamed, keys)).toEqual([]);
    }
    // Still serving after the look (the embedded one was stopped for it).
    expect((await call(server, 'GET', '/v1/keys', { token: keys[0] })).status).toBe(200);
  });
});
