/**
 * Detectors over HTTP against the real process: what an agent does raises findings, the accountability mode and the
 * tenant's settings decide what happens next (recorded, raised to operators, or the passport revoked), operators
 * resolve findings, the findings feed resumes across a restart, a crash loses and duplicates nothing, and a replay of
 * the whole history derives exactly what was raised and revoked live.
 *
 * Nothing sleeps. A finding is awaited with `wait_for_position` (the list answers once the detectors have handled the
 * write) or as a frame on a stream; the one test that needs time to pass (checkpoint silence, 60 s at least) awaits
 * the finding on the findings stream. "Nothing was sent" is proven by a later frame on the same ordered stream.
 */
import { call, newTenant, Reply, Tenant } from './support/client';
import { ADMIN_KEY, MandateProcess, MandateServer } from './support/server';
import { SseClient, SseEvent } from './support/sse';
import { expectProblem } from './support/problems';

type Issued = Awaited<ReturnType<Tenant['passport']>> & { agentId: string };
type Mode = 'standard' | 'logged' | 'enforced';

interface Finding {
  id: string;
  position: number;
  signal: string;
  severity: string;
  agent_id: string;
  jti: string;
  mission_id: string;
  detail: string;
  evidence: string[];
  action: string;
  revoked: boolean;
  raised_to_operators: boolean;
  raised_at: string;
  status: string;
  resolution: { note: string; by: string; at: string } | null;
}

const DEFAULT_ACTIONS = { scope_drift: 'revoke', post_checkout_access: 'revoke', credential_burst: 'revoke', checkpoint_silence: 'flag', intent_mismatch: 'revoke', unreported_calls: 'flag', stolen_passport: 'revoke' };
const DEFAULT_SETTINGS = { burst: { max_uses: 15, window_seconds: 30 }, actions: DEFAULT_ACTIONS, revoke_on_warning: false };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The frame carrying this finding on the findings feed. */
const findingOn = (feed: SseClient, id: string, timeoutMs?: number): Promise<SseEvent> => feed.next((e) => e.data.id === id, timeoutMs);

let server: MandateServer;
/** Streams a test opened, closed after it whatever happened. */
const opened: Array<{ close(): void }> = [];

const openFeed = async (token: string, lastEventId?: string) => {
  const feed = await SseClient.open(server, token, lastEventId, '/v1/security-events/stream');
  opened.push(feed);
  expect(feed.status).toBe(200);
  return feed;
};
const openRevocations = async (token: string) => {
  const stream = await SseClient.open(server, token);
  opened.push(stream);
  expect(stream.status).toBe(200);
  return stream;
};


async function issue(tenant: Tenant, mode: Mode, extra: Record<string, unknown> = {}): Promise<Issued> {
  const agentId = await tenant.agent(mode, `${mode}-bot`);
  return { agentId, ...(await tenant.passport(agentId, { ttl_seconds: 3600, ...extra })) };
}

const toolCall = (p: Issued, service = 'slack', action = 'chat.postMessage') =>
  call(server, 'POST', `/v1/passports/${p.jti}/actions`, { token: p.token, body: { service, action } });

/** A tool call the server accepts: its position, for read-your-writes on the findings. */
async function logged(p: Issued, service = 'slack'): Promise<number> {
  const reply = await toolCall(p, service);
  expect([reply.status, reply.body?.code]).toEqual([201, undefined]);
  return reply.body.position as number;
}

async function calls(p: Issued, n: number): Promise<number> {
  let position = 0;
  for (let i = 0; i < n; i++) position = await logged(p);
  return position;
}

/** A tool call the server refuses with 401 and this code; the refusal is recorded, so it has a position too. */
async function refused(p: Issued, code: string, service = 'slack'): Promise<number> {
  const reply = await toolCall(p, service);
  expectProblem(reply, 401, code);
  return reply.body.position as number;
}

/** Every finding of the tenant matching the query, once the detectors have handled `position` (when given). */
async function findings(tenant: Tenant, query: Record<string, string | number> = {}, token = tenant.adminKey): Promise<Finding[]> {
  const all: Finding[] = [];
  let cursor: string | null = null;
  do {
    const params = new URLSearchParams(Object.entries({ ...query, limit: 500, ...(cursor ? { cursor } : {}) }).map(([k, v]): [string, string] => [k, String(v)]));
    const page: Reply = await call(server, 'GET', `/v1/security-events?${params}`, { token });
    expect(page.status).toBe(200);
    all.push(...page.body.security_events);
    cursor = page.body.next_cursor;
  } while (cursor);
  return all;
}

