"""Mandate for Python: passports bound to missions, a credential proxy, approvals and an audit trail for AI agents.

from mandate import Mandate

mandate = Mandate(agent_id="agt_...")            # the agent's runtime: its own key, no operator key
with mandate.mission(intent="Triage tickets", services=["slack"], checkpoint_interval="5m") as mission:
    mission.proxy(service="slack", url="https://slack.com/api/chat.postMessage", method="POST", body={...})
"""

from . import _generated as models
from ._keys import AgentKey
from ._transport import RetryPolicy
from ._version import __version__
from .client import AsyncMandate, Mandate
from .errors import (
    AgentSuspended,
    AlreadyDecided,
    ApprovalConsumed,
    ApprovalExpired,
    ApprovalPending,
    ApprovalRejected,
    ApprovalRequired,
    BadRequest,
    CallMismatch,
    CeilingExceeded,
    ConfigurationError,
    Conflict,
    ConnectionFailed,
    EnrollmentRefused,
    EnrollmentTokenUsed,
    Forbidden,
    IdempotencyKeyReused,
    IntentExpired,
    MandateError,
    NotFound,
    OutOfScope,
    PassportCheckedOut,
    PassportExpired,
    PassportRevoked,
    PayloadTooLarge,
    ProblemError,
    ProofRefused,
    ProxyCallAlreadyMade,
    ProxyRefused,
    RateLimited,
    SelfApprovalForbidden,
    ServerBusy,
    StoreUnavailable,
    TenantDisabled,
    Unauthenticated,
    Unavailable,
    UpstreamFailed,
    ValidationFailed,
)
from .mission import AsyncMission, Mission, ProxyResponse
from .streams import EventStream, StreamEnded, StreamEvent

__all__ = [
    "AgentKey",
    "AgentSuspended",
    "AlreadyDecided",
    "ApprovalConsumed",
    "ApprovalExpired",
    "ApprovalPending",
    "ApprovalRejected",
    "ApprovalRequired",
    "AsyncMandate",
    "AsyncMission",
    "BadRequest",
    "CallMismatch",
    "CeilingExceeded",
    "ConfigurationError",
    "Conflict",
    "ConnectionFailed",
    "EnrollmentRefused",
    "EnrollmentTokenUsed",
    "EventStream",
    "Forbidden",
    "IdempotencyKeyReused",
    "IntentExpired",
    "Mandate",
    "MandateError",
    "Mission",
    "NotFound",
    "OutOfScope",
    "PassportCheckedOut",
    "PassportExpired",
    "PassportRevoked",
    "PayloadTooLarge",
    "ProblemError",
    "ProofRefused",
    "ProxyCallAlreadyMade",
    "ProxyRefused",
    "ProxyResponse",
    "RateLimited",
    "RetryPolicy",
    "SelfApprovalForbidden",
    "ServerBusy",
    "StoreUnavailable",
    "StreamEnded",
    "StreamEvent",
    "TenantDisabled",
    "Unauthenticated",
    "Unavailable",
    "UpstreamFailed",
    "ValidationFailed",
    "__version__",
    "models",
]
