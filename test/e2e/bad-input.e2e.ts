/**
 * Bad input: malformed JSON, unknown fields, wrong types, oversized bodies, missing or forged or expired tokens,
 * another tenant's key or passport: each gets a 4xx problem+json, never a 5xx, and stores nothing.
 *
 * "Stores nothing" is checked twice: the event store head (GET /readyz answers it) does not move, and the audit of
 * every tenant the suite created holds no entry it did not hold before the batch of bad requests.
 */
import { generateKeyPairSync, randomBytes } from 'crypto';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { newTenant, Reply, Tenant } from './support/client';
import { ADMIN_KEY, MandateProcess, MandateServer } from './support/server';
import { AuditEntry, expectProblem, storeProbe, tallied } from './support/problems';

type Method = 'GET' | 'POST' | 'PATCH';
type Issued = Awaited<ReturnType<Tenant['passport']>>;

/** Longer than every string limit of every DTO (the longest is an 8 KiB passport token), far below the body limit. */
const TOO_LONG = 'x'.repeat(10_000);
/** Just over the 256 KiB default body limit: small enough that the client finishes sending before the 413 arrives. */
const OVERSIZED_BODY = JSON.stringify({ name: 'x'.repeat(256 * 1024 + 1024) });
const MALFORMED_JSON = '{"name": "unterminated';

let server: MandateServer;
/** Every answer the server gave in this file, for the "never a 5xx" check at the end. */
const { answered, send } = tallied(() => server);
const { head, auditOf } = storeProbe(send);



/** The fields a VALIDATION_FAILED problem names. */
const fieldsOf = (reply: Reply): string[] => (reply.body?.errors ?? []).map((e: { field: string }) => e.field);

// ---------------------------------------------------------------------------------------------------------------
// The world the bad requests are aimed at: two tenants, each with an agent and a live passport.

let A: Tenant;
let B: Tenant;
let agentA: string;
let standardAgentA: string;
let agentB: string;
let passportA: Issued;
let passportB: Issued;
let auditorKeyA: string;
let operatorKeyA: string;

const keyIdOf = (key: string) => key.split('.')[2];
const randomId = (prefix: string) => `${prefix}_${randomBytes(12).toString('base64url')}`;



/** The tenants whose audit a snapshot reads; the store head covers everything else (a new tenant, say). */
const watched: Tenant[] = [];

async function snapshot() {
  const position = await head();
  const audit: AuditEntry[] = [];
  for (const tenant of watched) audit.push(...(await auditOf(tenant, position)));
  return { head: position, audit };
}

/** Runs a batch of requests and answers what it added to the store: how far the head moved, the audit entries gained. */
async function storedBy(batch: () => Promise<void>): Promise<{ headMoved: number; entries: AuditEntry[] }> {
  const before = await snapshot();
  await batch();
  const after = await snapshot();
  const known = new Set(before.audit.map((e) => e.event_id));
  return { headMoved: after.head - before.head, entries: after.audit.filter((e) => !known.has(e.event_id)) };
}

async function expectNothingStored(batch: () => Promise<void>): Promise<void> {
  const { headMoved, entries } = await storedBy(batch);
  expect(entries.map((e) => `${e.type}${e.code ? ` (${e.code})` : ''}`)).toEqual([]);
  expect(headMoved).toBe(0);
}

beforeAll(async () => {
  server = await MandateProcess.start();
  A = await newTenant(server, 'acme');
  B = await newTenant(server, 'globex');
  watched.push(A, B);
  agentA = await A.agent('logged', 'support-bot');
  standardAgentA = await A.agent('standard', 'lint-bot');
  agentB = await B.agent('logged', 'billing-bot');
  passportA = await A.passport(agentA, { ttl_seconds: 3600 });
  passportB = await B.passport(agentB, { ttl_seconds: 3600 });
  auditorKeyA = await A.key('auditor');
  operatorKeyA = await A.key('operator');
});

