"""A mission as a ``with`` block: the passport's whole life, so the agent's code never handles a JTI.

On entry the agent opens its mission with its own key (the passport is bound to it: every use carries a DPoP proof).
While the block runs, a background worker sends the calls the agent logs in batches and checkpoints before the leash
runs out (in enforced mode the checkpoint's refreshed passport replaces the old one). On exit the remaining calls are
sent, a last checkpoint counts the calls made since the previous one, and the mission is checked out: ``success``,
or ``failure`` with the exception as the summary. The exception is never swallowed. If the passport was revoked
meanwhile, the next call raises ``PassportRevoked``; once the SDK knows, it sends nothing more with the passport (a
use after revocation is itself a finding against the agent), and what was still pending is counted in ``lost_calls``.

``Mission`` runs the worker on a thread, ``AsyncMission`` on a task; everything else — what to send, when, what a
refusal means — is written once: ``_Ledger`` keeps the books, ``_Plans`` holds each operation as a plan that either
shell drives over its transport.
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
from typing import Any, Literal, NotRequired, TypedDict, Unpack

import httpx2 as httpx

from . import _api
from . import _generated as g
from ._keys import AgentKey, AssertionAuth, PassportAuth
from ._transport import AsyncTransport, Call, Plan, SyncTransport, T, adrive, drive
from .errors import (
    ApprovalExpired,
    ApprovalRejected,
    ConfigurationError,
    ConnectionFailed,
    KeyRevoked,
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
#: The refusals that end a passport for good: the mission is over, whatever it does next. A revoked agent key is one
#: too: the passport is bound to it, so no proof will ever make it usable again.
ENDS_PASSPORT = (PassportRevoked, PassportExpired, PassportCheckedOut, KeyRevoked)

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
    #: The refusal that ended the passport (revoked, expired, checked out, its key revoked): raised at the next call.
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
        """The server said the passport is over (revoked, expired, checked out, its key revoked): every later call raises it."""
        with self.lock:
            first = self.failure is None
            if first:
                self.failure = error
        if first:
            log.warning("mandate: the mission's passport can no longer be used (%s): %s", error.code, error.detail)

    def refused(self, error: Exception, what: str) -> None:
        """A background send failed: an ended passport ends the mission (``ended`` has it); anything else is logged
        and retried later."""
        if not isinstance(error, ENDS_PASSPORT):
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


# ==== what a mission does, written once ===============================================================================
#
# Each operation is a plan (``_transport.Plan``), driven by ``drive`` on the sync transport and ``adrive`` on the async
# one; ``Mission`` and ``AsyncMission`` are thin shells over the same plans, so the two cannot drift apart.


class IntentCall(TypedDict):
    """An intent's call, as ``mission.intents`` takes it: the service, and exactly the request to be approved."""

    named_intent: str
    service: str
    url: str
    reason: str
    method: NotRequired[str]
    body: NotRequired[Any]
    action: NotRequired[str | None]
    amount: NotRequired[Mapping[str, Any] | None]
    expires_in: NotRequired[int | None]


class ProxyCall(TypedDict):
    """A call for the credential proxy, as ``mission.proxy`` takes it."""

    service: str
    url: str
    method: NotRequired[str]
    body: NotRequired[Any]
    headers: NotRequired[Mapping[str, str | Sequence[str]] | None]
    query: NotRequired[Mapping[str, str | Sequence[str]] | None]
    approval_id: NotRequired[str | None]
    idempotency_key: NotRequired[str | None]
    timeout: NotRequired[float | None]


def _intent_of(call: IntentCall, reason: str | None = None) -> dict[str, Any]:
    return _intent_body(
        call["named_intent"],
        call["service"],
        call.get("action"),
        call["url"],
        call.get("method", "POST"),
        call.get("body"),
        call.get("amount"),
        reason or call["reason"],
        call.get("expires_in"),
    )


