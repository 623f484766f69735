/**
 * Faults in distributed mode, against the four service processes on the local Kafka broker and PostgreSQL:
 * - the detector process is killed in the middle of a burst and started again: no finding is lost or raised twice;
 * - the Kafka broker stops and starts while agents keep writing: writes keep being accepted, the relay catches up,
 *   and every acknowledged event reaches the topic and the audit exactly once;
 * - PostgreSQL restarts while agents keep writing: requests get a clear 503 while it is down and succeed after, and
 *   every acknowledged call is stored exactly once.
 * The broker and the database are stopped with the project's own scripts (deploy/local), as an operator would, and
 * without blocking: the writers stay in flight through the stop and the start.
 */
import { execFile } from 'child_process';
import * as path from 'path';
import { promisify } from 'util';
import { Kafka, logLevel } from 'kafkajs';
import { call, newTenant, Tenant } from '../e2e/support/client';
import { DistributedMandate } from '../e2e/support/server';
import { SseClient } from '../e2e/support/sse';
import { readTopic, header } from '../int/support/kafka';

jest.setTimeout(180_000);

// MANDATE_LOCAL_SCRIPTS may name another pair of scripts, to fault a private broker and database rather than the ones
// others on this machine are using.
const LOCAL = process.env.MANDATE_LOCAL_SCRIPTS ?? path.join(__dirname, '..', '..', 'deploy', 'local');
const local = async (script: string, command: string) => (await promisify(execFile)('bash', [path.join(LOCAL, script), command])).stdout;
/** Whether the service answers on its port (`status` exits non-zero when it does not). */
const answers = (script: string) => local(script, 'status').then(
  () => true,
  () => false,
);

let server: DistributedMandate;
const opened: SseClient[] = [];
beforeAll(async () => {
  server = await DistributedMandate.start();
});
afterAll(async () => {
  opened.forEach((s) => s.close());
  // Whatever a test did, the shared services are left running for the suites after this one.
  await Promise.all([local('kafka.sh', 'start'), local('postgres.sh', 'start')]);
  await server?.stop();
}, 150_000);

type Issued = Awaited<ReturnType<Tenant['passport']>>;

const toolCall = (p: Issued, target: string) =>
  call(server, 'POST', `/v1/passports/${p.jti}/actions`, { token: p.token, body: { service: 'slack', action: 'chat.postMessage', target } });

/** Agents logging calls back to back, each call's outcome kept: acknowledged (201, with its position) or refused. */
class Writers {
  acknowledged: Array<{ jti: string; target: string; position: number }> = [];
  refused: Array<{ jti: string; target: string; status: number; code: string; contentType: string | null }> = [];
  private running = true;
  private loops: Promise<void>[] = [];
  private waiters: Array<{ done: () => boolean; wake: () => void }> = [];

  constructor(passports: Issued[]) {
    this.loops = passports.map(async (p, w) => {
      for (let i = 0; this.running; i++) {
        const target = `w${w}-${i}`;
        const reply = await toolCall(p, target).catch(() => ({ status: 0, body: { code: 'NETWORK' }, headers: new Headers() }));
        if (reply.status === 201) this.acknowledged.push({ jti: p.jti, target, position: reply.body.position });
        else this.refused.push({ jti: p.jti, target, status: reply.status, code: reply.body?.code, contentType: reply.headers.get('content-type') });
        this.waiters = this.waiters.filter((waiter) => (waiter.done() ? (waiter.wake(), false) : true));
      }
    });
  }

  /** Resolves once `n` more calls have been acknowledged. */
  more(n: number): Promise<void> {
    const goal = this.acknowledged.length + n;
    return new Promise((wake) => this.waiters.push({ done: () => this.acknowledged.length >= goal, wake }));
  }

  /** Resolves once `n` more calls have been refused. */
  moreRefused(n: number): Promise<void> {
    const goal = this.refused.length + n;
    return new Promise((wake) => this.waiters.push({ done: () => this.refused.length >= goal, wake }));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }
}

/** The highest position any service's relay reports as published to the events topic (/metrics). */
async function relayedPosition(): Promise<number> {
  const figures = await Promise.all(
    Object.values(server.services).map(async (service) => {
      const text = await (await fetch(`${service.url}/metrics`)).text();
      return Number(/^mandate_relay_published_position (\d+)$/m.exec(text)?.[1] ?? 0);
    }),
  );
  return Math.max(...figures);
}

