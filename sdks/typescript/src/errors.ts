/**
 * Typed errors for Mandate's problem details (RFC 9457).
 *
 * Every refusal Mandate answers carries a stable `code`; each code a caller is likely to handle has its own class,
 * extending the class of its status family (`Unauthenticated`, `Forbidden`, `Conflict`, …), so both
 * `error instanceof PassportRevoked` and `error instanceof Unauthenticated` work. The problem document is kept whole on
 * `error.problem`: nothing the server said is lost. The same classes and families as the Python SDK.
 */
import type { FieldProblem } from './generated/openapi.js';

/** A problem document as Mandate answers it: the documented members, and any extension (`jti`, `call_id`, …). */
export interface Problem {
  code: string;
  status?: number;
  type?: string;
  title?: string;
  detail?: string;
  instance?: string;
  errors?: FieldProblem[];
  [member: string]: unknown;
}

/** Anything the SDK throws on purpose. */
export class MandateError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    // The subclass's own name in stack traces and `String(error)`, without each class repeating it.
    this.name = new.target.name;
  }
}

/** The SDK was set up in a way that cannot work (a missing agent key, an operator key in an agent's process, …). */
export class ConfigurationError extends MandateError {}

/** Mandate could not be reached (after the retries the request was allowed). */
export class ConnectionFailed extends MandateError {
  /** The connection was never made, so the request cannot have had any effect (safe to send again). */
  readonly neverSent: boolean;

  constructor(message: string, options: { cause?: unknown; neverSent: boolean }) {
    super(message, { cause: options.cause });
    this.neverSent = options.neverSent;
  }
}

/** Mandate refused a request: the problem details it answered, with their stable `code`. */
export class ProblemError extends MandateError {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly problem: Problem;
  /** Seconds the server asked to wait (`Retry-After`), when it said. */
  readonly retryAfter: number | undefined;

  constructor(status: number, problem: Problem, retryAfter?: number) {
    const code = String(problem.code ?? 'UNKNOWN');
    const detail = String(problem.detail ?? problem.title ?? '');
    super(detail ? `${status} ${code}: ${detail}` : `${status} ${code}`);
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }

  /** For `422 VALIDATION_FAILED`: each field that was refused and why. */
  get errors(): FieldProblem[] {
    return this.problem.errors ?? [];
  }
}

// ---- families, by status

/** 400: the request could not be read (malformed JSON, too deep). */
export class BadRequest extends ProblemError {}
/** 401: no usable credential: a revoked, expired or checked-out passport, a bad proof, an unknown key. */
export class Unauthenticated extends ProblemError {}
/** 403: authenticated, but not allowed: out of scope, a policy, a rule, an approval that does not fit. */
export class Forbidden extends ProblemError {}
/** 404. */
export class NotFound extends ProblemError {}
/** 409: the state does not allow it (already decided, already used, …). */
export class Conflict extends ProblemError {}
/** 413. */
export class PayloadTooLarge extends ProblemError {}
/** 422: the request broke the contract; `errors` names each field. */
export class ValidationFailed extends ProblemError {}
/** 429: too many requests or streams; `retryAfter` says when to come back. */
export class RateLimited extends ProblemError {}
/** 502/504: the credential proxy got no answer from the upstream (nothing is known of the call's effect). */
export class UpstreamFailed extends ProblemError {}
/** 503: Mandate is busy or its store is away; safe to retry later. */
export class Unavailable extends ProblemError {}

// ---- codes worth their own class

/** The passport was revoked (the kill switch, a detector, a rejection): the mission is over. */
export class PassportRevoked extends Unauthenticated {}
/** The mission was checked out: its passport is spent. */
export class PassportCheckedOut extends Unauthenticated {}
/** The passport's leash ran out (no checkpoint in time) or its mission ended. */
export class PassportExpired extends Unauthenticated {}
/** The DPoP proof was missing, stale, replayed, for another key, or the key was revoked. */
export class ProofRefused extends Unauthenticated {}
/** The agent key the passport is bound to was revoked: no proof can make the passport usable again, so the mission is over. */
export class KeyRevoked extends ProofRefused {}
/** The enrollment token is unknown, expired or already used. */
export class EnrollmentRefused extends Unauthenticated {}
/** The call names a service the mission does not cover. */
export class OutOfScope extends Forbidden {}
/** The tenant's policy wants a person to approve this call first: submit an intent, then pass its `approval_id`. */
export class ApprovalRequired extends Forbidden {}
/** A person rejected the intent. */
export class ApprovalRejected extends Forbidden {}
/** The intent expired before it was decided, or its approval before it was used. */
export class ApprovalExpired extends Forbidden {}
/** The call differs from the one that was approved (`gate_reason: call_mismatch`; `mismatched` says how). */
export class CallMismatch extends Forbidden {}
/** The credential proxy refused the call: host, scheme, address, a deny rule or the policy. */
export class ProxyRefused extends Forbidden {}
/** An agent can never approve its own intent. */
export class SelfApprovalForbidden extends Forbidden {}
/** The agent is suspended: it can open no mission. */
export class AgentSuspended extends Forbidden {}
/** The mission asks for more than the agent's ceiling allows. */
export class CeilingExceeded extends Forbidden {}
/** The tenant was disabled by the instance admin. */
export class TenantDisabled extends Forbidden {}
/** The approval was already used: an approval opens the door once. */
export class ApprovalConsumed extends Conflict {}
/** The intent is not decided yet. */
export class ApprovalPending extends Conflict {}
/** The intent was already approved, rejected or expired. */
export class AlreadyDecided extends Conflict {}
/** The idempotency key was used before for a different request. */
export class IdempotencyKeyReused extends Conflict {}
/** A proxied call under this idempotency key was already made; it is not made twice (`call_id` names it). */
export class ProxyCallAlreadyMade extends Conflict {}
/** Mandate's connection cap was reached. */
export class ServerBusy extends Unavailable {}
/** Mandate's event store is unreachable: nothing was written. */
export class StoreUnavailable extends Unavailable {}

