/**
 * The credential proxy against a real HTTPS upstream on loopback, signed by a throwaway CA the server is told to trust
 * (MANDATE_PROXY_CA_FILE). The agent never holds the secret: it arrives upstream, never comes back, and appears in no
 * answer, log line, event or export line of the whole run.
 */
import * as fs from 'fs';
import { randomBytes } from 'crypto';
import { call, newTenant, Reply, Tenant } from './support/client';
import { DistributedMandate, MandateProcess, MandateServer } from './support/server';
import { json, TestUpstream } from './support/upstream';
import { makeTestCertificates, TestCertificates } from '../int/support/test-ca';

const SECRET = `sk_live_${randomBytes(24).toString('base64url')}`;
const OTHER_SECRET = `xoxb-${randomBytes(24).toString('base64url')}`;
const CARD = '4111 1111 1111 1111';

let certificates: TestCertificates;
let upstream: TestUpstream;
/** A plain HTTP listener standing for an internal address: nothing may ever reach it through the proxy. */
let internal: TestUpstream;
let server: MandateServer;
let tenant: Tenant;
/** Every answer of the run, searched for the secrets at the end. */
const answers: string[] = [];
/** Secrets added during the run by rotation: searched for too. */
const rotatedSecrets: string[] = [];

async function send(method: string, url: string, options: Parameters<typeof call>[3] = {}): Promise<Reply> {
  const reply = await call(server, method, url, options);
  answers.push(JSON.stringify(reply.body ?? ''));
  return reply;
}

type Passport = Awaited<ReturnType<Tenant['passport']>>;

const proxy = (passport: Passport, body: Record<string, unknown>) => send('POST', '/v1/proxy', { token: passport.token, body });

async function agentWithMission(services: string[], mode: 'standard' | 'logged' | 'enforced' = 'logged'): Promise<Passport> {
  const agent = await tenant.agent(mode, `proxy-bot-${randomBytes(3).toString('hex')}`);
  return tenant.passport(agent, { ttl_seconds: 3600, intent: { summary: 'answer tickets through the proxy', services } });
}

/** The audit entries of one proxied call, by its id. */
async function auditOfCall(passport: Passport, callId: string, waitFor: number): Promise<Array<Record<string, any>>> {
  const entries = await tenant.audit(`?jti=${passport.jti}&limit=1000&wait_for_position=${waitFor}`);
  return entries.filter((e) => e.what?.call_id === callId);
}

beforeAll(async () => {
  certificates = makeTestCertificates();
  const caFile = certificates.caFile;
  internal = await TestUpstream.start({ '/metadata': json(200, { role: 'internal' }) });
  const internalPort = new URL(internal.origin).port;
  upstream = await TestUpstream.start(
    {
      '/echo': (request, response) => {
        // An upstream that echoes what it got, the credential included: the proxy must mask it on the way back.
        response.writeHead(200, { 'content-type': 'application/json', 'x-seen-authorization': String(request.headers.authorization ?? '') });
        response.end(JSON.stringify({ method: request.method, path: request.path, authorization: request.headers.authorization, body: request.body, card: CARD }));
      },
      '/v1/refunds': json(200, { id: 're_1', status: 'succeeded' }),
      '/redirect': (_request, response) => void response.writeHead(302, { location: `http://127.0.0.1:${internalPort}/metadata` }).end(),
      '/slow': (_request, response) => void setTimeout(() => response.writeHead(200).end('late'), 5_000).unref(),
      '/hang': (request, response) => upstream.hold()(request, response),
    },
    certificates,
  );
  server = await MandateProcess.start({
    MANDATE_PROXY_CA_FILE: caFile,
    MANDATE_PROXY_HEADERS_TIMEOUT_MS: '1500',
    // The most talkative level: the log searched for the secret is as full as an operator's can be.
    LOG_LEVEL: 'debug',
  });
  tenant = await newTenant(server, 'proxy');
  const register = async (body: Record<string, unknown>) => expect((await send('POST', '/v1/services', { token: tenant.adminKey, body })).status).toBe(201);
  // The test upstream is on loopback, so its service is marked internal (as an operator would a service on their LAN).
  await register({ name: 'echo', hosts: ['localhost'], internal_hosts: ['localhost'], presentation: { kind: 'bearer' }, secret: SECRET });
  await register({ name: 'stripe', hosts: ['localhost'], internal_hosts: ['localhost'], presentation: { kind: 'basic' }, secret: OTHER_SECRET });
  // A service that is not internal, naming loopback in every spelling an attacker would try.
  await register({
    name: 'public',
    hosts: ['localhost', '127.0.0.1', '169.254.169.254', '[::ffff:7f00:1]', '[64:ff9b::7f00:1]', 'api.test'],
    presentation: { kind: 'header', name: 'x-api-key' },
    secret: SECRET,
  });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await upstream?.close();
  await internal?.close();
  if (certificates) fs.rmSync(certificates.dir, { recursive: true, force: true });
});

