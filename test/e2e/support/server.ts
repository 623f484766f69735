import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

const MAIN = path.join(__dirname, '..', '..', '..', 'dist', 'apps', 'mandate', 'src', 'main.js');
export const ADMIN_KEY = 'mdt_admin.e2e-instance-admin-key-0123456789abcdef';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/**
 * The real Mandate process (the built all-in-one app) on loopback, with its own data dir. `restart` keeps the data
 * dir, `kill` sends SIGKILL, so tests see exactly what an operator would after a crash.
 */
export class MandateProcess {
  private child: ChildProcess | null = null;
  output = '';
  port = 0;

  private constructor(readonly dataDir: string, private readonly env: Record<string, string>) {}

  static async start(env: Record<string, string> = {}): Promise<MandateProcess> {
    if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npm run build" first (npm test does)`);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mandate-e2e-'));
    const server = new MandateProcess(dataDir, env);
    await server.boot();
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private async boot(): Promise<void> {
    this.port = this.port || (await freePort());
    const child = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        PORT: String(this.port),
        MANDATE_DATA_DIR: this.dataDir,
        MANDATE_ADMIN_KEY: ADMIN_KEY,
        LOG_LEVEL: 'warn',
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.on('data', (d) => (this.output += d));
    child.stderr!.on('data', (d) => (this.output += d));
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`mandate exited with ${code} before it was ready:\n${this.output}`))),
    );
    await Promise.race([this.waitReady(), exited]);
  }

  /** Polls /readyz: readiness is an observable state of the server, not a timer. */
  private async waitReady(): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      try {
        const res = await fetch(`${this.url}/readyz`);
        if (res.status === 200) return;
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`mandate was not ready within 30 s:\n${this.output}`);
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
    this.child = null;
  }

  async restart(): Promise<void> {
    await this.kill('SIGTERM');
    await this.boot();
  }

  async stop(): Promise<void> {
    await this.kill('SIGTERM');
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}