const findingsOf = (tenant: Tenant, jti: string, position: number) => findings(tenant, { jti, wait_for_position: position });

/** The audit of one passport, once the audit holds `position`. */
const auditOf = (tenant: Tenant, jti: string, position: number) => tenant.audit(`?jti=${jti}&limit=1000&wait_for_position=${position}`);

const verify = async (p: Issued) => (await call(server, 'POST', '/v1/passports/verify', { body: { token: p.token } })).body;

async function putSettings(tenant: Tenant, settings: Record<string, unknown>): Promise<Reply> {
  const reply = await call(server, 'PUT', '/v1/detectors/settings', { token: tenant.adminKey, body: settings });
  expect([reply.status, reply.body?.code]).toEqual([200, undefined]);
  return reply;
}

/**
 * Waits until the detectors have handled everything written so far (any tenant's key may ask: the wait is global), so
 * that a replay compares with a live side that is complete.
 */
async function settled(tenant: Tenant): Promise<void> {
  const ready = await call(server, 'GET', '/readyz');
  expect(ready.status).toBe(200);
  expect((await call(server, 'GET', `/v1/security-events?limit=1&wait_for_position=${ready.body.head}`, { token: tenant.adminKey })).status).toBe(200);
}

async function replay(): Promise<Record<string, any>> {
  const reply = await call(server, 'POST', '/v1/admin/replay', { token: ADMIN_KEY });
  expect(reply.status).toBe(200);
  return reply.body;
}

/** What a detector's revocation looks like on the revocation stream. */
async function expectDetectorRevocation(stream: SseClient, p: Issued, signal: string): Promise<SseEvent> {
  const frame = await stream.next((e) => e.data.jti === p.jti);
  expect(frame.event).toBe('revocation');
  expect(frame.data).toMatchObject({ jti: p.jti, agent_id: p.agentId, mission_id: p.mission_id, scope: 'passport', revoked_by: { kind: 'detector', id: signal } });
  expect(frame.data.reason).toMatch(new RegExp(`^detector ${signal}: \\S`));
  return frame;
}

const signalsOf = (fs: Finding[]) => fs.map((f) => `${f.signal}/${f.severity}`);

beforeAll(async () => {
  server = await MandateProcess.start();
});
afterEach(() => {
  opened.splice(0).forEach((s) => s.close());
});
afterAll(async () => {
  await server?.stop();
});

// ---------------------------------------------------------------------------------------------------------------

