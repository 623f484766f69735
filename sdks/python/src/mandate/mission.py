"""A mission as a ``with`` block: the passport's whole life, so the agent's code never handles a JTI.

On entry the agent opens its mission with its own key (the passport is bound to it: every use carries a DPoP proof).
While the block runs, a background worker sends the calls the agent logs in batches and checkpoints before the leash
runs out (in enforced mode the checkpoint's refreshed passport replaces the old one). On exit the remaining calls are
sent, a last checkpoint counts the calls made since the previous one, and the mission is checked out: ``success``,
or ``failure`` with the exception as the summary. The exception is never swallowed. If the passport was revoked
meanwhile, the next call raises ``PassportRevoked``; once the SDK knows, it sends nothing more with the passport (a
use after revocation is itself a finding against the agent), and what was still pending is counted in ``lost_calls``.

``Mission`` runs the worker on a thread, ``AsyncMission`` on a task; what they decide (what to send, when, what a
refusal means) is ``_Ledger``'s, written once.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import math
import re
import threading
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal

import httpx2 as httpx

from . import _api
from . import _generated as g
from ._keys import AgentKey, AssertionAuth, PassportAuth
from ._transport import AsyncTransport, Call, SyncTransport, T
from .errors import (
    ApprovalExpired,
    ApprovalRejected,
    ConfigurationError,
    ConnectionFailed,
    MandateError,
    PassportCheckedOut,
    PassportExpired,
    PassportRevoked,
    ProblemError,
    Unauthenticated,
)

log = logging.getLogger("mandate")

#: The server's shortest checkpoint interval: a shorter one checkpoints that often, the leash stays a minute.
SERVER_MIN_INTERVAL = 60
#: The worker checkpoints at this fraction of the interval, so the leash never runs out between two checkpoints.
CHECKPOINT_AT = 0.8
#: Calls sent in one request at most (the server takes 1,000).
BATCH_MAX = 500
SUMMARY_MAX = 1000

#: The approval a gated tool call was granted, for the proxy call made while that tool runs (set by the middleware).
current_approval: contextvars.ContextVar[str | None] = contextvars.ContextVar("mandate_current_approval", default=None)

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}


def seconds(value: str | float) -> float:
    """``"5m"``, ``"30s"``, ``"1h"``, ``"250ms"`` or a number of seconds."""
    if isinstance(value, int | float):
        return float(value)
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*", value)
    if not match:
        raise ConfigurationError(f"not a duration: {value!r} (write it like '5m', '30s' or '1h')")
    return float(match.group(1)) * _UNITS[match.group(2) or "s"]


@dataclass(frozen=True)
class MissionOptions:
    intent: str
    services: tuple[str, ...]
    checkpoint_every: float
    server_interval: int
    ttl_seconds: int | None
    flush_every: float

    @classmethod
    def of(
        cls,
        intent: str,
        services: Sequence[str],
        checkpoint_interval: str | float,
        ttl: str | float | None,
        flush_interval: str | float,
    ) -> MissionOptions:
        if isinstance(services, str):
            raise ConfigurationError("services is a list of service names, e.g. services=['slack']")
        interval = seconds(checkpoint_interval)
        if interval <= 0:
            raise ConfigurationError("checkpoint_interval must be positive")
        return cls(
            intent=intent,
            services=tuple(services),
            checkpoint_every=interval * CHECKPOINT_AT,
            server_interval=max(SERVER_MIN_INTERVAL, min(3600, math.ceil(interval))),
            ttl_seconds=None if ttl is None else max(60, min(3600, math.ceil(seconds(ttl)))),
            flush_every=seconds(flush_interval),
        )


@dataclass
class ProxyResponse:
    """The upstream's answer, as the credential proxy relayed it (secrets and masked values scrubbed)."""

    status: int
    headers: dict[str, str | list[str]]
    body: Any
    body_encoding: str
    call_id: str
    masked: int
    latency_ms: int

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @classmethod
    def of(cls, answer: g.ProxiedCallResponse) -> ProxyResponse:
        body = answer.body.root if answer.body is not None else None
        return cls(
            answer.status, dict(answer.headers), body, answer.body_encoding, answer.call_id, answer.masked, answer.latency_ms
        )


