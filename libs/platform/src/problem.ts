import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { DomainError } from '@mandate/core';
import { Problem, problem } from './problem-document';

export type { Problem };
export { problem };

const CODES_BY_STATUS: Record<number, string> = {
  400: 'BAD_REQUEST', 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT', 413: 'PAYLOAD_TOO_LARGE', 429: 'RATE_LIMITED', 415: 'UNSUPPORTED_MEDIA_TYPE', 422: 'VALIDATION_FAILED', 503: 'UNAVAILABLE',
};

/** Errors raised by Fastify itself (body parsing, size limits) before a route runs. */
function fromFastify(error: { code?: string; statusCode?: number; message?: string }): Problem | null {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return problem(400, 'MALFORMED_JSON', 'the request body is not valid JSON');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem(413, 'PAYLOAD_TOO_LARGE', 'the request body is larger than the configured limit');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problem(415, 'UNSUPPORTED_MEDIA_TYPE', 'send request bodies as application/json');
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return problem(error.statusCode, CODES_BY_STATUS[error.statusCode] ?? 'BAD_REQUEST', error.message ?? 'bad request');
  }
  return null;
}

/**
 * Every domain error code and the HTTP status it is answered with: the only place a decision's refusal meets HTTP.
 * A code missing here is a bug the unit spec catches; at run time it answers 500 and is logged.
 */
export const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  MALFORMED_JSON: 400, BODY_TOO_DEEP: 400,
  UNAUTHENTICATED: 401, PASSPORT_REVOKED: 401, PASSPORT_CHECKED_OUT: 401, PASSPORT_EXPIRED: 401,
  DPOP_PROOF_MISSING: 401, DPOP_PROOF_INVALID: 401, DPOP_PROOF_STALE: 401, DPOP_PROOF_REPLAYED: 401, DPOP_KEY_MISMATCH: 401, DPOP_KEY_REVOKED: 401, BOUND_PASSPORT_REQUIRED: 401,
  ENROLLMENT_TOKEN_INVALID: 401, ENROLLMENT_TOKEN_EXPIRED: 401, ENROLLMENT_TOKEN_USED: 409,
  AGENT_KEY_EXISTS: 409, AGENT_KEY_LIMIT: 409, AGENT_KEY_NOT_FOUND: 404, AGENT_CEILING_EXCEEDED: 403,
  FORBIDDEN: 403, TENANT_DISABLED: 403, PASSPORT_MISMATCH: 403, SELF_APPROVAL_FORBIDDEN: 403, AGENT_SUSPENDED: 403, INTENT_OUT_OF_SCOPE: 403,
  APPROVAL_REJECTED: 403, APPROVAL_EXPIRED: 403, APPROVAL_NOT_YOURS: 403, call_mismatch: 403,
  NOT_FOUND: 404, PASSPORT_UNKNOWN: 404, NOT_SERVED_HERE: 404, SERVICE_NOT_FOUND: 404, SECRET_VERSION_NOT_FOUND: 404,
  TENANT_EXISTS: 409, AGENT_EXISTS: 409, INTENT_EXISTS: 409, LAST_ADMIN_KEY: 409, IDEMPOTENCY_KEY_REUSED: 409, PROXY_CALL_ALREADY_MADE: 409,
  INTENT_NOT_PENDING: 409, INTENT_EXPIRED: 409, ALREADY_APPROVED: 409, ALREADY_RESOLVED: 409, APPROVAL_PENDING: 409,
  APPROVAL_CONSUMED: 409, WRONG_EXPECTED_VERSION: 409, DUPLICATE_EVENT_ID: 409, SERVICE_EXISTS: 409, LAST_SECRET_VERSION: 409,
  SIGNING_KEYS_READ_ONLY: 409,
  VALIDATION_FAILED: 422, ACCOUNTABILITY_REQUIRED: 422, POSITION_NOT_WRITTEN: 422, LIMIT_ABOVE_MAXIMUM: 422, INVALID_HOST: 422,
  RATE_LIMITED: 429, TOO_MANY_STREAMS: 429,
  PROXY_HOST_NOT_ALLOWED: 403, PROXY_SSRF_BLOCKED: 403, PROXY_SCHEME_NOT_ALLOWED: 403, PROXY_DENIED_BY_RULE: 403, PROXY_DENIED_BY_POLICY: 403, PROXY_SERVICE_NOT_IN_MISSION: 403, APPROVAL_REQUIRED: 403,
  UPSTREAM_UNREACHABLE: 502, UPSTREAM_TLS: 502, UPSTREAM_RESPONSE_TOO_LARGE: 502, UPSTREAM_TIMEOUT: 504,
  STORE_UNAVAILABLE: 503, READ_MODELS_BEHIND: 503, DETECTORS_BEHIND: 503,
};

export function toProblem(error: unknown): Problem {
  if (error instanceof DomainError) {
    const status = STATUS_BY_CODE[error.code];
    if (status !== undefined) return problem(status, error.code, error.message, error.extensions);
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const body = error.getResponse();
    if (typeof body === 'object' && body && 'code' in body) return body as Problem;
    const detail = typeof body === 'string' ? body : ((body as { message?: string }).message ?? error.message);
    return problem(status, CODES_BY_STATUS[status] ?? 'ERROR', Array.isArray(detail) ? detail.join('; ') : String(detail));
  }
  const fastify = fromFastify(error as { code?: string });
  if (fastify) return fastify;
  return problem(500, 'INTERNAL', 'an unexpected error occurred; it has been logged');
}

/** A refused proof of possession names the scheme the client must answer with (RFC 9449 §7.1). */
const challengeOf = (code: string) => (code.startsWith('DPOP_') ? 'DPoP algs="EdDSA", error="invalid_dpop_proof"' : null);

export function sendProblem(reply: any, p: Problem): void {
  const challenge = challengeOf(p.code);
  if (challenge) reply.header('www-authenticate', challenge);
  reply.status(p.status).header('content-type', 'application/problem+json; charset=utf-8').send(JSON.stringify(p));
}

/** The one error shape: RFC 9457 problem details with a stable `code`, for every error on every route. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest();
    const reply = http.getResponse();
    const p = toProblem(error);
    const path = request.url?.split('?')[0];
    // The path only: a query string is the client's and may carry anything, a credential included.
    if (p.status >= 500) this.logger.error({ reqId: request.id, err: error }, `${request.method} ${path} failed`);
    sendProblem(reply, { ...p, instance: path });
  }
}
