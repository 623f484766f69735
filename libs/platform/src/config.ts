import * as fs from 'fs';
import * as path from 'path';
import { LogLevel, parseLogLevel } from './logging';
import { DEFAULT_KEY_RETENTION_SECONDS } from './signing-key-set';

/** How long the HTTP server waits for a client, and how many it holds at once (README: "Timeouts and limits"). */
export interface HttpLimits {
  /** A request's headers must all have arrived within this; a socket that never sends one is closed after it too. */
  headersTimeoutMs: number;
  /** The whole request, body included, must have arrived within this: a body trickled a byte a second is cut. */
  requestTimeoutMs: number;
  /** An idle kept-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** A connection with no traffic either way (a client that stopped reading) is closed after this. */
  socketIdleTimeoutMs: number;
  /** Connections beyond this are answered 503 with Retry-After and closed. */
  maxConnections: number;
}

/** The instance's rate and stream limits: defaults for every tenant, and the ceilings a tenant admin may set up to. */
export interface RateLimits {
  /** Per tenant, unless the tenant set its own (PUT /v1/limits). */
  defaults: { operatorKeyRequestsPerMinute: number; passportRequestsPerMinute: number; streamsPerKey: number; streamsPerTenant: number };
  maxima: { operatorKeyRequestsPerMinute: number; passportRequestsPerMinute: number; streamsPerKey: number; streamsPerTenant: number };
  /** Per client address: unauthenticated routes (verify, discovery), and callers whose credential is not yet known. */
  addressRequestsPerMinute: number;
  /** Addresses whose X-Forwarded-For is believed (the front door of distributed mode); none by default. */
  trustedProxies: string[];
  /** How long a 429 is held before it is sent (at most until Retry-After): a flood's connections then wait instead of costing the server a request each. */
  refusalDelayMs: number;
}

/** The connection settings every HTTP server of Mandate reads, the front door included. */
export function loadHttpLimits(env: NodeJS.ProcessEnv = process.env): HttpLimits {
  return {
    headersTimeoutMs: integer(env, 'MANDATE_HEADERS_TIMEOUT_MS', 10_000, 100, 600_000),
    requestTimeoutMs: integer(env, 'MANDATE_REQUEST_TIMEOUT_MS', 30_000, 100, 3_600_000),
    keepAliveTimeoutMs: integer(env, 'MANDATE_KEEP_ALIVE_TIMEOUT_MS', 5_000, 100, 600_000),
    // Above the longest long poll (60 s) and the event streams' 15 s keep-alive, which both count as traffic.
    socketIdleTimeoutMs: integer(env, 'MANDATE_SOCKET_IDLE_TIMEOUT_MS', 120_000, 1_000, 3_600_000),
    maxConnections: integer(env, 'MANDATE_MAX_CONNECTIONS', 4096, 1, 1_000_000),
  };
}

/** How the credential proxy reaches services' upstreams (README: settings); read by the proxy route. */
export interface ProxyUpstreamSettings {
  /** A CA (PEM) trusted besides the system's roots, for upstreams with a private CA. */
  caPem: string | null;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  maxResponseBytes: number;
}

export function loadProxyUpstreamSettings(env: NodeJS.ProcessEnv = process.env): ProxyUpstreamSettings {
  const caFile = env.MANDATE_PROXY_CA_FILE || null;
  let caPem: string | null = null;
  if (caFile) {
    try {
      caPem = fs.readFileSync(caFile, 'utf8');
    } catch (error) {
      throw new Error(`MANDATE_PROXY_CA_FILE ${caFile} cannot be read: ${(error as Error).message}`);
    }
    if (!caPem.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`MANDATE_PROXY_CA_FILE ${caFile} holds no PEM certificate`);
  }
  return {
    caPem,
    connectTimeoutMs: integer(env, 'MANDATE_PROXY_CONNECT_TIMEOUT_MS', 5_000, 100, 120_000),
    headersTimeoutMs: integer(env, 'MANDATE_PROXY_HEADERS_TIMEOUT_MS', 30_000, 100, 600_000),
    bodyTimeoutMs: integer(env, 'MANDATE_PROXY_BODY_TIMEOUT_MS', 30_000, 100, 600_000),
    maxResponseBytes: integer(env, 'MANDATE_PROXY_MAX_RESPONSE_BYTES', 10 * 1024 * 1024, 1024, 256 * 1024 * 1024),
  };
}