describe('scope drift: the accountability mode decides what happens', () => {
  it('given an enforced agent on a slack mission, when it calls github, then a critical scope_drift revokes its passport, the revocation stream names the detector, and its next call is 401 PASSPORT_REVOKED', async () => {
    const acme = await newTenant(server, 'enforced-drift');
    const revocations = await openRevocations(acme.adminKey);
    const feed = await openFeed(acme.adminKey);
    const bot = await issue(acme, 'enforced');
    const inScope = await logged(bot, 'slack');
    expect(await findingsOf(acme, bot.jti, inScope)).toEqual([]);

    const drift = await logged(bot, 'github');

    const frame = await expectDetectorRevocation(revocations, bot, 'scope_drift');
    expect(frame.data.reason).toContain('"github"');
    const [finding, ...others] = await findingsOf(acme, bot.jti, drift);
    expect(others).toEqual([]);
    expect(finding).toEqual({
      id: expect.stringMatching(UUID),
      position: expect.any(Number),
      signal: 'scope_drift',
      severity: 'critical',
      agent_id: bot.agentId,
      jti: bot.jti,
      mission_id: bot.mission_id,
      detail: expect.stringContaining('"github"'),
      evidence: [expect.any(String)],
      action: 'revoke',
      revoked: true,
      raised_to_operators: true,
      raised_at: expect.any(String),
      status: 'open',
      resolution: null,
    });
    expect(finding.position).toBeGreaterThan(drift);
    // The evidence is the tool call that drifted.
    const trail = await auditOf(acme, bot.jti, finding.position);
    expect(trail.find((e) => e.event_id === finding.evidence[0])).toMatchObject({ type: 'ToolCallLogged', position: drift });
    expect((await findingOn(feed, finding.id)).data).toEqual(finding);
    expect((await call(server, 'GET', `/v1/security-events/${finding.id}`, { token: acme.adminKey })).body).toEqual(finding);

    const next = await refused(bot, 'PASSPORT_REVOKED');
    // Using a revoked passport is itself a finding, but the passport is not revoked a second time.
    const after = await findingsOf(acme, bot.jti, next);
    expect(signalsOf(after)).toEqual(['scope_drift/critical', 'post_checkout_access/critical']);
    expect(after[1]).toMatchObject({ revoked: false, raised_to_operators: true, detail: expect.stringContaining('(tool_call)') });
    // So is a downstream service verifying it (the first refused verify is recorded).
    expect(await verify(bot)).toMatchObject({ active: false, reason: 'revoked' });
    const verified = await feed.next((e) => e.data.jti === bot.jti && e.data.detail.includes('(verify)'));
    expect(verified.data).toMatchObject({ signal: 'post_checkout_access', revoked: false });
    const revokedEvents = (await auditOf(acme, bot.jti, verified.data.position)).filter((e) => e.type === 'PassportRevoked');
    expect(revokedEvents).toEqual([expect.objectContaining({ actor: { kind: 'detector', id: 'scope_drift' } })]);
  });

  it('given a logged agent, when it calls github, then it is flagged (raised to operators, not revoked) and its next call is 201', async () => {
    const acme = await newTenant(server, 'logged-drift');
    const feed = await openFeed(acme.adminKey);
    const bot = await issue(acme, 'logged');

    const drift = await logged(bot, 'github');

    const [finding, ...others] = await findingsOf(acme, bot.jti, drift);
    expect(others).toEqual([]);
    expect(finding).toMatchObject({ signal: 'scope_drift', severity: 'critical', agent_id: bot.agentId, jti: bot.jti, revoked: false, raised_to_operators: true, status: 'open' });
    expect((await findingOn(feed, finding.id)).data).toMatchObject({ id: finding.id, revoked: false });
    // It keeps working: the next call is accepted and the passport is active.
    const next = await logged(bot, 'slack');
    expect(await verify(bot)).toMatchObject({ active: true });
    expect((await auditOf(acme, bot.jti, next)).map((e) => e.type)).not.toContain('PassportRevoked');
    expect(await findingsOf(acme, bot.jti, next)).toEqual([finding]);
  });

  it('given a standard agent, when it calls github, then the finding is only an audit record: stored with raised_to_operators=false, never on the findings stream', async () => {
    const acme = await newTenant(server, 'standard-drift');
    const feed = await openFeed(acme.adminKey);
    const quiet = await issue(acme, 'standard');
    const loud = await issue(acme, 'logged');

    const drift = await logged(quiet, 'github');
    const [finding, ...others] = await findingsOf(acme, quiet.jti, drift);
    expect(others).toEqual([]);
    expect(finding).toMatchObject({ signal: 'scope_drift', jti: quiet.jti, agent_id: quiet.agentId, revoked: false, raised_to_operators: false });
    expect(await verify(quiet)).toMatchObject({ active: true });
    const trail = await auditOf(acme, quiet.jti, finding.position);
    expect(trail.filter((e) => e.type === 'SecurityEventRaised')).toEqual([
      expect.objectContaining({ event_id: finding.id, agent_id: quiet.agentId, jti: quiet.jti, mission_id: quiet.mission_id, actor: { kind: 'detector', id: 'scope_drift' } }),
    ]);
    expect(trail.map((e) => e.type)).not.toContain('PassportRevoked');

    // A later raised finding arrives on the ordered stream: the standard one, earlier, would have come first.
    const sentinel = (await findingsOf(acme, loud.jti, await logged(loud, 'github')))[0];
    expect(sentinel.position).toBeGreaterThan(finding.position);
    await findingOn(feed, sentinel.id);
    expect(feed.events.map((e) => e.data.id)).toEqual([sentinel.id]);
    // And a subscriber that starts from the beginning does not get it either.
    const fromStart = await openFeed(acme.adminKey, '0');
    await findingOn(fromStart, sentinel.id);
    expect(fromStart.events.map((e) => e.data.id)).toEqual([sentinel.id]);
  });
});

