/**
 * Event streams are limited per operator key and per tenant (the tenant's settings), refused past that with 429
 * TOO_MANY_STREAMS and Retry-After, and ended when their key is revoked or their tenant disabled: learnt from the
 * event stream the serving process follows (from Kafka in distributed mode), never by polling. Both topologies.
 */
import { call, newTenant, Tenant } from './support/client';
import { ADMIN_KEY, MandateProcess, MandateServer } from './support/server';
import { expectProblem } from './support/problems';
import { SseClient } from './support/sse';

const PER_KEY = 2;
const PER_TENANT = 3;
const FINDINGS = '/v1/security-events/stream';

let server: MandateServer;
beforeAll(async () => (server = await MandateProcess.start()));
afterAll(() => server?.stop());

async function limitedTenant(name: string): Promise<Tenant> {
  const tenant = await newTenant(server, name);
  const set = await call(server, 'PUT', '/v1/limits', { token: tenant.adminKey, body: { streams_per_key: PER_KEY, streams_per_tenant: PER_TENANT } });
  expect(set.status).toBe(200);
  return tenant;
}

async function expectTooManyStreams(token: string) {
  const refused = await call(server, 'GET', '/v1/revocations/stream', { token });
  expectProblem(refused, 429, 'TOO_MANY_STREAMS');
  expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
}

/** The stream ended, and its last frame said why. */
async function expectEnded(stream: SseClient, code: string) {
  await stream.closed;
  expect(stream.events.at(-1)).toMatchObject({ event: 'end', data: { code } });
}

it(`given ${PER_KEY} streams per key and ${PER_TENANT} per tenant, then the next one is refused 429 with Retry-After until one closes`, async () => {
  const acme = await limitedTenant('streams');
  const operator = await acme.key('operator');
  const mine = [await SseClient.open(server, operator), await SseClient.open(server, operator)];
  expect(mine.map((s) => s.status)).toEqual([200, 200]);
  await expectTooManyStreams(operator);
  // Another key of the tenant has its own places, up to the tenant's.
  const auditor = await acme.key('auditor');
  expect((await SseClient.open(server, auditor)).status).toBe(200);
  await expectTooManyStreams(auditor);
  mine[0].close();
  await mine[0].closed;
  // The server notices the close as the client's socket ends; the place is free once it has.
  let reopened: SseClient | null = null;
  for (let attempt = 0; attempt < 200 && !reopened; attempt++) {
    const tried = await SseClient.open(server, auditor);
    if (tried.status === 200) reopened = tried;
  }
  expect(reopened?.status).toBe(200);
});

it('given streams of a key, when the key is revoked, then its streams end (not the others) and it cannot reconnect', async () => {
  const acme = await newTenant(server, 'revoked-key');
  const operator = await acme.key('operator');
  const keyId = operator.split('.')[2];
  const revocations = await SseClient.open(server, operator);
  const findings = await SseClient.open(server, operator, undefined, FINDINGS);
  const admins = await SseClient.open(server, acme.adminKey);
  const revoked = await call(server, 'POST', `/v1/keys/${keyId}/revoke`, { token: acme.adminKey, body: { reason: 'left the team' } });
  expect(revoked.status).toBe(200);
  await expectEnded(revocations, 'KEY_REVOKED');
  await expectEnded(findings, 'KEY_REVOKED');
  // The admin's stream still carries what happens next.
  const passport = await acme.passport(await acme.agent('logged'));
  await call(server, 'POST', `/v1/passports/${passport.jti}/revoke`, { token: acme.adminKey, body: { reason: 'still open' } });
  await admins.next((e) => e.data.jti === passport.jti);
  admins.close();
  expect((await SseClient.open(server, operator)).status).toBe(401);
  expectProblem(await call(server, 'GET', '/v1/revocations/stream', { token: operator }), 401, 'UNAUTHENTICATED');
});

it("given a tenant's streams and passports, when the instance admin disables it, then its streams end and its keys and passports are refused TENANT_DISABLED until it is enabled", async () => {
  const acme = await newTenant(server, 'disabled');
  const passport = await acme.passport(await acme.agent('logged'));
  const stream = await SseClient.open(server, acme.adminKey);
  const bystander = await newTenant(server, 'bystander');
  const untouched = await SseClient.open(server, bystander.adminKey);

  const disabled = await call(server, 'POST', `/v1/tenants/${acme.tenantId}/disable`, { token: ADMIN_KEY, body: { reason: 'unpaid' } });
  expect(disabled.status).toBe(200);
  await expectEnded(stream, 'TENANT_DISABLED');
  expectProblem(await call(server, 'GET', '/v1/agents', { token: acme.adminKey }), 403, 'TENANT_DISABLED');
  expectProblem(await call(server, 'POST', `/v1/passports/${passport.jti}/actions`, { token: passport.token, body: { service: 'slack', action: 'x' } }), 403, 'TENANT_DISABLED');
  expect((await call(server, 'POST', '/v1/passports/verify', { body: { token: passport.token } })).body).toMatchObject({ active: false, reason: 'tenant_disabled' });
  expect((await SseClient.open(server, acme.adminKey)).status).toBe(403);
  expect(untouched.events.filter((e) => e.event === 'end')).toEqual([]);
  untouched.close();

  expect((await call(server, 'POST', `/v1/tenants/${acme.tenantId}/enable`, { token: ADMIN_KEY })).status).toBe(200);
  expect((await call(server, 'GET', '/v1/agents', { token: acme.adminKey })).status).toBe(200);
  expect((await call(server, 'POST', `/v1/passports/${passport.jti}/actions`, { token: passport.token, body: { service: 'slack', action: 'x' } })).status).toBe(201);
});

it('refuses to disable a tenant for anyone but the instance admin, and an unknown tenant is not found', async () => {
  const acme = await newTenant(server, 'self');
  expectProblem(await call(server, 'POST', `/v1/tenants/${acme.tenantId}/disable`, { token: acme.adminKey, body: {} }), 403, 'FORBIDDEN');
  expectProblem(await call(server, 'POST', '/v1/tenants/ten_nobody/disable', { token: ADMIN_KEY, body: {} }), 404, 'NOT_FOUND');
  expectProblem(await call(server, 'PUT', '/v1/limits', { token: acme.adminKey, body: { streams_per_key: 1_000_000 } }), 422, 'LIMIT_ABOVE_MAXIMUM');
});