afterAll(async () => {
  await server?.stop();
});

// ---------------------------------------------------------------------------------------------------------------
// Every write route, with a body it would accept and the bad variants of it.

interface WriteRoute {
  route: string;
  method: Method;
  path: () => string;
  /** Credentials the route accepts; undefined for the public introspection route. */
  token: () => string | undefined;
  valid: () => Record<string, unknown>;
  wrongType: () => { body: Record<string, unknown>; field: string };
  tooLong: () => { body: Record<string, unknown>; field: string };
}

const intent = { summary: 'triage support tickets', services: ['slack'] };

const WRITE_ROUTES: WriteRoute[] = [
  {
    route: 'POST /v1/tenants',
    method: 'POST',
    path: () => '/v1/tenants',
    token: () => ADMIN_KEY,
    valid: () => ({ name: 'initech' }),
    wrongType: () => ({ body: { name: 42 }, field: 'name' }),
    tooLong: () => ({ body: { name: TOO_LONG }, field: 'name' }),
  },
  {
    route: 'POST /v1/keys',
    method: 'POST',
    path: () => '/v1/keys',
    token: () => A.adminKey,
    valid: () => ({ name: 'ci key', role: 'operator' }),
    wrongType: () => ({ body: { name: 'ci key', role: 7 }, field: 'role' }),
    tooLong: () => ({ body: { name: TOO_LONG, role: 'operator' }, field: 'name' }),
  },
  {
    route: 'POST /v1/keys/{id}/revoke',
    method: 'POST',
    path: () => `/v1/keys/${keyIdOf(auditorKeyA)}/revoke`,
    token: () => A.adminKey,
    valid: () => ({ reason: 'rotated' }),
    wrongType: () => ({ body: { reason: 12 }, field: 'reason' }),
    tooLong: () => ({ body: { reason: TOO_LONG }, field: 'reason' }),
  },
  {
    route: 'POST /v1/agents',
    method: 'POST',
    path: () => '/v1/agents',
    token: () => A.adminKey,
    valid: () => ({ name: 'billing-bot', accountability_mode: 'logged' }),
    wrongType: () => ({ body: { name: 'billing-bot', accountability_mode: true }, field: 'accountability_mode' }),
    tooLong: () => ({ body: { name: 'billing-bot', description: TOO_LONG }, field: 'description' }),
  },
  {
    route: 'PATCH /v1/agents/{id}',
    method: 'PATCH',
    path: () => `/v1/agents/${agentA}`,
    token: () => A.adminKey,
    valid: () => ({ status: 'suspended', reason: 'under review' }),
    wrongType: () => ({ body: { status: 1 }, field: 'status' }),
    tooLong: () => ({ body: { status: 'suspended', reason: TOO_LONG }, field: 'reason' }),
  },
  {
    route: 'POST /v1/agents/{id}/revoke',
    method: 'POST',
    path: () => `/v1/agents/${agentA}/revoke`,
    token: () => A.adminKey,
    valid: () => ({ reason: 'leaked credentials' }),
    wrongType: () => ({ body: { reason: 12 }, field: 'reason' }),
    tooLong: () => ({ body: { reason: TOO_LONG }, field: 'reason' }),
  },
  {
    route: 'POST /v1/revocations/all',
    method: 'POST',
    path: () => '/v1/revocations/all',
    token: () => A.adminKey,
    valid: () => ({ reason: 'incident 42' }),
    wrongType: () => ({ body: { reason: 5 }, field: 'reason' }),
    tooLong: () => ({ body: { reason: TOO_LONG }, field: 'reason' }),
  },
  {
    route: 'POST /v1/passports',
    method: 'POST',
    path: () => '/v1/passports',
    token: () => A.adminKey,
    valid: () => ({ agent_id: agentA, intent }),
    wrongType: () => ({ body: { agent_id: agentA, intent, ttl_seconds: '3600' }, field: 'ttl_seconds' }),
    tooLong: () => ({ body: { agent_id: agentA, intent: { ...intent, summary: TOO_LONG } }, field: 'intent.summary' }),
  },
  {
    route: 'POST /v1/passports/{jti}/checkpoint',
    method: 'POST',
    path: () => `/v1/passports/${passportA.jti}/checkpoint`,
    token: () => passportA.token,
    valid: () => ({ services_used: ['slack'], actions_count: 1, summary: 'answered two tickets' }),
    wrongType: () => ({ body: { actions_count: '3' }, field: 'actions_count' }),
    tooLong: () => ({ body: { summary: TOO_LONG }, field: 'summary' }),
  },
  {
    route: 'POST /v1/passports/{jti}/actions',
    method: 'POST',
    path: () => `/v1/passports/${passportA.jti}/actions`,
    token: () => passportA.token,
    valid: () => ({ service: 'slack', action: 'post_message', target: '#support' }),
    wrongType: () => ({ body: { service: 'slack', action: 'post_message', outcome: 1 }, field: 'outcome' }),
    tooLong: () => ({ body: { service: 'slack', action: 'post_message', target: TOO_LONG }, field: 'target' }),
  },
  {
    route: 'POST /v1/passports/{jti}/checkout',
    method: 'POST',
    path: () => `/v1/passports/${passportA.jti}/checkout`,
    token: () => passportA.token,
    valid: () => ({ outcome: 'success', summary: 'queue empty' }),
    wrongType: () => ({ body: { outcome: true }, field: 'outcome' }),
    tooLong: () => ({ body: { outcome: 'success', summary: TOO_LONG }, field: 'summary' }),
  },
  {
    route: 'POST /v1/passports/{jti}/revoke',
    method: 'POST',
    path: () => `/v1/passports/${passportA.jti}/revoke`,
    token: () => A.adminKey,
    valid: () => ({ reason: 'suspicious activity' }),
    wrongType: () => ({ body: { reason: 3 }, field: 'reason' }),
    tooLong: () => ({ body: { reason: TOO_LONG }, field: 'reason' }),
  },
  {
    route: 'POST /v1/passports/verify',
    method: 'POST',
    path: () => '/v1/passports/verify',
    token: () => undefined,
    valid: () => ({ token: passportA.token }),
    wrongType: () => ({ body: { token: 123 }, field: 'token' }),
    tooLong: () => ({ body: { token: TOO_LONG }, field: 'token' }),
  },
];

