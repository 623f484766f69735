/**
 * The agent's own Ed25519 key: made on first run, kept in a 0600 file, never sent anywhere but as a public JWK.
 *
 * It signs two kinds of short JWTs (with jose): an *assertion* (who the agent is, 60 s, for opening its own missions)
 * and a *DPoP proof* (RFC 9449) for every use of a passport bound to the key, so a stolen passport is useless without
 * the file. The file has the Python SDK's shape, so both SDKs can share a key directory.
 *
 * jose 5, not 6: jose 6 is ESM-only, which `require()` cannot load before Node 20.19 and Jest's module runtime not at
 * all; 5 ships both and is what the server itself uses.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SignJWT } from 'jose';
import { ConfigurationError } from './errors.js';
import type { Authenticator } from './transport.js';

export const DEFAULT_KEY_DIR = path.join(os.homedir(), '.mandate', 'keys');
const ASSERTION_SECONDS = 60;

export interface PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
}

/** The key file, field for field as the Python SDK writes it. */
interface KeyFile {
  agent_id: string;
  key_id: string;
  issuer: string | null;
  tenant_id: string | null;
  private_key: string;
}

const b64url = (data: Buffer): string => data.toString('base64url');

/** An agent's key pair and what enrollment said about it. */
export class AgentKey {
  readonly publicJwk: PublicJwk;
  /** RFC 7638: the key's id on the server, the `kid` of its assertions and the `cnf.jkt` of its passports. */
  readonly keyId: string;
  readonly #privateKey: KeyObject;

  private constructor(
    readonly agentId: string,
    privateKey: KeyObject,
    public issuer: string | null = null,
    public tenantId: string | null = null,
    public file: string | null = null,
  ) {
    this.#privateKey = privateKey;
    const x = createPublicKey(privateKey).export({ format: 'jwk' }).x;
    if (typeof x !== 'string') throw new ConfigurationError('not an Ed25519 key');
    this.publicJwk = { kty: 'OKP', crv: 'Ed25519', x };
    // The members in lexicographic order, no spaces: the RFC's canonical form, as the server computes it.
    this.keyId = b64url(createHash('sha256').update(JSON.stringify({ crv: 'Ed25519', kty: 'OKP', x })).digest());
  }

  static generate(agentId: string): AgentKey {
    AgentKey.fileFor(agentId, '.');
    return new AgentKey(agentId, generateKeyPairSync('ed25519').privateKey);
  }

  get enrolled(): boolean {
    return this.issuer !== null;
  }

  /** Who this agent is, for 60 seconds, to this issuer only (private_key_jwt style). */
  assertion(): Promise<string> {
    if (this.issuer === null) throw new ConfigurationError(`agent ${this.agentId}'s key is not enrolled yet`);
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: this.keyId })
      .setIssuer(this.agentId)
      .setSubject(this.agentId)
      .setAudience(this.issuer)
      .setIssuedAt(now)
      .setExpirationTime(now + ASSERTION_SECONDS)
      .setJti(randomUUID())
      .sign(this.#privateKey);
  }

  /** A DPoP proof for one request: its method, its URL without query or fragment, the passport's hash. */
  proof(method: string, url: string, accessToken: string): Promise<string> {
    const target = new URL(url);
    return new SignJWT({
      htm: method.toUpperCase(),
      htu: `${target.origin}${target.pathname}`,
      ath: b64url(createHash('sha256').update(accessToken, 'ascii').digest()),
      jti: randomUUID(),
    })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'dpop+jwt', jwk: { ...this.publicJwk } })
      .setIssuedAt()
      .sign(this.#privateKey);
  }

  static fileFor(agentId: string, keyDir: string): string {
    if (!agentId || /[/\\]/.test(agentId) || agentId.startsWith('.')) throw new ConfigurationError(`not an agent id: ${JSON.stringify(agentId)}`);
    return path.join(keyDir, `${agentId}.json`);
  }

  /** The agent's key from its file; `undefined` when there is none yet. Refuses a file others can read. */
  static load(agentId: string, keyDir: string): AgentKey | undefined {
    const file = AgentKey.fileFor(agentId, keyDir);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    if (stat.mode & 0o077) {
      throw new ConfigurationError(`${file} is readable by others (mode ${(stat.mode & 0o777).toString(8)}): chmod 600 it`);
    }
    const data = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<KeyFile>;
    const privateKey = createPrivateKey(String(data.private_key));
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new ConfigurationError(`${file} does not hold an Ed25519 key`);
    return new AgentKey(agentId, privateKey, data.issuer ?? null, data.tenant_id ?? null, file);
  }

  /** Written whole or not at all, with mode 0600 from the start (never a moment readable by others). */
  save(keyDir: string): string {
    fs.mkdirSync(keyDir, { recursive: true, mode: 0o700 });
    const file = AgentKey.fileFor(this.agentId, keyDir);
    const content: KeyFile = {
      agent_id: this.agentId,
      key_id: this.keyId,
      issuer: this.issuer,
      tenant_id: this.tenantId,
      private_key: this.#privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    };
    const temporary = path.join(keyDir, `.key-${randomUUID()}`);
    const fd = fs.openSync(temporary, 'wx', 0o600);
    try {
      try {
        fs.writeSync(fd, JSON.stringify(content, null, 2));
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(temporary, file);
    } catch (error) {
      fs.rmSync(temporary, { force: true });
      throw error;
    }
    this.file = file;
    return file;
  }

  /** Never the private key, whatever logs the object. */
  toJSON(): Record<string, unknown> {
    return { agentId: this.agentId, keyId: this.keyId, issuer: this.issuer, tenantId: this.tenantId };
  }
}

/** An agent authenticating as itself: a fresh 60 s assertion per attempt. */
export class AssertionAuth implements Authenticator {
  constructor(private readonly key: AgentKey) {}

  async headers(): Promise<Record<string, string>> {
    return { authorization: `Bearer ${await this.key.assertion()}` };
  }
}

/** A passport: bound to the agent's key (DPoP, a fresh proof per attempt) or, without a key, a bearer token. */
export class PassportAuth implements Authenticator {
  constructor(
    public token: string,
    private readonly key: AgentKey | undefined,
  ) {}

  async headers(method: string, url: string): Promise<Record<string, string>> {
    if (!this.key) return { authorization: `Bearer ${this.token}` };
    return { authorization: `DPoP ${this.token}`, dpop: await this.key.proof(method, url, this.token) };
  }

  toJSON(): string {
    return `PassportAuth(bound=${this.key !== undefined})`;
  }
}