it('given a registered service, when the agent calls it through the proxy, then the credential arrives upstream, the answer comes back with the secret masked, and the audit holds the observed call', async () => {
  const passport = await agentWithMission(['echo']);
  const reply = await proxy(passport, { service: 'echo', method: 'POST', url: `${upstream.origin}/echo?ticket=4821`, body: { channel: '#support', text: 'ack' } });
  expect(reply.status).toBe(200);
  expect(reply.body).toMatchObject({ call_id: expect.stringMatching(/^pc_/), status: 200, body_encoding: 'json', position: expect.any(Number) });
  const arrived = await upstream.arrival((r) => r.path === '/echo?ticket=4821');
  expect(arrived.headers.authorization).toBe(`Bearer ${SECRET}`);
  expect(JSON.parse(arrived.body)).toEqual({ channel: '#support', text: 'ack' });
  expect(arrived.headers['content-type']).toBe('application/json');
  // The echo of the secret, in the body and in a header, and the card number are masked; the rest is as sent.
  expect(reply.body.body).toEqual({ method: 'POST', path: '/echo?ticket=4821', authorization: 'Bearer [masked]', body: '{"channel":"#support","text":"ack"}', card: '[masked]' });
  expect(reply.body.headers['x-seen-authorization']).toBe('Bearer [masked]');
  expect(reply.body.masked).toBe(3);

  const trail = await auditOfCall(passport, reply.body.call_id, reply.body.position);
  expect(trail.map((e) => e.type)).toEqual(['ProxiedCallStarted', 'ProxiedCallEnded']);
  expect(trail[0].what).toMatchObject({ call: 'observed', service: 'echo', method: 'POST', host: 'localhost', path: '/echo', outcome: 'success' });
  expect(trail[1].what).toMatchObject({ call: 'observed', outcome: 'success', status: 200, masked: 3, response_bytes: expect.any(Number) });
  // The passport's view counts what Mandate observed beside what the agent reported (nothing, here).
  const view = await send('GET', `/v1/passports/${passport.jti}`, { token: tenant.adminKey });
  expect([view.body.calls_observed, view.body.actions_logged]).toEqual([1, 0]);
});

it("given the agent's own authorization, cookie and proxy headers, when it calls through the proxy, then none of them reaches the upstream; its other headers do", async () => {
  const passport = await agentWithMission(['echo']);
  const reply = await proxy(passport, {
    service: 'echo',
    method: 'GET',
    url: `${upstream.origin}/echo?h=1`,
    headers: { Authorization: 'Bearer agent-own', Cookie: 'session=abc', 'Proxy-Authorization': 'Basic eA==', 'X-Trace': 't-1' },
  });
  expect(reply.status).toBe(200);
  const arrived = await upstream.arrival((r) => r.path === '/echo?h=1');
  expect(arrived.headers.authorization).toBe(`Bearer ${SECRET}`);
  expect(arrived.headers.cookie).toBeUndefined();
  expect(arrived.headers['proxy-authorization']).toBeUndefined();
  expect(arrived.headers['x-trace']).toBe('t-1');
});

