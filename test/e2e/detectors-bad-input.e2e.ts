/**
 * Bad input to the detectors' routes (findings, their resolution, the findings feed, detector settings and replay):
 * every malformed or unauthorised request gets a clear 4xx problem+json naming what is wrong, never a 5xx, and stores
 * nothing.
 *
 * "Stores nothing" is checked as in the other bad-input suites: the event store head (GET /readyz answers it) does not
 * move across a batch, and what the batch aimed at (a finding, the settings) reads the same afterwards.
 */
import { newTenant, Reply, Tenant } from './support/client';
import { ADMIN_KEY, MandateProcess, MandateServer } from './support/server';
import { expectProblem, storeProbe, tallied, withValue } from './support/problems';

type Issued = Awaited<ReturnType<Tenant['passport']>>;

let server: MandateServer;
/** Every answer the server gave in this file, for the "never a 5xx" check at the end. */
const { answered, send } = tallied(() => server);
const { head } = storeProbe(send);



/** The fields a VALIDATION_FAILED problem names, sorted. */
const fieldsOf = (reply: Reply): string[] => [...new Set<string>((reply.body?.errors ?? []).map((e: { field: string }) => e.field))].sort();


/**
 * Sends each case and expects, in this order: the answer of each as "<status> <code> <fields>" (one expectation for
 * all cases, so a failure shows every case at once), the problem shape of each, and that the batch stored nothing.
 */
async function expectOutcomes(cases: Array<[string, () => Promise<Reply>, unknown]>): Promise<Record<string, Reply>> {
  const replies: Record<string, Reply> = {};
  const before = await head();
  for (const [name, request] of cases) replies[name] = await request();
  const after = await head();
  const summary = Object.fromEntries(
    Object.entries(replies).map(([name, r]) => [name, `${r.status} ${r.body?.code}${fieldsOf(r).length ? ` ${fieldsOf(r).join(',')}` : ''}`]),
  );
  expect(summary).toEqual(Object.fromEntries(cases.map(([name, , expected]) => [name, expected])));
  for (const reply of Object.values(replies)) expectProblem(reply);
  expect(after - before).toBe(0);
  return replies;
}

/**
 * A 422 VALIDATION_FAILED that names `field` among others: for a value of the wrong shape (an array where an object
 * belongs) the validator also names each element, which is detail, not contract.
 */
const naming = (field: string) => expect.stringMatching(new RegExp(`^422 VALIDATION_FAILED (\\S+,)?${field.replace('.', '\\.')}(,\\S+)?$`));


// ---------------------------------------------------------------------------------------------------------------
// The world the bad requests are aimed at: two tenants, each with one open finding; tenant A with its own settings.

let A: Tenant;
let B: Tenant;
let botA: Issued;
let operatorA: string;
let auditorA: string;
let approverA: string;
let findingA: Record<string, any>;
let findingB: Record<string, any>;
let settingsA: Record<string, any>;

const validSettings = (): Record<string, any> => ({
  burst: { max_uses: 20, window_seconds: 60 },
  actions: { scope_drift: 'flag', post_checkout_access: 'revoke', credential_burst: 'revoke', checkpoint_silence: 'observe', intent_mismatch: 'revoke', unreported_calls: 'observe', stolen_passport: 'flag' },
  revoke_on_warning: true,
});

/** A logged agent of the tenant that drifts out of its mission once: one open scope_drift finding. */
async function drifted(tenant: Tenant, name: string): Promise<{ bot: Issued; finding: Record<string, any> }> {
  const bot = await tenant.passport(await tenant.agent('logged', name), { ttl_seconds: 3600 });
  const drift = await send('POST', `/v1/passports/${bot.jti}/actions`, { token: bot.token, body: { service: 'github', action: 'repos.list' } });
  expect(drift.status).toBe(201);
  const list = await send('GET', `/v1/security-events?jti=${bot.jti}&wait_for_position=${drift.body.position}`, { token: tenant.adminKey });
  expect(list.status).toBe(200);
  expect(list.body.security_events).toHaveLength(1);
  return { bot, finding: list.body.security_events[0] };
}

