import * as os from 'os';
import * as path from 'path';
import { generateKeyPairSync } from 'crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, exportJWK } from 'jose';
import { DomainError } from '@mandate/core';
import { PassportTokens } from './passport-tokens';
// The module object itself (not an import's copy of it), so that a spy sees what passport-tokens.ts calls.
import fs = require('fs');

const ISSUER = 'https://mandate.example';
const T0 = Date.parse('2026-01-01T10:00:00.000Z');
const RETENTION = 3900;

/** One process of an installation: its own memory, the shared keys directory, the test's clock. */
function processOn(dir: string, clock: { now: number }, warnings: string[] = []) {
  return PassportTokens.open(dir, ISSUER, { retentionSeconds: RETENTION, now: () => clock.now, warn: (line) => warnings.push(line) });
}

const claims = (jti: string) => ({
  sub: 'agt_1',
  jti,
  iat: Math.floor(T0 / 1000),
  exp: Math.floor(T0 / 1000) + 3600,
  tid: 'ten_1',
  mission_id: `msn_${jti}`,
  services: ['slack'],
  accountability_mode: 'logged',
  mission_exp: Math.floor(T0 / 1000) + 3600,
});
const kidOf = (token: string) => decodeProtectedHeader(token).kid;
const jwksKids = (tokens: PassportTokens) => tokens.jwks().keys.map((key) => key.kid);