function loadRateLimits(env: NodeJS.ProcessEnv): RateLimits {
  const pair = (name: string, fallback: number, ceiling: number) => {
    const maximum = integer(env, `${name}_MAX`, ceiling, 1, 100_000_000);
    return [integer(env, name, Math.min(fallback, maximum), 1, maximum), maximum] as const;
  };
  const [operatorKey, operatorKeyMax] = pair('MANDATE_RATE_LIMIT_OPERATOR_KEY_PER_MINUTE', 1_200, 60_000);
  const [passport, passportMax] = pair('MANDATE_RATE_LIMIT_PASSPORT_PER_MINUTE', 6_000, 600_000);
  const [perKey, perKeyMax] = pair('MANDATE_STREAMS_PER_KEY', 5, 50);
  const [perTenant, perTenantMax] = pair('MANDATE_STREAMS_PER_TENANT', 50, 500);
  return {
    defaults: { operatorKeyRequestsPerMinute: operatorKey, passportRequestsPerMinute: passport, streamsPerKey: perKey, streamsPerTenant: perTenant },
    maxima: { operatorKeyRequestsPerMinute: operatorKeyMax, passportRequestsPerMinute: passportMax, streamsPerKey: perKeyMax, streamsPerTenant: perTenantMax },
    addressRequestsPerMinute: integer(env, 'MANDATE_RATE_LIMIT_ADDRESS_PER_MINUTE', 1_200, 1, 100_000_000),
    trustedProxies: (env.MANDATE_TRUSTED_PROXIES || '').split(',').map((a) => a.trim()).filter(Boolean),
    refusalDelayMs: integer(env, 'MANDATE_RATE_LIMIT_DELAY_MS', 1_000, 0, 60_000),
  };
}

/** Every setting Mandate reads, in one place. The README's settings table mirrors this file. */
export interface MandateConfig {
  port: number;
  host: string;
  dataDir: string;
  /** Instance admin key for creating tenants; generated into the data dir on first start when unset. */
  adminKey: string | null;
  /** Server secret operator key verifiers are keyed with; generated into the keys dir on first start when unset. */
  keyPepper: string | null;
  /** The master key the credential proxy's secrets are wrapped with (32 bytes, hex or base64); generated into the keys dir on first start when unset. */
  masterKey: string | null;
  /** `iss` of passports and the base of the OIDC discovery document. */
  issuer: string;
  bodyLimitBytes: number;
  /** How often the refusals answered without being stored one by one are written as their count. */
  refusalCountSeconds: number;
  logLevel: LogLevel;
  /** Which service this process is (set by each app's main): names its consumer groups and local files. */
  service: string;
  /** Where the passport signing keys and the generated admin key live; every process of one installation shares it. */
  keysDir: string;
  /** How long a retired signing key keeps verifying (and stays in the JWKS) after a rotation. */
  signingKeyRetentionSeconds: number;
  /** The truth: an embedded SQLite file, PostgreSQL, or EventStoreDB. */
  store: 'embedded' | 'postgres' | 'eventstoredb';
  /** Fan-out: in this process, or Apache Kafka. */
  stream: 'inprocess' | 'kafka';
  databaseUrl: string | null;
  eventstoreConnectionString: string | null;
  kafka: { brokers: string[]; topicPrefix: string; partitions: number };
  /** Whether this process may relay the store to Kafka (PostgreSQL: every process competes for one lease). */
  relay: boolean;
  http: HttpLimits;
  limits: RateLimits;
  /** How the credential proxy reaches upstreams: an extra CA, timeouts, the response cap. */
  proxy: ProxyUpstreamSettings;
}