beforeAll(async () => {
  server = await MandateProcess.start();
  A = await newTenant(server, 'acme');
  B = await newTenant(server, 'globex');
  operatorA = await A.key('operator');
  auditorA = await A.key('auditor');
  approverA = await A.key('approver');
  ({ bot: botA, finding: findingA } = await drifted(A, 'drift-a'));
  ({ finding: findingB } = await drifted(B, 'drift-b'));
  const put = await send('PUT', '/v1/detectors/settings', { token: A.adminKey, body: validSettings() });
  expect(put.status).toBe(200);
  const { position, ...stored } = put.body;
  settingsA = stored;
  expect(settingsA).toEqual(validSettings());
});

afterAll(async () => {
  await server?.stop();
});

/** What a batch must leave as it was: tenant A's finding (open, unresolved) and settings. */
async function expectUntouched(): Promise<void> {
  expect((await send('GET', `/v1/security-events/${findingA.id}`, { token: A.adminKey })).body).toEqual(findingA);
  expect((await send('GET', `/v1/security-events/${findingB.id}`, { token: B.adminKey })).body).toEqual(findingB);
  expect((await send('GET', '/v1/detectors/settings', { token: A.adminKey })).body).toEqual(settingsA);
}

// ---------------------------------------------------------------------------------------------------------------

describe('listing findings', () => {
  const list = (query: string, token?: string) => () => send('GET', `/v1/security-events?${query}`, { token: token ?? A.adminKey });

  it('given a valid query, then 200 (the baseline the bad ones differ from)', async () => {
    const ok = await list(`signal=scope_drift&severity=critical&status=open&agent_id=${findingA.agent_id}&jti=${botA.jti}&limit=500&cursor=0&wait_for_position=${findingA.position}`)();
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ security_events: [findingA], next_cursor: null });
  });

  it('given each kind of bad query parameter, then 422 naming it, and nothing stored', async () => {
    const tooLong = 'x'.repeat(101);
    await expectOutcomes([
      ['an unknown signal', list('signal=data_exfiltration'), '422 VALIDATION_FAILED signal'],
      ['an empty signal', list('signal='), '422 VALIDATION_FAILED signal'],
      ['a signal in capitals', list('signal=SCOPE_DRIFT'), '422 VALIDATION_FAILED signal'],
      ['two signals', list('signal=scope_drift&signal=credential_burst'), '422 VALIDATION_FAILED signal'],
      ['a bad severity', list('severity=fatal'), '422 VALIDATION_FAILED severity'],
      ['a severity in capitals', list('severity=CRITICAL'), '422 VALIDATION_FAILED severity'],
      ['a bad status', list('status=closed'), '422 VALIDATION_FAILED status'],
      ['limit 0', list('limit=0'), '422 VALIDATION_FAILED limit'],
      ['limit 501', list('limit=501'), '422 VALIDATION_FAILED limit'],
      ['a negative limit', list('limit=-1'), '422 VALIDATION_FAILED limit'],
      ['a fractional limit', list('limit=1.5'), '422 VALIDATION_FAILED limit'],
      ['a non-numeric limit', list('limit=ten'), '422 VALIDATION_FAILED limit'],
      ['a non-numeric cursor', list('cursor=abc'), '422 VALIDATION_FAILED cursor'],
      ['a negative cursor', list('cursor=-1'), '422 VALIDATION_FAILED cursor'],
      ['a cursor in exponent form', list('cursor=1e3'), '422 VALIDATION_FAILED cursor'],
      ['a 16-digit cursor', list('cursor=1234567890123456'), '422 VALIDATION_FAILED cursor'],
      ['an agent_id over 100 characters', list(`agent_id=${tooLong}`), '422 VALIDATION_FAILED agent_id'],
      ['a jti over 100 characters', list(`jti=${tooLong}`), '422 VALIDATION_FAILED jti'],
      ['a negative wait_for_position', list('wait_for_position=-1'), '422 VALIDATION_FAILED wait_for_position'],
      ['a non-numeric wait_for_position', list('wait_for_position=soon'), '422 VALIDATION_FAILED wait_for_position'],
      ['a wait_for_position no write has reached', list('wait_for_position=99999999'), '422 POSITION_NOT_WRITTEN'],
      ['an unknown parameter', list('type=SecurityEventRaised'), '422 VALIDATION_FAILED type'],
    ]);
  });
});

