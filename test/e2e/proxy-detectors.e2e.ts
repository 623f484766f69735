/**
 * The detectors over calls the credential proxy observed, against the real server and a real HTTPS upstream on
 * loopback (a throwaway CA the server trusts through MANDATE_PROXY_CA_FILE): an agent whose reports leave out its
 * proxied calls draws unreported_calls and an honest one does not; proxied calls burst, drift out of the mission, go
 * on after checkout and replay an approval like reported ones do.
 *
 * Nothing sleeps: a finding is awaited with `wait_for_position` (the list answers once the detectors have handled
 * the write), a revocation as its frame on the revocation stream.
 */
import * as fs from 'fs';
import { randomBytes } from 'crypto';
import { call, newTenant, Reply, Tenant } from './support/client';
import { MandateProcess, MandateServer } from './support/server';
import { SseClient } from './support/sse';
import { json, TestUpstream } from './support/upstream';
import { makeTestCertificates, TestCertificates } from '../int/support/test-ca';

type Passport = Awaited<ReturnType<Tenant['passport']>>;
type Mode = 'standard' | 'logged' | 'enforced';

let certificates: TestCertificates;
let upstream: TestUpstream;
let server: MandateServer;
let acme: Tenant;
const opened: SseClient[] = [];

/** A tenant whose proxy serves `helpdesk` and `payments`, both on the loopback upstream (so marked internal). */
async function tenantWithServices(name: string): Promise<Tenant> {
  const tenant = await newTenant(server, name);
  for (const service of ['helpdesk', 'payments']) {
    const body = { name: service, hosts: ['localhost'], internal_hosts: ['localhost'], presentation: { kind: 'bearer' }, secret: `sk_${randomBytes(16).toString('hex')}` };
    expect((await call(server, 'POST', '/v1/services', { token: tenant.adminKey, body })).status).toBe(201);
  }
  return tenant;
}

async function mission(tenant: Tenant, mode: Mode, services = ['helpdesk']): Promise<Passport> {
  const agent = await tenant.agent(mode, `${mode}-proxy-bot-${randomBytes(3).toString('hex')}`);
  return tenant.passport(agent, { ttl_seconds: 3600, intent: { summary: 'answer tickets through the proxy', services } });
}

const proxy = (passport: Passport, body: Record<string, unknown>) => call(server, 'POST', '/v1/proxy', { token: passport.token, body });

/** A call the proxy made: its write position. */
async function proxied(passport: Passport, ticket: number): Promise<number> {
  const reply = await proxy(passport, { service: 'helpdesk', method: 'GET', url: `${upstream.origin}/tickets/${ticket}` });
  expect([reply.status, reply.body.status]).toEqual([200, 200]);
  return reply.body.position;
}

/** A use the server answered with this status and code; refusals are recorded, so it has a position. */
function refusedAt(reply: Reply, status: number, code: string): number {
  expect([reply.status, reply.body.code]).toEqual([status, code]);
  expect(reply.body.position).toEqual(expect.any(Number));
  return reply.body.position;
}

async function ok(reply: Promise<Reply>, status = 200): Promise<number> {
  const answered = await reply;
  expect([answered.status, answered.body?.code]).toEqual([status, undefined]);
  return answered.body.position;
}

const logCalls = (p: Passport, calls: Array<{ service: string; action: string }>) =>
  ok(call(server, 'POST', `/v1/passports/${p.jti}/actions`, { token: p.token, body: calls.length === 1 ? calls[0] : { calls } }), 201);
const checkpoint = (p: Passport, servicesUsed: string[], actionsCount: number) =>
  ok(call(server, 'POST', `/v1/passports/${p.jti}/checkpoint`, { token: p.token, body: { services_used: servicesUsed, actions_count: actionsCount, summary: 'tickets answered' } }));
const checkout = (p: Passport) => ok(call(server, 'POST', `/v1/passports/${p.jti}/checkout`, { token: p.token, body: { outcome: 'success', summary: 'done' } }));

/** The passport's findings once the detectors have handled `position`. */
async function findingsOf(tenant: Tenant, p: Passport, position: number): Promise<Array<Record<string, any>>> {
  const reply = await call(server, 'GET', `/v1/security-events?jti=${p.jti}&limit=500&wait_for_position=${position}`, { token: tenant.adminKey });
  expect(reply.status).toBe(200);
  return reply.body.security_events;
}

/** The passport's audit, once it holds `position`: the ids of events of `type`, in order. */
async function eventIds(tenant: Tenant, p: Passport, position: number, type: string): Promise<string[]> {
  const entries = await tenant.audit(`?jti=${p.jti}&limit=1000&wait_for_position=${position}`);
  return entries.filter((e) => e.type === type).map((e) => e.event_id);
}

