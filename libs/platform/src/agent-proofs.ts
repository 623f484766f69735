import { createHash, createPublicKey, KeyObject, verify } from 'crypto';
import type { JWK } from 'jose';

/** Why a DPoP proof (RFC 9449) was refused: each is answered 401 with `WWW-Authenticate: DPoP error="invalid_dpop_proof"`. */
export type ProofRefusal = 'DPOP_PROOF_MISSING' | 'DPOP_PROOF_INVALID' | 'DPOP_PROOF_STALE' | 'DPOP_PROOF_REPLAYED' | 'DPOP_KEY_MISMATCH' | 'DPOP_KEY_REVOKED' | 'BOUND_PASSPORT_REQUIRED';

export const PROOF_DETAIL: Record<ProofRefusal, string> = {
  DPOP_PROOF_MISSING: 'this passport is bound to an agent key: send a DPoP proof signed by it in the "DPoP" header',
  DPOP_PROOF_INVALID: 'the DPoP proof is not valid: a dpop+jwt signed with EdDSA by its own jwk, naming this method, URL and passport',
  DPOP_PROOF_STALE: 'the DPoP proof was made more than 60 s before or after the server\'s clock: make a new one',
  DPOP_PROOF_REPLAYED: 'this DPoP proof was already used: make a new one for each request',
  DPOP_KEY_MISMATCH: 'the DPoP proof is signed by a key this passport is not bound to',
  DPOP_KEY_REVOKED: 'the agent key this passport is bound to was revoked',
  BOUND_PASSPORT_REQUIRED: 'this tenant requires passports bound to an agent key (DPoP): this bearer passport is refused',
};

/** How far a proof's or an assertion's `iat` may be from the server's clock (documented in the README). */
export const PROOF_SKEW_SECONDS = 60;
/** An agent's own assertion lives at most this long (`exp` - `iat`), as private_key_jwt clients do. */
export const ASSERTION_MAX_SECONDS = 60;

const b64url = (bytes: Buffer) => bytes.toString('base64url');
export const accessTokenHash = (token: string) => b64url(createHash('sha256').update(token).digest());

/**
 * `jti`s seen within their lifetime, per key, so a proof or an assertion is accepted once. Bounded: when full, the
 * oldest go first (they are the nearest to expiring anyway). It lives in the process: a proof captured and replayed
 * across a restart, within its two-minute window, is not caught (the README says so).
 */
export class ReplayCache {
  private readonly seen = new Map<string, number>();

  constructor(private readonly max = 200_000) {}

  /** True the first time `key` is offered before `untilMs`; false for every repeat. */
  firstUse(key: string, nowMs: number, untilMs: number): boolean {
    const until = this.seen.get(key);
    if (until !== undefined && until > nowMs) return false;
    // Entries arrive roughly in expiry order: the expired ones are at the front.
    for (const [k, expires] of this.seen) {
      if (expires > nowMs && this.seen.size < this.max) break;
      this.seen.delete(k);
    }
    this.seen.delete(key);
    this.seen.set(key, untilMs);
    return true;
  }
}

export interface ProofRequest {
  /** The request's method and the URL the client used (scheme, host and path; no query). */
  method: string;
  urls: readonly string[];
  /** The passport presented with the proof: `ath` must be its hash. */
  accessToken: string;
  /** The thumbprint the passport is bound to (`cnf.jkt`). */
  jkt: string;
  nowMs: number;
}

const isEd25519PublicJwk = (jwk: unknown): jwk is JWK =>
  typeof jwk === 'object' && jwk !== null && (jwk as JWK).kty === 'OKP' && (jwk as JWK).crv === 'Ed25519' && typeof (jwk as JWK).x === 'string' && !('d' in jwk);

/** Public keys and their thumbprints, by `x`: an agent proves with the same key on every call. */
const publicKeys = new Map<string, { key: KeyObject; thumbprint: string }>();
const MAX_PUBLIC_KEYS = 10_000;

function publicKeyOf(jwk: JWK): { key: KeyObject; thumbprint: string } {
  const x = String(jwk.x);
  let known = publicKeys.get(x);
  if (!known) {
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
    // RFC 7638: the SHA-256 of the required members, in lexicographic order, without whitespace.
    const thumbprint = createHash('sha256').update(`{"crv":"Ed25519","kty":"OKP","x":"${x}"}`).digest('base64url');
    known = { key, thumbprint };
    if (publicKeys.size >= MAX_PUBLIC_KEYS) publicKeys.delete(publicKeys.keys().next().value!);
    publicKeys.set(x, known);
  }
  return known;
}

const B64URL = /^[A-Za-z0-9_-]*$/;

/**
 * A compact EdDSA JWS checked on the spot: one synchronous Ed25519 verification (jose hands it to the thread pool,
 * which on a busy machine costs more than the verification itself). Null unless the signature holds.
 */
