/**
 * Retries only where they are safe: a read, a replacement, a revocation or a keyed request is sent again after a
 * connection failure, 429 or 503 (honouring Retry-After); an unkeyed POST never is, since a retry could do the thing
 * twice. The faults come from a door in front of the real Mandate; the rate limit at the end is Mandate's own.
 */
import { randomUUID } from 'crypto';
import { ConnectionFailed, Mandate, RateLimited, Unavailable, type IntentCall } from '../src';
import { freePort } from '../../../test/e2e/support/server';
import { Door } from './support/door';
import { newTenant, startWorld, stopWorld, Tenant, World } from './support/world';

let world: World;
let tenant: Tenant;
let door: Door;
/** The tenant's operator, through the door. */
let operator: Mandate;

beforeAll(async () => {
  // A 429 of Mandate's own limiter is sent at once instead of being held a second.
  world = await startWorld({ MANDATE_RATE_LIMIT_DELAY_MS: '0' });
  tenant = await newTenant(world, 'retries');
  door = await Door.start(world.server.url);
  operator = new Mandate({ baseUrl: door.url, apiKey: tenant.adminKey });
});

afterAll(async () => {
  await door?.close();
  await stopWorld(world);
});

const to = (method: string, path: string) => (a: { method: string; path: string }) => a.method === method && a.path.split('?')[0] === path;
const count = (list: Array<{ method: string; path: string }>, method: string, path: string) => list.filter(to(method, path)).length;

it('given a read answered 429 with Retry-After: 1, when the operator reads, then the SDK waits the second, asks again and returns what Mandate answered', async () => {
  // given
  const agent = await operator.agents.register('reader');
  const path = `/v1/agents/${agent.id}`;
  door.refuse(to('GET', path), { retryAfter: '1' });
  // when
  const started = Date.now();
  const read = await operator.agents.get(agent.id);
  // then
  expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  expect(read).toMatchObject({ id: agent.id, name: 'reader' });
  expect([count(door.arrived, 'GET', path), count(door.forwarded, 'GET', path)]).toEqual([2, 1]);
});

it('given an unkeyed POST answered 429, when the operator registers an agent, then it is not sent again: RateLimited says when to come back, and nothing was registered', async () => {
  // given
  door.refuse(to('POST', '/v1/agents'), { retryAfter: '7' });
  const before = count(door.arrived, 'POST', '/v1/agents');
  const name = `not-twice-${randomUUID().slice(0, 8)}`;
  // when
  const error = await operator.agents.register(name).catch((e: unknown) => e);
  // then
  expect(error).toBeInstanceOf(RateLimited);
  expect(error).toMatchObject({ status: 429, code: 'RATE_LIMITED', retryAfter: 7 });
  expect(count(door.arrived, 'POST', '/v1/agents') - before).toBe(1);
  const names: string[] = [];
  for await (const agent of operator.agents.list()) names.push(agent.name);
  expect(names).not.toContain(name);
});

it('given a revocation answered 503, when the operator revokes, then it is sent again (revoking twice revokes once) and succeeds', async () => {
  // given
  const agentId = (await operator.agents.register('revoked', { accountabilityMode: 'logged' })).id;
  const { jti } = await operator.passports.issue(agentId, { intent: 'work', services: ['echo'] });
  door.refuse(to('POST', `/v1/passports/${jti}/revoke`), { status: 503, retryAfter: '0' });
  // when
  const revoked = await operator.passports.revoke(jti);
  // then
  expect(revoked).toMatchObject({ jti });
  expect(count(door.arrived, 'POST', `/v1/passports/${jti}/revoke`)).toBe(2);
});

describe('an intent whose answer is lost', () => {
  const refund = (): IntentCall => ({ namedIntent: 'refund', service: 'echo', url: `${world.upstream.origin}/echo`, body: { amount: 12 }, reason: 'duplicate' });

  it('given a keyed submit, when the answer is lost, then the SDK submits again and gets the same intent: one is queued for a person', async () => {
    // given: the agent talks to Mandate through the door
    const agent = await tenant.agent({ baseUrl: door.url });
    await agent.withMission({ intent: 'refunds', services: ['echo'] }, async (m) => {
      door.loseAnswer(to('POST', '/v1/intents'));
      const before = count(door.arrived, 'POST', '/v1/intents');
      // when
      const intent = await m.intents.submit({ ...refund(), idempotencyKey: randomUUID() });
      // then
      expect(count(door.arrived, 'POST', '/v1/intents') - before).toBe(2);
      const queued: string[] = [];
      for await (const pending of tenant.operator.intents.pending()) if (pending.jti === m.jti) queued.push(pending.id);
      expect(queued).toEqual([intent.id]);
    });
  });

  it('given an unkeyed submit, when the answer is lost, then the SDK does not guess: ConnectionFailed, sent once', async () => {
    const agent = await tenant.agent({ baseUrl: door.url });
    await agent.withMission({ intent: 'refunds', services: ['echo'] }, async (m) => {
      door.loseAnswer(to('POST', '/v1/intents'));
      const before = count(door.arrived, 'POST', '/v1/intents');
      const error = await m.intents.submit(refund()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionFailed);
      expect(error).toMatchObject({ neverSent: false });
      expect(count(door.arrived, 'POST', '/v1/intents') - before).toBe(1);
    });
  });
});

it('given a read waiting out a long Retry-After, when its AbortSignal fires, then it stops waiting at once', async () => {
  // given
  const agentId = (await operator.agents.register('patient')).id;
  door.refuse(to('GET', `/v1/agents/${agentId}/keys`), { status: 503, retryAfter: '30' });
  const controller = new AbortController();
  const started = Date.now();
  // when
  const reading = operator.agents.keys(agentId, { signal: controller.signal });
  await door.arrival(to('GET', `/v1/agents/${agentId}/keys`));
  controller.abort();
  // then
  await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
  expect(Date.now() - started).toBeLessThan(5_000);
});

it('given no server at the address, when a read is made, then it is tried again and fails as ConnectionFailed that says nothing was sent', async () => {
  const nowhere = new Mandate({ baseUrl: `http://127.0.0.1:${await freePort()}`, apiKey: tenant.adminKey, retry: { maxRetries: 2, baseDelayMs: 1 } });
  const error = await nowhere.services.list().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConnectionFailed);
  expect(error).toMatchObject({ neverSent: true, message: expect.stringContaining('ECONNREFUSED') });
});

it("given Mandate's own rate limit, when an operator key goes past it, then RateLimited is thrown at once, with the scope and a Retry-After beyond what the client waits for", async () => {
  // given: a tenant whose operator keys may make three requests a minute
  const limited = await newTenant(world, 'limited');
  const limits = await fetch(`${world.server.url}/v1/limits`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${limited.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ operator_key_requests_per_minute: 3 }),
  });
  expect(limits.status).toBe(200);
  const client = new Mandate({ baseUrl: world.server.url, apiKey: limited.adminKey, retry: { maxRetryAfterMs: 100 } });
  // when
  let error: unknown;
  for (let i = 0; i < 10 && error === undefined; i++) error = await client.services.list().then(() => undefined, (e: unknown) => e);
  // then
  expect(error).toBeInstanceOf(RateLimited);
  expect(error).not.toBeInstanceOf(Unavailable);
  const limitedError = error as RateLimited;
  expect(limitedError).toMatchObject({ code: 'RATE_LIMITED', problem: { scope: 'operator_key' } });
  expect(limitedError.retryAfter).toBeGreaterThan(0);
  expect(limitedError.retryAfter).toBeLessThanOrEqual(60);
});