describe('post-checkout access', () => {
  it('given an enforced agent that checked out, when it uses its passport again, then a critical post_checkout_access revokes the checked-out passport, on the stream', async () => {
    const acme = await newTenant(server, 'post-checkout');
    const revocations = await openRevocations(acme.adminKey);
    const feed = await openFeed(acme.adminKey);
    const bot = await issue(acme, 'enforced');
    await logged(bot);
    const checkout = await call(server, 'POST', `/v1/passports/${bot.jti}/checkout`, { token: bot.token, body: { summary: 'done', outcome: 'success' } });
    expect(checkout.body).toMatchObject({ status: 'checked_out' });
    expect(await findingsOf(acme, bot.jti, checkout.body.position)).toEqual([]);

    const after = await refused(bot, 'PASSPORT_CHECKED_OUT');

    const frame = await expectDetectorRevocation(revocations, bot, 'post_checkout_access');
    expect(frame.data.reason).toMatch(/checked out/);
    const [finding, ...others] = await findingsOf(acme, bot.jti, after);
    expect(others).toEqual([]);
    expect(finding).toMatchObject({ signal: 'post_checkout_access', severity: 'critical', action: 'revoke', revoked: true, raised_to_operators: true, jti: bot.jti, mission_id: bot.mission_id });
    expect((await findingOn(feed, finding.id)).data.signal).toBe('post_checkout_access');
    expect(await verify(bot)).toMatchObject({ active: false, reason: 'revoked' });
    await refused(bot, 'PASSPORT_REVOKED');
    const trail = await auditOf(acme, bot.jti, finding.position);
    expect(trail.filter((e) => e.type === 'PassportRevoked')).toHaveLength(1);
  });
});

describe('credential burst', () => {
  it('given the default threshold (15 uses in 30 s), when an enforced agent makes 15 calls nothing, and at the 16th one warning that does not revoke', async () => {
    const acme = await newTenant(server, 'burst');
    expect((await call(server, 'GET', '/v1/detectors/settings', { token: await acme.key('auditor') })).body).toEqual(DEFAULT_SETTINGS);
    const feed = await openFeed(acme.adminKey);
    const bot = await issue(acme, 'enforced');

    expect(await findingsOf(acme, bot.jti, await calls(bot, 15))).toEqual([]);
    const sixteenth = await logged(bot);

    const [finding, ...others] = await findingsOf(acme, bot.jti, sixteenth);
    expect(others).toEqual([]);
    expect(finding).toMatchObject({ signal: 'credential_burst', severity: 'warning', action: 'revoke', revoked: false, raised_to_operators: true });
    expect(finding.detail).toMatch(/^16 uses in 30 s \(threshold 15\)/);
    const toolCalls = (await auditOf(acme, bot.jti, sixteenth)).filter((e) => e.type === 'ToolCallLogged');
    expect([...finding.evidence].sort()).toEqual(toolCalls.map((e) => e.event_id).sort());
    expect((await findingOn(feed, finding.id)).data.severity).toBe('warning');
    // Not revoked: the 17th call is accepted and raises nothing new (the warning is raised once per burst).
    const seventeenth = await logged(bot);
    expect(await verify(bot)).toMatchObject({ active: true });
    expect(await findingsOf(acme, bot.jti, seventeenth)).toEqual([finding]);
  });

  it('given revoke_on_warning in the tenant settings, when an enforced agent makes 16 calls, then the warning revokes', async () => {
    const acme = await newTenant(server, 'burst-strict');
    const revocations = await openRevocations(acme.adminKey);
    const settings = { ...DEFAULT_SETTINGS, revoke_on_warning: true };
    const put = await putSettings(acme, settings);
    expect(put.body).toEqual({ ...settings, position: expect.any(Number) });
    expect((await call(server, 'GET', '/v1/detectors/settings', { token: await acme.key('operator') })).body).toEqual(settings);
    const bot = await issue(acme, 'enforced');

    const sixteenth = await calls(bot, 16);

    await expectDetectorRevocation(revocations, bot, 'credential_burst');
    const [finding, ...others] = await findingsOf(acme, bot.jti, sixteenth);
    expect(others).toEqual([]);
    expect(finding).toMatchObject({ signal: 'credential_burst', severity: 'warning', revoked: true });
    await refused(bot, 'PASSPORT_REVOKED');
  });
});

