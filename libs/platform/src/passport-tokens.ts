import * as fs from 'fs';
import * as path from 'path';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, randomBytes } from 'crypto';
import { compactVerify, JWK, SignJWT } from 'jose';
import { DomainError } from '@mandate/core';
import { DEFAULT_KEY_RETENTION_SECONDS, leftAt, nextSeq, signerOf, SigningKeyEntry, SigningKeyStanding, standingsOf, stillVerifying, verifiesAt } from './signing-key-set';

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
  // Unique even within one process, so that a writer never links or removes another's half.
  const aside = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
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

/** The installation's first key, where every release before rotation kept its only one. */
const FIRST_KEY_FILE = 'signing-key.pem';
/** One file per rotation, named by its place (000001.json …), so two rotations that race want the same name. */
const ROTATED_KEYS_DIR = 'signing-keys';
const rotatedKeyFile = (seq: number) => `${String(seq).padStart(6, '0')}.json`;
/** The keys directory is read again at most this often unless its listing's mtime says it changed. */
const RECHECK_MS = 1_000;

/** A key a process has read: the set's rules need only its entry, signing and verifying need the key itself. */
interface SigningKey extends SigningKeyEntry {
  file: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  jwk: JWK;
}
type KnownKey = SigningKey & SigningKeyStanding;

/** What a rotated key's file holds: when it began signing travels with the key, never in a second file. */
interface RotatedKeyFile {
  signing_since: string;
  private_key: string;
}

/** RFC 7638 thumbprint of an Ed25519 public key: the `kid` (what jose's calculateJwkThumbprint gives, computed in place). */
function thumbprint(jwk: JWK): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x });
  return createHash('sha256').update(canonical).digest('base64url');
}

function readKey(file: string, seq: number): SigningKey {
  let pem: string;
  let signingSince: string;
  if (seq === 0) {
    pem = fs.readFileSync(file, 'utf8');
    // The first key's file records no time: when it was written is the best the installation knows.
    signingSince = fs.statSync(file).mtime.toISOString();
  } else {
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as RotatedKeyFile;
    if (typeof stored.private_key !== 'string' || typeof stored.signing_since !== 'string' || !Number.isFinite(Date.parse(stored.signing_since))) {
      throw new Error('expected {"signing_since": "<ISO time>", "private_key": "<PKCS#8 PEM>"}');
    }
    pem = stored.private_key;
    signingSince = new Date(stored.signing_since).toISOString();
  }
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`an ${privateKey.asymmetricKeyType} key, not Ed25519`);
  const publicKey = createPublicKey(privateKey);
  const exported = publicKey.export({ format: 'jwk' }) as JWK;
  const kid = thumbprint(exported);
  return { seq, kid, signingSince, file, privateKey, publicKey, jwk: { ...exported, kid, alg: 'EdDSA', use: 'sig' } };
}

const newPrivateKeyPem = () => generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;

/**
 * The keys directory as every process of an installation shares it: the first key in `signing-key.pem`, each
 * rotation's in `signing-keys/<n>.json`. Key files are written once and never change, so what was read stays true.
 */
class SigningKeysDirectory {
  private readonly read = new Map<string, SigningKey>();
  private readonly unreadable = new Set<string>();

  constructor(
    readonly dir: string,
    private readonly warn: (line: string) => void,
  ) {}

  private get rotatedDir(): string {
    return path.join(this.dir, ROTATED_KEYS_DIR);
  }

  /** Changes whenever a rotation links a key or a key's file goes: one stat, no read. */
  version(): number {
    try {
      return fs.statSync(this.rotatedDir).mtimeMs;
    } catch {
      return -1;
    }
  }