beforeAll(async () => {
  certificates = makeTestCertificates();
  upstream = await TestUpstream.start(
    {
      '/v1/refunds': json(200, { id: 're_1', status: 'succeeded' }),
      ...Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`/tickets/${i}`, json(200, { ticket: i, status: 'open' })])),
    },
    certificates,
  );
  server = await MandateProcess.start({ MANDATE_PROXY_CA_FILE: certificates.caFile });
  acme = await tenantWithServices('proxy-detectors');
}, 120_000);

afterEach(() => opened.splice(0).forEach((stream) => stream.close()));

afterAll(async () => {
  await server?.stop();
  await upstream?.close();
  if (certificates) fs.rmSync(certificates.dir, { recursive: true, force: true });
});

describe('unreported_calls: reports that leave out calls the proxy observed', () => {
  it('given an agent that logs its tool calls, when it makes three proxied calls, logs one and checks out, then one unreported_calls warning naming the service and the counts', async () => {
    const bot = await mission(acme, 'logged');
    for (let ticket = 1; ticket <= 3; ticket++) await proxied(bot, ticket);
    await logCalls(bot, [{ service: 'helpdesk', action: 'tickets.get' }]);
    await checkpoint(bot, ['helpdesk'], 1);
    const out = await checkout(bot);

    const [finding, ...others] = await findingsOf(acme, bot, out);
    expect(others).toEqual([]);
    expect(finding).toMatchObject({ signal: 'unreported_calls', severity: 'warning', action: 'flag', revoked: false, raised_to_operators: true });
    expect(finding.detail).toBe('the agent\'s tool-call log leaves out calls it made through the proxy: "helpdesk" 3 calls observed, 1 logged');
    const starts = await eventIds(acme, bot, out, 'ProxiedCallStarted');
    const [checkedOut] = await eventIds(acme, bot, out, 'MissionCheckedOut');
    expect(finding.evidence).toEqual([starts[2], checkedOut]);
  });

  it('given an agent that logs no tool call, when a checkpoint leaves out a service it called and its checkpoints count fewer actions than its calls, then a warning at the checkpoint and one at checkout', async () => {
    const bot = await mission(acme, 'logged');
    await proxied(bot, 4);
    await proxied(bot, 5);
    const omitted = await checkpoint(bot, [], 0);
    const [atCheckpoint, ...none] = await findingsOf(acme, bot, omitted);
    expect(none).toEqual([]);
    expect(atCheckpoint).toMatchObject({ signal: 'unreported_calls', severity: 'warning' });
    expect(atCheckpoint.detail).toBe('a checkpoint\'s services_used leaves out "helpdesk", called through the proxy since the previous checkpoint');

    await proxied(bot, 6);
    const out = await checkout(bot);
    const findings = await findingsOf(acme, bot, out);
    expect(findings.map((f) => f.signal)).toEqual(['unreported_calls', 'unreported_calls']);
    expect(findings.find((f) => f.id !== atCheckpoint.id)!.detail).toBe('the agent logged no tool call and its checkpoints counted 0 actions in all; the proxy started 3 calls for it ("helpdesk")');
  });

  it('given an honest agent, when it logs every proxied call (one of them before making it) and checkpoints them, then no finding at all', async () => {
    const bot = await mission(acme, 'logged');
    await logCalls(bot, [{ service: 'helpdesk', action: 'tickets.get' }]);
    for (let ticket = 7; ticket <= 9; ticket++) await proxied(bot, ticket);
    await logCalls(bot, [{ service: 'helpdesk', action: 'tickets.get' }, { service: 'helpdesk', action: 'tickets.get' }]);
    await checkpoint(bot, ['helpdesk'], 3);
    const out = await checkout(bot);
    expect(await findingsOf(acme, bot, out)).toEqual([]);
  });

  it('given an agent that logs calls to a tool the proxy never saw, and makes no proxied call, then nothing either way', async () => {
    const bot = await mission(acme, 'logged', ['helpdesk', 'wiki']);
    await logCalls(bot, [{ service: 'wiki', action: 'pages.read' }, { service: 'wiki', action: 'pages.read' }]);
    await checkpoint(bot, ['wiki'], 2);
    const out = await checkout(bot);
    expect(await findingsOf(acme, bot, out)).toEqual([]);
  });
});