describe('the findings feed', () => {
  const open = (options: { token?: string; lastEventId?: string; query?: string } = {}) => async (): Promise<Reply> => {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.lastEventId !== undefined) headers['last-event-id'] = options.lastEventId;
    const controller = new AbortController();
    const res = await fetch(`${server.url}/v1/security-events/stream${options.query ?? ''}`, { headers, signal: controller.signal });
    // A refusal is a small problem document; a stream that opened (200) would never end, so it is cut.
    const body = res.status === 200 ? (controller.abort(), undefined) : await res.json();
    answered.push({ request: 'GET /v1/security-events/stream', status: res.status });
    return { status: res.status, body, headers: res.headers };
  };

  it('given a bad Last-Event-ID, an unknown parameter, or the wrong credentials, then 4xx before any stream opens', async () => {
    await expectOutcomes([
      ['a non-numeric Last-Event-ID', open({ token: A.adminKey, lastEventId: 'abc' }), '422 VALIDATION_FAILED'],
      ['a negative Last-Event-ID', open({ token: A.adminKey, lastEventId: '-1' }), '422 VALIDATION_FAILED'],
      ['a non-numeric last_event_id', open({ token: A.adminKey, query: '?last_event_id=abc' }), '422 VALIDATION_FAILED last_event_id'],
      ['an unknown parameter', open({ token: A.adminKey, query: '?signal=scope_drift' }), '422 VALIDATION_FAILED signal'],
      ['no credentials', open(), '401 UNAUTHENTICATED'],
      ['an approver key', open({ token: approverA }), '403 FORBIDDEN'],
      ['a passport', open({ token: botA.token }), '403 FORBIDDEN'],
      ['the instance admin', open({ token: ADMIN_KEY }), '403 FORBIDDEN'],
    ]);
  });
});

