import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Authenticator, bearerOf } from './auth';
import { MandateConfig } from './config';
import { Metrics } from './metrics';
import { TenantStates } from './tenant-states';
import { problem, sendProblem } from './problem';

/** Liveness, readiness and scrapes come from the operator's own tooling and must answer under any flood. */
const EXEMPT_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
const WINDOW_MS = 60_000;
/** Buckets kept at once; past it the least recently used is dropped (a flood of addresses cannot grow memory). */
const MAX_BUCKETS = 100_000;
const CALLER = Symbol('mandate.caller');

/**
 * Whose bucket a request counts against. A key or passport counts as itself only once this process has verified that
 * very credential; before that (its first request, or a forgery naming a victim's key or jti) it counts against its
 * client address, in a bucket apart from the unauthenticated routes' so a verify flood cannot lock out first logins.
 */
export interface Caller {
  scope: 'operator_key' | 'passport' | 'address' | 'unverified';
  key: string;
  max: number;
}

export async function callerOf(request: FastifyRequest, authenticator: Authenticator, tenants: TenantStates, limits: MandateConfig['limits']): Promise<Caller> {
  const presented = bearerOf(request.headers.authorization);
  if (!presented) return { scope: 'address', key: `a:${request.ip}`, max: limits.addressRequestsPerMinute };
  const known = authenticator.knownCaller(presented);
  if (!known) return { scope: 'unverified', key: `u:${request.ip}`, max: limits.addressRequestsPerMinute };
  if (known.tenantId === null) return { scope: 'operator_key', key: `k:${known.id}`, max: limits.defaults.operatorKeyRequestsPerMinute };
  const inForce = (await tenants.facts(known.tenantId)).limits;
  return known.scope === 'passport'
    ? { scope: 'passport', key: `p:${known.id}`, max: inForce.passportRequestsPerMinute }
    : { scope: 'operator_key', key: `k:${known.tenantId}.${known.id}`, max: inForce.operatorKeyRequestsPerMinute };
}

/**
 * Rate limits per operator key, per passport and per client address, counted by @fastify/rate-limit (its in-memory
 * store: each process counts its own requests) in one-minute windows, before any route runs. Over the limit: `429
 * RATE_LIMITED` problem details with Retry-After, counted in /metrics by scope. `parts` is read per request because
 * the Nest providers it returns exist only once the app does.
 */
export async function installRateLimits(
  fastify: FastifyInstance,
  parts: () => { authenticator: Authenticator; tenants: TenantStates; metrics: Metrics; config: MandateConfig },
): Promise<void> {
  await fastify.register(rateLimit, { global: false, cache: MAX_BUCKETS });
  const limit = fastify.createRateLimit({
    keyGenerator: (request) => (request as unknown as Record<symbol, Caller>)[CALLER].key,
    max: (request) => (request as unknown as Record<symbol, Caller>)[CALLER].max,
    timeWindow: WINDOW_MS,
  });
  fastify.addHook('onRequest', async (request, reply) => {
    if (EXEMPT_PATHS.has(request.url.split('?')[0])) return;
    const { authenticator, tenants, metrics, config } = parts();
    const caller = await callerOf(request, authenticator, tenants, config.limits);
    (request as unknown as Record<symbol, Caller>)[CALLER] = caller;
    const verdict = await limit(request);
    if (verdict.isAllowed || !verdict.isExceeded) return;
    metrics.rateLimited(caller.scope);
    // Answered here rather than thrown through the framework's error path: under a flood, most answers are these.
    const detail = `more than ${caller.max} requests a minute for this ${caller.scope.replace('_', ' ')}; retry in ${verdict.ttlInSeconds} s`;
    const refusal = problem(429, 'RATE_LIMITED', detail, { scope: caller.scope, limit: caller.max, retry_after: verdict.ttlInSeconds });
    reply.header('retry-after', String(verdict.ttlInSeconds));
    // Held before it is sent (a tarpit): a client past its limit has to wait anyway, and a flood's connections, each
    // waiting for its answer, then send a request a second instead of thousands. The connection cap bounds how many
    // can wait at once.
    const hold = Math.min(config.limits.refusalDelayMs, verdict.ttlInSeconds * 1000);
    if (hold > 0) await new Promise((resolve) => setTimeout(resolve, hold));
    sendProblem(reply, { ...refusal, instance: request.url.split('?')[0] });
    return reply;
  });
}