class _Plans:
    """A mission's state and every operation on it as a plan (see above); no I/O of its own."""

    def __init__(self, options: MissionOptions) -> None:
        self.options = options
        self.ledger = _Ledger(options)
        self.auth = PassportAuth("", None)
        self.passport: g.IssuedPassportResponse | None = None
        self.checkpoints = 0

    @property
    def opened(self) -> g.IssuedPassportResponse:
        if self.passport is None:
            raise ConfigurationError("the mission is not open: use it as `with mandate.mission(...) as mission:`")
        return self.passport

    def use(self, call: Call[T]) -> Plan[T]:
        """One request with the passport. A passport known to be over is not used again (see ``close``); one the
        server says is over ends the mission for every later call."""
        self.ledger.raise_if_ended()
        try:
            answer: T = yield call
        except ENDS_PASSPORT as error:
            self.ledger.ended(error)
            raise
        return answer

    def open(self, key: AgentKey) -> Plan[None]:
        o = self.options
        self.passport = yield _api.issue_passport(
            key.agent_id,
            intent=o.intent,
            services=o.services,
            ttl_seconds=o.ttl_seconds,
            checkpoint_interval_seconds=o.server_interval,
            bind_to_key=key.thumbprint,
            idempotency_key=str(uuid.uuid4()),
            auth=AssertionAuth(key),
        )
        self.auth = PassportAuth(self.passport.token, key)
        log.info(
            "mandate: mission %s opened (passport %s, %s mode)",
            self.passport.mission_id,
            self.passport.jti,
            self.passport.accountability_mode,
        )

    def log(self, call: Mapping[str, Any]) -> bool:
        """Queue one call; True when a batch is full and the worker should send it now."""
        self.ledger.record(call)
        return len(self.ledger.pending) >= BATCH_MAX

    def report(self, service: str, action: str, target: str | None, outcome: str) -> Plan[g.ToolCallsLoggedResponse]:
        call = {k: v for k, v in {"service": service, "action": action, "target": target, "outcome": outcome}.items() if v}
        return (yield from self.use(_api.log_calls(self.opened.jti, self.auth, [call])))

    def flush(self) -> Plan[None]:
        while batch := self.ledger.take():
            try:
                yield from self.use(_api.log_calls(self.opened.jti, self.auth, batch))
            except (ProblemError, ConnectionFailed) as error:
                self.ledger.failed(batch, error)
                raise

    def checkpoint(self, summary: str | None) -> Plan[g.CheckpointResponse]:
        yield from self.flush()
        services, count = self.ledger.checkpoint_body()
        try:
            answer: g.CheckpointResponse = yield from self.use(
                _api.checkpoint(self.opened.jti, self.auth, services, count, summary)
            )
        except BaseException:
            self.ledger.not_checkpointed(services, count)
            raise
        if answer.token:
            self.auth.token = answer.token
        self.checkpoints += 1
        return answer

    def proxy(self, call: ProxyCall) -> Plan[ProxyResponse]:
        self.ledger.raise_if_ended()
        answer: g.ProxiedCallResponse = yield from self.use(
            _api.proxy(
                self.auth,
                service=call["service"],
                url=call["url"],
                method=call.get("method", "GET"),
                body=call.get("body"),
                headers=call.get("headers"),
                query=call.get("query"),
                approval_id=call.get("approval_id") or current_approval.get(),
                idempotency_key=call.get("idempotency_key"),
                timeout=call.get("timeout"),
            )
        )
        self.ledger.observed(call["service"])
        return ProxyResponse.of(answer)

    def tick(self, checkpoint_due: bool) -> Plan[None]:
        """The worker's turn: a checkpoint when one is due, else the calls queued since the last turn."""
        try:
            if checkpoint_due:
                yield from self.checkpoint(None)
            else:
                yield from self.flush()
        except (ProblemError, ConnectionFailed) as error:
            self.ledger.refused(error, "recording in the background")

    def close(self, exc: BaseException | None) -> Plan[None]:
        """The block's end: the calls still queued, a last checkpoint if calls were made since the previous one (the
        server compares what the agent counted with what its proxy observed: without it, calls made through the proxy
        since then would read as unreported), then the checkout, as failure with the exception as summary if it raised.
        A passport the SDK knows is over is not used at all: a use would record nothing and would itself be on record
        as a use after the end (a ``post_checkout_access`` finding against the agent)."""
        outcome, summary = _summary(exc)
        if self.ledger.failure is None:
            try:
                yield from self.flush()
                if self.ledger.uncounted:
                    try:
                        yield from self.checkpoint(None)
                    except (ProblemError, ConnectionFailed) as error:
                        log.warning("mandate: the last checkpoint before checkout failed: %s", error)
            except (ProblemError, ConnectionFailed) as error:
                self.ledger.unsent(self.ledger.take(), error)
        failure = self.ledger.failure
        if failure is not None:
            self.ledger.unsent(self.ledger.take(), failure)
            log.warning("mandate: mission %s ended (%s) before its checkout", self.opened.mission_id, failure.code)
            if exc is None:
                self.ledger.raise_if_ended()  # the block succeeded: the caller must learn the mission did not end well
            return
        try:
            yield from self.use(_api.checkout(self.opened.jti, self.auth, outcome, summary))
            log.info("mandate: mission %s checked out (%s)", self.opened.mission_id, outcome)
        except (ProblemError, ConnectionFailed) as error:
            if exc is None:
                raise  # the block itself succeeded: the caller must learn the mission did not end as it thinks
            log.warning("mandate: checkout after %s failed: %s", type(exc).__name__, error)

    # ---- intents -------------------------------------------------------------------------------------------------

    def submit(self, call: IntentCall, idempotency_key: str | None) -> Plan[g.IntentView]:
        return (yield from self.use(_api.submit_intent(self.auth, _intent_of(call), idempotency_key)))

    def wait(self, intent_id: str, timeout: float) -> Plan[g.IntentView]:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            intent: g.IntentView = yield from self.use(
                _api.get_intent(intent_id, wait=max(1, min(60, int(left))), auth=self.auth)
            )
            if intent.status != "pending":
                return _decided(intent)
            if time.monotonic() >= deadline:
                raise TimeoutError(f"intent {intent_id} is still pending after {timeout:.0f}s")

    def submit_and_wait(self, call: IntentCall, idempotency_key: str | None, timeout: float) -> Plan[g.IntentView]:
        submitted = yield from self.submit(call, idempotency_key or str(uuid.uuid4()))
        if submitted.status != "pending":
            return _decided(submitted)
        return (yield from self.wait(submitted.id, timeout))

    def simulate(self, call: IntentCall) -> Plan[g.SimulationResponse]:
        return (yield from self.use(_api.simulate_intent(self.auth, _intent_of(call))))