/** The tenant's ToolCallLogged events as stored (the raw export reads the event store, not a read model). */
async function storedCalls(tenant: Tenant): Promise<Array<{ jti: string; target: string; position: number }>> {
  const exported = await call(server, 'GET', '/v1/audit/export', { token: tenant.adminKey });
  expect(exported.status).toBe(200);
  return (exported.body as string)
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .filter((e) => e.type === 'ToolCallLogged')
    .map((e) => ({ jti: e.data.jti, target: e.data.target, position: e.position }));
}

it('given an enforced agent bursting, when the detector process is killed mid-burst and started again, then the warning and the critical finding are each raised once and the passport revoked once', async () => {
  const tenant = await newTenant(server, 'detector-crash');
  const agent = await tenant.agent('enforced', 'burst-bot');
  const passport = await tenant.passport(agent, { ttl_seconds: 3600 });
  const revocations = await SseClient.open(server, tenant.adminKey);
  opened.push(revocations);

  let last = 0;
  for (let i = 0; i < 10; i++) last = (await toolCall(passport, `before-${i}`)).body.position;
  // The crash lands while calls keep arriving at the passport service.
  const crash = server.services.detector.kill('SIGKILL');
  for (let i = 0; i < 25; i++) {
    const reply = await toolCall(passport, `during-${i}`);
    expect(reply.status).toBe(201);
    last = reply.body.position;
  }
  await crash;
  await server.services.detector.boot();

  const revoked = await revocations.next((e) => e.data.jti === passport.jti, 30_000);
  expect(revoked.data).toMatchObject({ jti: passport.jti, revoked_by: { kind: 'detector', id: 'credential_burst' } });
  const findings = await call(server, 'GET', `/v1/security-events?jti=${passport.jti}&wait_for_position=${last}&limit=100`, { token: tenant.adminKey });
  expect(findings.status).toBe(200);
  expect(findings.body.security_events.map((f: { signal: string; severity: string }) => `${f.signal}/${f.severity}`).sort()).toEqual([
    'credential_burst/critical',
    'credential_burst/warning',
  ]);
  const trail = await tenant.audit(`?jti=${passport.jti}&limit=1000&wait_for_position=${Number(revoked.id)}`);
  expect(trail.filter((e) => e.type === 'PassportRevoked')).toHaveLength(1);
  expect(trail.filter((e) => e.type === 'SecurityEventRaised')).toHaveLength(2);
});