it('given a basic-auth service, when the agent calls it, then the credential goes as the user name (the Stripe form) and a text answer echoing it is masked', async () => {
  const passport = await agentWithMission(['stripe']);
  const reply = await proxy(passport, { service: 'stripe', method: 'GET', url: `${upstream.origin}/echo?basic=1` });
  const arrived = await upstream.arrival((r) => r.path === '/echo?basic=1');
  expect(arrived.headers.authorization).toBe(`Basic ${Buffer.from(`${OTHER_SECRET}:`).toString('base64')}`);
  expect(reply.body.body.authorization).toBe('Basic [masked]');
});

it('given body capture turned on, when a call is made, then its ended event keeps both bodies masked and cut at the limit; turned off again, none', async () => {
  const settings = await send('PUT', '/v1/proxy/settings', { token: tenant.adminKey, body: { capture_bodies: true, capture_limit_bytes: 120 } });
  expect(settings.body).toMatchObject({ capture_bodies: true, capture_limit_bytes: 120, masking: ['card_numbers'], deny_rules: [] });
  const passport = await agentWithMission(['echo']);
  const captured = await proxy(passport, { service: 'echo', method: 'POST', url: `${upstream.origin}/echo?capture=1`, body: `card ${CARD}, echo` });
  await send('PUT', '/v1/proxy/settings', { token: tenant.adminKey, body: {} });
  const plain = await proxy(passport, { service: 'echo', method: 'POST', url: `${upstream.origin}/echo?capture=2`, body: 'no capture' });
  const exported = await send('GET', '/v1/audit/export', { token: tenant.adminKey });
  const ended = String(exported.body)
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .filter((e) => e.type === 'ProxiedCallEnded' && e.data.jti === passport.jti);
  const byCall = new Map(ended.map((e) => [e.data.callId, e.data]));
  const kept = byCall.get(captured.body.call_id);
  expect(kept.captured.request).toBe('card [masked], echo');
  // The answer echoed the credential and the card: both masked before the cut at 120 bytes.
  expect(kept.captured.response).toMatch(/^\{"method":"POST","path":"\/echo\?capture=1","authorization":"Bearer \[masked\]"/);
  expect(kept.captured.response.endsWith('…')).toBe(true);
  expect(Buffer.byteLength(kept.captured.response)).toBeLessThanOrEqual(120 + Buffer.byteLength('…'));
  expect(byCall.get(plain.body.call_id).captured).toBeUndefined();
});

describe('refusals: each answered with its code, recorded, and nothing sent upstream', () => {
  const cases: Array<[string, string[], Record<string, unknown>, number, string]> = [
    ['a service the mission did not name', ['echo'], { service: 'stripe', method: 'GET', url: 'https://localhost/x' }, 403, 'PROXY_SERVICE_NOT_IN_MISSION'],
    ['a service the tenant never registered', ['github'], { service: 'github', method: 'GET', url: 'https://api.github.com/user' }, 404, 'SERVICE_NOT_FOUND'],
    ['a host that is not one of the service’s', ['echo'], { service: 'echo', method: 'GET', url: 'https://evil.example/x' }, 403, 'PROXY_HOST_NOT_ALLOWED'],
    ['plain http to a host that is not internal', ['public'], { service: 'public', method: 'GET', url: 'http://api.test/x' }, 403, 'PROXY_SCHEME_NOT_ALLOWED'],
    ['a literal loopback address', ['public'], { service: 'public', method: 'GET', url: 'https://127.0.0.1/x' }, 403, 'PROXY_SSRF_BLOCKED'],
    ['the metadata address', ['public'], { service: 'public', method: 'GET', url: 'https://169.254.169.254/latest/meta-data/' }, 403, 'PROXY_SSRF_BLOCKED'],
    ['loopback mapped into IPv6', ['public'], { service: 'public', method: 'GET', url: 'https://[::ffff:127.0.0.1]/x' }, 403, 'PROXY_SSRF_BLOCKED'],
    ['loopback in NAT64 form', ['public'], { service: 'public', method: 'GET', url: 'https://[64:ff9b::7f00:1]/x' }, 403, 'PROXY_SSRF_BLOCKED'],
  ];
  it.each(cases)('%s', async (_name, services, body, status, code) => {
    const passport = await agentWithMission(services);
    const before = upstream.seen.length + internal.seen.length;
    const reply = await proxy(passport, body);
    expect([reply.status, reply.body.code]).toEqual([status, code]);
    expect(reply.body.call_id).toMatch(/^pc_/);
    expect(upstream.seen.length + internal.seen.length).toBe(before);
    const trail = await auditOfCall(passport, reply.body.call_id, reply.body.position);
    expect(trail.map((e) => [e.type, e.outcome, e.code])).toEqual([['ProxiedCallRefused', 'refused', code]]);
  });

  it('given a name that resolves to loopback on a service that is not internal, then 403 PROXY_SSRF_BLOCKED when it is resolved, and the call reads as ended in error', async () => {
    const passport = await agentWithMission(['public']);
    const port = new URL(upstream.origin).port;
    const before = upstream.seen.length;
    const reply = await proxy(passport, { service: 'public', method: 'GET', url: `https://localhost:${port}/echo` });
    expect([reply.status, reply.body.code]).toEqual([403, 'PROXY_SSRF_BLOCKED']);
    expect(upstream.seen.length).toBe(before);
    const trail = await auditOfCall(passport, reply.body.call_id, reply.body.position);
    expect(trail.map((e) => [e.type, e.what.outcome])).toEqual([['ProxiedCallStarted', 'error'], ['ProxiedCallEnded', 'error']]);
    expect(trail[1].what.code).toBe('PROXY_SSRF_BLOCKED');
  });

  it('given an upstream that redirects to an internal address, then the redirect comes back as it is and is never followed', async () => {
    const passport = await agentWithMission(['echo']);
    const reply = await proxy(passport, { service: 'echo', method: 'GET', url: `${upstream.origin}/redirect` });
    expect(reply.status).toBe(200);
    expect(reply.body.status).toBe(302);
    expect(reply.body.headers.location).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metadata$/);
    expect(internal.seen).toEqual([]);
  });

  it("given a tenant's deny rule, when a call matches it, then 403 PROXY_DENIED_BY_RULE; a call it does not match goes through", async () => {
    const rules = { deny_rules: [{ name: 'no-deletes-under-admin', method: 'DELETE', host: 'local*', path: '/admin/*' }] };
    const changed = await send('PUT', '/v1/proxy/settings', { token: tenant.adminKey, body: rules });
    expect(changed.status).toBe(200);
    const passport = await agentWithMission(['echo']);
    const denied = await proxy(passport, { service: 'echo', method: 'DELETE', url: `${upstream.origin}/admin/users/7` });
    expect([denied.status, denied.body.code]).toEqual([403, 'PROXY_DENIED_BY_RULE']);
    expect(denied.body.detail).toContain('no-deletes-under-admin');
    expect(upstream.seen.some((r) => r.path.startsWith('/admin'))).toBe(false);
    const allowed = await proxy(passport, { service: 'echo', method: 'GET', url: `${upstream.origin}/echo?not-denied=1` });
    expect([allowed.status, allowed.body.status]).toEqual([200, 200]);
    await send('PUT', '/v1/proxy/settings', { token: tenant.adminKey, body: {} });
  });

  it('given an upstream that does not answer in time, then 504 UPSTREAM_TIMEOUT, and the call ended in error', async () => {
    const passport = await agentWithMission(['echo']);
    const reply = await proxy(passport, { service: 'echo', method: 'GET', url: `${upstream.origin}/slow` });
    expect([reply.status, reply.body.code]).toEqual([504, 'UPSTREAM_TIMEOUT']);
    const trail = await auditOfCall(passport, reply.body.call_id, reply.body.position);
    expect(trail[1].what).toMatchObject({ outcome: 'error', code: 'UPSTREAM_TIMEOUT' });
  });

  it('given a relative URL or an unknown field, then 422 VALIDATION_FAILED and nothing is stored', async () => {
    const passport = await agentWithMission(['echo']);
    const head = (await tenant.audit(`?jti=${passport.jti}&limit=1000`)).length;
    const relative = await proxy(passport, { service: 'echo', method: 'GET', url: '/echo' });
    expect([relative.status, relative.body.code]).toEqual([422, 'VALIDATION_FAILED']);
    const unknown = await proxy(passport, { service: 'echo', method: 'GET', url: `${upstream.origin}/echo`, verb: 'x' });
    expect([unknown.status, unknown.body.code]).toEqual([422, 'VALIDATION_FAILED']);
    expect((await tenant.audit(`?jti=${passport.jti}&limit=1000`)).length).toBe(head);
  });
});

