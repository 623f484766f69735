import { createHash, generateKeyPairSync, randomUUID } from 'crypto';
import { calculateJwkThumbprint, exportJWK, SignJWT } from 'jose';
import { checkDpopProof, ReplayCache } from './agent-proofs';

const URL_ = 'http://127.0.0.1:8080/v1/passports/pp_1/actions';
const passport = 'eyJ.passport.token';

async function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
}

async function proofBy(key: Awaited<ReturnType<typeof keyPair>>, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) {
  return new SignJWT({ htm: 'POST', htu: URL_, ath: createHash('sha256').update(passport).digest('base64url'), jti: randomUUID(), ...claims })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'dpop+jwt', jwk: key.jwk, ...header })
    .setIssuedAt((claims.iat as number | undefined) ?? Math.floor(now / 1000))
    .sign(key.privateKey);
}

const now = Date.parse('2026-11-29T12:00:00Z');
const request = (jkt: string) => ({ method: 'POST', urls: [URL_], accessToken: passport, jkt, nowMs: now });

describe('DPoP proofs (RFC 9449)', () => {
  it('given a proof by the bound key for this request, then it is accepted once and refused as replayed after', async () => {
    const key = await keyPair();
    const replays = new ReplayCache();
    const proof = await proofBy(key);
    expect(await checkDpopProof(proof, request(key.jkt), replays)).toBeNull();
    expect(await checkDpopProof(proof, request(key.jkt), replays)).toBe('DPOP_PROOF_REPLAYED');
  });

  it('given no proof, a proof by another key, or one that is not a dpop+jwt, then each is named', async () => {
    const key = await keyPair();
    const other = await keyPair();
    const replays = new ReplayCache();
    expect(await checkDpopProof(undefined, request(key.jkt), replays)).toBe('DPOP_PROOF_MISSING');
    expect(await checkDpopProof(await proofBy(other), request(key.jkt), replays)).toBe('DPOP_KEY_MISMATCH');
    expect(await checkDpopProof(await proofBy(key, {}, { typ: 'JWT' }), request(key.jkt), replays)).toBe('DPOP_PROOF_INVALID');
    expect(await checkDpopProof('a.b.c', request(key.jkt), replays)).toBe('DPOP_PROOF_INVALID');
  });

  it('given a proof naming another method, URL or passport, then DPOP_PROOF_INVALID; a query string is not part of the URL', async () => {
    const key = await keyPair();
    const replays = new ReplayCache();
    expect(await checkDpopProof(await proofBy(key, { htm: 'GET' }), request(key.jkt), replays)).toBe('DPOP_PROOF_INVALID');
    expect(await checkDpopProof(await proofBy(key, { htu: 'http://127.0.0.1:8080/v1/proxy' }), request(key.jkt), replays)).toBe('DPOP_PROOF_INVALID');
    expect(await checkDpopProof(await proofBy(key, { ath: 'x' }), request(key.jkt), replays)).toBe('DPOP_PROOF_INVALID');
    expect(await checkDpopProof(await proofBy(key, { htu: `${URL_}?a=1` }), request(key.jkt), replays)).toBeNull();
  });

  it('given a proof made 60 s away from the server clock it is accepted; 61 s, stale', async () => {
    const key = await keyPair();
    const replays = new ReplayCache();
    const at = (seconds: number) => proofBy(key, { iat: Math.floor(now / 1000) + seconds });
    expect(await checkDpopProof(await at(-60), request(key.jkt), replays)).toBeNull();
    expect(await checkDpopProof(await at(60), request(key.jkt), replays)).toBeNull();
    expect(await checkDpopProof(await at(-61), request(key.jkt), replays)).toBe('DPOP_PROOF_STALE');
  });
});