/** The server ended an event stream on purpose; `code` says why (`KEY_REVOKED`, `TENANT_DISABLED`). */
export class StreamEnded extends MandateError {
  constructor(readonly code: string) {
    super(`the server ended the stream: ${code}`);
  }
}

/** An intent was still waiting for a person's decision when the caller stopped waiting. */
export class StillPending extends MandateError {
  constructor(
    readonly intentId: string,
    timeoutMs: number,
  ) {
    super(`intent ${intentId} is still pending after ${Math.round(timeoutMs / 1000)} s`);
  }
}

type ProblemClass = new (status: number, problem: Problem, retryAfter?: number) => ProblemError;

const BY_CODE: Record<string, ProblemClass> = {
  PASSPORT_REVOKED: PassportRevoked,
  PASSPORT_CHECKED_OUT: PassportCheckedOut,
  PASSPORT_EXPIRED: PassportExpired,
  DPOP_PROOF_MISSING: ProofRefused,
  DPOP_PROOF_INVALID: ProofRefused,
  DPOP_PROOF_STALE: ProofRefused,
  DPOP_PROOF_REPLAYED: ProofRefused,
  DPOP_KEY_MISMATCH: ProofRefused,
  DPOP_KEY_REVOKED: KeyRevoked,
  BOUND_PASSPORT_REQUIRED: ProofRefused,
  ENROLLMENT_TOKEN_INVALID: EnrollmentRefused,
  ENROLLMENT_TOKEN_EXPIRED: EnrollmentRefused,
  ENROLLMENT_TOKEN_USED: EnrollmentRefused,
  INTENT_OUT_OF_SCOPE: OutOfScope,
  PROXY_SERVICE_NOT_IN_MISSION: OutOfScope,
  ACTION_OUT_OF_SCOPE: OutOfScope,
  APPROVAL_REQUIRED: ApprovalRequired,
  APPROVAL_REJECTED: ApprovalRejected,
  APPROVAL_EXPIRED: ApprovalExpired,
  INTENT_EXPIRED: ApprovalExpired,
  call_mismatch: CallMismatch,
  PROXY_HOST_NOT_ALLOWED: ProxyRefused,
  PROXY_SSRF_BLOCKED: ProxyRefused,
  PROXY_SCHEME_NOT_ALLOWED: ProxyRefused,
  PROXY_DENIED_BY_RULE: ProxyRefused,
  PROXY_DENIED_BY_POLICY: ProxyRefused,
  SELF_APPROVAL_FORBIDDEN: SelfApprovalForbidden,
  AGENT_SUSPENDED: AgentSuspended,
  AGENT_CEILING_EXCEEDED: CeilingExceeded,
  TENANT_DISABLED: TenantDisabled,
  APPROVAL_CONSUMED: ApprovalConsumed,
  APPROVAL_PENDING: ApprovalPending,
  INTENT_NOT_PENDING: AlreadyDecided,
  ALREADY_APPROVED: AlreadyDecided,
  IDEMPOTENCY_KEY_REUSED: IdempotencyKeyReused,
  PROXY_CALL_ALREADY_MADE: ProxyCallAlreadyMade,
  SERVER_BUSY: ServerBusy,
  STORE_UNAVAILABLE: StoreUnavailable,
};

const BY_STATUS: Record<number, ProblemClass> = {
  400: BadRequest,
  401: Unauthenticated,
  403: Forbidden,
  404: NotFound,
  409: Conflict,
  413: PayloadTooLarge,
  422: ValidationFailed,
  429: RateLimited,
  502: UpstreamFailed,
  503: Unavailable,
  504: UpstreamFailed,
};

/** The most specific error for a problem: by its code, else by its status, else `ProblemError`. */
export function problemError(status: number, problem: Problem, retryAfter?: number): ProblemError {
  const ErrorClass = (Object.hasOwn(BY_CODE, problem.code) ? BY_CODE[problem.code] : undefined) ?? BY_STATUS[status] ?? ProblemError;
  return new ErrorClass(status, problem, retryAfter);
}

/** The problem a body carries, or one made from the status when the body is not a problem document. */
export function problemOf(status: number, body: unknown): Problem {
  if (body !== null && typeof body === 'object' && !Array.isArray(body) && typeof (body as Problem).code === 'string') {
    return body as Problem;
  }
  // Not Mandate's problem shape (a proxy in between, a crash page): the status names it, the rest is kept.
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) return { ...(body as Record<string, unknown>), code: `HTTP_${status}` };
  return { code: `HTTP_${status}`, detail: typeof body === 'string' ? body.slice(0, 500) : '' };
}