describe('one finding', () => {
  it('given ids that are not a finding of this tenant, then 404 on read and on resolve, and nothing stored', async () => {
    const resolve = (id: string, token = A.adminKey) => () => send('POST', `/v1/security-events/${id}/resolve`, { token, body: { note: 'ack' } });
    const get = (id: string, token = A.adminKey) => () => send('GET', `/v1/security-events/${id}`, { token });
    const unknownUuid = '0b3f6c2e-1d5a-4c8e-9f00-123456789abc';
    await expectOutcomes([
      ['not a uuid', get('not-a-finding'), '404 NOT_FOUND'],
      ['a uuid never raised', get(unknownUuid), '404 NOT_FOUND'],
      ['a finding id with a suffix', get(`${findingA.id}x`), '404 NOT_FOUND'],
      ['a position instead of an id', get(String(findingA.position)), '404 NOT_FOUND'],
      ['resolve: not a uuid', resolve('not-a-finding'), '404 NOT_FOUND'],
      ['resolve: a uuid never raised', resolve(unknownUuid), '404 NOT_FOUND'],
      ["another tenant's finding", get(findingB.id), '404 NOT_FOUND'],
      ["resolve another tenant's finding", resolve(findingB.id), '404 NOT_FOUND'],
      ["tenant B reading tenant A's finding", get(findingA.id, B.adminKey), '404 NOT_FOUND'],
      ["tenant B resolving tenant A's finding", resolve(findingA.id, B.adminKey), '404 NOT_FOUND'],
    ]);
    await expectUntouched();
    // Nor do B's lists show A's finding by A's passport or agent.
    for (const query of [`jti=${botA.jti}`, `agent_id=${findingA.agent_id}`, '']) {
      const list = await send('GET', `/v1/security-events?${query}`, { token: B.adminKey });
      expect(list.body.security_events.map((f: { id: string }) => f.id)).not.toContain(findingA.id);
    }
  });

  it('given each kind of bad resolve body, then 400/422 naming the field, the finding stays open, and nothing stored', async () => {
    const resolve = (options: { body?: unknown; rawBody?: string }) => () => send('POST', `/v1/security-events/${findingA.id}/resolve`, { token: A.adminKey, ...options });
    await expectOutcomes([
      ['no body', resolve({}), '422 VALIDATION_FAILED note'],
      ['an empty object', resolve({ body: {} }), '422 VALIDATION_FAILED note'],
      ['note as a number', resolve({ body: { note: 42 } }), '422 VALIDATION_FAILED note'],
      ['note as null', resolve({ body: { note: null } }), '422 VALIDATION_FAILED note'],
      ['note as an array', resolve({ body: { note: ['ack'] } }), '422 VALIDATION_FAILED note'],
      ['a note of 1001 characters', resolve({ body: { note: 'n'.repeat(1001) } }), '422 VALIDATION_FAILED note'],
      ['an unknown field', resolve({ body: { note: 'ack', status: 'resolved' } }), '422 VALIDATION_FAILED status'],
      ['an unknown field and no note', resolve({ body: { resolution: 'ack' } }), '422 VALIDATION_FAILED note,resolution'],
      ['a body that is an array', resolve({ body: [{ note: 'ack' }] }), naming('note')],
      ['malformed JSON', resolve({ rawBody: '{"note": "ack"' }), '400 MALFORMED_JSON'],
    ]);
    await expectUntouched();
  });

  it('given a valid note, when anyone but a tenant admin or operator resolves, then 401/403 and the finding stays open', async () => {
    const resolve = (token?: string) => () => send('POST', `/v1/security-events/${findingA.id}/resolve`, { token, body: { note: 'ack' } });
    await expectOutcomes([
      ['an auditor key', resolve(auditorA), '403 FORBIDDEN'],
      ['an approver key', resolve(approverA), '403 FORBIDDEN'],
      ['a passport', resolve(botA.token), '403 FORBIDDEN'],
      ['the instance admin', resolve(ADMIN_KEY), '403 FORBIDDEN'],
      ['no credentials', resolve(undefined), '401 UNAUTHENTICATED'],
      ['a key that does not exist', resolve(`${operatorA.slice(0, -4)}0000`), '401 UNAUTHENTICATED'],
      // The role is checked before the body: a forbidden caller learns nothing from validation.
      ['an auditor with a bad body', () => send('POST', `/v1/security-events/${findingA.id}/resolve`, { token: auditorA, body: {} }), '403 FORBIDDEN'],
    ]);
    await expectUntouched();
  });

  it('given the roles that may read, then 200; an approver, a passport or the instance admin may not', async () => {
    for (const token of [A.adminKey, operatorA, auditorA]) {
      expect((await send('GET', `/v1/security-events/${findingA.id}`, { token })).status).toBe(200);
      expect((await send('GET', '/v1/security-events', { token })).status).toBe(200);
    }
    await expectOutcomes([
      ['list: an approver key', () => send('GET', '/v1/security-events', { token: approverA }), '403 FORBIDDEN'],
      ['list: a passport', () => send('GET', '/v1/security-events', { token: botA.token }), '403 FORBIDDEN'],
      ['list: the instance admin', () => send('GET', '/v1/security-events', { token: ADMIN_KEY }), '403 FORBIDDEN'],
      ['list: no credentials', () => send('GET', '/v1/security-events'), '401 UNAUTHENTICATED'],
      ['one: an approver key', () => send('GET', `/v1/security-events/${findingA.id}`, { token: approverA }), '403 FORBIDDEN'],
      ['one: the instance admin', () => send('GET', `/v1/security-events/${findingA.id}`, { token: ADMIN_KEY }), '403 FORBIDDEN'],
    ]);
  });
});

