import { generateKeyPairSync, KeyObject, randomUUID, createHash } from 'crypto';
import { calculateJwkThumbprint, exportJWK, JWK, SignJWT } from 'jose';
import { call, Reply } from './client';
import { MandateServer } from './server';

/**
 * A small agent runtime as the SDKs will be: it makes its own Ed25519 key pair, enrolls the public half with a one-time
 * token, then authenticates with assertions it signs and proves possession of its key on every use of a bound
 * passport (DPoP). No operator key is ever in it.
 */
export class AgentClient {
  private constructor(
    private readonly server: MandateServer,
    readonly privateKey: KeyObject,
    readonly publicJwk: JWK,
    readonly keyId: string,
    public agentId = '',
    public issuer = '',
  ) {}

  static async create(server: MandateServer): Promise<AgentClient> {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const jwk = await exportJWK(publicKey);
    const publicJwk = { kty: jwk.kty, crv: jwk.crv, x: jwk.x };
    return new AgentClient(server, privateKey, publicJwk, await calculateJwkThumbprint(publicJwk));
  }

  async enroll(token: string): Promise<Reply> {
    const reply = await this.send('POST', '/v1/agents/enroll', { body: { token, jwk: this.publicJwk } });
    if (reply.status === 201) {
      this.agentId = reply.body.agent_id;
      this.issuer = reply.body.issuer;
    }
    return reply;
  }

  /** An assertion (private_key_jwt style): iss = sub = the agent, aud = the issuer, 60 s, a fresh jti. */
  assertion(overrides: { iat?: number; exp?: number; jti?: string; aud?: string } = {}): Promise<string> {
    const iat = overrides.iat ?? Math.floor(Date.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA', kid: this.keyId, typ: 'JWT' })
      .setIssuer(this.agentId)
      .setSubject(this.agentId)
      .setAudience(overrides.aud ?? this.issuer)
      .setIssuedAt(iat)
      .setExpirationTime(overrides.exp ?? iat + 60)
      .setJti(overrides.jti ?? randomUUID())
      .sign(this.privateKey);
  }

  /** A DPoP proof (RFC 9449) for one request with this passport. */
  proof(method: string, path: string, passport: string, overrides: { iat?: number; jti?: string; htu?: string } = {}): Promise<string> {
    return new SignJWT({
      htm: method,
      htu: overrides.htu ?? `${this.server.url}${path.split('?')[0]}`,
      ath: createHash('sha256').update(passport).digest('base64url'),
      jti: overrides.jti ?? randomUUID(),
    })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'dpop+jwt', jwk: this.publicJwk })
      .setIssuedAt(overrides.iat ?? Math.floor(Date.now() / 1000))
      .sign(this.privateKey);
  }

  /** Opens a mission for itself with an assertion. */
  async openMission(body: Record<string, unknown>): Promise<Reply> {
    return this.send('POST', '/v1/passports', { token: await this.assertion(), body: { agent_id: this.agentId, ...body } });
  }

  /** A use of a bound passport, with a fresh proof unless one is given. */
  async use(method: string, path: string, passport: string, body?: unknown, proof?: string | null): Promise<Reply> {
    const headers: Record<string, string> = { authorization: `DPoP ${passport}` };
    const dpop = proof === undefined ? await this.proof(method, path, passport) : proof;
    if (dpop !== null) headers.dpop = dpop;
    return this.send(method, path, { headers, body });
  }

  send(method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply> {
    return call(this.server, method, path, options);
  }
}
