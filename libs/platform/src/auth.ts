import * as fs from 'fs';
import * as path from 'path';
import { createHash, randomBytes, timingSafeEqual } from 'crypto';
import { CanActivate, createParamDecorator, ExecutionContext, Injectable, Logger, SetMetadata } from '@nestjs/common';
import { Actor, Clock, DomainError, ID_PATTERNS, systemClock } from '@mandate/core';
import { activeKeyOf, agentDecider, agentStream } from '@mandate/agents';
import { keyOf, Role, tenantDecider, tenantStream } from '@mandate/tenancy';
import { AggregateRepository } from './repository';
import { createOnce, PassportTokens, VerifiedPassport } from './passport-tokens';
import { OperatorKeys } from './operator-keys';
import { TenantStates } from './tenant-states';
import { assertionClaims, ReplayCache, verifyAgentAssertion } from './agent-proofs';
import { ProofOfPossession } from './proof-of-possession';


/** Who presented a credential that this process has already verified once: what rate limits count by. */
export type KnownCaller = { scope: 'operator_key'; tenantId: string | null; id: string } | { scope: 'passport'; tenantId: string; id: string };

const MAX_KNOWN_KEYS = 100_000;

export type Principal =
  | { kind: 'admin'; actor: Actor }
  | { kind: 'operator'; tenantId: string; keyId: string; role: Role; actor: Actor }
  | ({ kind: 'passport'; tenantId: string; token: string; actor: Actor } & VerifiedPassport)
  /** An enrolled agent, by an assertion it signed with one of its keys: it may open its own missions, nothing else. */
  | { kind: 'agent'; tenantId: string; agentId: string; keyId: string; actor: Actor };

export type Audience = Role | 'instance_admin' | 'passport' | 'agent' | 'public';

const AUDIENCE = 'mandate:audience';
/** Who may call a route handler, as its @Allow says (the contract derives its security from it). */
export const audienceOf = (handler: Function): Audience[] | undefined => Reflect.getMetadata(AUDIENCE, handler);
/** Who may call a route. Every controller method says it; a route without it is refused, not opened. */
export const Allow = (...audience: Audience[]): MethodDecorator => SetMetadata(AUDIENCE, audience);

export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  return ctx.switchToHttp().getRequest().principal;
});

const unauthenticated = (detail: string) => new DomainError('UNAUTHENTICATED', detail);

export const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The instance admin key: from MANDATE_ADMIN_KEY, or generated once into a 0600 file; the log only says where it is. */
export function instanceAdminKeyHash(dataDir: string, configured: string | null, logger = new Logger('auth')): string {
  if (configured) {
    if (configured.length < 32) throw new Error('MANDATE_ADMIN_KEY must be at least 32 characters');
    return hashSecret(configured);
  }
  const file = path.join(dataDir, 'admin-key');
  if (!fs.existsSync(file)) {
    const key = `mdt_admin.${randomBytes(32).toString('base64url')}`;
    if (createOnce(file, key + '\n')) logger.warn(`Generated the instance admin key into ${file} (mode 0600); read it from there`);
  }
  return hashSecret(fs.readFileSync(file, 'utf8').trim());
}

@Injectable()
export class Authenticator {
  /** sha256 of each operator key presented and accepted here (never the key itself) → its tenant and key id. */
  private readonly knownKeys = new Map<string, KnownCaller>();

  /** Assertions seen, so each is accepted once. */
  private readonly replays = new ReplayCache();