  /** Every key that can be read, and the place of every key file present (a key that cannot be read holds its place). */
  list(): { keys: SigningKey[]; seqs: number[] } {
    const found: Array<[string, number]> = fs.existsSync(path.join(this.dir, FIRST_KEY_FILE)) ? [[path.join(this.dir, FIRST_KEY_FILE), 0]] : [];
    let names: string[] = [];
    try {
      names = fs.readdirSync(this.rotatedDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    for (const name of names) {
      // Only the name a rotation gives: no two files can then claim one place.
      const seq = Number(/^(\d+)\.json$/.exec(name)?.[1]);
      if (seq > 0 && name === rotatedKeyFile(seq)) found.push([path.join(this.rotatedDir, name), seq]);
    }
    const keys: SigningKey[] = [];
    for (const [file, seq] of found) {
      let key = this.read.get(file);
      if (!key && !this.unreadable.has(file)) {
        try {
          key = readKey(file, seq);
          this.read.set(file, key);
        } catch (error) {
          // Warned once: the others keep serving with the keys they can read (a rotation by another user, say).
          this.unreadable.add(file);
          this.warn(`signing key ${file} cannot be read and is left out until a restart: ${(error as Error).message}`);
        }
      }
      if (key) keys.push(key);
    }
    for (const file of this.read.keys()) if (!found.some(([present]) => present === file)) this.read.delete(file);
    return { keys, seqs: found.map(([, seq]) => seq) };
  }

  createFirst(): void {
    createOnce(path.join(this.dir, FIRST_KEY_FILE), newPrivateKeyPem());
  }

  /** False when another rotation linked a key into that place first. */
  createRotated(seq: number, signingSince: string): boolean {
    fs.mkdirSync(this.rotatedDir, { recursive: true, mode: 0o700 });
    const file: RotatedKeyFile = { signing_since: signingSince, private_key: newPrivateKeyPem() };
    return createOnce(path.join(this.rotatedDir, rotatedKeyFile(seq)), JSON.stringify(file, null, 2) + '\n');
  }

  forget(files: string[]): void {
    for (const file of files) fs.rmSync(file, { force: true });
  }
}

export interface PassportTokenOptions {
  /** How long a retired key keeps verifying (and stays in the JWKS); by default the longest passport and a skew margin. */
  retentionSeconds?: number;
  now?: () => number;
  warn?: (line: string) => void;
}

/** A signing key as the admin sees it: never the key itself. */
export interface SigningKeyView {
  kid: string;
  status: 'signing' | 'retired';
  signing_since: string;
  retired_at: string | null;
  verifies_until: string | null;
}

export interface SigningKeyRotation {
  /** The key that signs from now on. */
  kid: string;
  /** The key that signed until now. */
  retired: string;
  /** False when a rotation that raced with this one made the new key: one key came of the two. */
  made: boolean;
  /** Keys past their retention whose files the rotation removed. */
  forgotten: string[];
  /** Every key that still verifies, the signing one first: what the JWKS holds now. */
  keys: SigningKeyView[];
}

/**
 * Signs and verifies passports with the instance's Ed25519 keys (EdDSA, `kid` = JWK thumbprint), kept 0600 in the
 * keys dir. The newest key signs; retired ones verify until every passport they signed has expired. A process learns
 * of another's rotation without restarting: the signer looks at the directory before it signs, and a verifier
 * reads it again when a token names a kid it does not know (immediately when the directory changed, otherwise at
 * most once a second, so that made-up kids cannot make it read the disk per request). A token's signature is checked
 * once and remembered; its key's standing, expiry and revocation are checked on every use.
 */
export class PassportTokens {
  private readonly verified = new Map<string, { claims: PassportClaims; kid: string }>();
  private keys: SigningKey[] = [];
  private known = new Map<string, KnownKey>();
  private signer!: SigningKey;
  private seqs: number[] = [];
  private seenVersion = -1;
  private readAt = -Infinity;

  private constructor(
    private readonly directory: SigningKeysDirectory,
    readonly issuer: string,
    readonly retentionSeconds: number,
    private readonly now: () => number,
  ) {}

  static async open(keysDir: string, issuer: string, options: PassportTokenOptions = {}): Promise<PassportTokens> {
    const directory = new SigningKeysDirectory(keysDir, options.warn ?? ((line) => console.warn(line)));
    const tokens = new PassportTokens(directory, issuer, options.retentionSeconds ?? DEFAULT_KEY_RETENTION_SECONDS, options.now ?? Date.now);
    if (directory.list().seqs.length === 0) directory.createFirst();
    tokens.reread();
    return tokens;
  }

  /** The kid new passports are signed with. */
  get signingKid(): string {
    this.freshen(true);
    return this.signer.kid;
  }

  private reread(): void {
    // The version first: a change made while the listing is read is then seen at the next look.
    this.seenVersion = this.directory.version();
    const { keys, seqs } = this.directory.list();
    this.readAt = this.now();
    this.seqs = seqs;
    if (keys.length === 0) {
      if (this.known.size > 0) return; // every file unreadable for a moment: keep what was read, each file already warned of
      throw new Error(`no passport signing key can be read in ${this.directory.dir}`);
    }
    this.keys = keys;
    this.signer = signerOf(keys)!;
    this.known = new Map(standingsOf(keys, this.retentionSeconds).map((key) => [key.kid, key]));
  }

  /** `look`: stat the directory now (signing, serving keys, an unknown kid); otherwise only the once-a-second re-read. */
  private freshen(look: boolean): void {
    const now = this.now();
    if (now - this.readAt >= RECHECK_MS) return this.reread();
    if (look && this.directory.version() !== this.seenVersion) this.reread();
  }

  private verifiesNow(key: KnownKey | undefined): key is KnownKey {
    return key !== undefined && verifiesAt(key, new Date(this.now()).toISOString());
  }

  sign(claims: Omit<PassportClaims, 'iss' | 'aud'>): Promise<string> {
    this.freshen(true);
    const { privateKey, kid } = this.signer;
    const { iat, exp, jti, sub, ...rest } = claims;
    return new SignJWT({ ...rest })
      .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'JWT' })
      .setIssuer(this.issuer)
      .setAudience(PASSPORT_AUDIENCE)
      .setSubject(sub)
      .setJti(jti)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(privateKey);
  }

