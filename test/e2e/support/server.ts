import { ChildProcess, spawn } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { Kafka, logLevel } from 'kafkajs';

const DIST = path.join(__dirname, '..', '..', '..', 'dist', 'apps');
const main = (app: string) => path.join(DIST, app, 'src', 'main.js');
export const ADMIN_KEY = 'mdt_admin.e2e-instance-admin-key-0123456789abcdef';

/** Which topology the end-to-end suites run against: `embedded` (one process) or `distributed` (four and a door). */
export const TOPOLOGY = process.env.MANDATE_E2E_TOPOLOGY === 'distributed' ? 'distributed' : 'embedded';
export const SERVICES = ['passport', 'intent', 'detector', 'audit'] as const;
export type Service = (typeof SERVICES)[number];
const ADMIN_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://mandate:mandate@127.0.0.1:5432/mandate';
const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** One Node process of Mandate on loopback, restartable on the same data, killable like an operator would. */
class NodeProcess {
  private child: ChildProcess | null = null;
  output = '';

  constructor(readonly name: string, private readonly file: string, readonly port: number, private readonly env: () => Record<string, string>) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== null;
  }

  async boot(readyPath = '/readyz'): Promise<void> {
    if (!fs.existsSync(this.file)) throw new Error(`${this.file} is missing: run "npm run build" first (npm test does)`);
    const child = spawn(process.execPath, [this.file], { env: { ...process.env, PORT: String(this.port), LOG_LEVEL: 'warn', ...this.env() }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.on('data', (d) => (this.output += d));
    child.stderr!.on('data', (d) => (this.output += d));
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`${this.name} exited with ${code} before it was ready:\n${this.output}`))),
    );
    await Promise.race([this.waitReady(readyPath), exited]);
  }

  /** Polls readiness: an observable state of the server, not a timer. */
  private async waitReady(readyPath: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      try {
        if ((await fetch(`${this.url}${readyPath}`)).status === 200) return;
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${this.name} was not ready within 60 s:\n${this.output}`);
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return void (this.child = null);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
    this.child = null;
  }
}

/** What every end-to-end suite drives: a base URL, and a whole installation that can crash and restart. */
export interface MandateServer {
  readonly url: string;
  readonly output: string;
  kill(signal?: NodeJS.Signals): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Embedded mode: the real all-in-one process (the built app) with its own data dir. `restart` keeps the data dir,
 * `kill` sends SIGKILL, so tests see exactly what an operator would after a crash.
 */
export class MandateProcess implements MandateServer {
  private constructor(readonly dataDir: string, private readonly process: NodeProcess) {}

  /** The installation of the topology under test (MANDATE_E2E_TOPOLOGY): embedded, or distributed behind its door. */
  static async start(env: Record<string, string> = {}): Promise<MandateServer> {
    return TOPOLOGY === 'distributed' ? DistributedMandate.start(env) : MandateProcess.startEmbedded(env);
  }

  /** For the suites that reach into the embedded data dir (tamper, replay CLI, durability of one file). */
  static async startEmbedded(env: Record<string, string> = {}, dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mandate-e2e-'))): Promise<MandateProcess> {
    const child = new NodeProcess('mandate', main('mandate'), await freePort(), () => ({ MANDATE_DATA_DIR: dataDir, MANDATE_ADMIN_KEY: ADMIN_KEY, ...env }));
    await child.boot();
    return new MandateProcess(dataDir, child);
  }

  get url(): string {
    return this.process.url;
  }

  get output(): string {
    return this.process.output;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    return this.process.kill(signal);
  }

  async restart(): Promise<void> {
    await this.process.kill('SIGTERM');
    await this.process.boot();
  }

  async stop(): Promise<void> {
    await this.process.kill('SIGTERM');
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/**
 * Distributed mode: the four services as separate processes on PostgreSQL and Kafka (both on loopback, started by
 * deploy/local/up.sh), behind the front door. Each installation gets a database and a topic prefix of its own.
 */
export class DistributedMandate implements MandateServer {
  readonly services: Record<Service, NodeProcess>;
  readonly gateway: NodeProcess;

  private constructor(readonly root: string, readonly databaseUrl: string, readonly topicPrefix: string, ports: number[], env: Record<string, string>) {
    const gatewayUrl = `http://127.0.0.1:${ports[4]}`;
    const shared = {
      MANDATE_STORE: 'postgres',
      MANDATE_STREAM: 'kafka',
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS,
      MANDATE_KAFKA_TOPIC_PREFIX: topicPrefix,
      MANDATE_KAFKA_PARTITIONS: '4',
      MANDATE_KEYS_DIR: path.join(root, 'keys'),
      MANDATE_ADMIN_KEY: ADMIN_KEY,
      MANDATE_ISSUER: gatewayUrl,
      ...env,
    };
    this.services = Object.fromEntries(
      SERVICES.map((name, i) => [name, new NodeProcess(name, main(name), ports[i], () => ({ ...shared, MANDATE_DATA_DIR: path.join(root, name) }))]),
    ) as Record<Service, NodeProcess>;
    this.gateway = new NodeProcess('gateway', main('gateway'), ports[4], () => ({
      MANDATE_PASSPORT_URL: this.services.passport.url,
      MANDATE_INTENT_URL: this.services.intent.url,
      MANDATE_DETECTOR_URL: this.services.detector.url,
      MANDATE_AUDIT_URL: this.services.audit.url,
    }));
  }

  static async start(env: Record<string, string> = {}): Promise<DistributedMandate> {
    const id = randomBytes(4).toString('hex');
    const database = `mandate_e2e_${id}`;
    const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    const url = new URL(ADMIN_DATABASE_URL);
    url.pathname = `/${database}`;
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mandate-e2e-dist-'));
    const ports = await Promise.all(Array.from({ length: 5 }, freePort));
    const installation = new DistributedMandate(root, url.toString(), `e2e${id}.`, ports, env);
    await installation.bootAll();
    return installation;
  }

  get url(): string {
    return this.gateway.url;
  }

  get output(): string {
    return [...SERVICES.map((s) => this.services[s]), this.gateway].map((p) => `--- ${p.name}\n${p.output}`).join('\n');
  }

  private async bootAll(): Promise<void> {
    // The first service creates the schema and topics; the others then start together.
    await this.services.passport.boot();
    await Promise.all([this.services.intent.boot(), this.services.detector.boot(), this.services.audit.boot(), this.gateway.boot('/healthz')]);
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await Promise.all([...Object.values(this.services), this.gateway].map((p) => p.kill(signal)));
  }

  async restart(): Promise<void> {
    await this.kill('SIGTERM');
    await this.bootAll();
  }

  async stop(): Promise<void> {
    await this.kill('SIGTERM');
    fs.rmSync(this.root, { recursive: true, force: true });
    const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${new URL(this.databaseUrl).pathname.slice(1)} WITH (FORCE)`);
    await admin.end();
    const kafka = new Kafka({ brokers: KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
    const topics = kafka.admin();
    await topics.connect();
    const mine = (await topics.listTopics()).filter((t) => t.startsWith(this.topicPrefix));
    if (mine.length > 0) await topics.deleteTopics({ topics: mine }).catch(() => undefined);
    await topics.disconnect();
  }
}