class _MissionView:
    """What both missions show of their state."""

    _plans: _Plans

    @property
    def options(self) -> MissionOptions:
        return self._plans.options

    @property
    def passport(self) -> g.IssuedPassportResponse | None:
        return self._plans.passport

    @property
    def token(self) -> str:
        """The passport JWT (bound to the agent's key: useless without it)."""
        return self._plans.auth.token

    @property
    def jti(self) -> str:
        return self._plans.opened.jti

    @property
    def services(self) -> tuple[str, ...]:
        return self.options.services

    @property
    def checkpoints(self) -> int:
        return self._plans.checkpoints

    @property
    def lost_calls(self) -> int:
        """Logged calls that could not be recorded (the passport ended first); also said in the log."""
        return self._plans.ledger.lost

    @property
    def ended_by(self) -> Unauthenticated | None:
        """The refusal that ended the mission's passport (``PassportRevoked``, ``PassportExpired``,
        ``PassportCheckedOut``, ``KeyRevoked``) once the SDK has learnt it, in the background or from a call; else
        None. From then on ``log()``, ``proxy()`` and the other calls raise it."""
        return self._plans.ledger.failure

    @property
    def _auth(self) -> PassportAuth:
        return self._plans.auth

    @property
    def _ledger(self) -> _Ledger:
        return self._plans.ledger

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
        call = {
            "service": service,
            "action": action,
            "target": target,
            "outcome": outcome,
            "approval_id": approval_id,
            "request": dict(request) if request else None,
        }
        if self._plans.log(call):
            self._wake_worker()

    def _wake_worker(self) -> None:
        raise NotImplementedError


