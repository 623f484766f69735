/**
 * The one process harness of the end-to-end suites and the bench: Mandate's built processes on loopback, embedded or
 * distributed, restartable on the same data, killable like an operator would. The bench runs its build
 * (dist/test/e2e/support, `npm run build:harness`), the suites run this source under ts-jest.
 */
import { ChildProcess, spawn } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as vm from 'vm';
import { Client } from 'pg';
import { Kafka, logLevel } from 'kafkajs';

/** The repository root, whether this file runs as source (test/e2e/support) or built (dist/test/e2e/support). */
export const ROOT = (() => {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
})();
const main = (app: string) => path.join(ROOT, 'dist', 'apps', app, 'src', 'main.js');
const EXIT_WITH_PARENT = path.join(ROOT, 'test', 'e2e', 'support', 'exit-with-parent.js');
export const ADMIN_KEY = 'mdt_admin.e2e-instance-admin-key-0123456789abcdef';

/** Which topology the end-to-end suites run against: `embedded` (one process) or `distributed` (four and a door). */
export const TOPOLOGY = process.env.MANDATE_E2E_TOPOLOGY === 'distributed' ? 'distributed' : 'embedded';
export const SERVICES = ['passport', 'intent', 'detector', 'audit'] as const;
export type Service = (typeof SERVICES)[number];
const ADMIN_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://mandate:mandate@127.0.0.1:5432/mandate';
const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
/** How long a stopped process gets to shut down cleanly before it is killed. */
const GRACE_MS = 10_000;

// Under Jest, `process` is a per-file copy whose 'exit' listeners never run; the main context holds the real one.
const realProcess: NodeJS.Process = vm.runInThisContext('process');
const REGISTRY = Symbol.for('mandate.harness.children');

/** Every child the harness starts is killed when the process that started it exits, whatever the reason. */
export function track<T extends ChildProcess>(child: T): T {
  const holder = realProcess as unknown as Record<symbol, Set<ChildProcess> | undefined>;
  let children = holder[REGISTRY];
  if (!children) {
    const all = (children = holder[REGISTRY] = new Set());
    realProcess.on('exit', () => all.forEach((c) => c.kill('SIGKILL')));
  }
  children.add(child);
  child.once('exit', () => children!.delete(child));
  return child;
}

/** Kills every child still running (for a bench that ends on a signal or an uncaught error). */
export function killAll(): void {
  (realProcess as unknown as Record<symbol, Set<ChildProcess> | undefined>)[REGISTRY]?.forEach((c) => c.kill('SIGKILL'));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Rejects when `work` has not settled within `ms`, so that no clean-up step can hold a run. */
export function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer!: NodeJS.Timeout;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms)));
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

export interface NodeProcessOptions {
  /** Extra node flags, e.g. `['-r', preload]`. */
  execArgv?: string[];
  /** Opens an IPC channel (`child.send`, 'message'), as the bench's profiler uses. */
  ipc?: boolean;
  /** Called with every line the process writes to stdout or stderr. */
  onLine?: (line: string) => void;
  readyTimeoutMs?: number;
}

/** One Node process of Mandate on loopback, restartable on the same data, killable like an operator would. */
export class NodeProcess {
  private current: ChildProcess | null = null;
  private exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | null = null;
  output = '';

  constructor(
    readonly name: string,
    private readonly file: string,
    readonly port: number,
    private readonly env: () => Record<string, string>,
    private readonly options: NodeProcessOptions = {},
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.current !== null && this.current.exitCode === null && this.current.signalCode === null;
  }

  /** The running child (for its pid and IPC channel); throws when there is none. */
  get child(): ChildProcess {
    if (!this.current) throw new Error(`${this.name} is not running`);
    return this.current;
  }