describe('two findings that revoke, raised by one event', () => {
  it('given an enforced agent, when one batch both drifts (github) and bursts (31 calls), then both findings are raised, the passport is revoked once, and replay finds nothing different', async () => {
    const acme = await newTenant(server, 'drift-and-burst');
    const revocations = await openRevocations(acme.adminKey);
    const bot = await issue(acme, 'enforced');
    const batch = await call(server, 'POST', `/v1/passports/${bot.jti}/actions`, {
      token: bot.token,
      body: { calls: [{ service: 'github', action: 'repos.delete' }, ...Array.from({ length: 30 }, (_, i) => ({ service: 'slack', action: `reactions.add-${i}` }))] },
    });
    expect(batch.body).toMatchObject({ logged: 31 });

    const raised = await findingsOf(acme, bot.jti, batch.body.position);
    expect(signalsOf(raised)).toEqual(['scope_drift/critical', 'credential_burst/critical']);
    expect(raised[0].revoked).toBe(true);
    await expectDetectorRevocation(revocations, bot, 'scope_drift');
    const trail = await auditOf(acme, bot.jti, Math.max(...raised.map((f) => f.position)));
    expect(trail.filter((e) => e.type === 'PassportRevoked')).toHaveLength(1);
    await refused(bot, 'PASSPORT_REVOKED');

    // The second finding's revocation found the passport already revoked: live and replay agree on the outcome.
    await settled(acme);
    const report = await replay();
    expect(report).toMatchObject({ identical: true, differences: [], revocation_differences: [] });
  });
});

describe('checkpoint silence', () => {
  it(
    'given missions with a 60 s checkpoint interval and no checkpoint, when the deadline passes, then checkpoint_silence is raised once for the logged and enforced ones (flagged), and not for a standard or a checked-out mission',
    async () => {
      const acme = await newTenant(server, 'silence');
      const feed = await openFeed(acme.adminKey);
      const revocations = await openRevocations(acme.adminKey);
      const started = Date.now();
      // Those that must stay silent first: their deadlines pass before (or with) the others'.
      await issue(acme, 'standard', { checkpoint_interval_seconds: 60 });
      const done = await issue(acme, 'logged', { checkpoint_interval_seconds: 60 });
      const checkout = await call(server, 'POST', `/v1/passports/${done.jti}/checkout`, { token: done.token, body: { outcome: 'success' } });
      expect(checkout.status).toBe(200);
      const enforced = await issue(acme, 'enforced', { checkpoint_interval_seconds: 60 });
      const loggedBot = await issue(acme, 'logged', { checkpoint_interval_seconds: 60 });

      const silent = (p: Issued) => feed.next((e) => e.data.jti === p.jti && e.data.signal === 'checkpoint_silence', 90_000);
      const [forEnforced, forLogged] = await Promise.all([silent(enforced), silent(loggedBot)]);

      for (const [frame, p] of [[forEnforced, enforced], [forLogged, loggedBot]] as const) {
        expect(frame.data).toMatchObject({ signal: 'checkpoint_silence', severity: 'warning', action: 'flag', revoked: false, raised_to_operators: true, agent_id: p.agentId, mission_id: p.mission_id });
        expect(Date.parse(frame.data.raised_at)).toBeGreaterThanOrEqual(started + 60_000);
      }
      const last = Math.max(forEnforced.data.position, forLogged.data.position);
      const all = await findings(acme, { wait_for_position: last });
      expect(all.map((f) => [f.jti, f.signal]).sort()).toEqual([[enforced.jti, 'checkpoint_silence'], [loggedBot.jti, 'checkpoint_silence']].sort());
      // A flag does not revoke: the only revocation frame would have been the enforced passport's.
      expect(revocations.events).toEqual([]);
      expect((await auditOf(acme, enforced.jti, last)).map((e) => e.type)).not.toContain('PassportRevoked');
      expect(await verify(loggedBot)).toMatchObject({ active: true });
    },
    120_000,
  );
});