  /** Signature (by a key that still verifies), issuer and audience only; null for anything forged, malformed or not ours. */
  async verify(token: string): Promise<VerifiedPassport | null> {
    const remembered = this.verified.get(token);
    if (remembered) {
      this.freshen(false);
      if (!this.verifiesNow(this.known.get(remembered.kid))) return null;
      return { claims: remembered.claims, tokenExpiresAt: new Date(remembered.claims.exp * 1000).toISOString() };
    }
    // jose refuses what is not a compact JWS too, but with an Error whose stack trace costs more than the whole check.
    if (!COMPACT_JWS.test(token)) return null;
    const kid = kidOf(token);
    if (kid === null) return null;
    // A kid this process knows may have been retired by another since it last looked: the once-a-second re-read tells.
    this.freshen(!this.known.has(kid));
    const key = this.known.get(kid);
    if (!this.verifiesNow(key)) return null;
    let claims: PassportClaims;
    try {
      const { payload } = await compactVerify(token, key.publicKey, { algorithms: ['EdDSA'] });
      claims = JSON.parse(Buffer.from(payload).toString('utf8')) as PassportClaims;
    } catch {
      return null;
    }
    if (claims.iss !== this.issuer || claims.aud !== PASSPORT_AUDIENCE) return null;
    if (typeof claims.jti !== 'string' || typeof claims.exp !== 'number' || typeof claims.mission_id !== 'string') return null;
    if (this.verified.size >= MAX_VERIFIED_CACHE) this.verified.clear();
    this.verified.set(token, { claims, kid });
    return { claims, tokenExpiresAt: new Date(claims.exp * 1000).toISOString() };
  }

  /** The claims of a token whose signature this process has already checked, or undefined: never a check itself. */
  knownClaims(token: string): PassportClaims | undefined {
    return this.verified.get(token)?.claims;
  }

  /** Every key that still verifies, the signing one first (RFC 7517). */
  jwks(): { keys: JWK[] } {
    return { keys: this.verifyingNow().map((key) => key.jwk) };
  }

  /** The signing key and the retired ones that still verify, as the instance admin sees them. */
  signingKeys(): { kid: string; keys: SigningKeyView[] } {
    const keys = this.verifyingNow();
    return { kid: this.signer.kid, keys: keys.map(viewOf) };
  }

  private verifyingNow(): KnownKey[] {
    this.freshen(true);
    return stillVerifying(this.keys, this.retentionSeconds, new Date(this.now()).toISOString()).reverse();
  }

  /**
   * A new key signs from now on; the one it replaces verifies for the retention, then leaves. Files of keys that have
   * left are removed. Safe from any process at any time: two rotations that race make one key between them.
   */
  rotate(): SigningKeyRotation {
    this.reread();
    const retired = this.signer.kid;
    const at = new Date(this.now()).toISOString();
    let made: boolean;
    try {
      made = this.directory.createRotated(nextSeq(this.seqs), at);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') {
        throw new DomainError('SIGNING_KEYS_READ_ONLY', `the keys directory cannot be written here (${code}): rotate where it is writable`);
      }
      throw error;
    }
    this.reread();
    const left = leftAt(this.keys, this.retentionSeconds, at);
    this.directory.forget(left.map((key) => key.file));
    this.reread();
    return { kid: this.signer.kid, retired, made, forgotten: left.map((key) => key.kid), keys: this.signingKeys().keys };
  }
}

/** The `kid` of a token's protected header, or null when it has none or the header is not JSON. */
function kidOf(token: string): string | null {
  try {
    const header = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8'));
    return typeof header?.kid === 'string' ? header.kid : null;
  } catch {
    return null;
  }
}

const viewOf = (key: KnownKey): SigningKeyView => ({
  kid: key.kid,
  status: key.status,
  signing_since: key.signingSince,
  retired_at: key.retiredAt,
  verifies_until: key.verifiesUntil,
});
