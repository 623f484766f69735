/**
 * The event streams and the audit export survive what happens to connections: a server killed with -9 and started
 * again on the same data, a body cut half-way. They resume right after the last event they gave, so nothing is
 * repeated and nothing is lost; a stream the server ends on purpose ends with `StreamEnded` instead.
 */
import { randomUUID } from 'crypto';
import { Mandate, StreamEnded, type models, type RevocationEvent } from '../src';
import { Drain, newTenant, startWorld, stopWorld, Tenant, World } from './support/world';

let world: World;
let tenant: Tenant;
let agentId: string;

beforeAll(async () => {
  world = await startWorld();
  tenant = await newTenant(world, 'streams');
  agentId = (await tenant.operator.agents.register('streamed', { accountabilityMode: 'logged' })).id;
});

afterAll(() => stopWorld(world));

/** A passport issued and revoked: one revocation on the stream. */
async function revokeOne(operator: Mandate = tenant.operator): Promise<string> {
  const { jti } = await operator.passports.issue(agentId, { intent: 'work', services: ['echo'], idempotencyKey: randomUUID() });
  await operator.passports.revoke(jti, { reason: 'stream test' });
  return jti;
}

const jtis = (events: RevocationEvent[]) => events.map((e) => e.data.jti);

it('given a revocation stream, when the server is killed with -9 and started again on the same data, then the stream resumes after its last event: the revocations made meanwhile arrive, none twice', async () => {
  // given
  const following = new AbortController();
  const stream = new Drain(tenant.operator.revocations({ signal: following.signal }));
  const a = await revokeOne();
  await stream.count(1);
  // when
  await world.server.kill('SIGKILL');
  await world.server.node.boot();
  const b = await revokeOne();
  const c = await revokeOne();
  await stream.count(3);
  const d = await revokeOne();
  await stream.count(4);
  // then: a repeat would stand before d
  expect(jtis(stream.items)).toEqual([a, b, c, d]);
  const positions = stream.items.map((e) => e.position);
  expect(positions).toEqual([...positions].sort((x, y) => x - y));
  expect(stream.items[0]).toMatchObject({ event: 'revocation', id: String(positions[0]), data: { jti: a, agent_id: agentId, reason: 'stream test' } });

  // and a caller that kept the last id it handled resumes from it in a new iterator
  const resumed = new Drain(tenant.operator.revocations({ lastEventId: stream.items[1]!.id, signal: following.signal }));
  expect(jtis(await resumed.count(2))).toEqual([c, d]);
  following.abort();
  await Promise.all([stream.done, resumed.done]);
});

it('given a stream opened with an operator key, when that key is revoked, then the stream ends with StreamEnded (KEY_REVOKED) instead of reconnecting', async () => {
  // given
  const created = await fetch(`${world.server.url}/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tenant.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'watcher', role: 'operator' }),
  }).then((r) => r.json() as Promise<{ key_id: string; key: string }>);
  const watcher = new Mandate({ baseUrl: world.server.url, apiKey: created.key });
  const stream = new Drain(watcher.revocations());
  await revokeOne();
  await stream.count(1);
  // when
  const revoked = await fetch(`${world.server.url}/v1/keys/${created.key_id}/revoke`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tenant.adminKey}`, 'content-type': 'application/json' },
    body: '{}',
  });
  expect(revoked.status).toBe(200);
  await stream.done;
  // then
  expect(stream.error).toBeInstanceOf(StreamEnded);
  expect(stream.error).toMatchObject({ code: 'KEY_REVOKED' });
});

it('given an audit export whose connection is cut half-way through a line, when it is read, then it resumes after the last whole line: every event once, in order', async () => {
  // given: a fetch that cuts the first export after two lines and a half
  const opened: string[] = [];
  let cut = false;
  const cutting: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const url = String(input);
    if (!url.includes('/v1/audit/export')) return response;
    opened.push(url);
    if (cut) return response;
    cut = true;
    const lines = (await response.text()).split('\n');
    const sent = `${lines.slice(0, 2).join('\n')}\n${lines[2]!.slice(0, 10)}`;
    let pulls = 0;
    const body = new ReadableStream<Uint8Array>({
      // The bytes that made it first, then the connection's end as undici reports it.
      pull(controller) {
        if (pulls++ === 0) controller.enqueue(new TextEncoder().encode(sent));
        else controller.error(new TypeError('terminated'));
      },
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };
  const auditor = new Mandate({ baseUrl: world.server.url, apiKey: tenant.adminKey, fetch: cutting, retry: { baseDelayMs: 1 } });
  const whole: models.AuditExportLine[] = [];
  for await (const event of tenant.operator.audit.export()) whole.push(event);
  // when
  const read: models.AuditExportLine[] = [];
  for await (const event of auditor.audit.export()) read.push(event);
  // then
  expect(whole.length).toBeGreaterThan(3);
  expect(read).toEqual(whole);
  expect(opened).toHaveLength(2);
  expect(new URL(opened[1]!).searchParams.get('after_position')).toBe(String(whole[1]!.position));
});