# ==== synchronous =====================================================================================================


class MissionIntents:
    """Intents submitted under the mission's passport."""

    def __init__(self, mission: Mission) -> None:
        self._m = mission

    def submit(self, *, idempotency_key: str | None = None, **call: Unpack[IntentCall]) -> g.IntentView:
        """Submit an intent; the tenant's policy decides (approved at once, pending for a person, or refused)."""
        return self._m._run(self._m._plans.submit(call, idempotency_key))

    def wait(self, intent_id: str, *, timeout: float = 300.0) -> g.IntentView:
        """Wait for a person's decision on the server's long poll: the approved intent, else ``ApprovalRejected`` or
        ``ApprovalExpired``; ``TimeoutError`` if still pending after ``timeout`` seconds."""
        return self._m._run(self._m._plans.wait(intent_id, timeout))

    def submit_and_wait(
        self, *, idempotency_key: str | None = None, timeout: float = 300.0, **call: Unpack[IntentCall]
    ) -> g.IntentView:
        """Submit (under an idempotency key, so a retried submit never queues two), then wait for the decision: the
        approved intent, whose ``approval_id`` opens the door once, for exactly this call."""
        return self._m._run(self._m._plans.submit_and_wait(call, idempotency_key, timeout))

    def simulate(self, **call: Unpack[IntentCall]) -> g.SimulationResponse:
        """What the policy would decide, with nothing stored."""
        return self._m._run(self._m._plans.simulate(call))


class Mission(_MissionView):
    """``with mandate.mission(intent=..., services=[...]) as mission:`` (see the module's doc)."""

    def __init__(self, transport: SyncTransport, key: AgentKey, options: MissionOptions) -> None:
        self._t = transport
        self._key = key
        self._plans = _Plans(options)
        self.intents = MissionIntents(self)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._worker: threading.Thread | None = None

    def report(
        self, *, service: str, action: str, target: str | None = None, outcome: _api.Outcome = "failure"
    ) -> g.ToolCallsLoggedResponse:
        """Record one call now and wait for it to be stored (what must not wait for the next batch, e.g. a stopped
        out-of-scope call the detectors should judge at once)."""
        return self._run(self._plans.report(service, action, target, outcome))

    def flush(self) -> None:
        """Send every call logged so far and wait until they are stored."""
        self._run(self._plans.flush())

    def checkpoint(self, summary: str | None = None) -> g.CheckpointResponse:
        """Checkpoint now (the worker does it on time by itself); in enforced mode the passport is refreshed."""
        return self._run(self._plans.checkpoint(summary))

    def proxy(self, **call: Unpack[ProxyCall]) -> ProxyResponse:
        """Make a call through Mandate's credential proxy: ``service``, ``url``, ``method`` (GET), ``body``,
        ``headers``, ``query``, ``approval_id``, ``idempotency_key``, ``timeout``. The secret is added there, never
        here, and Mandate records the call as one it observed. Raises the proxy's refusals (``OutOfScope``,
        ``ProxyRefused``, ``ApprovalRequired``, ``CallMismatch``, …); an upstream's own error status is returned."""
        return self._run(self._plans.proxy(call))

    def __enter__(self) -> Mission:
        self._run(self._plans.open(self._key))
        self._worker = threading.Thread(target=self._work, name=f"mandate-mission-{self.jti}", daemon=True)
        self._worker.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        self._wake.set()
        if self._worker is not None:
            self._worker.join()
        self._run(self._plans.close(exc))

    def _run(self, plan: Plan[T]) -> T:
        return drive(plan, self._t.send)

    def _send(self, call: Call[T]) -> T:
        return self._run(self._plans.use(call))

    def _wake_worker(self) -> None:
        self._wake.set()

    def _work(self) -> None:
        next_checkpoint = time.monotonic() + self.options.checkpoint_every
        while not self._stop.is_set():
            self._wake.wait(min(self.options.flush_every, max(0.0, next_checkpoint - time.monotonic())))
            self._wake.clear()
            if self._stop.is_set() or self._ledger.failure is not None:
                return
            due = time.monotonic() >= next_checkpoint
            self._run(self._plans.tick(due))
            if due:
                next_checkpoint = time.monotonic() + self.options.checkpoint_every


