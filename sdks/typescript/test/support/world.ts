/**
 * A real Mandate for the SDK's tests: the embedded server `npm run build` made, on loopback (the end-to-end suites'
 * harness), with the throwaway CA its credential proxy trusts and an HTTPS upstream on loopback serving a certificate
 * from that CA. Nothing on the Mandate side is mocked: every test talks HTTP to the server the product ships.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ADMIN_KEY, MandateProcess } from '../../../../test/e2e/support/server';
import { TestUpstream } from '../../../../test/e2e/support/upstream';
import { makeTestCertificates, TestCertificates } from '../../../../test/int/support/test-ca';
import { Mandate, type AccountabilityMode, type Logger } from '../../src';

/** The upstream's secret: registered with the service, added by the proxy, never seen by the agent. */
export const SECRET = `sk_test_${randomBytes(12).toString('hex')}`;

export interface World {
  server: MandateProcess;
  upstream: TestUpstream;
  certificates: TestCertificates;
}

/** A logger that keeps what the SDK said, so a test can assert on a warning instead of the console showing it. */
export function keptLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info: () => undefined, warn: (message) => void warnings.push(message) };
}

type Route = Parameters<typeof TestUpstream.start>[0][string];

/** Answers what it received; 401 unless the proxy added the service's secret. */
const echo: Route = (request, response) => {
  const authorized = request.headers.authorization === `Bearer ${SECRET}`;
  response.writeHead(authorized ? 200 : 401, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ authorized, method: request.method, path: request.path, body: request.body || null }));
};

/** The server and an upstream that echoes at `/echo` and at each of `echoPaths` (exact paths, query aside). */
export async function startWorld(env: Record<string, string> = {}, echoPaths: string[] = []): Promise<World> {
  const certificates = makeTestCertificates();
  const routes = Object.fromEntries(['/echo', ...echoPaths].map((path) => [path, echo]));
  const upstream = await TestUpstream.start(routes, certificates);
  const server = await MandateProcess.startEmbedded({ MANDATE_PROXY_CA_FILE: certificates.caFile, ...env });
  return { server, upstream, certificates };
}

export async function stopWorld(world: World | undefined): Promise<void> {
  await world?.server.stop();
  await world?.upstream.close();
  if (world) fs.rmSync(world.certificates.dir, { recursive: true, force: true });
}

export interface Tenant {
  id: string;
  adminKey: string;
  operator: Mandate;
  /** Registers an agent with a ceiling, and gives back its runtime, enrolled on first use with a one-time token. */
  agent(options?: { mode?: AccountabilityMode; services?: string[]; keyDir?: string; logger?: Logger; baseUrl?: string }): Promise<Mandate>;
}

export const tempDir = (prefix: string): string => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

/** A tenant of the test's own, its admin key in an operator client, and the HTTPS upstream registered as `echo`. */
export async function newTenant(world: World, name = 'sdk'): Promise<Tenant> {
  const baseUrl = world.server.url;
  const admin = new Mandate({ baseUrl, apiKey: ADMIN_KEY });
  const created = await admin.tenants.create(`${name}-${randomBytes(4).toString('hex')}`);
  const operator = new Mandate({ baseUrl, apiKey: created.admin_key.key });
  // The upstream is on loopback, so its host is marked internal (as an operator would a service on their LAN).
  await operator.services.register('echo', { hosts: ['localhost'], internalHosts: ['localhost'], secret: SECRET });
  return {
    id: created.tenant_id,
    adminKey: created.admin_key.key,
    operator,
    async agent({ mode = 'logged', services = ['echo'], keyDir = tempDir('mandate-sdk-keys-'), logger, baseUrl: url = baseUrl } = {}) {
      const agent = await operator.agents.register(`agent-${randomBytes(3).toString('hex')}`, { accountabilityMode: mode, allowedServices: services });
      const { token } = await operator.agents.enrollmentToken(agent.id);
      return new Mandate({ baseUrl: url, agentId: agent.id, keyDir, enrollmentToken: token, logger: logger ?? keptLogger() });
    },
  };
}

/** An async iterator drained in the background into a list a test can await entries of (instead of sleeping). */
export class Drain<T> {
  readonly items: T[] = [];
  error: unknown;
  private ended = false;
  private waiters: Array<() => void> = [];
  readonly done: Promise<void>;

  constructor(iterator: AsyncIterable<T>) {
    this.done = (async () => {
      try {
        for await (const item of iterator) {
          this.items.push(item);
          this.wake();
        }
      } catch (error) {
        this.error = error;
      } finally {
        this.ended = true;
        this.wake();
      }
    })();
  }

  /** Resolves once `count` items arrived; rejects if the iteration ended first. */
  async count(count: number): Promise<T[]> {
    while (this.items.length < count) {
      if (this.error !== undefined) throw this.error;
      if (this.ended) throw new Error(`the iteration ended after ${this.items.length} of ${count} items`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return this.items.slice(0, count);
  }

  private wake(): void {
    this.waiters.splice(0).forEach((resolve) => resolve());
  }
}
