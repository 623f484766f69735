"""Typed exceptions for Mandate's problem details (RFC 9457).

Every refusal Mandate answers carries a stable ``code``; each code the SDK's callers are likely to handle has its own
exception class, grouped under the status family it belongs to (``Unauthenticated``, ``Forbidden``, ``Conflict``, …),
so ``except mandate.PassportRevoked`` and ``except mandate.Unauthenticated`` both work. The problem document itself is
kept whole on ``error.problem``: nothing the server said is lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class MandateError(Exception):
    """Anything the SDK raises on purpose."""


class ConfigurationError(MandateError):
    """The SDK was set up in a way that cannot work (a missing agent key, an operator key in an agent's process, …)."""


class ConnectionFailed(MandateError):
    """Mandate could not be reached (after the retries the request was allowed)."""


class ProblemError(MandateError):
    """Mandate refused a request: the problem details it answered, with their stable ``code``."""

    status: int
    code: str
    detail: str
    problem: Mapping[str, Any]
    retry_after: float | None

    def __init__(self, status: int, problem: Mapping[str, Any], retry_after: float | None = None) -> None:
        self.status = status
        self.problem = problem
        self.code = str(problem.get("code", "UNKNOWN"))
        self.detail = str(problem.get("detail") or problem.get("title") or "")
        self.retry_after = retry_after
        super().__init__(f"{status} {self.code}: {self.detail}" if self.detail else f"{status} {self.code}")

    def __reduce__(self) -> tuple[type[ProblemError], tuple[int, dict[str, Any], float | None]]:
        # Rebuilt from what it was made of (Exception's default would call __init__ with the message alone), so the
        # error survives pickling and copying: a process pool, a task queue, a log handler in another process.
        return type(self), (self.status, dict(self.problem), self.retry_after)

    def __getattr__(self, name: str) -> Any:
        # Extension members (jti, position, gate_reason, call_id, errors, …) read as attributes.
        problem = self.__dict__.get("problem")
        if problem is not None and name in problem:
            return problem[name]
        raise AttributeError(name)

    @property
    def errors(self) -> list[dict[str, Any]]:
        """For ``422 VALIDATION_FAILED``: each field that was refused and why."""
        return list(self.problem.get("errors") or [])


# ---- families, by status -------------------------------------------------------------------------------------------


class BadRequest(ProblemError):
    """400: the request could not be read (malformed JSON, too deep)."""


class Unauthenticated(ProblemError):
    """401: no usable credential: a revoked, expired or checked-out passport, a bad proof, an unknown key."""


class Forbidden(ProblemError):
    """403: authenticated, but not allowed: out of the mission's scope, a policy, a rule, an approval that does not fit."""


class NotFound(ProblemError):
    """404."""


class Conflict(ProblemError):
    """409: the state does not allow it (already decided, already used, …)."""


class PayloadTooLarge(ProblemError):
    """413."""


class ValidationFailed(ProblemError):
    """422: the request broke the contract; ``errors`` names each field."""


class RateLimited(ProblemError):
    """429: too many requests or streams; ``retry_after`` says when to come back."""


class UpstreamFailed(ProblemError):
    """502/504: the credential proxy could not get an answer from the upstream (nothing is known of the call's effect)."""


class Unavailable(ProblemError):
    """503: Mandate is busy or its store is away; safe to retry later."""


# ---- codes worth their own class -----------------------------------------------------------------------------------


class PassportRevoked(Unauthenticated):
    """The passport was revoked (the kill switch, a detector, a rejection): the mission is over."""


class PassportCheckedOut(Unauthenticated):
    """The mission was checked out: its passport is spent."""


class PassportExpired(Unauthenticated):
    """The passport's leash ran out (no checkpoint in time) or its mission ended."""


class ProofRefused(Unauthenticated):
    """The DPoP proof was missing, stale, replayed, for another key, or the key was revoked."""


class KeyRevoked(ProofRefused):
    """The agent key the passport is bound to was revoked: no proof can make the passport usable again, so the
    mission is over (as with ``PassportRevoked``)."""


class EnrollmentRefused(Unauthenticated):
    """The enrollment token is unknown, expired or already used."""


class EnrollmentTokenUsed(EnrollmentRefused, Conflict):
    """The enrollment token was used already (409): an ``EnrollmentRefused`` and a ``Conflict`` both."""


class OutOfScope(Forbidden):
    """The call names a service the mission does not cover."""


class ApprovalRequired(Forbidden):
    """The tenant's policy wants a person to approve this call first: submit an intent, then pass its ``approval_id``."""


class ApprovalRejected(Forbidden):
    """A person rejected the intent."""


class ApprovalExpired(Forbidden):
    """The intent expired before it was decided, or its approval before it was used."""


class IntentExpired(ApprovalExpired, Conflict):
    """The intent expired before it was decided (409, the state of the intent): an ``ApprovalExpired`` and a
    ``Conflict`` both."""


class CallMismatch(Forbidden):
    """The call differs from the one that was approved (``gate_reason`` is ``call_mismatch``; ``mismatched`` says how)."""


class ProxyRefused(Forbidden):
    """The credential proxy refused the call: host, scheme, address, a deny rule or the policy."""


class SelfApprovalForbidden(Forbidden):
    """An agent can never approve its own intent."""


class AgentSuspended(Forbidden):
    """The agent is suspended: it can open no mission."""


class CeilingExceeded(Forbidden):
    """The mission asks for more than the agent's ceiling allows."""


class TenantDisabled(Forbidden):
    """The tenant was disabled by the instance admin."""


class ApprovalConsumed(Conflict):
    """The approval was already used: an approval opens the door once."""


class ApprovalPending(Conflict):
    """The intent is not decided yet."""


class AlreadyDecided(Conflict):
    """The intent was already approved, rejected or expired."""


class IdempotencyKeyReused(Conflict):
    """The idempotency key was used before for a different request."""


class ProxyCallAlreadyMade(Conflict):
    """A proxied call under this idempotency key was already made; it is not made twice (``call_id`` names it)."""


class ServerBusy(Unavailable):
    """Mandate's connection cap was reached."""


class StoreUnavailable(Unavailable):
    """Mandate's event store is unreachable: nothing was written."""


_BY_CODE: dict[str, type[ProblemError]] = {
    "PASSPORT_REVOKED": PassportRevoked,
    "PASSPORT_CHECKED_OUT": PassportCheckedOut,
    "PASSPORT_EXPIRED": PassportExpired,
    "DPOP_PROOF_MISSING": ProofRefused,
    "DPOP_PROOF_INVALID": ProofRefused,
    "DPOP_PROOF_STALE": ProofRefused,
    "DPOP_PROOF_REPLAYED": ProofRefused,
    "DPOP_KEY_MISMATCH": ProofRefused,
    "DPOP_KEY_REVOKED": KeyRevoked,
    "BOUND_PASSPORT_REQUIRED": ProofRefused,
    "ENROLLMENT_TOKEN_INVALID": EnrollmentRefused,
    "ENROLLMENT_TOKEN_EXPIRED": EnrollmentRefused,
    "ENROLLMENT_TOKEN_USED": EnrollmentTokenUsed,
    "INTENT_OUT_OF_SCOPE": OutOfScope,
    "PROXY_SERVICE_NOT_IN_MISSION": OutOfScope,
    "ACTION_OUT_OF_SCOPE": OutOfScope,
    "APPROVAL_REQUIRED": ApprovalRequired,
    "APPROVAL_REJECTED": ApprovalRejected,
    "APPROVAL_EXPIRED": ApprovalExpired,
    "INTENT_EXPIRED": IntentExpired,
    "call_mismatch": CallMismatch,
    "PROXY_HOST_NOT_ALLOWED": ProxyRefused,
    "PROXY_SSRF_BLOCKED": ProxyRefused,
    "PROXY_SCHEME_NOT_ALLOWED": ProxyRefused,
    "PROXY_DENIED_BY_RULE": ProxyRefused,
    "PROXY_DENIED_BY_POLICY": ProxyRefused,
    "SELF_APPROVAL_FORBIDDEN": SelfApprovalForbidden,
    "AGENT_SUSPENDED": AgentSuspended,
    "AGENT_CEILING_EXCEEDED": CeilingExceeded,
    "TENANT_DISABLED": TenantDisabled,
    "APPROVAL_CONSUMED": ApprovalConsumed,
    "APPROVAL_PENDING": ApprovalPending,
    "INTENT_NOT_PENDING": AlreadyDecided,
    "ALREADY_APPROVED": AlreadyDecided,
    "IDEMPOTENCY_KEY_REUSED": IdempotencyKeyReused,
    "PROXY_CALL_ALREADY_MADE": ProxyCallAlreadyMade,
    "SERVER_BUSY": ServerBusy,
    "STORE_UNAVAILABLE": StoreUnavailable,
}

_BY_STATUS: dict[int, type[ProblemError]] = {
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
}


def problem_error(status: int, problem: Mapping[str, Any], retry_after: float | None = None) -> ProblemError:
    """The most specific exception for a problem: by its code, else by its status, else ``ProblemError``."""
    cls: type[ProblemError] = _BY_CODE.get(str(problem.get("code")), _BY_STATUS.get(status, ProblemError))
    return cls(status, problem, retry_after)
