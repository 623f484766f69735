/**
 * Signing keys rotate without downtime: the new key signs, the old one stays in the JWKS until every passport it
 * signed has expired, then leaves. In the distributed topology the passport service signs and rotates, and the intent
 * service (which verifies passports itself) must take tokens of the new key at once.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { call, newTenant, Tenant } from './support/client';
import { ADMIN_KEY, DistributedMandate, MandateProcess, MandateServer } from './support/server';

const CLI = path.join(__dirname, '..', '..', 'bin', 'mandate.js');

type Passport = Awaited<ReturnType<Tenant['passport']>>;

const kidOf = (token: string) => decodeProtectedHeader(token).kid;
/** The one keys directory every process of the installation shares. */
const keysDirOf = (server: MandateServer) => (server instanceof DistributedMandate ? path.join(server.root, 'keys') : (server as MandateProcess).dataDir);

async function jwks(server: MandateServer): Promise<{ keys: Array<{ kid: string }> }> {
  const reply = await call(server, 'GET', '/.well-known/jwks.json');
  expect(reply.status).toBe(200);
  return reply.body;
}
const jwksKids = async (server: MandateServer) => (await jwks(server)).keys.map((key) => key.kid);

async function rotate(server: MandateServer) {
  const reply = await call(server, 'POST', '/v1/admin/signing-keys/rotate', { token: ADMIN_KEY });
  expect(reply.status).toBe(201);
  return reply.body as { kid: string; retired: string; made: boolean; forgotten: string[]; keys: Array<Record<string, string | null>> };
}

/** A dry-run intent: answered by the intent service, which checks the passport's signature itself. */
const simulate = (server: MandateServer, token: string) =>
  call(server, 'POST', '/v1/intents/simulate', {
    token,
    body: {
      named_intent: 'slack:chat:post',
      target: 'slack',
      action: 'POST /api/chat.postMessage',
      parameters: { url: 'https://slack.com/api/chat.postMessage', method: 'POST', body: { channel: '#support', text: 'on it' } },
      reason: 'tell the team the ticket is taken',
    },
  });

/** In use: a tool call at the passport service, a dry-run intent at the intent service, and introspection says active. */
async function expectInUse(server: MandateServer, passport: Passport) {
  const action = await call(server, 'POST', `/v1/passports/${passport.jti}/actions`, { token: passport.token, body: { service: 'slack', action: 'chat.postMessage', outcome: 'success' } });
  expect({ jti: passport.jti, status: action.status }).toEqual({ jti: passport.jti, status: 201 });
  expect({ jti: passport.jti, status: (await simulate(server, passport.token)).status }).toEqual({ jti: passport.jti, status: 200 });
  const verified = await call(server, 'POST', '/v1/passports/verify', { body: { token: passport.token } });
  expect(verified.body).toMatchObject({ active: true, claims: { jti: passport.jti } });
}