describe('approval-gated calls', () => {
  let approver: string;
  const refund = { service: 'stripe', method: 'POST', url: '', body: { charge: 'ch_4821', amount: 4200 } };

  beforeAll(async () => {
    refund.url = `${upstream.origin}/v1/refunds`;
    approver = await tenant.key('approver');
    const policy = { default: 'require_approval', rules: [{ name: 'refunds-need-a-person', match: { service: 'stripe', method: 'POST' }, decision: 'require_approval' }] };
    expect((await send('PUT', '/v1/policies/intents', { token: tenant.adminKey, body: policy })).status).toBe(200);
  });

  async function approvedIntent(passport: Passport, body: unknown = refund.body): Promise<string> {
    const intent = {
      named_intent: 'stripe:refunds:create',
      target: 'stripe',
      action: 'POST /v1/refunds',
      parameters: { url: refund.url, method: 'POST', body },
      reason: 'customer was charged twice',
      expires_in: 3600,
    };
    const submitted = await send('POST', '/v1/intents', { token: passport.token, body: intent });
    expect(submitted.status).toBe(201);
    const approved = await send('POST', `/v1/intents/${submitted.body.id}/approve`, { token: approver, body: {} });
    expect(approved.status).toBe(200);
    return approved.body.approval_id;
  }

  it('given a policy that gates the call, when the agent calls without an approval, then 403 APPROVAL_REQUIRED and nothing reaches the upstream', async () => {
    const passport = await agentWithMission(['stripe']);
    const before = upstream.seen.length;
    const reply = await proxy(passport, refund);
    expect([reply.status, reply.body.code]).toEqual([403, 'APPROVAL_REQUIRED']);
    expect(upstream.seen.length).toBe(before);
  });

  it('given an approval of exactly this call, then it goes through once; replayed, 409 APPROVAL_CONSUMED', async () => {
    const passport = await agentWithMission(['stripe']);
    const approvalId = await approvedIntent(passport);
    const first = await proxy(passport, { ...refund, approval_id: approvalId });
    expect([first.status, first.body.status, first.body.body]).toEqual([200, 200, { id: 're_1', status: 'succeeded' }]);
    const trail = await auditOfCall(passport, first.body.call_id, first.body.position);
    expect(trail[0].what.approval_id).toBe(approvalId);
    const before = upstream.seen.length;
    const replayed = await proxy(passport, { ...refund, approval_id: approvalId });
    expect([replayed.status, replayed.body.code]).toEqual([409, 'APPROVAL_CONSUMED']);
    expect(upstream.seen.length).toBe(before);
  });

  it('given an approval, when the body is changed, then 403 with gate_reason call_mismatch, and the approval stays unspent for the approved call', async () => {
    const passport = await agentWithMission(['stripe']);
    const approvalId = await approvedIntent(passport);
    const changed = await proxy(passport, { ...refund, body: { charge: 'ch_4821', amount: 999999 }, approval_id: approvalId });
    expect(changed.status).toBe(403);
    expect(changed.body.gate_reason).toBe('call_mismatch');
    // Parameters added in `query` change the call too: the approved URL had none.
    const widened = await proxy(passport, { ...refund, query: { amount: '999999' }, approval_id: approvalId });
    expect([widened.status, widened.body.gate_reason]).toEqual([403, 'call_mismatch']);
    const exact = await proxy(passport, { ...refund, approval_id: approvalId });
    expect([exact.status, exact.body.status]).toEqual([200, 200]);
  });
});