# ==== asynchronous ====================================================================================================


class AsyncMissionIntents:
    """Intents submitted under the mission's passport (see ``MissionIntents``)."""

    def __init__(self, mission: AsyncMission) -> None:
        self._m = mission

    async def submit(self, *, idempotency_key: str | None = None, **call: Unpack[IntentCall]) -> g.IntentView:
        return await self._m._run(self._m._plans.submit(call, idempotency_key))

    async def wait(self, intent_id: str, *, timeout: float = 300.0) -> g.IntentView:
        return await self._m._run(self._m._plans.wait(intent_id, timeout))

    async def submit_and_wait(
        self, *, idempotency_key: str | None = None, timeout: float = 300.0, **call: Unpack[IntentCall]
    ) -> g.IntentView:
        return await self._m._run(self._m._plans.submit_and_wait(call, idempotency_key, timeout))

    async def simulate(self, **call: Unpack[IntentCall]) -> g.SimulationResponse:
        return await self._m._run(self._m._plans.simulate(call))


class AsyncMission(_MissionView):
    """``async with mandate.mission(...) as mission:`` — the same as ``Mission``, its calls coroutines."""

    def __init__(self, transport: AsyncTransport, key: Callable[[], Awaitable[AgentKey]], options: MissionOptions) -> None:
        self._t = transport
        self._get_key = key
        self._plans = _Plans(options)
        self.intents = AsyncMissionIntents(self)
        self._wake = asyncio.Event()
        self._stopping = False
        self._worker: asyncio.Task[None] | None = None

    async def report(
        self, *, service: str, action: str, target: str | None = None, outcome: _api.Outcome = "failure"
    ) -> g.ToolCallsLoggedResponse:
        return await self._run(self._plans.report(service, action, target, outcome))

    async def flush(self) -> None:
        await self._run(self._plans.flush())

    async def checkpoint(self, summary: str | None = None) -> g.CheckpointResponse:
        return await self._run(self._plans.checkpoint(summary))

    async def proxy(self, **call: Unpack[ProxyCall]) -> ProxyResponse:
        return await self._run(self._plans.proxy(call))

    async def __aenter__(self) -> AsyncMission:
        await self._run(self._plans.open(await self._get_key()))
        self._worker = asyncio.create_task(self._work(), name=f"mandate-mission-{self.jti}")
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stopping = True
        self._wake.set()
        if self._worker is not None:
            try:
                await self._worker
            except Exception as error:  # the worker's own failure must not replace the block's exception
                log.warning("mandate: the mission's background recorder failed: %r", error)
        await self._run(self._plans.close(exc))

    async def _run(self, plan: Plan[T]) -> T:
        return await adrive(plan, self._t.send)

    async def _send(self, call: Call[T]) -> T:
        return await self._run(self._plans.use(call))

    def _wake_worker(self) -> None:
        self._wake.set()

    async def _work(self) -> None:
        loop = asyncio.get_running_loop()
        next_checkpoint = loop.time() + self.options.checkpoint_every
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), min(self.options.flush_every, max(0.0, next_checkpoint - loop.time())))
            self._wake.clear()
            if self._stopping or self._ledger.failure is not None:
                return
            due = loop.time() >= next_checkpoint
            await self._run(self._plans.tick(due))
            if due:
                next_checkpoint = loop.time() + self.options.checkpoint_every