  /** Resolves when the current child exits. */
  get exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.exit) throw new Error(`${this.name} was never started`);
    return this.exit;
  }

  async boot(readyPath = '/readyz'): Promise<void> {
    if (!fs.existsSync(this.file)) throw new Error(`${this.file} is missing: run "npm run build" first (npm test does)`);
    const child = track(
      spawn(process.execPath, ['-r', EXIT_WITH_PARENT, ...(this.options.execArgv ?? []), this.file], {
        cwd: ROOT,
        env: { ...process.env, PORT: String(this.port), LOG_LEVEL: 'warn', ...this.env() },
        stdio: ['pipe', 'pipe', 'pipe', ...(this.options.ipc ? (['ipc'] as const) : [])],
      }),
    );
    this.current = child;
    this.exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    for (const stream of [child.stdout!, child.stderr!]) {
      let partial = '';
      stream.on('data', (d: Buffer) => {
        const text = d.toString('utf8');
        this.output += text;
        if (!this.options.onLine) return;
        const lines = (partial + text).split('\n');
        partial = lines.pop()!;
        lines.forEach((line) => this.options.onLine!(line));
      });
    }
    await this.waitReady(readyPath);
  }

  /** Polls readiness: an observable state of the server, not a timer. */
  private async waitReady(readyPath: string): Promise<void> {
    const timeoutMs = this.options.readyTimeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) {
        const { code, signal } = await this.exited;
        throw new Error(`${this.name} exited with ${signal ?? code} before it was ready:\n${this.output}`);
      }
      try {
        if ((await fetch(`${this.url}${readyPath}`)).status === 200) return;
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${this.name} was not ready within ${timeoutMs / 1000} s:\n${this.output}`);
  }

  /** Sends `signal`; a process still there after `graceMs` is killed, so that stopping never hangs. */
  async kill(signal: NodeJS.Signals = 'SIGKILL', graceMs = GRACE_MS): Promise<void> {
    const child = this.current;
    if (!child || !this.running) return void (this.current = null);
    const exited = this.exited;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited.finally(() => clearTimeout(timer));
    this.current = null;
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
  private constructor(readonly dataDir: string, readonly node: NodeProcess) {}

  /** The installation of the topology under test (MANDATE_E2E_TOPOLOGY): embedded, or distributed behind its door. */
  static async start(env: Record<string, string> = {}): Promise<MandateServer> {
    return TOPOLOGY === 'distributed' ? DistributedMandate.start(env) : MandateProcess.startEmbedded(env);
  }

  /** For the suites that reach into the embedded data dir (tamper, replay CLI, durability of one file). */
  static async startEmbedded(
    env: Record<string, string> = {},
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mandate-e2e-')),
    options: NodeProcessOptions = {},
  ): Promise<MandateProcess> {
    const child = new NodeProcess('mandate', main('mandate'), await freePort(), () => ({ MANDATE_DATA_DIR: dataDir, MANDATE_ADMIN_KEY: ADMIN_KEY, ...env }), options);
    const installation = new MandateProcess(dataDir, child);
    try {
      await child.boot();
    } catch (error) {
      await installation.stop();
      throw error;
    }
    return installation;
  }

  get url(): string {
    return this.node.url;
  }

  get output(): string {
    return this.node.output;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    return this.node.kill(signal);
  }

  async restart(): Promise<void> {
    await this.node.kill('SIGTERM');
    await this.node.boot();
  }

  async stop(): Promise<void> {
    await this.node.kill('SIGTERM');
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
      // The front door connects from loopback; its X-Forwarded-For is the client address the rate limits count.
      MANDATE_TRUSTED_PROXIES: '127.0.0.1',
      ...env,
    };
    this.services = Object.fromEntries(
      SERVICES.map((name, i) => [name, new NodeProcess(name, main(name), ports[i], () => ({ ...shared, MANDATE_DATA_DIR: path.join(root, name) }))]),
    ) as Record<Service, NodeProcess>;
    this.gateway = new NodeProcess('gateway', main('gateway'), ports[4], () => ({
      ...env,
      MANDATE_PASSPORT_URL: this.services.passport.url,
      MANDATE_INTENT_URL: this.services.intent.url,
      MANDATE_DETECTOR_URL: this.services.detector.url,
      MANDATE_AUDIT_URL: this.services.audit.url,
    }));
  }

  /** `label` names the database and topic prefix (mandate_<label>_<id>, <label><id>.), so leftovers say who left them. */
  static async start(env: Record<string, string> = {}, { label = 'e2e' }: { label?: string } = {}): Promise<DistributedMandate> {
    const id = randomBytes(4).toString('hex');
    const database = `mandate_${label}_${id}`;
    const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`).finally(() => admin.end());
    const url = new URL(ADMIN_DATABASE_URL);
    url.pathname = `/${database}`;
    const root = fs.mkdtempSync(path.join(os.tmpdir(), `mandate-${label}-dist-`));
    const ports = await Promise.all(Array.from({ length: 5 }, freePort));
    const installation = new DistributedMandate(root, url.toString(), `${label}${id}.`, ports, env);
    try {
      await installation.bootAll();
    } catch (error) {
      await installation.stop().catch(() => undefined);
      throw error;
    }
    return installation;
  }

  get url(): string {
    return this.gateway.url;
  }

  get output(): string {
    return this.processes.map((p) => `--- ${p.name}\n${p.output}`).join('\n');
  }

  private get processes(): NodeProcess[] {
    return [...SERVICES.map((s) => this.services[s]), this.gateway];
  }

  private async bootAll(): Promise<void> {
    // The first service creates the schema and topics; the others then start together.
    await this.services.passport.boot();
    await Promise.all([this.services.intent.boot(), this.services.detector.boot(), this.services.audit.boot(), this.gateway.boot('/healthz')]);
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await Promise.all(this.processes.map((p) => p.kill(signal)));
  }

  async restart(): Promise<void> {
    await this.kill('SIGTERM');
    await this.bootAll();
  }

  /** Stops the processes, then drops the database and the topics; each step is bounded, so a dead broker cannot hang it. */
  async stop(): Promise<void> {
    await this.kill('SIGTERM');
    fs.rmSync(this.root, { recursive: true, force: true });
    const failures: unknown[] = [];
    await within(30_000, 'dropping the database', this.dropDatabase()).catch((e) => failures.push(e));
    await within(30_000, 'deleting the topics', this.deleteTopics()).catch((e) => failures.push(e));
    if (failures.length > 0) throw new AggregateError(failures, `${this.topicPrefix} was not cleaned up`);
  }

  private async dropDatabase(): Promise<void> {
    const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${new URL(this.databaseUrl).pathname.slice(1)} WITH (FORCE)`).finally(() => admin.end());
  }

  private async deleteTopics(): Promise<void> {
    const kafka = new Kafka({ brokers: KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING, retry: { retries: 2 } });
    const topics = kafka.admin();
    await topics.connect();
    try {
      const mine = (await topics.listTopics()).filter((t) => t.startsWith(this.topicPrefix));
      if (mine.length > 0) await topics.deleteTopics({ topics: mine }).catch(() => undefined);
    } finally {
      await topics.disconnect();
    }
  }
}