describe('detector settings', () => {
  const put = (options: { body?: unknown; rawBody?: string }, token = A.adminKey) => () => send('PUT', '/v1/detectors/settings', { token, ...options });
  const bad = (path: string, value: unknown) => put({ body: withValue(validSettings(), path, value) });

  it('given each kind of malformed settings, then 400/422 naming the field, nothing stored, and the settings unchanged', async () => {
    await expectOutcomes([
      ['malformed JSON', put({ rawBody: '{"burst": {"max_uses": 15' }), '400 MALFORMED_JSON'],
      ['no body', put({}), '422 VALIDATION_FAILED actions,burst'],
      ['an empty object', put({ body: {} }), '422 VALIDATION_FAILED actions,burst'],
      ['a body that is an array', put({ body: [validSettings()] }), naming('burst')],
      // Unknown keys, at every level: a typo in a security setting must never pass silently.
      ['an unknown signal in actions', bad('actions.data_exfiltration', 'revoke'), '422 VALIDATION_FAILED actions.data_exfiltration'],
      ['a misspelt signal in actions', put({ body: { ...validSettings(), actions: { ...withValue(validSettings().actions, 'scope_drift', undefined), scopedrift: 'flag' } } }), '422 VALIDATION_FAILED actions.scope_drift,actions.scopedrift'],
      ['an unknown field in burst', bad('burst.min_uses', 1), '422 VALIDATION_FAILED burst.min_uses'],
      ['an unknown top-level field', bad('thresholds', {}), '422 VALIDATION_FAILED thresholds'],
      // Bad actions.
      ['an unknown action', bad('actions.scope_drift', 'block'), '422 VALIDATION_FAILED actions.scope_drift'],
      ['an action in capitals', bad('actions.credential_burst', 'REVOKE'), '422 VALIDATION_FAILED actions.credential_burst'],
      ['an empty action', bad('actions.intent_mismatch', ''), '422 VALIDATION_FAILED actions.intent_mismatch'],
      ['an action as a boolean', bad('actions.post_checkout_access', true), '422 VALIDATION_FAILED actions.post_checkout_access'],
      ['an unknown action for unreported_calls (optional, but checked when given)', bad('actions.unreported_calls', 'ignore'), '422 VALIDATION_FAILED actions.unreported_calls'],
      ['an unknown action for stolen_passport (optional, but checked when given)', bad('actions.stolen_passport', 'ignore'), '422 VALIDATION_FAILED actions.stolen_passport'],
      ['actions as null', bad('actions', null), '422 VALIDATION_FAILED actions'],
      ['actions as an array', bad('actions', ['revoke']), naming('actions')],
      ['actions as a string', bad('actions', 'revoke'), '422 VALIDATION_FAILED actions'],
      // Bad thresholds.
      ['max_uses 0', bad('burst.max_uses', 0), '422 VALIDATION_FAILED burst.max_uses'],
      ['a negative max_uses', bad('burst.max_uses', -5), '422 VALIDATION_FAILED burst.max_uses'],
      ['a fractional max_uses', bad('burst.max_uses', 1.5), '422 VALIDATION_FAILED burst.max_uses'],
      ['max_uses as a string', bad('burst.max_uses', '15'), '422 VALIDATION_FAILED burst.max_uses'],
      ['max_uses over 100000', bad('burst.max_uses', 100_001), '422 VALIDATION_FAILED burst.max_uses'],
      ['window_seconds 0', bad('burst.window_seconds', 0), '422 VALIDATION_FAILED burst.window_seconds'],
      ['window_seconds over a day', bad('burst.window_seconds', 86_401), '422 VALIDATION_FAILED burst.window_seconds'],
      ['burst as null', bad('burst', null), '422 VALIDATION_FAILED burst'],
      ['burst as an array', bad('burst', [15, 30]), naming('burst')],
      ['revoke_on_warning as a string', bad('revoke_on_warning', 'true'), '422 VALIDATION_FAILED revoke_on_warning'],
      ['revoke_on_warning as a number', bad('revoke_on_warning', 1), '422 VALIDATION_FAILED revoke_on_warning'],
      // Missing fields: settings are replaced as a whole, so every part is required.
      ['no burst', bad('burst', undefined), '422 VALIDATION_FAILED burst'],
      ['no actions', bad('actions', undefined), '422 VALIDATION_FAILED actions'],
      ['no max_uses', bad('burst.max_uses', undefined), '422 VALIDATION_FAILED burst.max_uses'],
      ['no window_seconds', bad('burst.window_seconds', undefined), '422 VALIDATION_FAILED burst.window_seconds'],
      ['no action for intent_mismatch', bad('actions.intent_mismatch', undefined), '422 VALIDATION_FAILED actions.intent_mismatch'],
      ['no action for checkpoint_silence', bad('actions.checkpoint_silence', undefined), '422 VALIDATION_FAILED actions.checkpoint_silence'],
      ['an empty actions object', bad('actions', {}), '422 VALIDATION_FAILED actions.checkpoint_silence,actions.credential_burst,actions.intent_mismatch,actions.post_checkout_access,actions.scope_drift'],
    ]);
    await expectUntouched();
  });

  it('given valid settings, when anyone but a tenant admin PUTs them, then 401/403 and nothing is stored', async () => {
    const body = { ...validSettings(), revoke_on_warning: false };
    await expectOutcomes([
      ['an operator key', put({ body }, operatorA), '403 FORBIDDEN'],
      ['an auditor key', put({ body }, auditorA), '403 FORBIDDEN'],
      ['an approver key', put({ body }, approverA), '403 FORBIDDEN'],
      ['a passport', put({ body }, botA.token), '403 FORBIDDEN'],
      ['the instance admin', put({ body }, ADMIN_KEY), '403 FORBIDDEN'],
      ['no credentials', () => send('PUT', '/v1/detectors/settings', { body }), '401 UNAUTHENTICATED'],
      ['an approver reading them', () => send('GET', '/v1/detectors/settings', { token: approverA }), '403 FORBIDDEN'],
      ['the instance admin reading them', () => send('GET', '/v1/detectors/settings', { token: ADMIN_KEY }), '403 FORBIDDEN'],
    ]);
    await expectUntouched();
    // Tenant B's settings are its own: still the defaults.
    expect((await send('GET', '/v1/detectors/settings', { token: B.adminKey })).body).toMatchObject({ burst: { max_uses: 15, window_seconds: 30 }, revoke_on_warning: false });
  });
});

