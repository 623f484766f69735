/**
 * Rate limits per passport, per operator key (both as the tenant set them) and per client address, answered 429
 * problem details with Retry-After and counted in /metrics. A forged credential counts against the address it came
 * from, never against the key or passport it names. Runs in both topologies (the limits live in the services).
 */
import { call, newTenant, Tenant } from './support/client';
import { DistributedMandate, MandateProcess, MandateServer } from './support/server';
import { expectProblem } from './support/problems';

/** Unauthenticated requests, and first uses of credentials not yet verified, per address and minute. */
const ADDRESS_LIMIT = 40;
const PASSPORT_LIMIT = 5;
const KEY_LIMIT = 8;

let server: MandateServer;
let acme: Tenant;

beforeAll(async () => {
  server = await MandateProcess.start({ MANDATE_RATE_LIMIT_ADDRESS_PER_MINUTE: String(ADDRESS_LIMIT), MANDATE_RATE_LIMIT_DELAY_MS: String(REFUSAL_DELAY_MS) });
  acme = await newTenant(server, 'limited');
  const set = await call(server, 'PUT', '/v1/limits', { token: acme.adminKey, body: { passport_requests_per_minute: PASSPORT_LIMIT, operator_key_requests_per_minute: KEY_LIMIT } });
  expect(set.status).toBe(200);
  expect(set.body.in_force).toMatchObject({ passport_requests_per_minute: PASSPORT_LIMIT, operator_key_requests_per_minute: KEY_LIMIT });
});
afterAll(() => server?.stop());

/** The passport service's own /metrics (the front door's are its own). */
const passportService = (): MandateServer => (server instanceof DistributedMandate ? ({ url: server.services.passport.url } as MandateServer) : server);

const logCall = (p: { jti: string; token: string }) =>
  call(server, 'POST', `/v1/passports/${p.jti}/actions`, { token: p.token, body: { service: 'slack', action: 'chat.postMessage' } });

/** How long a 429 is held before it is sent (MANDATE_RATE_LIMIT_DELAY_MS), short here to keep the suite quick. */
const REFUSAL_DELAY_MS = 300;

/** Sends until the first refusal; returns how many were accepted and the refusal, which came no sooner than the delay. */
async function untilRefused(send: () => ReturnType<typeof call>, atMost = 100) {
  for (let accepted = 0; accepted < atMost; accepted++) {
    const sent = performance.now();
    const reply = await send();
    if (reply.status === 429) {
      expect(performance.now() - sent).toBeGreaterThanOrEqual(REFUSAL_DELAY_MS - 5);
      return { accepted, refusal: reply };
    }
    expect(reply.status).toBeLessThan(300);
  }
  throw new Error(`no 429 after ${atMost} requests`);
}

function expectRateLimited(reply: Awaited<ReturnType<typeof call>>, scope: string, limit: number) {
  expectProblem(reply, 429, 'RATE_LIMITED');
  expect(reply.body).toMatchObject({ scope, limit });
  const retryAfter = Number(reply.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
}

it('given a tenant limit of 5 a minute per passport, then a passport past it is answered 429 with Retry-After, and another passport is not', async () => {
  const agentId = await acme.agent('logged');
  const busy = await acme.passport(agentId);
  const other = await acme.passport(agentId);
  // The first use verifies the token (counted by address); from then on the passport is counted as itself.
  const { accepted, refusal } = await untilRefused(() => logCall(busy));
  expect(accepted).toBe(1 + PASSPORT_LIMIT);
  expectRateLimited(refusal, 'passport', PASSPORT_LIMIT);
  expect((await logCall(other)).status).toBe(201);
});

it("given a tenant limit of 8 a minute per key, then a key past it is answered 429, while another tenant's key at the defaults is not", async () => {
  const operator = await acme.key('operator');
  const { accepted, refusal } = await untilRefused(() => call(server, 'GET', '/v1/agents', { token: operator }));
  expect(accepted).toBe(1 + KEY_LIMIT);
  expectRateLimited(refusal, 'operator_key', KEY_LIMIT);
  const globex = await newTenant(server, 'globex');
  for (let i = 0; i < KEY_LIMIT + 4; i++) expect((await call(server, 'GET', '/v1/agents', { token: globex.adminKey })).status).toBe(200);
});

it('given no credential, then verify is limited per client address, and /metrics counts the 429s by scope', async () => {
  const { accepted, refusal } = await untilRefused(() => call(server, 'POST', '/v1/passports/verify', { body: { token: 'not-a-token' } }));
  expect(accepted).toBeLessThanOrEqual(ADDRESS_LIMIT);
  expectRateLimited(refusal, 'address', ADDRESS_LIMIT);
  // Probes are never limited: the operator's tooling must see the server under any flood.
  expect((await call(server, 'GET', '/healthz')).status).toBe(200);
  const metrics = await call(passportService(), 'GET', '/metrics');
  for (const scope of ['passport', 'operator_key', 'address']) expect(metrics.body).toMatch(new RegExp(`^mandate_rate_limited_total\\{scope="${scope}"\\} [1-9]\\d*$`, 'm'));
});

it("given an attacker forging tokens that name a victim's passport and key, then the attacker is limited by address and the victim is not", async () => {
  const victim = await acme.passport(await acme.agent('logged', 'victim-bot'));
  expect((await logCall(victim)).status).toBe(201);
  const victimKey = await acme.key('operator');
  expect((await call(server, 'GET', '/v1/agents', { token: victimKey })).status).toBe(200);
  const [header, payload] = victim.token.split('.');
  const forgedPassport = `${header}.${payload}.${'A'.repeat(86)}`;
  const forgedKey = victimKey.replace(/\.[^.]+$/, '.not-the-secret');
  let refusal: Awaited<ReturnType<typeof call>> | null = null;
  for (let i = 0; i < 2 * ADDRESS_LIMIT && !refusal; i++) {
    const forged = i % 2 === 0 ? { jti: victim.jti, token: forgedPassport } : null;
    const reply = forged ? await logCall(forged) : await call(server, 'GET', '/v1/agents', { token: forgedKey });
    if (reply.status === 429) refusal = reply;
    else expect(reply.status).toBe(401);
  }
  expect(refusal).not.toBeNull();
  expectRateLimited(refusal!, 'unverified', ADDRESS_LIMIT);
  // The victim's own buckets were never touched.
  expect((await logCall(victim)).status).toBe(201);
  expect((await call(server, 'GET', '/v1/agents', { token: victimKey })).status).toBe(200);
});
