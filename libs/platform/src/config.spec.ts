import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadConfig, loadProxyUpstreamSettings } from './config';

describe('settings of the topology', () => {
  it('given nothing set, then one embedded process with an in-process stream, keys beside the data', () => {
    const config = loadConfig({ MANDATE_DATA_DIR: '/var/lib/mandate' });
    expect(config).toMatchObject({ store: 'embedded', stream: 'inprocess', service: 'mandate', keysDir: '/var/lib/mandate', relay: true });
  });

  it('given PostgreSQL and Kafka, then every service may relay (the database elects one) and topics get the default prefix', () => {
    const config = loadConfig({ MANDATE_STORE: 'postgres', MANDATE_STREAM: 'kafka', DATABASE_URL: 'postgres://m:m@db/m', KAFKA_BROKERS: 'k1:9092, k2:9092', MANDATE_SERVICE: 'intent' });
    expect(config).toMatchObject({ store: 'postgres', stream: 'kafka', relay: true, kafka: { brokers: ['k1:9092', 'k2:9092'], topicPrefix: 'mandate.', partitions: 8 } });
  });

  it('given EventStoreDB, then only the audit service relays unless told otherwise', () => {
    const esdb = { MANDATE_STORE: 'eventstoredb', EVENTSTORE_CONNECTION_STRING: 'esdb://es:2113?tls=false', MANDATE_STREAM: 'kafka', KAFKA_BROKERS: 'k:9092' };
    expect(loadConfig({ ...esdb, MANDATE_SERVICE: 'intent' }).relay).toBe(false);
    expect(loadConfig({ ...esdb, MANDATE_SERVICE: 'audit' }).relay).toBe(true);
    expect(loadConfig({ ...esdb, MANDATE_SERVICE: 'intent', MANDATE_RELAY: 'on' }).relay).toBe(true);
  });

  it('given nothing set, then timeouts, a connection cap and rate limits are in force, each default below its maximum', () => {
    const { http, limits } = loadConfig({});
    expect(http).toEqual({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, socketIdleTimeoutMs: 120_000, maxConnections: 4096 });
    expect(limits.defaults).toEqual({ operatorKeyRequestsPerMinute: 1_200, passportRequestsPerMinute: 6_000, streamsPerKey: 5, streamsPerTenant: 50 });
    for (const [name, value] of Object.entries(limits.defaults)) expect(value).toBeLessThanOrEqual(limits.maxima[name as keyof typeof limits.maxima]);
    expect(limits.trustedProxies).toEqual([]);
  });

  it('given a maximum below the built-in default, then the default follows it down', () => {
    expect(loadConfig({ MANDATE_STREAMS_PER_KEY_MAX: '2' }).limits.defaults.streamsPerKey).toBe(2);
  });

  it.each([
    [{ MANDATE_STORE: 'mysql' }, /MANDATE_STORE must be embedded, postgres or eventstoredb/],
    [{ MANDATE_STREAM: 'rabbit' }, /MANDATE_STREAM must be inprocess or kafka/],
    [{ MANDATE_STORE: 'postgres' }, /needs DATABASE_URL/],
    [{ MANDATE_STORE: 'eventstoredb' }, /needs EVENTSTORE_CONNECTION_STRING/],
    [{ MANDATE_STREAM: 'kafka' }, /embedded store belongs to one process/],
    [{ MANDATE_STORE: 'postgres', DATABASE_URL: 'postgres://x', MANDATE_STREAM: 'kafka' }, /needs KAFKA_BROKERS/],
    [{ MANDATE_KAFKA_TOPIC_PREFIX: 'a b' }, /MANDATE_KAFKA_TOPIC_PREFIX/],
    [{ MANDATE_RELAY: 'maybe' }, /MANDATE_RELAY must be auto, on or off/],
    [{ MANDATE_KAFKA_PARTITIONS: '0' }, /MANDATE_KAFKA_PARTITIONS must be an integer from 1/],
    [{ MANDATE_STREAMS_PER_KEY: '11', MANDATE_STREAMS_PER_KEY_MAX: '10' }, /MANDATE_STREAMS_PER_KEY must be an integer from 1 to 10/],
    [{ MANDATE_MAX_CONNECTIONS: 'lots' }, /MANDATE_MAX_CONNECTIONS must be an integer/],
  ])('given %j, then the process refuses to start and says what to set', (env, message) => {
    expect(() => loadConfig(env as NodeJS.ProcessEnv)).toThrow(message);
  });
});

describe('settings of the credential proxy\'s upstream client', () => {
  it('given nothing set, then the system roots only, and timeouts and a size cap in force', () => {
    expect(loadProxyUpstreamSettings({})).toEqual({
      caPem: null, connectTimeoutMs: 5_000, headersTimeoutMs: 30_000, bodyTimeoutMs: 30_000, maxResponseBytes: 10 * 1024 * 1024,
    });
  });

  it('given a CA file, then its PEM is read; a missing or non-PEM file stops the start', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mandate-ca-setting-'));
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    fs.writeFileSync(path.join(dir, 'ca.pem'), pem);
    fs.writeFileSync(path.join(dir, 'not.pem'), 'hello');
    try {
      expect(loadProxyUpstreamSettings({ MANDATE_PROXY_CA_FILE: path.join(dir, 'ca.pem') }).caPem).toBe(pem);
      expect(() => loadProxyUpstreamSettings({ MANDATE_PROXY_CA_FILE: path.join(dir, 'absent.pem') })).toThrow(/cannot be read/);
      expect(() => loadProxyUpstreamSettings({ MANDATE_PROXY_CA_FILE: path.join(dir, 'not.pem') })).toThrow(/no PEM certificate/);
      expect(() => loadProxyUpstreamSettings({ MANDATE_PROXY_MAX_RESPONSE_BYTES: '10' })).toThrow(/MANDATE_PROXY_MAX_RESPONSE_BYTES/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