describe('tenant settings decide the action', () => {
  it('given scope_drift set to flag, when an enforced agent drifts, then it is flagged and keeps working; set back to revoke, the next drift revokes', async () => {
    const acme = await newTenant(server, 'flag-drift');
    const revocations = await openRevocations(acme.adminKey);
    const feed = await openFeed(acme.adminKey);
    const flag = { ...DEFAULT_SETTINGS, actions: { ...DEFAULT_ACTIONS, scope_drift: 'flag' } };
    await putSettings(acme, flag);
    expect((await call(server, 'GET', '/v1/detectors/settings', { token: acme.adminKey })).body).toEqual(flag);
    const bot = await issue(acme, 'enforced');

    const drift = await logged(bot, 'github');

    const [flagged, ...others] = await findingsOf(acme, bot.jti, drift);
    expect(others).toEqual([]);
    expect(flagged).toMatchObject({ signal: 'scope_drift', severity: 'critical', action: 'flag', revoked: false, raised_to_operators: true });
    await findingOn(feed, flagged.id);
    const next = await logged(bot, 'slack');
    expect(await verify(bot)).toMatchObject({ active: true });
    expect((await auditOf(acme, bot.jti, next)).map((e) => e.type)).not.toContain('PassportRevoked');

    await putSettings(acme, DEFAULT_SETTINGS);
    const again = await logged(bot, 'github');
    const frame = await expectDetectorRevocation(revocations, bot, 'scope_drift');
    // The ordered stream: the first frame for this tenant is the revocation after the settings changed back.
    expect(revocations.events).toEqual([frame]);
    const after = await findingsOf(acme, bot.jti, again);
    expect(after.map((f) => [f.action, f.revoked])).toEqual([['flag', false], ['revoke', true]]);
    await refused(bot, 'PASSPORT_REVOKED');
  });

  it('given scope_drift set to observe, when an agent drifts, then the finding is recorded but not raised to operators', async () => {
    const acme = await newTenant(server, 'observe-drift');
    const feed = await openFeed(acme.adminKey);
    await putSettings(acme, { ...DEFAULT_SETTINGS, actions: { ...DEFAULT_ACTIONS, scope_drift: 'observe' } });
    const bot = await issue(acme, 'enforced');

    const [observed] = await findingsOf(acme, bot.jti, await logged(bot, 'github'));
    expect(observed).toMatchObject({ signal: 'scope_drift', action: 'observe', revoked: false, raised_to_operators: false });
    expect(await verify(bot)).toMatchObject({ active: true });

    await putSettings(acme, { ...DEFAULT_SETTINGS, actions: { ...DEFAULT_ACTIONS, scope_drift: 'flag' } });
    const [, flagged] = await findingsOf(acme, bot.jti, await logged(bot, 'jira'));
    expect(flagged).toMatchObject({ action: 'flag', raised_to_operators: true });
    await findingOn(feed, flagged.id);
    expect(feed.events.map((e) => e.data.id)).toEqual([flagged.id]);
  });
});

describe('settings from a client written before unreported_calls and stolen_passport existed', () => {
  it('given settings that name only the first five signals, when a tenant admin PUTs them, then they are accepted and the new signals take their defaults', async () => {
    const acme = await newTenant(server, 'older-client');
    const { unreported_calls: _new, stolen_passport: _newer, ...older } = { ...DEFAULT_ACTIONS, scope_drift: 'flag' };
    const put = await putSettings(acme, { ...DEFAULT_SETTINGS, actions: older });
    const expected = { ...DEFAULT_SETTINGS, actions: { ...older, unreported_calls: 'flag', stolen_passport: 'revoke' } };
    expect(put.body).toEqual({ ...expected, position: expect.any(Number) });
    expect((await call(server, 'GET', '/v1/detectors/settings', { token: acme.adminKey })).body).toEqual(expected);
  });
});

describe('resolving a finding', () => {
  it('given an open finding, when an operator resolves it with a note, then it is resolved with who and when, in the audit, and a second resolve is 409 ALREADY_RESOLVED', async () => {
    const acme = await newTenant(server, 'resolve');
    const operator = await acme.key('operator');
    const auditor = await acme.key('auditor');
    const bot = await issue(acme, 'logged');
    const [finding] = await findingsOf(acme, bot.jti, await logged(bot, 'github'));
    expect(finding.status).toBe('open');

    const resolved = await call(server, 'POST', `/v1/security-events/${finding.id}/resolve`, { token: operator, body: { note: 'github is fine for this bot' } });

    expect(resolved.status).toBe(200);
    expect(resolved.body).toEqual({
      ...finding,
      status: 'resolved',
      resolution: { note: 'github is fine for this bot', by: operator.split('.')[2], at: expect.any(String) },
      position: expect.any(Number),
    });
    // `position` in the answer is the resolution's write; the finding keeps its own.
    expect(resolved.body.position).toBeGreaterThan(finding.position);
    const read = await call(server, 'GET', `/v1/security-events/${finding.id}`, { token: auditor });
    expect(read.body).toEqual({ ...finding, status: 'resolved', resolution: resolved.body.resolution });
    expect((await findings(acme, { status: 'resolved' }, auditor)).map((f) => f.id)).toEqual([finding.id]);
    expect((await findings(acme, { status: 'open' }, auditor)).map((f) => f.id)).not.toContain(finding.id);
    const trail = await auditOf(acme, bot.jti, resolved.body.position);
    expect(trail.filter((e) => e.type === 'SecurityEventResolved')).toEqual([expect.objectContaining({ jti: bot.jti, actor: expect.objectContaining({ kind: 'operator' }) })]);

    const second = await call(server, 'POST', `/v1/security-events/${finding.id}/resolve`, { token: acme.adminKey, body: { note: 'again' } });
    expectProblem(second, 409, 'ALREADY_RESOLVED');
    expect((await call(server, 'GET', `/v1/security-events/${finding.id}`, { token: acme.adminKey })).body.resolution.note).toBe('github is fine for this bot');
    // A resolved finding is no longer fresh: a new subscriber without Last-Event-ID does not get it.
    const feed = await openFeed(acme.adminKey);
    const [later] = await findingsOf(acme, bot.jti, await logged(bot, 'jira')).then((fs) => fs.filter((f) => f.id !== finding.id));
    await findingOn(feed, later.id);
    expect(feed.events.map((e) => e.data.id)).toEqual([later.id]);
  });
});