/** Read by the server and by `mandate rotate-signing-key`, which answers with what the JWKS holds after it. */
export function loadSigningKeyRetention(env: NodeJS.ProcessEnv = process.env): number {
  return integer(env, 'MANDATE_SIGNING_KEY_RETENTION_SECONDS', DEFAULT_KEY_RETENTION_SECONDS, 1, 30 * 86_400);
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): MandateConfig {
  const port = integer(env, 'PORT', 8080, 0, 65535);
  const host = env.HOST || '127.0.0.1';
  const logLevel = parseLogLevel(env.LOG_LEVEL);
  const service = env.MANDATE_SERVICE || 'mandate';
  const dataDir = path.resolve(env.MANDATE_DATA_DIR || './data');
  const store = (env.MANDATE_STORE || 'embedded') as MandateConfig['store'];
  if (!['embedded', 'postgres', 'eventstoredb'].includes(store)) throw new Error('MANDATE_STORE must be embedded, postgres or eventstoredb');
  const stream = (env.MANDATE_STREAM || 'inprocess') as MandateConfig['stream'];
  if (!['inprocess', 'kafka'].includes(stream)) throw new Error('MANDATE_STREAM must be inprocess or kafka');
  const databaseUrl = env.DATABASE_URL || null;
  const eventstoreConnectionString = env.EVENTSTORE_CONNECTION_STRING || null;
  if (store === 'postgres' && !databaseUrl) throw new Error('MANDATE_STORE=postgres needs DATABASE_URL (postgres://user:password@host:5432/db)');
  if (store === 'eventstoredb' && !eventstoreConnectionString) {
    throw new Error('MANDATE_STORE=eventstoredb needs EVENTSTORE_CONNECTION_STRING (esdb://host:2113?tls=false)');
  }
  if (store === 'embedded' && stream === 'kafka') {
    throw new Error('MANDATE_STREAM=kafka needs a shared store: the embedded store belongs to one process (set MANDATE_STORE=postgres)');
  }
  const brokers = (env.KAFKA_BROKERS || '').split(',').map((b) => b.trim()).filter(Boolean);
  if (stream === 'kafka' && brokers.length === 0) throw new Error('MANDATE_STREAM=kafka needs KAFKA_BROKERS (host:9092[,host:9092…])');
  const topicPrefix = env.MANDATE_KAFKA_TOPIC_PREFIX ?? 'mandate.';
  if (!/^[A-Za-z0-9._-]{0,100}$/.test(topicPrefix)) throw new Error('MANDATE_KAFKA_TOPIC_PREFIX may hold letters, digits, ".", "_" and "-" only');
  const relaySetting = env.MANDATE_RELAY || 'auto';
  if (!['auto', 'on', 'off'].includes(relaySetting)) throw new Error('MANDATE_RELAY must be auto, on or off');
  // PostgreSQL elects one relay among all processes; EventStoreDB has no lease here, so one service (audit) relays.
  const relay = relaySetting === 'on' || (relaySetting === 'auto' && (store === 'postgres' || service === 'audit' || service === 'mandate'));
  return {
    service,
    keysDir: path.resolve(env.MANDATE_KEYS_DIR || dataDir),
    signingKeyRetentionSeconds: loadSigningKeyRetention(env),
    store,
    stream,
    databaseUrl,
    eventstoreConnectionString,
    kafka: { brokers, topicPrefix, partitions: integer(env, 'MANDATE_KAFKA_PARTITIONS', 8, 1, 1000) },
    relay,
    refusalCountSeconds: integer(env, 'MANDATE_REFUSAL_COUNT_SECONDS', 60, 1, 3600),
    port,
    host,
    dataDir,
    adminKey: env.MANDATE_ADMIN_KEY || null,
    keyPepper: env.MANDATE_KEY_PEPPER || null,
    masterKey: env.MANDATE_MASTER_KEY || null,
    issuer: (env.MANDATE_ISSUER || `http://localhost:${port}`).replace(/\/$/, ''),
    bodyLimitBytes: integer(env, 'MANDATE_BODY_LIMIT_BYTES', 256 * 1024, 1024, 16 * 1024 * 1024),
    logLevel,
    http: loadHttpLimits(env),
    limits: loadRateLimits(env),
    proxy: loadProxyUpstreamSettings(env),
  };
}

export const MANDATE_CONFIG = Symbol('MANDATE_CONFIG');
