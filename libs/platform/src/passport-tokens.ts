import * as fs from 'fs';
import * as path from 'path';
import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject } from 'crypto';
import { calculateJwkThumbprint, compactVerify, exportJWK, JWK, SignJWT } from 'jose';

export interface PassportClaims {
  iss: string;
  sub: string;
  aud: string;
  jti: string;
  iat: number;
  exp: number;
  tid: string;
  mission_id: string;
  services: string[];
  accountability_mode: string;
  mission_exp: number;
  /** Sender constraint (RFC 9449): every use needs a DPoP proof signed by the key with this thumbprint. */
  cnf?: { jkt: string };
}

export interface VerifiedPassport {
  claims: PassportClaims;
  /** The token's own exp as an ISO time: an older token of a refreshed passport expires on its own schedule. */
  tokenExpiresAt: string;
}

export const PASSPORT_AUDIENCE = 'mandate';

/**
 * Writes a secret file (0600) unless it exists, so that services starting together from one keys directory all end
 * up with the same key: written aside, then linked into place, which only one process can win.
 */
export function createOnce(file: string, content: string): boolean {
  const aside = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(aside, content, { mode: 0o600 });
  try {
    fs.linkSync(aside, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  } finally {
    fs.rmSync(aside, { force: true });
  }
}
const MAX_VERIFIED_CACHE = 100_000;

/** Three base64url parts: the only shape a passport can have. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Signs and verifies passports with the instance's Ed25519 key (EdDSA, `kid` = JWK thumbprint), kept 0600 in the
 * data dir. A token's signature is checked once and remembered; expiry and revocation are checked on every use.
 */
export class PassportTokens {
  private readonly verified = new Map<string, PassportClaims>();

  private constructor(
    private readonly privateKey: KeyObject,
    private readonly publicKey: KeyObject,
    readonly kid: string,
    readonly publicJwk: JWK,
    readonly issuer: string,
  ) {}

  static async open(dataDir: string, issuer: string): Promise<PassportTokens> {
    const file = path.join(dataDir, 'signing-key.pem');
    if (!fs.existsSync(file)) {
      const { privateKey } = generateKeyPairSync('ed25519');
      createOnce(file, privateKey.export({ format: 'pem', type: 'pkcs8' }) as string);
    }
    const privateKey = createPrivateKey(fs.readFileSync(file));
    const publicKey = createPublicKey(privateKey);
    const jwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(jwk);
    return new PassportTokens(privateKey, publicKey, kid, { ...jwk, kid, alg: 'EdDSA', use: 'sig' }, issuer);
  }

  sign(claims: Omit<PassportClaims, 'iss' | 'aud'>): Promise<string> {
    const { iat, exp, jti, sub, ...rest } = claims;
    return new SignJWT({ ...rest })
      .setProtectedHeader({ alg: 'EdDSA', kid: this.kid, typ: 'JWT' })
      .setIssuer(this.issuer)
      .setAudience(PASSPORT_AUDIENCE)
      .setSubject(sub)
      .setJti(jti)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(this.privateKey);
  }

  /** Signature, issuer and audience only; null for anything forged, malformed or not ours. */
  async verify(token: string): Promise<VerifiedPassport | null> {
    let claims = this.verified.get(token);
    if (!claims) {
      // jose refuses what is not a compact JWS too, but with an Error whose stack trace costs more than the whole check.
      if (!COMPACT_JWS.test(token)) return null;
      try {
        const { payload, protectedHeader } = await compactVerify(token, this.publicKey, { algorithms: ['EdDSA'] });
        if (protectedHeader.kid !== this.kid) return null;
        const parsed = JSON.parse(Buffer.from(payload).toString('utf8')) as PassportClaims;
        if (parsed.iss !== this.issuer || parsed.aud !== PASSPORT_AUDIENCE) return null;
        if (typeof parsed.jti !== 'string' || typeof parsed.exp !== 'number' || typeof parsed.mission_id !== 'string') return null;
        claims = parsed;
      } catch {
        return null;
      }
      if (this.verified.size >= MAX_VERIFIED_CACHE) this.verified.clear();
      this.verified.set(token, claims);
    }
    return { claims, tokenExpiresAt: new Date(claims.exp * 1000).toISOString() };
  }

  /** The claims of a token whose signature this process has already checked, or undefined: never a check itself. */
  knownClaims(token: string): PassportClaims | undefined {
    return this.verified.get(token);
  }

  jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }
}