describe('resolutions on the findings stream', () => {
  it('given subscribers, when a finding is resolved, then a security_event_resolved with the note arrives live, and a subscriber that resumes after the raise gets it too, once', async () => {
    const acme = await newTenant(server, 'feed-resolutions');
    const operator = await acme.key('operator');
    const bot = await issue(acme, 'logged');
    const live = await openFeed(await acme.key('auditor'));
    const [finding] = await findingsOf(acme, bot.jti, await logged(bot, 'github'));
    const raisedFrame = await findingOn(live, finding.id);
    const away = await openFeed(acme.adminKey, raisedFrame.id);
    away.close();

    const resolved = await call(server, 'POST', `/v1/security-events/${finding.id}/resolve`, { token: operator, body: { note: 'expected: new integration' } });
    expect(resolved.status).toBe(200);

    const frame = await live.next((e) => e.event === 'security_event_resolved');
    expect(frame).toMatchObject({ id: String(resolved.body.position), data: { id: finding.id, status: 'resolved', resolution: { note: 'expected: new integration', by: operator.split('.')[2] } } });
    const resumed = await openFeed(acme.adminKey, raisedFrame.id);
    await resumed.next((e) => e.event === 'security_event_resolved');
    const [later] = await findingsOf(acme, bot.jti, await logged(bot, 'jira')).then((fs) => fs.filter((f) => f.id !== finding.id));
    await findingOn(resumed, later.id);
    expect(resumed.events.map((e) => [e.event, e.data.id])).toEqual([['security_event_resolved', finding.id], ['security_event', later.id]]);
    expect(live.events.map((e) => [e.event, e.data.id]).slice(0, 2)).toEqual([['security_event', finding.id], ['security_event_resolved', finding.id]]);
  });
});

describe('the findings stream across a restart', () => {
  it('given a subscriber that dropped, and a restart in between, when it reconnects with Last-Event-ID, then it gets exactly the findings it missed, in order, nothing twice', async () => {
    const acme = await newTenant(server, 'feed-resume');
    const bot = await issue(acme, 'logged');
    const raise = async (service: string) => (await findingsOf(acme, bot.jti, await logged(bot, service))).find((f) => f.detail.includes(`"${service}"`))!;

    const first = await openFeed(acme.adminKey);
    const f1 = await raise('github');
    const frame1 = await findingOn(first, f1.id);
    expect(frame1).toMatchObject({ id: String(f1.position), event: 'security_event' });
    first.close();

    const f2 = await raise('stripe');
    await server.restart();
    const f3 = await raise('jira');

    const resumed = await openFeed(acme.adminKey, frame1.id);
    await findingOn(resumed, f3.id);
    const f4 = await raise('zendesk');
    await findingOn(resumed, f4.id);

    expect(resumed.events.map((e) => [e.id, e.event, e.data.id])).toEqual([f2, f3, f4].map((f) => [String(f.position), 'security_event', f.id]));
    expect(resumed.events.map((e) => e.data)).toEqual([f2, f3, f4]);
    expect(first.events.map((e) => e.data.id)).toEqual([f1.id]);
    // A new subscriber without Last-Event-ID gets every open finding once.
    const fresh = await openFeed(acme.adminKey);
    await findingOn(fresh, f4.id);
    expect(fresh.events.map((e) => e.data.id)).toEqual([f1.id, f2.id, f3.id, f4.id]);
  });
});