describe('replay', () => {
  it('given anyone but the instance admin, then 401/403, and the instance admin gets an identical report', async () => {
    await expectOutcomes([
      ['a tenant admin key', () => send('POST', '/v1/admin/replay', { token: A.adminKey }), '403 FORBIDDEN'],
      ['an operator key', () => send('POST', '/v1/admin/replay', { token: operatorA }), '403 FORBIDDEN'],
      ['an auditor key', () => send('POST', '/v1/admin/replay', { token: auditorA }), '403 FORBIDDEN'],
      ['a passport', () => send('POST', '/v1/admin/replay', { token: botA.token }), '403 FORBIDDEN'],
      ['no credentials', () => send('POST', '/v1/admin/replay'), '401 UNAUTHENTICATED'],
      ['a forged instance admin key', () => send('POST', '/v1/admin/replay', { token: `${ADMIN_KEY.slice(0, -1)}0` }), '401 UNAUTHENTICATED'],
    ]);
    const report = await send('POST', '/v1/admin/replay', { token: ADMIN_KEY });
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ identical: true, differences: [], revocation_differences: [], findings: { live: 2, replayed: 2 } });
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('the whole suite', () => {
  it('given every request sent above, when their answers are tallied, then none was a 5xx', () => {
    expect(answered.length).toBeGreaterThan(120);
    expect(answered.filter((a) => a.status >= 500)).toEqual([]);
  });
});