describe('the other detectors weigh observed calls like reported ones', () => {
  it('given an enforced agent (burst: 5 uses in 60 s), when it makes 11 proxied calls, then a warning and a critical credential_burst revokes it, its next proxied call is refused, and that attempt is post_checkout_access', async () => {
    const strict = await tenantWithServices('proxy-burst');
    const settings = await call(server, 'PUT', '/v1/detectors/settings', { token: strict.adminKey, body: { burst: { max_uses: 5, window_seconds: 60 }, actions: { scope_drift: 'revoke', post_checkout_access: 'revoke', credential_burst: 'revoke', checkpoint_silence: 'flag', intent_mismatch: 'revoke' } } });
    expect(settings.status).toBe(200);
    const revocations = await SseClient.open(server, strict.adminKey);
    opened.push(revocations);
    expect(revocations.status).toBe(200);
    const bot = await mission(strict, 'enforced');

    let last = 0;
    for (let ticket = 10; ticket < 21; ticket++) last = await proxied(bot, ticket);

    const frame = await revocations.next((e) => e.data.jti === bot.jti);
    expect(frame.data).toMatchObject({ jti: bot.jti, scope: 'passport', revoked_by: { kind: 'detector', id: 'credential_burst' } });
    const findings = await findingsOf(strict, bot, last);
    expect(findings.map((f) => [f.signal, f.severity, f.revoked])).toEqual([['credential_burst', 'warning', false], ['credential_burst', 'critical', true]]);
    expect(findings[1].detail).toMatch(/^11 uses in 60 s \(threshold 5\)/);
    expect([...findings[1].evidence].sort()).toEqual((await eventIds(strict, bot, last, 'ProxiedCallStarted')).sort());

    const before = upstream.seen.length;
    const after = refusedAt(await proxy(bot, { service: 'helpdesk', method: 'GET', url: `${upstream.origin}/tickets/21` }), 401, 'PASSPORT_REVOKED');
    expect(upstream.seen.length).toBe(before);
    const late = (await findingsOf(strict, bot, after)).filter((f) => f.signal === 'post_checkout_access');
    expect(late).toEqual([expect.objectContaining({ severity: 'critical', detail: 'the passport was used (proxy) after it was revoked', revoked: false })]);
  });

  it('given a mission for helpdesk, when the agent calls payments through the proxy, then the refusal is a critical scope_drift', async () => {
    const bot = await mission(acme, 'logged');
    const drift = refusedAt(await proxy(bot, { service: 'payments', method: 'GET', url: `${upstream.origin}/tickets/22` }), 403, 'PROXY_SERVICE_NOT_IN_MISSION');
    const [finding, ...others] = await findingsOf(acme, bot, drift);
    expect(others).toEqual([]);
    expect(finding).toMatchObject({ signal: 'scope_drift', severity: 'critical', action: 'revoke', revoked: false, raised_to_operators: true });
    expect(finding.detail).toBe('a call through the proxy named service "payments", outside the mission\'s services');
  });

  it('given a checked-out mission, when the agent calls through the proxy, then 401 PASSPORT_CHECKED_OUT, nothing reaches the upstream, and post_checkout_access', async () => {
    const bot = await mission(acme, 'logged');
    await logCalls(bot, [{ service: 'helpdesk', action: 'tickets.get' }]);
    await proxied(bot, 23);
    await checkout(bot);
    const before = upstream.seen.length;
    const late = refusedAt(await proxy(bot, { service: 'helpdesk', method: 'GET', url: `${upstream.origin}/tickets/24` }), 401, 'PASSPORT_CHECKED_OUT');
    expect(upstream.seen.length).toBe(before);
    const [finding, ...others] = await findingsOf(acme, bot, late);
    expect(others).toEqual([]);
    expect(finding).toMatchObject({ signal: 'post_checkout_access', severity: 'critical', detail: 'the passport was used (proxy) after it was checked out' });
  });

  it('given an approval spent on a proxied call, when the agent presents it to the proxy again, then 409 APPROVAL_CONSUMED and intent_mismatch', async () => {
    const gated = await tenantWithServices('proxy-approvals');
    const policy = { default: 'require_approval', rules: [{ name: 'refunds-need-a-person', match: { service: 'payments', method: 'POST' }, decision: 'require_approval' }] };
    expect((await call(server, 'PUT', '/v1/policies/intents', { token: gated.adminKey, body: policy })).status).toBe(200);
    const bot = await mission(gated, 'logged', ['payments']);
    const refund = { service: 'payments', method: 'POST', url: `${upstream.origin}/v1/refunds`, body: { charge: 'ch_4821', amount: 4200 } };
    const intent = {
      named_intent: 'payments:refunds:create', target: 'payments', action: 'POST /v1/refunds',
      parameters: { url: refund.url, method: 'POST', body: refund.body }, reason: 'customer was charged twice', expires_in: 3600,
    };
    const submitted = await call(server, 'POST', '/v1/intents', { token: bot.token, body: intent });
    expect(submitted.status).toBe(201);
    const approved = await call(server, 'POST', `/v1/intents/${submitted.body.id}/approve`, { token: await gated.key('approver'), body: {} });
    expect(approved.status).toBe(200);
    const first = await proxy(bot, { ...refund, approval_id: approved.body.approval_id });
    expect([first.status, first.body.status]).toEqual([200, 200]);

    const replayed = refusedAt(await proxy(bot, { ...refund, approval_id: approved.body.approval_id }), 409, 'APPROVAL_CONSUMED');
    const mismatch = (await findingsOf(gated, bot, replayed)).filter((f) => f.signal === 'intent_mismatch');
    expect(mismatch).toEqual([expect.objectContaining({ severity: 'critical', detail: 'an approval was replayed', raised_to_operators: true })]);
  });
});