describe('a crash in the middle of a burst', () => {
  it('given an enforced agent bursting, when the server is killed (SIGKILL) right after the call that tips each level, then after each restart every finding is there once, the critical one revoked once, and replay is identical', async () => {
    const acme = await newTenant(server, 'burst-crash');
    // A wider window than the default, so two restarts inside the burst cannot let its first uses slide out of it.
    await putSettings(acme, { ...DEFAULT_SETTINGS, burst: { max_uses: 15, window_seconds: 300 } });
    const bot = await issue(acme, 'enforced');
    const bystander = await issue(acme, 'logged');
    const [bystanderFinding] = await findingsOf(acme, bystander.jti, await logged(bystander, 'github'));
    const tenth = await calls(bot, 10);
    expect(await findingsOf(acme, bot.jti, tenth)).toEqual([]);

    const sixteenth = await calls(bot, 6);
    // Whatever the detectors had stored when the process died (without waiting for them).
    const beforeFirstKill = await findings(acme);
    await server.kill('SIGKILL');
    await server.restart();

    const afterFirst = await findings(acme, { wait_for_position: sixteenth });
    for (const f of beforeFirstKill) expect(afterFirst).toContainEqual(f);
    expect(afterFirst.filter((f) => f.jti === bystander.jti)).toEqual([bystanderFinding]);
    const burstOf = (fs: Finding[]) => fs.filter((f) => f.jti === bot.jti);
    expect(burstOf(afterFirst)).toEqual([expect.objectContaining({ signal: 'credential_burst', severity: 'warning', revoked: false })]);
    const warning = burstOf(afterFirst)[0];

    const thirtyFirst = await calls(bot, 15);
    const beforeSecondKill = await findings(acme);
    await server.kill('SIGKILL');
    await server.restart();

    const revocations = await openRevocations(acme.adminKey);
    await expectDetectorRevocation(revocations, bot, 'credential_burst');
    const afterSecond = await findings(acme, { wait_for_position: thirtyFirst });
    for (const f of beforeSecondKill) expect(afterSecond).toContainEqual(f);
    expect(new Set(afterSecond.map((f) => f.id)).size).toBe(afterSecond.length);
    expect(burstOf(afterSecond)).toEqual([warning, expect.objectContaining({ signal: 'credential_burst', severity: 'critical', revoked: true })]);
    expect(burstOf(afterSecond)[1].detail).toMatch(/^31 uses in 300 s/);
    const trail = await auditOf(acme, bot.jti, Math.max(...afterSecond.map((f) => f.position)));
    expect(trail.filter((e) => e.type === 'PassportRevoked')).toEqual([expect.objectContaining({ actor: { kind: 'detector', id: 'credential_burst' } })]);
    expect(trail.filter((e) => e.type === 'SecurityEventRaised').map((e) => e.event_id)).toEqual(burstOf(afterSecond).map((f) => f.id));
    await refused(bot, 'PASSPORT_REVOKED');

    await settled(acme);
    const report = await replay();
    expect(report).toMatchObject({ identical: true, differences: [], revocation_differences: [] });
    expect(report.findings.replayed).toBe(report.findings.live);
    expect(report.revocations.replayed).toBe(report.revocations.live);
  });
});

describe('replay', () => {
  it('given writes the detectors may not have handled yet, when replay is asked right after them, then it compares like with like and answers identical', async () => {
    const acme = await newTenant(server, 'replay-under-load');
    const bot = await issue(acme, 'logged');
    // Forty drifting calls at once: forty scope_drift findings and a burst for the detectors to work through.
    const replies = await Promise.all(Array.from({ length: 40 }, (_, i) => toolCall(bot, `svc-${i}`)));
    expect(replies.map((r) => r.status)).toEqual(Array(40).fill(201));

    // No wait on purpose: an operator runs replay on a live server, while agents work.
    const report = await replay();

    expect(report).toMatchObject({ identical: true, differences: [], revocation_differences: [] });
  });

  it('given everything this suite did (findings, revocations, settings changes, resolutions, restarts and crashes), when the detectors are rebuilt from the start, then they derive exactly what was raised and revoked live', async () => {
    const acme = await newTenant(server, 'replay-all');
    await settled(acme);
    const head = (await call(server, 'GET', '/readyz')).body.head as number;
    const report = await replay();
    expect(report).toMatchObject({ identical: true, differences: [], revocation_differences: [] });
    expect(report.events).toBeGreaterThanOrEqual(head);
    // The suite raised findings and revoked (five detector revocations above): a replay that saw none would prove nothing.
    expect(report.findings.live).toBeGreaterThanOrEqual(20);
    expect(report.findings.replayed).toBe(report.findings.live);
    expect(report.revocations.live).toBeGreaterThanOrEqual(5);
    expect(report.revocations.replayed).toBe(report.revocations.live);
    expect(report.duration_ms).toEqual(expect.any(Number));
    expect(report.events_per_second).toBeGreaterThan(0);
  });
});
