import * as fs from 'fs';
import * as path from 'path';
import { createHash, randomBytes, timingSafeEqual } from 'crypto';
import { CanActivate, createParamDecorator, ExecutionContext, Injectable, Logger, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Actor, DomainError } from '@mandate/core';
import { keyOf, Role, tenantDecider, tenantStream } from '@mandate/tenancy';
import { AggregateRepository } from './repository';
import { createOnce, PassportTokens, VerifiedPassport } from './passport-tokens';
import { OperatorKeys } from './operator-keys';

export type Principal =
  | { kind: 'admin'; actor: Actor }
  | { kind: 'operator'; tenantId: string; keyId: string; role: Role; actor: Actor }
  | ({ kind: 'passport'; tenantId: string; token: string; actor: Actor } & VerifiedPassport);

export type Audience = Role | 'instance_admin' | 'passport' | 'public';

const AUDIENCE = 'mandate:audience';
/** Who may call a route handler, as its @Allow says (the contract derives its security from it). */
export const audienceOf = (handler: Function): Audience[] | undefined => Reflect.getMetadata(AUDIENCE, handler);
/** Who may call a route. Every controller method says it; a route without it is refused, not opened. */
export const Allow = (...audience: Audience[]) => SetMetadata(AUDIENCE, audience);

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
  constructor(
    private readonly repository: AggregateRepository,
    private readonly tokens: PassportTokens,
    private readonly adminKeyHash: string,
    private readonly operatorKeys: OperatorKeys,
  ) {}

  /** Operator keys read `mdt.<tenant>.<key id>.<secret>`: the prefix names where to look (see OperatorKeys). */
  async operator(presented: string): Promise<Principal | null> {
    if (sameHash(hashSecret(presented), this.adminKeyHash)) return { kind: 'admin', actor: { kind: 'admin', id: 'instance-admin' } };
    if (!presented.startsWith('mdt.')) return null;
    const [, tenantId, keyId, secret, extra] = presented.split('.');
    if (!tenantId || !keyId || !secret || extra !== undefined || tenantId.length > 64 || keyId.length > 64) return null;
    const { state } = await this.repository.load(tenantDecider, tenantStream(tenantId));
    if (state.status !== 'active') return null;
    const key = keyOf(state, keyId);
    if (!key || key.revoked || !(await this.operatorKeys.matches(tenantId, key, secret))) return null;
    return { kind: 'operator', tenantId, keyId, role: key.role, actor: { kind: 'operator', id: keyId } };
  }

  async passport(token: string): Promise<Principal | null> {
    const verified = await this.tokens.verify(token);
    if (!verified) return null;
    return { kind: 'passport', tenantId: verified.claims.tid, token, actor: { kind: 'passport', id: verified.claims.jti }, ...verified };
  }
}

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
  ) {}

  /** A route's audience is fixed when its decorators run: read once per handler, not on every request. */
  private readonly audiences = new WeakMap<Function, Map<Function, Audience[] | undefined>>();

  private audienceOf(context: ExecutionContext): Audience[] | undefined {
    const [controller, handler] = [context.getClass(), context.getHandler()];
    let byHandler = this.audiences.get(controller);
    if (!byHandler) this.audiences.set(controller, (byHandler = new Map()));
    if (!byHandler.has(handler)) byHandler.set(handler, this.reflector.getAllAndOverride<Audience[] | undefined>(AUDIENCE, [handler, controller]));
    return byHandler.get(handler);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const audience = this.audienceOf(context);
    if (!audience) throw new DomainError('FORBIDDEN', 'this route declares no audience');
    if (audience.includes('public')) return true;
    const request = context.switchToHttp().getRequest();
    const header: string | undefined = request.headers.authorization;
    const match = /^Bearer ([\x21-\x7e]{1,4096})$/.exec(header ?? '');
    if (!match) throw unauthenticated('send an operator key or a passport as "Authorization: Bearer <token>"');
    const presented = match[1];
    const looksLikeJwt = presented.split('.').length === 3 && presented.startsWith('eyJ');
    const principal = looksLikeJwt ? await this.authenticator.passport(presented) : await this.authenticator.operator(presented);
    if (!principal) throw unauthenticated(looksLikeJwt ? 'the passport is not valid: forged, malformed or not issued here' : 'the key is not valid');
    request.principal = principal;
    if (principal.kind === 'admin' && audience.includes('instance_admin')) return true;
    if (principal.kind === 'passport' && audience.includes('passport')) return true;
    if (principal.kind === 'operator' && audience.includes(principal.role)) return true;
    throw new DomainError('FORBIDDEN', `this route is not open to ${principal.kind === 'operator' ? `the ${principal.role} role` : principal.kind === 'admin' ? 'the instance admin' : 'a passport'}`);
  }
}