class MissionEnded(MandateError):
    """The mission is over (revoked, checked out or expired): ``cause`` is the refusal that said so."""


@dataclass
class _Ledger:
    """What a mission has to send and what it has learnt: pure bookkeeping, shared by the sync and async missions."""

    options: MissionOptions
    pending: list[dict[str, Any]] = field(default_factory=list)
    services_used: set[str] = field(default_factory=set)
    calls_since_checkpoint: int = 0
    lost: int = 0
    #: The refusal that ended the passport (revoked, expired, checked out): raised at the next call.
    failure: Unauthenticated | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, call: Mapping[str, Any]) -> None:
        self.raise_if_ended()
        with self.lock:
            self.pending.append({k: v for k, v in call.items() if v is not None})
            self.services_used.add(str(call["service"]))
            self.calls_since_checkpoint += 1

    def observed(self, service: str) -> None:
        """A call the proxy made: Mandate recorded it itself; it only counts towards the next checkpoint."""
        with self.lock:
            self.services_used.add(service)
            self.calls_since_checkpoint += 1

    def take(self) -> list[dict[str, Any]]:
        """The next batch: at most BATCH_MAX calls, and at most one that spends an approval (the server takes one gated
        call per request, since an approval opens the door once)."""
        with self.lock:
            size, gated = 0, False
            for call in self.pending[:BATCH_MAX]:
                if "approval_id" in call:
                    if gated:
                        break
                    gated = True
                size += 1
            batch, self.pending = self.pending[:size], self.pending[size:]
            return batch

    def failed(self, batch: list[dict[str, Any]], error: Exception) -> None:
        """A batch that was refused before it was stored (429, 503, no connection) is sent again with the next one;
        one that may have been stored (the answer was lost) is not, so that no call is recorded twice."""
        never_stored = (isinstance(error, ProblemError) and error.status in (429, 503)) or (
            isinstance(error, ConnectionFailed)
            and isinstance(error.__cause__, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
        )
        if never_stored:
            with self.lock:
                self.pending = batch + self.pending
        else:
            self.unsent(batch, error)

    def checkpoint_body(self) -> tuple[list[str], int]:
        with self.lock:
            services, count = sorted(self.services_used), self.calls_since_checkpoint
            self.services_used, self.calls_since_checkpoint = set(), 0
            return services, count

    def not_checkpointed(self, services: list[str], count: int) -> None:
        """A checkpoint that failed: what it would have counted goes to the next one, so none is left out."""
        with self.lock:
            self.services_used.update(services)
            self.calls_since_checkpoint += count

    @property
    def uncounted(self) -> bool:
        """Calls were made since the last checkpoint (logged, or through the proxy)."""
        return self.calls_since_checkpoint > 0 or bool(self.services_used)

    def ended(self, error: Unauthenticated) -> None:
        """The server said the passport is over (revoked, expired, checked out): every later call raises it."""
        with self.lock:
            first = self.failure is None
            if first:
                self.failure = error
        if first:
            log.warning("mandate: the mission's passport can no longer be used (%s): %s", error.code, error.detail)

    def refused(self, error: Exception, what: str) -> None:
        """A background send failed: an ended passport ends the mission (``ended`` has it); anything else is logged
        and retried later."""
        if not isinstance(error, PassportRevoked | PassportExpired | PassportCheckedOut):
            log.warning("mandate: %s failed: %s", what, error)

    def raise_if_ended(self) -> None:
        failure = self.failure
        if failure is not None:
            # A new exception each time: the stored one carries the traceback of whichever thread learnt it first.
            raise type(failure)(failure.status, failure.problem, failure.retry_after)

    def unsent(self, batch: list[dict[str, Any]], error: Exception) -> None:
        """Calls that could not be sent at the end: said in the log, never silently dropped."""
        if not batch:
            return
        self.lost += len(batch)
        log.warning("mandate: %d logged call(s) could not be recorded (%s)", len(batch), error)


def _summary(exc: BaseException | None) -> tuple[Literal["success", "failure"], str | None]:
    if exc is None:
        return "success", None
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return "failure", text[:SUMMARY_MAX]


def _intent_body(
    named_intent: str,
    service: str,
    action: str | None,
    url: str,
    method: str,
    body: Any,
    amount: Mapping[str, Any] | None,
    reason: str,
    expires_in: int | None,
) -> dict[str, Any]:
    parameters: dict[str, Any] = {"url": url, "method": method.upper()}
    if body is not None:
        parameters["body"] = body
    intent: dict[str, Any] = {
        "named_intent": named_intent,
        "target": service,
        "action": action or f"{method.upper()} {url}",
        "parameters": parameters,
        "reason": reason,
    }
    if amount is not None:
        intent["amount"] = dict(amount)
    if expires_in is not None:
        intent["expires_in"] = expires_in
    return intent


def _decided(intent: g.IntentView) -> g.IntentView:
    if intent.status == "approved":
        return intent
    if intent.status == "rejected":
        note = intent.decision.note if intent.decision and intent.decision.note else "no note"
        raise ApprovalRejected(
            403, {"code": "APPROVAL_REJECTED", "detail": f"intent {intent.id} was rejected ({note})", "intent_id": intent.id}
        )
    raise ApprovalExpired(
        403, {"code": "APPROVAL_EXPIRED", "detail": f"intent {intent.id} expired before it was decided", "intent_id": intent.id}
    )


# ==== synchronous =====================================================================================================


class MissionIntents:
    """Intents submitted under the mission's passport."""

    def __init__(self, mission: Mission) -> None:
        self._m = mission

    def submit(
        self,
        *,
        named_intent: str,
        service: str,
        url: str,
        method: str = "POST",
        body: Any = None,
        action: str | None = None,
        amount: Mapping[str, Any] | None = None,
        reason: str,
        expires_in: int | None = None,
        idempotency_key: str | None = None,
    ) -> g.IntentView:
        """Submit an intent; the tenant's policy decides (approved at once, pending for a person, or refused)."""
        intent = _intent_body(named_intent, service, action, url, method, body, amount, reason, expires_in)
        return self._m._send(_api.submit_intent(self._m._auth, intent, idempotency_key))

    def wait(self, intent_id: str, *, timeout: float = 300.0) -> g.IntentView:
        """Wait for a person's decision on the server's long poll: the approved intent, else ``ApprovalRejected`` or
        ``ApprovalExpired``; ``TimeoutError`` if still pending after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            intent = self._m._send(_api.get_intent(intent_id, wait=max(1, min(60, int(left))), auth=self._m._auth))
            if intent.status != "pending":
                return _decided(intent)
            if time.monotonic() >= deadline:
                raise TimeoutError(f"intent {intent_id} is still pending after {timeout:.0f}s")

    def submit_and_wait(
        self,
        *,
        named_intent: str,
        service: str,
        url: str,
        method: str = "POST",
        body: Any = None,
        action: str | None = None,
        amount: Mapping[str, Any] | None = None,
        reason: str,
        expires_in: int | None = None,
        idempotency_key: str | None = None,
        timeout: float = 300.0,
    ) -> g.IntentView:
        """Submit, then wait for the decision: the approved intent (its ``approval_id`` opens the door once)."""
        submitted = self.submit(
            named_intent=named_intent,
            service=service,
            url=url,
            method=method,
            body=body,
            action=action,
            amount=amount,
            reason=reason,
            expires_in=expires_in,
            idempotency_key=idempotency_key or str(uuid.uuid4()),
        )
        if submitted.status != "pending":
            return _decided(submitted)
        return self.wait(submitted.id, timeout=timeout)

    def simulate(
        self,
        *,
        named_intent: str,
        service: str,
        url: str,
        method: str = "POST",
        body: Any = None,
        action: str | None = None,
        amount: Mapping[str, Any] | None = None,
        reason: str = "simulation",
    ) -> g.SimulationResponse:
        """What the policy would decide, with nothing stored."""
        intent = _intent_body(named_intent, service, action, url, method, body, amount, reason, None)
        return self._m._send(_api.simulate_intent(self._m._auth, intent))


class Mission:
    """``with mandate.mission(intent=..., services=[...]) as mission:`` (see the module's doc)."""

    def __init__(self, transport: SyncTransport, key: AgentKey, options: MissionOptions) -> None:
        self._t = transport
        self._key = key
        self.options = options
        self._ledger = _Ledger(options)
        self._auth = PassportAuth("", key)
        self.passport: g.IssuedPassportResponse | None = None
        self.intents = MissionIntents(self)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._worker: threading.Thread | None = None
        self.checkpoints = 0

    # ---- what the agent's code uses ----------------------------------------------------------------------------------

    @property
    def token(self) -> str:
        """The passport JWT (bound to the agent's key: useless without it)."""
        return self._auth.token

    @property
    def jti(self) -> str:
        return self._opened().jti

    @property
    def services(self) -> tuple[str, ...]:
        return self.options.services

    @property
    def lost_calls(self) -> int:
        """Logged calls that could not be recorded (the passport ended first); also said in the log."""
        return self._ledger.lost

    @property
    def ended_by(self) -> Unauthenticated | None:
        """The refusal that ended the mission's passport (``PassportRevoked``, ``PassportExpired``,
        ``PassportCheckedOut``) once the SDK has learnt it, in the background or from a call; else None. From then on
        ``log()``, ``proxy()`` and the other calls raise it."""
        return self._ledger.failure

    def covers(self, service: str) -> bool:
        """Whether the mission names this service (the server's rule: an exact name)."""
        return service in self.options.services

    def log(
        self,
        *,
        service: str,
        action: str,
        target: str | None = None,
        outcome: _api.Outcome = "success",
        approval_id: str | None = None,
        request: Mapping[str, Any] | None = None,
    ) -> None:
        """Record a tool call; sent in the background with others (no network wait here)."""
        self._ledger.record(
            {
                "service": service,
                "action": action,
                "target": target,
                "outcome": outcome,
                "approval_id": approval_id,
                "request": dict(request) if request else None,
            }
        )
        if len(self._ledger.pending) >= BATCH_MAX:
            self._wake.set()

    def report(
        self,
        *,
        service: str,
        action: str,
        target: str | None = None,
        outcome: _api.Outcome = "failure",
    ) -> g.ToolCallsLoggedResponse:
        """Record one call now and wait for it to be stored (what must not wait for the next batch, e.g. a stopped
        out-of-scope call the detectors should judge at once)."""
        call = {k: v for k, v in {"service": service, "action": action, "target": target, "outcome": outcome}.items() if v}
        return self._send(_api.log_calls(self.jti, self._auth, [call]))

    def flush(self) -> None:
        """Send every call logged so far and wait until they are stored."""
        while batch := self._ledger.take():
            try:
                self._send(_api.log_calls(self.jti, self._auth, batch))
            except (ProblemError, ConnectionFailed) as error:
                self._ledger.failed(batch, error)
                raise

    def checkpoint(self, summary: str | None = None) -> g.CheckpointResponse:
        """Checkpoint now (the worker does it on time by itself); in enforced mode the passport is refreshed."""
        self.flush()
        services, count = self._ledger.checkpoint_body()
        try:
            answer = self._send(_api.checkpoint(self.jti, self._auth, services, count, summary))
        except BaseException:
            self._ledger.not_checkpointed(services, count)
            raise
        if answer.token:
            self._auth.token = answer.token
        self.checkpoints += 1
        return answer

    def proxy(
        self,
        *,
        service: str,
        url: str,
        method: str = "GET",
        body: Any = None,
        headers: Mapping[str, str | Sequence[str]] | None = None,
        query: Mapping[str, str | Sequence[str]] | None = None,
        approval_id: str | None = None,
        idempotency_key: str | None = None,
        timeout: float | None = None,
    ) -> ProxyResponse:
        """Make a call through Mandate's credential proxy: the secret is added there, never here, and Mandate records
        the call as one it observed. Raises the proxy's refusals (``OutOfScope``, ``ProxyRefused``,
        ``ApprovalRequired``, ``CallMismatch``, …); an upstream's own error status is returned, not raised."""
        self._ledger.raise_if_ended()
        answer = self._send(
            _api.proxy(
                self._auth,
                service=service,
                url=url,
                method=method,
                body=body,
                headers=headers,
                query=query,
                approval_id=approval_id or current_approval.get(),
                idempotency_key=idempotency_key,
                timeout=timeout,
            )
        )
        self._ledger.observed(service)
        return ProxyResponse.of(answer)

    # ---- the block ---------------------------------------------------------------------------------------------------

    def __enter__(self) -> Mission:
        o = self.options
        self.passport = self._t.send(
            _api.issue_passport(
                self._key.agent_id,
                intent=o.intent,
                services=o.services,
                ttl_seconds=o.ttl_seconds,
                checkpoint_interval_seconds=o.server_interval,
                bind_to_key=self._key.thumbprint,
                idempotency_key=str(uuid.uuid4()),
                auth=AssertionAuth(self._key),
            )
        )
        self._auth.token = self.passport.token
        log.info(
            "mandate: mission %s opened (passport %s, %s mode)",
            self.passport.mission_id,
            self.passport.jti,
            self.passport.accountability_mode,
        )
        self._worker = threading.Thread(target=self._work, name=f"mandate-mission-{self.passport.jti}", daemon=True)
        self._worker.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        self._wake.set()
        if self._worker is not None:
            self._worker.join()
        outcome, summary = _summary(exc)
        if self._ledger.failure is None:
            self._record_the_rest()
        if self._ledger.failure is not None:
            self._ended_before_checkout(exc)
            return
        try:
            self._send(_api.checkout(self.jti, self._auth, outcome, summary))
            log.info("mandate: mission %s checked out (%s)", self._opened().mission_id, outcome)
        except (ProblemError, ConnectionFailed) as error:
            if exc is None:
                raise  # the block itself succeeded: the caller must learn the mission did not end as it thinks
            log.warning("mandate: checkout after %s failed: %s", type(exc).__name__, error)

    def _record_the_rest(self) -> None:
        """Before the checkout: the calls still pending, then a last checkpoint if calls were made since the previous
        one (the server compares what the agent counted with the calls its proxy observed: without it, calls made
        through the proxy since the last checkpoint would read as unreported)."""
        try:
            self.flush()
        except (ProblemError, ConnectionFailed) as error:
            self._ledger.unsent(self._ledger.take(), error)
            return
        if self._ledger.uncounted:
            try:
                self.checkpoint()
            except (ProblemError, ConnectionFailed) as error:
                log.warning("mandate: the last checkpoint before checkout failed: %s", error)

    def _ended_before_checkout(self, exc: BaseException | None) -> None:
        """The passport is over and the SDK knows it: nothing more is sent with it. A use would record nothing, and
        would itself be on record as a use after the end (a ``post_checkout_access`` finding against the agent)."""
        failure = self._ledger.failure
        assert failure is not None
        self._ledger.unsent(self._ledger.take(), failure)
        if exc is None:
            self._ledger.raise_if_ended()  # the block succeeded: the caller must learn the mission did not end well
        log.warning("mandate: mission %s ended (%s) before its checkout", self._opened().mission_id, failure.code)

    # ---- inside ------------------------------------------------------------------------------------------------------

    def _opened(self) -> g.IssuedPassportResponse:
        if self.passport is None:
            raise ConfigurationError("the mission is not open: use it as `with mandate.mission(...) as mission:`")
        return self.passport

    def _send(self, call: Call[T]) -> T:
        self._ledger.raise_if_ended()  # a passport known to be over is not used again (see _ended_before_checkout)
        try:
            return self._t.send(call)
        except (PassportRevoked, PassportExpired, PassportCheckedOut) as error:
            self._ledger.ended(error)
            raise

    def _work(self) -> None:
        next_checkpoint = time.monotonic() + self.options.checkpoint_every
        while not self._stop.is_set():
            timeout = min(self.options.flush_every, max(0.0, next_checkpoint - time.monotonic()))
            self._wake.wait(timeout)
            self._wake.clear()
            if self._stop.is_set() or self._ledger.failure is not None:
                return
            try:
                if time.monotonic() >= next_checkpoint:
                    self.checkpoint()
                    next_checkpoint = time.monotonic() + self.options.checkpoint_every
                else:
                    self.flush()
            except (ProblemError, ConnectionFailed) as error:
                self._ledger.refused(error, "recording in the background")


# ==== asynchronous ====================================================================================================


class AsyncMissionIntents:
    def __init__(self, mission: AsyncMission) -> None:
        self._m = mission

    async def submit(
        self,
        *,
        named_intent: str,
        service: str,
        url: str,
        method: str = "POST",
        body: Any = None,
        action: str | None = None,
        amount: Mapping[str, Any] | None = None,
        reason: str,
        expires_in: int | None = None,
        idempotency_key: str | None = None,
    ) -> g.IntentView:
        intent = _intent_body(named_intent, service, action, url, method, body, amount, reason, expires_in)
        return await self._m._send(_api.submit_intent(self._m._auth, intent, idempotency_key))

    async def wait(self, intent_id: str, *, timeout: float = 300.0) -> g.IntentView:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            intent = await self._m._send(_api.get_intent(intent_id, wait=max(1, min(60, int(left))), auth=self._m._auth))
            if intent.status != "pending":
                return _decided(intent)
            if time.monotonic() >= deadline:
                raise TimeoutError(f"intent {intent_id} is still pending after {timeout:.0f}s")

    async def submit_and_wait(
        self,
        *,
        named_intent: str,
        service: str,
        url: str,
        method: str = "POST",
        body: Any = None,
        action: str | None = None,
        amount: Mapping[str, Any] | None = None,
        reason: str,
        expires_in: int | None = None,
        idempotency_key: str | None = None,
        timeout: float = 300.0,
    ) -> g.IntentView:
        submitted = await self.submit(
            named_intent=named_intent,
            service=service,
            url=url,
            method=method,
            body=body,
            action=action,
            amount=amount,
            reason=reason,
            expires_in=expires_in,
            idempotency_key=idempotency_key or str(uuid.uuid4()),
        )
        if submitted.status != "pending":
            return _decided(submitted)
        return await self.wait(submitted.id, timeout=timeout)

    async def simulate(
        self,
        *,
        named_intent: str,
        service: str,
        url: str,
        method: str = "POST",
        body: Any = None,
        action: str | None = None,
        amount: Mapping[str, Any] | None = None,
        reason: str = "simulation",
    ) -> g.SimulationResponse:
        intent = _intent_body(named_intent, service, action, url, method, body, amount, reason, None)
        return await self._m._send(_api.simulate_intent(self._m._auth, intent))


class AsyncMission:
    """``async with mandate.mission(...) as mission:`` — the same as ``Mission``, its calls coroutines."""

    def __init__(self, transport: AsyncTransport, key: Callable[[], Awaitable[AgentKey]], options: MissionOptions) -> None:
        self._t = transport
        self._get_key = key
        self._key: AgentKey | None = None
        self.options = options
        self._ledger = _Ledger(options)
        self._auth = PassportAuth("", None)
        self.passport: g.IssuedPassportResponse | None = None
        self.intents = AsyncMissionIntents(self)
        self._wake = asyncio.Event()
        self._stopping = False
        self._worker: asyncio.Task[None] | None = None
        self.checkpoints = 0

    @property
    def token(self) -> str:
        return self._auth.token

    @property
    def services(self) -> tuple[str, ...]:
        return self.options.services

    @property
    def jti(self) -> str:
        if self.passport is None:
            raise ConfigurationError("the mission is not open: use it as `async with mandate.mission(...) as mission:`")
        return self.passport.jti

    @property
    def lost_calls(self) -> int:
        return self._ledger.lost

    @property
    def ended_by(self) -> Unauthenticated | None:
        """The refusal that ended the mission's passport, once learnt (see ``Mission.ended_by``)."""
        return self._ledger.failure

    def covers(self, service: str) -> bool:
        return service in self.options.services

    def log(
        self,
        *,
        service: str,
        action: str,
        target: str | None = None,
        outcome: _api.Outcome = "success",
        approval_id: str | None = None,
        request: Mapping[str, Any] | None = None,
    ) -> None:
        self._ledger.record(
            {
                "service": service,
                "action": action,
                "target": target,
                "outcome": outcome,
                "approval_id": approval_id,
                "request": dict(request) if request else None,
            }
        )
        if len(self._ledger.pending) >= BATCH_MAX:
            self._wake.set()

    async def report(
        self,
        *,
        service: str,
        action: str,
        target: str | None = None,
        outcome: _api.Outcome = "failure",
    ) -> g.ToolCallsLoggedResponse:
        call = {k: v for k, v in {"service": service, "action": action, "target": target, "outcome": outcome}.items() if v}
        return await self._send(_api.log_calls(self.jti, self._auth, [call]))

    async def flush(self) -> None:
        while batch := self._ledger.take():
            try:
                await self._send(_api.log_calls(self.jti, self._auth, batch))
            except (ProblemError, ConnectionFailed) as error:
                self._ledger.failed(batch, error)
                raise

    async def checkpoint(self, summary: str | None = None) -> g.CheckpointResponse:
        await self.flush()
        services, count = self._ledger.checkpoint_body()
        try:
            answer = await self._send(_api.checkpoint(self.jti, self._auth, services, count, summary))
        except BaseException:
            self._ledger.not_checkpointed(services, count)
            raise
        if answer.token:
            self._auth.token = answer.token
        self.checkpoints += 1
        return answer

    async def proxy(
        self,
        *,
        service: str,
        url: str,
        method: str = "GET",
        body: Any = None,
        headers: Mapping[str, str | Sequence[str]] | None = None,
        query: Mapping[str, str | Sequence[str]] | None = None,
        approval_id: str | None = None,
        idempotency_key: str | None = None,
        timeout: float | None = None,
    ) -> ProxyResponse:
        self._ledger.raise_if_ended()
        answer = await self._send(
            _api.proxy(
                self._auth,
                service=service,
                url=url,
                method=method,
                body=body,
                headers=headers,
                query=query,
                approval_id=approval_id or current_approval.get(),
                idempotency_key=idempotency_key,
                timeout=timeout,
            )
        )
        self._ledger.observed(service)
        return ProxyResponse.of(answer)

    async def __aenter__(self) -> AsyncMission:
        self._key = key = await self._get_key()
        o = self.options
        self.passport = await self._t.send(
            _api.issue_passport(
                key.agent_id,
                intent=o.intent,
                services=o.services,
                ttl_seconds=o.ttl_seconds,
                checkpoint_interval_seconds=o.server_interval,
                bind_to_key=key.thumbprint,
                idempotency_key=str(uuid.uuid4()),
                auth=AssertionAuth(key),
            )
        )
        self._auth = PassportAuth(self.passport.token, key)
        self._worker = asyncio.create_task(self._work(), name=f"mandate-mission-{self.passport.jti}")
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stopping = True
        self._wake.set()
        if self._worker is not None:
            try:
                await self._worker
            except Exception as error:  # the worker's own failure must not replace the block's exception
                log.warning("mandate: the mission's background recorder failed: %r", error)
        outcome, summary = _summary(exc)
        if self._ledger.failure is None:
            await self._record_the_rest()
        if self._ledger.failure is not None:
            self._ledger.unsent(self._ledger.take(), self._ledger.failure)
            if exc is None:
                self._ledger.raise_if_ended()
            log.warning("mandate: mission %s ended (%s) before its checkout", self.jti, self._ledger.failure.code)
            return
        try:
            await self._send(_api.checkout(self.jti, self._auth, outcome, summary))
        except (ProblemError, ConnectionFailed) as error:
            if exc is None:
                raise
            log.warning("mandate: checkout after %s failed: %s", type(exc).__name__, error)

    async def _record_the_rest(self) -> None:
        """See ``Mission._record_the_rest``."""
        try:
            await self.flush()
        except (ProblemError, ConnectionFailed) as error:
            self._ledger.unsent(self._ledger.take(), error)
            return
        if self._ledger.uncounted:
            try:
                await self.checkpoint()
            except (ProblemError, ConnectionFailed) as error:
                log.warning("mandate: the last checkpoint before checkout failed: %s", error)

    async def _send(self, call: Call[T]) -> T:
        self._ledger.raise_if_ended()
        try:
            return await self._t.send(call)
        except (PassportRevoked, PassportExpired, PassportCheckedOut) as error:
            self._ledger.ended(error)
            raise

    async def _work(self) -> None:
        loop = asyncio.get_running_loop()
        next_checkpoint = loop.time() + self.options.checkpoint_every
        while not self._stopping:
            timeout = min(self.options.flush_every, max(0.0, next_checkpoint - loop.time()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
            self._wake.clear()
            if self._stopping or self._ledger.failure is not None:
                return
            try:
                if loop.time() >= next_checkpoint:
                    await self.checkpoint()
                    next_checkpoint = loop.time() + self.options.checkpoint_every
                else:
                    await self.flush()
            except (ProblemError, ConnectionFailed) as error:
                self._ledger.refused(error, "recording in the background")