  constructor(
    private readonly repository: AggregateRepository,
    private readonly tokens: PassportTokens,
    private readonly adminKeyHash: string,
    private readonly operatorKeys: OperatorKeys,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Operator keys read `mdt.<tenant>.<key id>.<secret>`: the prefix names where to look (see OperatorKeys). */
  async operator(presented: string): Promise<Principal | null> {
    if (sameHash(hashSecret(presented), this.adminKeyHash)) {
      this.know(presented, { scope: 'operator_key', tenantId: null, id: 'instance-admin' });
      return { kind: 'admin', actor: { kind: 'admin', id: 'instance-admin' } };
    }
    if (!presented.startsWith('mdt.')) return null;
    const [, tenantId, keyId, secret, extra] = presented.split('.');
    if (!tenantId || !keyId || !secret || extra !== undefined || tenantId.length > 64 || keyId.length > 64) return null;
    const { state } = await this.repository.load(tenantDecider, tenantStream(tenantId));
    if (state.status !== 'active') return null;
    const key = keyOf(state, keyId);
    if (!key || key.revoked || !(await this.operatorKeys.matches(tenantId, key, secret))) return null;
    // Only a holder of a valid key learns that its tenant is disabled.
    if (state.disabled) throw new DomainError('TENANT_DISABLED', 'this tenant is disabled: its keys and passports are refused');
    this.know(presented, { scope: 'operator_key', tenantId, id: keyId });
    return { kind: 'operator', tenantId, keyId, role: key.role, actor: { kind: 'operator', id: keyId } };
  }

  /**
   * The caller behind a bearer credential, if this process has verified that very credential before; cheap (a hash
   * or a map lookup), for the rate limits that run before authentication. A forged credential is never known, so it
   * cannot be counted against the key or passport it names.
   */
  knownCaller(presented: string): KnownCaller | null {
    if (looksLikeJwt(presented)) {
      const claims = this.tokens.knownClaims(presented);
      return claims ? { scope: 'passport', tenantId: claims.tid, id: claims.jti } : null;
    }
    return this.knownKeys.get(hashSecret(presented)) ?? null;
  }

  private know(presented: string, caller: KnownCaller): void {
    if (this.knownKeys.size >= MAX_KNOWN_KEYS) this.knownKeys.clear();
    this.knownKeys.set(hashSecret(presented), caller);
  }

  /**
   * An agent's own assertion, checked with the public key it enrolled under the assertion's `kid`: a suspended agent,
   * a revoked key, a replayed or stale assertion are all just "not valid".
   */
  async agent(token: string, claimed: { iss: string; kid: string }): Promise<Principal | null> {
    if (!ID_PATTERNS.agent.test(claimed.iss)) return null;
    const { state } = await this.repository.load(agentDecider, agentStream(claimed.iss));
    if (state.status !== 'registered' || state.suspended) return null;
    const key = activeKeyOf(state, claimed.kid);
    if (!key) return null;
    const now = this.clock.now().getTime();
    const verified = await verifyAgentAssertion(token, { agentId: state.agentId, jwk: key.jwk, issuer: this.tokens.issuer, nowMs: now }, this.replays);
    if (!verified) return null;
    return { kind: 'agent', tenantId: state.tenantId, agentId: state.agentId, keyId: key.keyId, actor: { kind: 'agent', id: state.agentId } };
  }

  async passport(token: string): Promise<Principal | null> {
    const verified = await this.tokens.verify(token);
    if (!verified) return null;
    return { kind: 'passport', tenantId: verified.claims.tid, token, actor: { kind: 'passport', id: verified.claims.jti }, ...verified };
  }
}

export const looksLikeJwt = (presented: string) => presented.split('.').length === 3 && presented.startsWith('eyJ');

/** The credential of an `Authorization: Bearer` (or, for a bound passport, `DPoP`) header, or null. */
export function bearerOf(header: string | undefined): string | null {
  return /^(?:Bearer|DPoP) ([\x21-\x7e]{1,4096})$/.exec(header ?? '')?.[1] ?? null;
}

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly tenants: TenantStates,
    private readonly proofs: ProofOfPossession,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const audience = audienceOf(context.getHandler());
    if (!audience) throw new DomainError('FORBIDDEN', 'this route declares no audience');
    if (audience.includes('public')) return true;
    const request = context.switchToHttp().getRequest();
    const presented = bearerOf(request.headers.authorization);
    if (!presented) throw unauthenticated('send an operator key or a passport as "Authorization: Bearer <token>"');
    const jwt = looksLikeJwt(presented);
    const assertion = jwt ? assertionClaims(presented) : null;
    const principal = assertion
      ? await this.authenticator.agent(presented, assertion)
      : jwt
        ? await this.authenticator.passport(presented)
        : await this.authenticator.operator(presented);
    if (!principal) {
      throw unauthenticated(assertion ? "the agent's assertion is not valid: unknown or revoked key, bad signature, expired, replayed or too long-lived" : jwt ? 'the passport is not valid: forged, malformed or not issued here' : 'the key is not valid');
    }
    const facts = principal.kind === 'passport' || principal.kind === 'agent' ? await this.tenants.facts(principal.tenantId) : null;
    if (facts?.disabled) throw new DomainError('TENANT_DISABLED', 'this tenant is disabled: its keys and passports are refused');
    request.principal = principal;
    if (principal.kind === 'admin' && audience.includes('instance_admin')) return true;
    if (principal.kind === 'agent' && audience.includes('agent')) return true;
    if (principal.kind === 'passport' && audience.includes('passport')) {
      if (principal.claims.cnf) await this.proofs.check(request, principal);
      else if (facts?.boundPassportsRequired) await this.proofs.refuseUnbound(request, principal);
      return true;
    }
    if (principal.kind === 'operator' && audience.includes(principal.role)) return true;
    throw new DomainError('FORBIDDEN', `this route is not open to ${principal.kind === 'operator' ? `the ${principal.role} role` : principal.kind === 'admin' ? 'the instance admin' : principal.kind === 'agent' ? "an agent's own key (it may open missions only)" : 'a passport'}`);
  }
}