const AUTHENTICATED_ROUTES = WRITE_ROUTES.filter((r) => r.route !== 'POST /v1/passports/verify');

describe('bad bodies on every write route', () => {
  it.each(WRITE_ROUTES.map((r) => [r.route, r] as const))(
    'given %s with valid credentials, when the body is malformed, has unknown fields, wrong types, over-long strings, is too large or is not JSON, then each answer is a 4xx problem and nothing is stored',
    async (_, route) => {
      const token = route.token();
      const path = route.path();
      const replies: Record<string, Reply> = {};
      await expectNothingStored(async () => {
        replies.malformedJson = await send(route.method, path, { token, rawBody: MALFORMED_JSON });
        replies.unknownField = await send(route.method, path, { token, body: { ...route.valid(), smuggled_field: true } });
        replies.wrongType = await send(route.method, path, { token, body: route.wrongType().body });
        replies.tooLong = await send(route.method, path, { token, body: route.tooLong().body });
        replies.oversized = await send(route.method, path, { token, rawBody: OVERSIZED_BODY });
        replies.textPlain = await send(route.method, path, {
          token,
          rawBody: JSON.stringify(route.valid()),
          headers: { 'content-type': 'text/plain' },
        });
        replies.formEncoded = await send(route.method, path, {
          token,
          rawBody: 'name=initech',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
      });

      const outcome = Object.fromEntries(Object.entries(replies).map(([kind, r]) => [kind, `${r.status} ${r.body?.code}`]));
      expect(outcome).toEqual({
        malformedJson: '400 MALFORMED_JSON',
        unknownField: '422 VALIDATION_FAILED',
        wrongType: '422 VALIDATION_FAILED',
        tooLong: '422 VALIDATION_FAILED',
        oversized: '413 PAYLOAD_TOO_LARGE',
        textPlain: '415 UNSUPPORTED_MEDIA_TYPE',
        formEncoded: '415 UNSUPPORTED_MEDIA_TYPE',
      });
      for (const reply of Object.values(replies)) expectProblem(reply, reply.status);
      // Each validation problem names the field at fault, so the refusal is for the reason the test means.
      expect(fieldsOf(replies.unknownField)).toEqual(['smuggled_field']);
      expect(fieldsOf(replies.wrongType)).toEqual([route.wrongType().field]);
      expect(fieldsOf(replies.tooLong)).toEqual([route.tooLong().field]);
    },
  );

  it('given a tenant admin, when the body nests objects thousands deep (well under the size limit), then it is refused with a 4xx problem, not a 5xx, and nothing is stored', async () => {
    const deep = '{"x":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    expect(deep.length).toBeLessThan(256 * 1024);
    const replies: Reply[] = [];
    await expectNothingStored(async () => {
      replies.push(await send('POST', '/v1/agents', { token: A.adminKey, rawBody: `{"name":"deep-bot","description":${deep}}` }));
      replies.push(await send('POST', '/v1/agents', { token: A.adminKey, rawBody: `{"name":"deep-bot","smuggled_field":${deep}}` }));
    });
    for (const reply of replies) {
      expect(reply.status).toBeGreaterThanOrEqual(400);
      expect(reply.status).toBeLessThan(500);
      expectProblem(reply, reply.status);
    }
  });

  it('given a live passport, when a batch holds an array where a tool call object belongs, then it is refused with 422 and no tool call is logged', async () => {
    let reply!: Reply;
    await expectNothingStored(async () => {
      reply = await send('POST', `/v1/passports/${passportA.jti}/actions`, { token: passportA.token, body: { calls: [[]] } });
    });
    expectProblem(reply, 422, 'VALIDATION_FAILED');
  });

  it('given a standard agent, when a passport is asked for with an array as its intent, then it is refused with 422 and no passport is issued', async () => {
    let reply!: Reply;
    await expectNothingStored(async () => {
      reply = await send('POST', '/v1/passports', { token: A.adminKey, body: { agent_id: standardAgentA, intent: [] } });
    });
    expectProblem(reply, 422, 'VALIDATION_FAILED');
  });

  it('given a write route, when the path is not valid percent-encoding or its id is absurdly long, then the answer is still a 4xx problem', async () => {
    const replies = [
      await send('POST', '/v1/agents/%E0%A4%A/revoke', { token: A.adminKey, body: {} }),
      await send('POST', '/v1/passports/%ZZ/checkout', { token: passportA.token, body: { outcome: 'success' } }),
      await send('POST', `/v1/agents/agt_${'a'.repeat(300)}/revoke`, { token: A.adminKey, body: {} }),
    ];
    for (const reply of replies) {
      expect(reply.status).toBeGreaterThanOrEqual(400);
      expect(reply.status).toBeLessThan(500);
      expectProblem(reply, reply.status);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('missing, garbage and revoked operator keys', () => {
  it.each(AUTHENTICATED_ROUTES.map((r) => [r.route, r] as const))(
    'given %s with a valid body, when no Authorization header is sent, then 401 UNAUTHENTICATED and nothing is stored',
    async (_, route) => {
      let reply!: Reply;
      await expectNothingStored(async () => {
        reply = await send(route.method, route.path(), { body: route.valid() });
      });
      expectProblem(reply, 401, 'UNAUTHENTICATED');
    },
  );

  it('given a valid body, when the credentials are garbage, a made-up key, a wrong secret or not a Bearer token, then every route answers 401 UNAUTHENTICATED and nothing is stored', async () => {
    const [, tenantId, keyId, secret] = A.adminKey.split('.');
    const flipped = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');
    const garbage = [
      { authorization: 'Bearer garbage' },
      { authorization: `Bearer mdt.${tenantId}.${keyId}.${flipped}` },
      { authorization: `Bearer mdt.${tenantId}.key_doesnotexist.${secret}` },
      { authorization: `Bearer mdt.ten_doesnotexist.${keyId}.${secret}` },
      { authorization: `Bearer ${A.adminKey}.extra` },
      { authorization: 'Bearer mdt_admin.not-the-instance-admin-key-0123456789' },
      { authorization: `Basic ${Buffer.from(`admin:${A.adminKey}`).toString('base64')}` },
      { authorization: A.adminKey },
    ];
    const replies: Reply[] = [];
    await expectNothingStored(async () => {
      for (const route of AUTHENTICATED_ROUTES) {
        for (const headers of garbage) replies.push(await send(route.method, route.path(), { headers, body: route.valid() }));
      }
    });
    for (const reply of replies) expectProblem(reply, 401, 'UNAUTHENTICATED');
  });

  it('given a tenant, when an operator key names a built-in object member (toString, constructor, __proto__) as its key id, then it is refused with 401, not a 5xx', async () => {
    const [, tenantId, , secret] = A.adminKey.split('.');
    const replies: Reply[] = [];
    await expectNothingStored(async () => {
      for (const keyId of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
        replies.push(await send('POST', '/v1/agents', { token: `mdt.${tenantId}.${keyId}.${secret}`, body: { name: 'proto-bot' } }));
      }
    });
    for (const reply of replies) expectProblem(reply, 401, 'UNAUTHENTICATED');
  });

  it('given an operator key that an admin revoked, when it is used to register an agent, then 401 UNAUTHENTICATED and nothing is stored', async () => {
    const key = await A.key('operator');
    const revoked = await send('POST', `/v1/keys/${keyIdOf(key)}/revoke`, { token: A.adminKey, body: { reason: 'left the team' } });
    expect(revoked.status).toBe(200);
    let reply!: Reply;
    await expectNothingStored(async () => {
      reply = await send('POST', '/v1/agents', { token: key, body: { name: 'ghost-bot' } });
    });
    expectProblem(reply, 401, 'UNAUTHENTICATED');
  });

  it('given an admin, when it revokes a key id that does not exist (including built-in object member names), then 404 NOT_FOUND and nothing is stored', async () => {
    // A tenant of its own: if the server wrongly accepts these, the damage stays out of the other tests' tenants.
    const C = await newTenant(server, 'umbrella');
    watched.push(C);
    const replies: Reply[] = [];
    await expectNothingStored(async () => {
      for (const keyId of ['key_doesnotexist', 'toString', 'constructor', '__proto__']) {
        replies.push(await send('POST', `/v1/keys/${keyId}/revoke`, { token: C.adminKey, body: { reason: 'cleanup' } }));
      }
    });
    for (const reply of replies) expectProblem(reply, 404, 'NOT_FOUND');
    const keys = await send('GET', '/v1/keys', { token: C.adminKey });
    expect(keys.body.keys.map((k: { key_id?: string }) => k.key_id)).toEqual([keyIdOf(C.adminKey)]);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('forged and tampered passports', () => {
  const PASSPORT_ROUTES = [
    { op: 'checkpoint', body: { services_used: ['slack'], actions_count: 1 } },
    { op: 'actions', body: { service: 'slack', action: 'post_message', target: '#support' } },
    { op: 'checkout', body: { outcome: 'success' } },
  ];

  async function expectRefusedEverywhere(token: string): Promise<void> {
    const replies: Reply[] = [];
    await expectNothingStored(async () => {
      for (const { op, body } of PASSPORT_ROUTES) replies.push(await send('POST', `/v1/passports/${passportA.jti}/${op}`, { token, body }));
    });
    for (const reply of replies) expectProblem(reply, 401, 'UNAUTHENTICATED');
  }

  it('given the claims of a live passport, when they are signed with a key the server never issued, then every passport route answers 401 and nothing is stored', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    // Same claims, same header (kid included): only the signature gives the forgery away.
    const forged = await new SignJWT(decodeJwt(passportA.token)).setProtectedHeader(decodeProtectedHeader(passportA.token) as any).sign(privateKey);
    expect(forged.split('.')[1]).toBe(passportA.token.split('.')[1]);
    await expectRefusedEverywhere(forged);
  });

  it('given a live passport, when its payload is re-encoded with wider services and the original signature kept, then 401 and nothing is stored', async () => {
    const [header, payload, signature] = passportA.token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const widened = Buffer.from(JSON.stringify({ ...claims, services: ['slack', 'stripe'] })).toString('base64url');
    await expectRefusedEverywhere(`${header}.${widened}.${signature}`);
  });

  it('given a live passport, when one character of its payload is flipped, then 401 and nothing is stored', async () => {
    const [header, payload, signature] = passportA.token.split('.');
    const i = Math.floor(payload.length / 2);
    const flipped = payload.slice(0, i) + (payload[i] === 'A' ? 'B' : 'A') + payload.slice(i + 1);
    await expectRefusedEverywhere(`${header}.${flipped}.${signature}`);
  });

  it('given a live passport, when its algorithm is set to "none" and the signature dropped, then 401 and nothing is stored', async () => {
    const payload = passportA.token.split('.')[1];
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    await expectRefusedEverywhere(`${none}.${payload}.`);
  });

  it('given forged and tampered tokens, when they are introspected, then they are reported inactive as invalid and nothing is stored', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const forged = await new SignJWT(decodeJwt(passportA.token)).setProtectedHeader(decodeProtectedHeader(passportA.token) as any).sign(privateKey);
    const [header, payload, signature] = passportA.token.split('.');
    const tampered = `${header}.${payload.slice(0, -2)}${payload.endsWith('A') ? 'BB' : 'AA'}.${signature}`;
    const replies: Reply[] = [];
    await expectNothingStored(async () => {
      for (const token of [forged, tampered]) replies.push(await send('POST', '/v1/passports/verify', { body: { token } }));
    });
    for (const reply of replies) {
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ active: false, reason: 'invalid' });
    }
  });

  // True time expiry (PASSPORT_EXPIRED) is not exercised here: the shortest passport lives 60 s (ttl_seconds min) and
  // this suite never sleeps. Passports that can no longer be used are covered below by the two states a test can
  // reach at once: checked out and revoked.
});

// ---------------------------------------------------------------------------------------------------------------

describe("another tenant's agent, passport and key", () => {
  it("given tenant A's admin key, when it targets tenant B's agent, passport or key, then 404 NOT_FOUND exactly as for an id that does not exist, and nothing is stored", async () => {
    // Each attempt names tenant B's real id and a well-formed id that exists nowhere; both must answer alike.
    const attempts: Array<{ id: string; missing: string; request: (id: string) => [Method, string, Record<string, unknown>?] }> = [
      { id: agentB, missing: randomId('agt'), request: (id) => ['PATCH', `/v1/agents/${id}`, { status: 'suspended' }] },
      { id: agentB, missing: randomId('agt'), request: (id) => ['POST', `/v1/agents/${id}/revoke`, { reason: 'takeover' }] },
      { id: agentB, missing: randomId('agt'), request: (id) => ['POST', '/v1/passports', { agent_id: id, intent }] },
      { id: passportB.jti, missing: randomId('pp'), request: (id) => ['POST', `/v1/passports/${id}/revoke`, { reason: 'takeover' }] },
      { id: keyIdOf(B.adminKey), missing: randomId('key'), request: (id) => ['POST', `/v1/keys/${id}/revoke`, { reason: 'takeover' }] },
      { id: agentB, missing: randomId('agt'), request: (id) => ['GET', `/v1/agents/${id}`] },
      { id: passportB.jti, missing: randomId('pp'), request: (id) => ['GET', `/v1/passports/${id}`] },
    ];
    const pairs: Array<{ other: Reply; missing: Reply; id: string; missingId: string }> = [];
    await expectNothingStored(async () => {
      for (const { id, missing, request } of attempts) {
        const sendAs = ([method, path, body]: ReturnType<typeof request>) => send(method, path, { token: A.adminKey, body });
        pairs.push({ other: await sendAs(request(id)), missing: await sendAs(request(missing)), id, missingId: missing });
      }
    });
    for (const { other, missing, id, missingId } of pairs) {
      expectProblem(other, 404, 'NOT_FOUND');
      expectProblem(missing, 404, 'NOT_FOUND');
      // Nothing in the answer tells "exists elsewhere" from "does not exist".
      const masked = (reply: Reply, value: string) => JSON.parse(JSON.stringify(reply.body).split(value).join('<id>'));
      expect(masked(other, id)).toEqual(masked(missing, missingId));
    }
  });

  it("given tenant A's passport, when it is presented on tenant B's passport path, then 403 PASSPORT_MISMATCH on every passport route and nothing is stored", async () => {
    const replies: Reply[] = [];
    await expectNothingStored(async () => {
      replies.push(await send('POST', `/v1/passports/${passportB.jti}/checkpoint`, { token: passportA.token, body: { actions_count: 1 } }));
      replies.push(await send('POST', `/v1/passports/${passportB.jti}/actions`, { token: passportA.token, body: { service: 'slack', action: 'read' } }));
      replies.push(await send('POST', `/v1/passports/${passportB.jti}/checkout`, { token: passportA.token, body: { outcome: 'success' } }));
    });
    for (const reply of replies) expectProblem(reply, 403, 'PASSPORT_MISMATCH');
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('wrong role for the route', () => {
  it.each([
    ['an auditor key registering an agent', 'POST', '/v1/agents', () => auditorKeyA, () => ({ name: 'audit-bot' })],
    ['an auditor key issuing a passport', 'POST', '/v1/passports', () => auditorKeyA, () => ({ agent_id: agentA, intent })],
    ['an operator key pulling the tenant kill switch', 'POST', '/v1/revocations/all', () => operatorKeyA, () => ({ reason: 'oops' })],
    ['an operator key minting an admin key', 'POST', '/v1/keys', () => operatorKeyA, () => ({ name: 'escalate', role: 'admin' })],
    ["a tenant admin key creating a tenant", 'POST', '/v1/tenants', () => A.adminKey, () => ({ name: 'shadow' })],
    ['a passport registering an agent', 'POST', '/v1/agents', () => passportA.token, () => ({ name: 'spawned-bot' })],
    ['a passport revoking its own passport', 'POST', '/v1/passports/{jti}/revoke', () => passportA.token, () => ({})],
    ['an admin key logging a tool call in place of the agent', 'POST', '/v1/passports/{jti}/actions', () => A.adminKey, () => ({ service: 'slack', action: 'read' })],
  ] as Array<[string, Method, string, () => string, () => Record<string, unknown>]>)(
    'given %s, when the request is sent, then 403 FORBIDDEN and nothing is stored',
    async (_, method, path, token, body) => {
      let reply!: Reply;
      await expectNothingStored(async () => {
        reply = await send(method, path.replace('{jti}', passportA.jti), { token: token(), body: body() });
      });
      expectProblem(reply, 403, 'FORBIDDEN');
    },
  );
});

// ---------------------------------------------------------------------------------------------------------------

describe('passports that can no longer be used', () => {
  // The detectors react to a refused use (a finding; for an enforced agent, a revocation): their consequences, not the request's.
  const ofTheRequest = (entries: Array<Record<string, any>>) =>
    entries.filter((e) => e.type !== 'SecurityEventRaised' && !(e.type === 'PassportRevoked' && e.actor?.kind === 'detector'));
  /** Waits until the detectors have handled a refusal (and committed what it caused), so the snapshot after is complete. */
  const detectorsHandled = async (refusal: Reply) => {
    const settled = await send('GET', `/v1/security-events?limit=1&wait_for_position=${refusal.body.position}`, { token: A.adminKey });
    expect(settled.status).toBe(200);
  };
  it('given a mission that checked out, when its passport logs a tool call, then 401 PASSPORT_CHECKED_OUT, the refusal is recorded and no business event is', async () => {
    const mission = await A.passport(agentA, { ttl_seconds: 3600 });
    const checkedOut = await send('POST', `/v1/passports/${mission.jti}/checkout`, { token: mission.token, body: { outcome: 'success' } });
    expect(checkedOut.status).toBe(200);

    let reply!: Reply;
    const { headMoved, entries } = await storedBy(async () => {
      reply = await send('POST', `/v1/passports/${mission.jti}/actions`, { token: mission.token, body: { service: 'slack', action: 'post_message' } });
      await detectorsHandled(reply);
    });
    expectProblem(reply, 401, 'PASSPORT_CHECKED_OUT');
    // The refused use is a security fact the detectors need: recorded on purpose, and it is the only thing recorded.
    expect(ofTheRequest(entries).map((e) => ({ type: e.type, code: e.code, jti: e.jti, outcome: e.outcome }))).toEqual([
      { type: 'PassportUseRefused', code: 'PASSPORT_CHECKED_OUT', jti: mission.jti, outcome: 'refused' },
    ]);
    expect(headMoved).toBe(entries.length); // nothing stored that the audit does not show
  });

  it('given a revoked passport, when it records a checkpoint, logs a call or checks out, then 401 PASSPORT_REVOKED each time, each refusal is recorded and no business event is', async () => {
    const mission = await A.passport(agentA, { ttl_seconds: 3600 });
    const revoked = await send('POST', `/v1/passports/${mission.jti}/revoke`, { token: A.adminKey, body: { reason: 'agent misbehaved' } });
    expect(revoked.status).toBe(200);

    const replies: Reply[] = [];
    const { headMoved, entries } = await storedBy(async () => {
      const use = (op: string, body: unknown) => send('POST', `/v1/passports/${mission.jti}/${op}`, { token: mission.token, body });
      replies.push(await use('checkpoint', { actions_count: 1 }));
      replies.push(await use('actions', { service: 'slack', action: 'post_message' }));
      replies.push(await use('checkout', { outcome: 'success' }));
      await detectorsHandled(replies[2]);
    });
    for (const reply of replies) expectProblem(reply, 401, 'PASSPORT_REVOKED');
    expect(ofTheRequest(entries).map((e) => ({ type: e.type, code: e.code, jti: e.jti, outcome: e.outcome }))).toEqual(
      Array(3).fill({ type: 'PassportUseRefused', code: 'PASSPORT_REVOKED', jti: mission.jti, outcome: 'refused' }),
    );
    expect(headMoved).toBe(entries.length); // nothing stored that the audit does not show

    const introspected = await send('POST', '/v1/passports/verify', { body: { token: mission.token } });
    expect(introspected.status).toBe(200);
    expect(introspected.body).toEqual({ active: false, reason: 'revoked', jti: mission.jti });
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('the whole suite', () => {
  it('given every request sent above, when their answers are tallied, then none was a 5xx', () => {
    expect(answered.length).toBeGreaterThan(0);
    expect(answered.filter((a) => a.status >= 500)).toEqual([]);
  });
});