it('given an Idempotency-Key, when a proxied call is retried, then it is not made again: 409 PROXY_CALL_ALREADY_MADE naming the call; another call under the key is 409 IDEMPOTENCY_KEY_REUSED', async () => {
  const passport = await agentWithMission(['echo']);
  const body = { service: 'echo', method: 'POST', url: `${upstream.origin}/echo?idempotent=1`, body: { n: 1 } };
  const keyed = (b: Record<string, unknown>) => send('POST', '/v1/proxy', { token: passport.token, body: b, headers: { 'idempotency-key': 'tool-call-42' } });
  const first = await keyed(body);
  expect([first.status, first.body.status]).toEqual([200, 200]);
  const retried = await keyed(body);
  expect([retried.status, retried.body.code, retried.body.call_id]).toEqual([409, 'PROXY_CALL_ALREADY_MADE', first.body.call_id]);
  const other = await keyed({ ...body, body: { n: 2 } });
  expect([other.status, other.body.code]).toEqual([409, 'IDEMPOTENCY_KEY_REUSED']);
  expect(upstream.seen.filter((r) => r.path === '/echo?idempotent=1')).toHaveLength(1);
});

it('given a service whose secret is rotated and then removed, then the next call carries the new version, and after removal is refused 404 SERVICE_NOT_FOUND', async () => {
  const rotated = `rk_${randomBytes(24).toString('base64url')}`;
  await send('POST', '/v1/services', { token: tenant.adminKey, body: { name: 'rotating', hosts: ['localhost'], internal_hosts: ['localhost'], presentation: { kind: 'bearer' }, secret: OTHER_SECRET } });
  const passport = await agentWithMission(['rotating']);
  await proxy(passport, { service: 'rotating', method: 'GET', url: `${upstream.origin}/echo?rotation=1` });
  expect((await upstream.arrival((r) => r.path === '/echo?rotation=1')).headers.authorization).toBe(`Bearer ${OTHER_SECRET}`);
  expect((await send('POST', '/v1/services/rotating/secrets', { token: tenant.adminKey, body: { secret: rotated } })).status).toBe(201);
  const after = await proxy(passport, { service: 'rotating', method: 'GET', url: `${upstream.origin}/echo?rotation=2` });
  expect((await upstream.arrival((r) => r.path === '/echo?rotation=2')).headers.authorization).toBe(`Bearer ${rotated}`);
  expect(after.body.body.authorization).toBe('Bearer [masked]');
  expect((await send('DELETE', '/v1/services/rotating', { token: tenant.adminKey })).status).toBe(200);
  const before = upstream.seen.length;
  const removed = await proxy(passport, { service: 'rotating', method: 'GET', url: `${upstream.origin}/echo?rotation=3` });
  expect([removed.status, removed.body.code]).toEqual([404, 'SERVICE_NOT_FOUND']);
  expect(upstream.seen.length).toBe(before);
  rotatedSecrets.push(rotated);
});