function verifiedJws(token: string, keyFor: (header: Record<string, unknown>) => KeyObject | null): { header: Record<string, unknown>; payload: Record<string, unknown> } | null {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((part) => B64URL.test(part))) return null;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    if (typeof header !== 'object' || header === null || header.alg !== 'EdDSA' || 'crit' in header) return null;
    const key = keyFor(header);
    if (!key) return null;
    if (!verify(null, Buffer.from(`${parts[0]}.${parts[1]}`), key, Buffer.from(parts[2], 'base64url'))) return null;
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? { header, payload } : null;
  } catch {
    return null;
  }
}

/** The URL a proof's `htu` names, compared without query or fragment, as RFC 9449 §4.3 says. */
function sameUrl(htu: unknown, urls: readonly string[]): boolean {
  if (typeof htu !== 'string') return false;
  try {
    const u = new URL(htu);
    const wanted = `${u.protocol}//${u.host}${u.pathname}`.toLowerCase();
    return urls.some((url) => url.toLowerCase() === wanted);
  } catch {
    return false;
  }
}

/**
 * Checks a DPoP proof for a request with a bound passport: one Ed25519 verification and one replay-cache lookup.
 * The order matters for what is recorded: only a proof that verifies under its own key is compared with the binding,
 * so `DPOP_KEY_MISMATCH` always means a real key that is not this passport's (a stolen passport, a wrong agent).
 */
export async function checkDpopProof(proof: string | undefined, request: ProofRequest, replays: ReplayCache): Promise<ProofRefusal | null> {
  if (!proof) return 'DPOP_PROOF_MISSING';
  if (proof.length > 8192) return 'DPOP_PROOF_INVALID';
  let thumbprint = '';
  const verified = verifiedJws(proof, (header) => {
    if (header.typ !== 'dpop+jwt' || !isEd25519PublicJwk(header.jwk)) return null;
    const known = publicKeyOf(header.jwk);
    thumbprint = known.thumbprint;
    return known.key;
  });
  if (!verified) return 'DPOP_PROOF_INVALID';
  const { payload } = verified;
  if (thumbprint !== request.jkt) return 'DPOP_KEY_MISMATCH';
  const { htm, htu, iat, jti, ath } = payload;
  if (htm !== request.method || !sameUrl(htu, request.urls) || ath !== accessTokenHash(request.accessToken)) return 'DPOP_PROOF_INVALID';
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256 || typeof iat !== 'number') return 'DPOP_PROOF_INVALID';
  const iatMs = iat * 1000;
  if (Math.abs(request.nowMs - iatMs) > PROOF_SKEW_SECONDS * 1000) return 'DPOP_PROOF_STALE';
  if (!replays.firstUse(`dpop:${thumbprint}:${jti}`, request.nowMs, iatMs + 2 * PROOF_SKEW_SECONDS * 1000)) return 'DPOP_PROOF_REPLAYED';
  return null;
}

/** What an agent's own assertion (a JWT it signed, `private_key_jwt` style) says, once its signature checks out. */
export interface AgentAssertion {
  agentId: string;
  keyId: string;
}

/** The unverified claims of a JWT that looks like an agent's assertion (`iss` an agent id), or null. */
export function assertionClaims(token: string): { iss: string; kid: string } | null {
  const [header, payload] = token.split('.');
  try {
    const h = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    const p = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (typeof p?.iss !== 'string' || !p.iss.startsWith('agt_') || typeof h?.kid !== 'string') return null;
    return { iss: p.iss, kid: h.kid };
  } catch {
    return null;
  }
}

/**
 * Verifies an agent's assertion with the public key enrolled under `kid`: EdDSA, `iss` = `sub` = the agent, `aud` =
 * this issuer, `exp` at most 60 s after `iat` and not passed, `iat` not in the future (beyond the skew), and a `jti`
 * not seen before. Null for anything else: the caller answers 401 without saying which.
 */
export async function verifyAgentAssertion(
  token: string,
  expected: { agentId: string; jwk: JWK; issuer: string; nowMs: number },
  replays: ReplayCache,
): Promise<AgentAssertion | null> {
  try {
    const verified = verifiedJws(token, () => publicKeyOf(expected.jwk).key);
    if (!verified) return null;
    const { iss, sub, aud, exp, iat, jti } = verified.payload as Record<string, any>;
    if (iss !== expected.agentId || sub !== expected.agentId) return null;
    if (aud !== expected.issuer && !(Array.isArray(aud) && aud.includes(expected.issuer))) return null;
    if (typeof exp !== 'number' || typeof iat !== 'number' || typeof jti !== 'string' || jti.length === 0 || jti.length > 256) return null;
    const now = expected.nowMs / 1000;
    if (exp - iat > ASSERTION_MAX_SECONDS || exp <= now - PROOF_SKEW_SECONDS || iat > now + PROOF_SKEW_SECONDS) return null;
    if (!replays.firstUse(`assertion:${expected.agentId}:${jti}`, expected.nowMs, (exp + PROOF_SKEW_SECONDS) * 1000)) return null;
    return { agentId: expected.agentId, keyId: String(verified.header.kid) };
  } catch {
    return null;
  }
}