it('given agents writing, when the Kafka broker stops and starts again, then writes keep being accepted and every acknowledged call reaches the audit and the topic exactly once', async () => {
  const tenant = await newTenant(server, 'broker-restart');
  const passports = await Promise.all([0, 1, 2, 3].map(async (i) => tenant.passport(await tenant.agent('standard', `writer-${i}`), { ttl_seconds: 3600 })));
  const writers = new Writers(passports);
  await writers.more(40);
  await local('kafka.sh', 'stop');
  expect(await answers('kafka.sh')).toBe(false);
  await writers.more(60);
  // Those 60 were acknowledged without the broker: it is still down, and the relay has not published the last of them.
  const lastWhileDown = Math.max(...writers.acknowledged.map((a) => a.position));
  expect(await answers('kafka.sh')).toBe(false);
  expect(await relayedPosition()).toBeLessThan(lastWhileDown);
  await local('kafka.sh', 'start');
  await writers.more(40);
  await writers.stop();
  expect(writers.refused).toEqual([]);

  const head = Math.max(...writers.acknowledged.map((a) => a.position));
  for (const p of passports) {
    const mine = writers.acknowledged.filter((a) => a.jti === p.jti);
    const audit = await tenant.audit(`?jti=${p.jti}&type=ToolCallLogged&limit=1000&wait_for_position=${head}`);
    expect(audit.map((e) => e.position).sort((a, b) => a - b)).toEqual(mine.map((a) => a.position).sort((a, b) => a - b));
  }
  // The relay caught up: every position up to the last acknowledged write is on the events topic, once.
  const kafka = new Kafka({ brokers: [process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'], logLevel: logLevel.NOTHING });
  // (Later events, a detector's clock tick for instance, may be there too; a republished page would be dropped by
  // consumers, which the audit above shows.)
  const upToHead = (m: Array<{ headers?: unknown }>) => new Set(m.map((x) => Number(header(x as never, 'mandate-position'))).filter((p) => p <= head));
  const messages = await readTopic(kafka, `${server.topicPrefix}events`, (m) => upToHead(m).size >= head);
  expect([...upToHead(messages)].sort((a, b) => a - b)).toEqual(Array.from({ length: head }, (_, i) => i + 1));

  // Operators see the same on /metrics: one relay (whichever holds the lease) has published past the head, and every
  // service's subscribers are back on the topic (their live events come from Kafka again, not from the store).
  const metrics = () =>
    Promise.all(
      Object.values(server.services).map(async (service) => {
        const text = await (await fetch(`${service.url}/metrics`)).text();
        const figure = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
        return { relayed: figure('mandate_relay_published_position'), fromKafka: figure('mandate_stream_events_from_kafka') };
      }),
    );
  const before = await metrics();
  expect(Math.max(...before.map((f) => f.relayed))).toBeGreaterThanOrEqual(head);
  const started = Date.now();
  const probe = passports[0];
  let after = before;
  for (let i = 0; after.some((f, s) => f.fromKafka <= before[s].fromKafka) && Date.now() - started < 60_000; i++) {
    expect((await toolCall(probe, `probe-${i}`)).status).toBe(201);
    after = await metrics();
  }
  // Named, with the log's end, so a subscriber that never came back says which and why.
  const services = Object.entries(server.services);
  const stale = services.filter((_, s) => after[s].fromKafka <= before[s].fromKafka).map(([name, service]) => `${name}: ${service.output.slice(-3000)}`);
  expect(stale).toEqual([]);
});

it('given agents writing, when PostgreSQL restarts under them, then requests get 503 STORE_UNAVAILABLE while it is down, succeed after, and every acknowledged call is stored exactly once', async () => {
  const tenant = await newTenant(server, 'database-restart');
  const passports = await Promise.all([0, 1, 2, 3].map(async (i) => tenant.passport(await tenant.agent('standard', `pg-writer-${i}`), { ttl_seconds: 3600 })));
  const writers = new Writers(passports);
  await writers.more(30);

  // The fast shutdown rolls back what is running and cuts every connection, with calls in flight.
  await local('postgres.sh', 'stop');
  expect(await answers('postgres.sh')).toBe(false);
  await writers.moreRefused(8);
  await local('postgres.sh', 'start');
  // The services reconnect on their own, while the writers keep going.
  await writers.more(30);
  await writers.stop();

  // Every refusal, while it was down and while the services reconnected, is the documented one.
  for (const refusal of writers.refused) {
    expect(refusal).toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE', contentType: expect.stringMatching(/^application\/problem\+json/) });
  }
  // Every acknowledged call (at least the 30 before the stop and the 30 after the start) is stored once, at the
  // position it was answered with; a stored call that was not acknowledged can only be one whose answer was a refusal
  // (its connection cut after the commit).
  const stored = await storedCalls(tenant);
  expect(stored.length).toBeGreaterThanOrEqual(60);
  const storedTargets = stored.map((c) => c.target);
  expect(new Set(storedTargets).size).toBe(storedTargets.length);
  const byTarget = new Map(stored.map((c) => [c.target, c]));
  for (const ack of writers.acknowledged) expect(byTarget.get(ack.target)).toEqual(ack);
  const acknowledged = new Set(writers.acknowledged.map((a) => a.target));
  const refused = new Set(writers.refused.map((r) => r.target));
  expect(storedTargets.filter((t) => !acknowledged.has(t) && !refused.has(t))).toEqual([]);
  // The read side agrees once it has caught up with the last acknowledged call.
  const head = Math.max(...writers.acknowledged.map((a) => a.position));
  for (const p of passports) {
    const audit = await tenant.audit(`?jti=${p.jti}&type=ToolCallLogged&limit=1000&wait_for_position=${head}`);
    expect(audit.map((e) => e.position).sort((a, b) => a - b)).toEqual(stored.filter((c) => c.jti === p.jti).map((c) => c.position).sort((a, b) => a - b));
  }
});