it('given proxied calls, then /metrics counts them by outcome and refusal code', async () => {
  const metricsUrl = server instanceof DistributedMandate ? `${server.services.passport.url}/metrics` : `${server.url}/metrics`;
  const text = await (await fetch(metricsUrl)).text();
  const count = (labels: string) => Number(new RegExp(`^mandate_proxied_calls_total\\{${labels}\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  expect(count('outcome="success",code=""')).toBeGreaterThan(0);
  expect(count('outcome="refused",code="PROXY_SERVICE_NOT_IN_MISSION"')).toBeGreaterThan(0);
  expect(text).toMatch(/^mandate_proxied_call_upstream_seconds_count\{outcome="success"\} \d+$/m);
});

it('given a passport revoked mid-mission, when the agent calls through the proxy again, then 401 PASSPORT_REVOKED and nothing reaches the upstream', async () => {
  const passport = await agentWithMission(['echo']);
  expect((await proxy(passport, { service: 'echo', method: 'GET', url: `${upstream.origin}/echo?before-revoke=1` })).body.status).toBe(200);
  expect((await send('POST', `/v1/passports/${passport.jti}/revoke`, { token: tenant.adminKey, body: { reason: 'off-script' } })).status).toBe(200);
  const before = upstream.seen.length;
  const after = await proxy(passport, { service: 'echo', method: 'GET', url: `${upstream.origin}/echo?after-revoke=1` });
  expect([after.status, after.body.code]).toEqual([401, 'PASSPORT_REVOKED']);
  expect(upstream.seen.length).toBe(before);
});

it('given a call in flight, when the server is killed (-9) and started again, then the audit shows the call started with outcome unknown, and every call answered before is there with its end', async () => {
  const passport = await agentWithMission(['echo']);
  const answered: Array<{ call_id: string; position: number }> = [];
  for (let i = 0; i < 5; i++) {
    const reply = await proxy(passport, { service: 'echo', method: 'GET', url: `${upstream.origin}/echo?before-crash=${i}` });
    expect(reply.status).toBe(200);
    answered.push(reply.body);
  }
  const inFlight = proxy(passport, { service: 'echo', method: 'GET', url: `${upstream.origin}/hang` }).catch((error: Error) => error);
  await upstream.arrival((r) => r.path === '/hang');
  await server.kill('SIGKILL');
  // The agent never got an answer: its connection died with the server.
  expect(await inFlight).toMatchObject({ message: 'fetch failed' });
  upstream.releaseHeld();
  await server.restart();

  const entries = await tenant.audit(`?jti=${passport.jti}&limit=1000&wait_for_position=${Math.max(...answered.map((a) => a.position))}`);
  const started = entries.filter((e) => e.type === 'ProxiedCallStarted');
  const unknown = started.filter((e) => e.what.outcome === 'unknown');
  expect(unknown.map((e) => e.what.path)).toEqual(['/hang']);
  for (const a of answered) {
    expect(entries.filter((e) => e.what?.call_id === a.call_id).map((e) => e.type)).toEqual(['ProxiedCallStarted', 'ProxiedCallEnded']);
  }
});

it('given the whole run, then the secrets appear in no answer, log line or export line', async () => {
  const exported = await send('GET', '/v1/audit/export', { token: tenant.adminKey });
  expect(exported.status).toBe(200);
  const everything = [server.output, ...answers, String(exported.body)].join('\n');
  // The run did make calls with the secret (else this would prove nothing).
  expect(upstream.seen.some((r) => r.headers.authorization === `Bearer ${SECRET}`)).toBe(true);
  expect(everything.includes(SECRET)).toBe(false);
  expect(everything.includes(OTHER_SECRET)).toBe(false);
  expect(rotatedSecrets.filter((secret) => everything.includes(secret))).toEqual([]);
  expect(everything.includes(Buffer.from(`${OTHER_SECRET}:`).toString('base64'))).toBe(false);
});