describe('passport signing keys in a keys directory shared by processes', () => {
  let dir: string;
  const clock = { now: T0 };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mandate-keys-'));
    clock.now = T0;
  });
  afterEach(() => {
    jest.restoreAllMocks();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('given a keys directory from before rotation (signing-key.pem alone), when opened, then its kid is unchanged and nothing is added', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    fs.writeFileSync(path.join(dir, 'signing-key.pem'), privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    const tokens = await processOn(dir, clock);
    // The kid live passports already carry: computed in place now, it must be what jose computed before.
    expect(tokens.signingKid).toBe(await calculateJwkThumbprint(await exportJWK(publicKey)));
    expect(fs.readdirSync(dir)).toEqual(['signing-key.pem']);
  });

  it('given an empty keys directory and processes starting together, then they all sign with one first key, in signing-key.pem (0600)', async () => {
    const [a, b, c] = await Promise.all([processOn(dir, clock), processOn(dir, clock), processOn(dir, clock)]);
    expect(new Set([a.signingKid, b.signingKid, c.signingKid]).size).toBe(1);
    expect(fs.readdirSync(dir)).toEqual(['signing-key.pem']);
    expect(fs.statSync(path.join(dir, 'signing-key.pem')).mode & 0o777).toBe(0o600);
  });

  it('given a passport in use, when one process rotates, then it signs with the new key, the other process verifies both tokens at once and signs with the new key too', async () => {
    const passport = await processOn(dir, clock);
    const intent = await processOn(dir, clock);
    const before = await passport.sign(claims('pp_before'));
    expect(await intent.verify(before)).not.toBeNull();

    const rotation = passport.rotate();

    expect(rotation).toMatchObject({ retired: kidOf(before), made: true, forgotten: [] });
    expect(rotation.kid).not.toBe(kidOf(before));
    expect(rotation.keys).toEqual([
      { kid: rotation.kid, status: 'signing', signing_since: new Date(T0).toISOString(), retired_at: null, verifies_until: null },
      { kid: kidOf(before), status: 'retired', signing_since: expect.any(String), retired_at: new Date(T0).toISOString(), verifies_until: new Date(T0 + RETENTION * 1000).toISOString() },
    ]);
    const after = await passport.sign(claims('pp_after'));
    expect(kidOf(after)).toBe(rotation.kid);
    // No clock moved: the other process learns of the key from the unknown kid, not from a timer.
    expect(await intent.verify(after)).toMatchObject({ claims: { jti: 'pp_after' } });
    expect(await intent.verify(before)).toMatchObject({ claims: { jti: 'pp_before' } });
    expect(kidOf(await intent.sign(claims('pp_other')))).toBe(rotation.kid);
    expect(jwksKids(intent)).toEqual([rotation.kid, kidOf(before)]);
    const file = path.join(dir, 'signing-keys', '000001.json');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ signing_since: new Date(T0).toISOString(), private_key: expect.stringMatching(/^-----BEGIN PRIVATE KEY-----/) });
  });

  it('given a rotated key, when its retention has passed, then it leaves the JWKS, a token it signed is refused (even one verified before), and the next rotation removes its file', async () => {
    const tokens = await processOn(dir, clock);
    const unaware = await processOn(dir, clock);
    const old = await tokens.sign(claims('pp_old'));
    expect(await tokens.verify(old)).not.toBeNull();
    const { kid } = tokens.rotate();

    clock.now = T0 + RETENTION * 1000 - 1;
    expect(await tokens.verify(old)).not.toBeNull();
    clock.now = T0 + RETENTION * 1000;
    expect(await tokens.verify(old)).toBeNull();
    expect(jwksKids(tokens)).toEqual([kid]);
    expect(tokens.signingKeys()).toEqual({ kid, keys: [expect.objectContaining({ kid, status: 'signing' })] });
    // A process that never saw the old token refuses it too, and so does one that last looked before the rotation.
    expect(await (await processOn(dir, clock)).verify(old)).toBeNull();
    expect(await unaware.verify(old)).toBeNull();

    const next = tokens.rotate();
    expect(next.forgotten).toEqual([kidOf(old)]);
    expect(fs.existsSync(path.join(dir, 'signing-key.pem'))).toBe(false);
    expect(next.keys.map((key) => key.kid)).toEqual([next.kid, kid]);
    expect(fs.readdirSync(path.join(dir, 'signing-keys')).sort()).toEqual(['000001.json', '000002.json']);
  });

  it('given two rotations that race, then one key is made between them and both answer with it', async () => {
    const a = await processOn(dir, clock);
    const b = await processOn(dir, clock);
    const link = fs.linkSync;
    // B rotates while A's key is written aside and not yet linked into place: B links first.
    let raced!: ReturnType<PassportTokens['rotate']>;
    jest.spyOn(fs, 'linkSync').mockImplementationOnce((from, to) => {
      raced = b.rotate();
      return link(from, to);
    });

    const rotation = a.rotate();

    expect(raced.made).toBe(true);
    expect(rotation).toMatchObject({ made: false, kid: raced.kid });
    expect(fs.readdirSync(path.join(dir, 'signing-keys'))).toEqual(['000001.json']);
    expect(kidOf(await a.sign(claims('pp_a')))).toBe(kidOf(await b.sign(claims('pp_b'))));
  });

  it('given tokens naming kids nobody made, then the keys directory is read at most once a second, and a real new key is still taken at once', async () => {
    const verifier = await processOn(dir, clock);
    const signer = await processOn(dir, clock);
    const forged = (n: number) => [Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: `made-up-${n}` })).toString('base64url'), 'e30', 'c2ln'].join('.');
    const reads = jest.spyOn(fs, 'readdirSync');

    for (let n = 0; n < 1000; n++) expect(await verifier.verify(forged(n))).toBeNull();
    expect(reads).not.toHaveBeenCalled();
    clock.now += 1000;
    for (let n = 0; n < 1000; n++) expect(await verifier.verify(forged(n))).toBeNull();
    expect(reads).toHaveBeenCalledTimes(1);

    signer.rotate();
    reads.mockClear();
    expect(await verifier.verify(await signer.sign(claims('pp_new')))).not.toBeNull();
    expect(reads).toHaveBeenCalledTimes(1);
  });

  it('given a key file nobody can read, then it is warned of once and left out, and the keys that can be read serve', async () => {
    const warnings: string[] = [];
    const tokens = await processOn(dir, clock, warnings);
    const first = tokens.signingKid;
    fs.mkdirSync(path.join(dir, 'signing-keys'));
    fs.writeFileSync(path.join(dir, 'signing-keys', '000001.json'), 'not a key');

    expect(tokens.signingKid).toBe(first);
    expect(kidOf(await tokens.sign(claims('pp_1')))).toBe(first);
    expect(warnings).toEqual([expect.stringContaining('000001.json cannot be read and is left out')]);
    // It still holds its place: the next rotation does not try to write over it.
    const rotation = tokens.rotate();
    expect(rotation.kid).not.toBe(first);
    expect(fs.readdirSync(path.join(dir, 'signing-keys')).sort()).toEqual(['000001.json', '000002.json']);
  });

  it('given a keys directory mounted read-only, when asked to rotate, then it refuses with SIGNING_KEYS_READ_ONLY and keeps signing', async () => {
    const tokens = await processOn(dir, clock);
    const kid = tokens.signingKid;
    jest.spyOn(fs, 'mkdirSync').mockImplementation(() => {
      throw Object.assign(new Error('read-only file system'), { code: 'EROFS' });
    });

    expect(() => tokens.rotate()).toThrow(expect.objectContaining({ code: 'SIGNING_KEYS_READ_ONLY' }) as unknown as DomainError);
    expect(tokens.signingKid).toBe(kid);
  });
});