/** Polls an observable state until it holds: no fixed sleep, a deadline instead. */
async function until(what: string, holds: () => Promise<boolean>, deadlineMs = 30_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await holds())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('signing keys rotate while passports are in use', () => {
  let server: MandateServer;
  let acme: Tenant;
  let agentId: string;
  const passports: Passport[] = [];
  const kids: string[] = [];

  beforeAll(async () => {
    // At the log level of a production start, so that the rotation's line is there to read.
    server = await MandateProcess.start({ LOG_LEVEL: 'log' });
    acme = await newTenant(server, 'rotating');
    // Logged: the token lives as long as its mission, and nothing revokes it on its own.
    agentId = await acme.agent('logged', 'rotation-bot');
  });
  afterAll(() => server?.stop());

  it('given a passport in use, when the instance admin rotates, then it keeps working everywhere, a new one carries the new kid and works at once at the other services, and the JWKS holds both keys', async () => {
    passports.push(await acme.passport(agentId, { ttl_seconds: 3600 }));
    kids.push(kidOf(passports[0].token)!);
    expect(await jwksKids(server)).toEqual([kids[0]]);
    await expectInUse(server, passports[0]);

    const rotation = await rotate(server);

    expect(rotation).toMatchObject({ retired: kids[0], made: true, forgotten: [] });
    kids.push(rotation.kid);
    expect(kids[1]).not.toBe(kids[0]);
    const [signing, retired] = rotation.keys;
    expect(signing).toMatchObject({ kid: kids[1], status: 'signing', retired_at: null, verifies_until: null });
    // Retired now, and kept for the longest passport (3600 s) and five minutes of clock skew.
    expect(retired).toMatchObject({ kid: kids[0], status: 'retired', retired_at: signing.signing_since });
    expect(Date.parse(retired.verifies_until!) - Date.parse(retired.retired_at!)).toBe(3900 * 1000);
    expect(await jwksKids(server)).toEqual([kids[1], kids[0]]);
    // One line says what happened, with the kids and when the old key leaves; never the key itself.
    const logged = `signing key rotated by the instance admin: ${kids[1]} signs from now; ${kids[0]} retired, in the JWKS until ${retired.verifies_until}`;
    await until('the rotation being logged', async () => server.output.includes(logged));
    expect(server.output).not.toMatch(/PRIVATE KEY|private_key/);

    passports.push(await acme.passport(agentId, { ttl_seconds: 3600 }));
    expect(kidOf(passports[1].token)).toBe(kids[1]);
    for (const passport of passports) await expectInUse(server, passport);
  });

  it('given a second rotation, made in the keys directory with the CLI while the servers run, then the signer takes it without a restart, and every passport from before still works', async () => {
    const cli = spawnSync(process.execPath, [CLI, 'rotate-signing-key', '--keys-dir', keysDirOf(server)], { encoding: 'utf8' });
    expect(cli.status).toBe(0);
    const rotation = JSON.parse(cli.stdout);
    expect(rotation).toMatchObject({ retired: kids[1], made: true });
    expect(cli.stderr).toContain(`${rotation.kid} signs from now`);
    kids.push(rotation.kid);

    passports.push(await acme.passport(agentId, { ttl_seconds: 3600 }));
    expect(kidOf(passports[2].token)).toBe(kids[2]);
    for (const passport of passports) await expectInUse(server, passport);

    // A downstream verifier holding only the published JWKS accepts all three.
    const published = await jwks(server);
    expect(published.keys.map((key) => key.kid)).toEqual([kids[2], kids[1], kids[0]]);
    const discovery = (await call(server, 'GET', '/.well-known/openid-configuration')).body;
    for (const passport of passports) {
      const { payload } = await jwtVerify(passport.token, createLocalJWKSet(published as Parameters<typeof createLocalJWKSet>[0]), { issuer: discovery.issuer, audience: 'mandate' });
      expect(payload.jti).toBe(passport.jti);
    }
    expect((await call(server, 'GET', '/v1/admin/signing-keys', { token: ADMIN_KEY })).body).toMatchObject({
      kid: kids[2],
      keys: [{ kid: kids[2], status: 'signing' }, { kid: kids[1], status: 'retired' }, { kid: kids[0], status: 'retired' }],
    });
  });

  it('given an enforced passport signed by a retired key, when it checkpoints, then its refreshed token is signed by the newest key, and both tokens work', async () => {
    const enforced = await acme.agent('enforced', 'leashed-bot');
    const before = await acme.passport(enforced, { ttl_seconds: 3600, checkpoint_interval_seconds: 600 });
    await rotate(server);
    const now = await call(server, 'GET', '/v1/admin/signing-keys', { token: ADMIN_KEY });
    const checkpoint = await call(server, 'POST', `/v1/passports/${before.jti}/checkpoint`, { token: before.token, body: { services_used: ['slack'], actions_count: 0, summary: 'nothing yet' } });
    expect(checkpoint.status).toBe(200);
    expect(kidOf(checkpoint.body.token)).toBe(now.body.kid);
    expect(kidOf(before.token)).not.toBe(now.body.kid);
    await expectInUse(server, before);
    await expectInUse(server, { ...before, token: checkpoint.body.token });
    kids.push(now.body.kid);
  });

  it('given rotated keys, when every process is killed (SIGKILL) and restarted, then the keys, the signing key and every passport are kept', async () => {
    const before = await jwksKids(server);
    await server.kill('SIGKILL');
    await server.restart();

    expect(await jwksKids(server)).toEqual(before);
    const after = await acme.passport(agentId, { ttl_seconds: 3600 });
    expect(kidOf(after.token)).toBe(kids[kids.length - 1]);
    for (const passport of [...passports, after]) await expectInUse(server, passport);
  });

  it('is for the instance admin only: a tenant admin key may neither rotate nor list the keys', async () => {
    expect((await call(server, 'POST', '/v1/admin/signing-keys/rotate', { token: acme.adminKey })).status).toBe(403);
    expect((await call(server, 'GET', '/v1/admin/signing-keys', { token: acme.adminKey })).status).toBe(403);
    expect((await call(server, 'POST', '/v1/admin/signing-keys/rotate')).status).toBe(401);
  });
});

describe('a retired key leaves once its passports have expired', () => {
  /** Test-only: a retired key verifies 3 s instead of the longest passport's hour (README: settings). */
  const RETENTION_SECONDS = 3;
  let server: MandateServer;
  let acme: Tenant;

  beforeAll(async () => {
    server = await MandateProcess.start({ MANDATE_SIGNING_KEY_RETENTION_SECONDS: String(RETENTION_SECONDS) });
    acme = await newTenant(server, 'retiring');
  });
  afterAll(() => server?.stop());

  it('given a passport verified by every service, when its key has been retired for the retention, then the key leaves the JWKS and the passport is refused everywhere, while one of the new key works', async () => {
    const agentId = await acme.agent('logged', 'retiring-bot');
    const old = await acme.passport(agentId, { ttl_seconds: 3600 });
    // Used first, so that each service has checked its signature once and remembers it.
    await expectInUse(server, old);

    const rotation = await rotate(server);
    const retired = rotation.keys.find((key) => key.kid === kidOf(old.token))!;
    expect(Date.parse(retired.verifies_until!) - Date.parse(retired.retired_at!)).toBe(RETENTION_SECONDS * 1000);
    const fresh = await acme.passport(agentId, { ttl_seconds: 3600 });

    await until('the retired key leaving the JWKS', async () => !(await jwksKids(server)).includes(kidOf(old.token)!));

    expect(await jwksKids(server)).toEqual([rotation.kid]);
    const action = await call(server, 'POST', `/v1/passports/${old.jti}/actions`, { token: old.token, body: { service: 'slack', action: 'chat.postMessage' } });
    expect({ status: action.status, code: action.body.code }).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    expect((await simulate(server, old.token)).status).toBe(401);
    expect((await call(server, 'POST', '/v1/passports/verify', { body: { token: old.token } })).body).toEqual({ active: false, reason: 'invalid' });
    await expectInUse(server, fresh);

    // The next rotation removes the file of the key that left; the one it retires stays for its passports.
    const next = await rotate(server);
    expect(next.forgotten).toEqual([kidOf(old.token)]);
    expect(next.keys.map((key) => key.kid)).toEqual([next.kid, rotation.kid]);
  });
});
