"""One request to Mandate, sync or async: authentication per attempt, retries, and problem details turned into errors.

A request is described once as a ``Call`` (method, path, body, how it authenticates, whether it may be retried) and run
by either ``SyncTransport`` or ``AsyncTransport``; both share the retry rule and the answer's reading, so the two clients
cannot drift apart.

Retries: connection failures, ``429`` and ``503`` only, with exponential backoff and full jitter, honouring
``Retry-After``; and only for a request that is idempotent (reads, replacements, revocations) or carries an
``Idempotency-Key``. A ``POST`` that is neither is sent once: a retry could do the thing twice.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from collections.abc import Awaitable, Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar
from urllib.parse import urlsplit

import httpx2 as httpx
from pydantic import BaseModel

from ._version import __version__
from .errors import ConfigurationError, ConnectionFailed, ProblemError, problem_error

log = logging.getLogger("mandate")

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

USER_AGENT = f"mandate-python/{__version__}"
RETRYABLE_STATUSES = frozenset({429, 503})
# What a retry may follow: the request was not answered. A timeout after sending is included only for retryable calls.
RETRYABLE_ERRORS: tuple[type[Exception], ...] = (httpx.TransportError,)


class Authenticator(Protocol):
    """Headers that prove who sends one attempt of a request (a fresh assertion or DPoP proof each time)."""

    def headers(self, method: str, url: str) -> dict[str, str]: ...


class OperatorKey:
    """A tenant's operator key as a bearer token."""

    def __init__(self, key: str) -> None:
        self._key = key

    def headers(self, method: str, url: str) -> dict[str, str]:
        return {"authorization": f"Bearer {self._key}"}

    def __repr__(self) -> str:  # never the key
        return "OperatorKey(***)"


class NoAuth:
    def headers(self, method: str, url: str) -> dict[str, str]:
        return {}


class AgentRuntime:
    """The default of an agent's runtime (``Mandate(agent_id=...)``): it holds no operator key, so an operator's call
    (approving an intent, revoking, reading the audit, …) is refused here, before anything is sent. The agent's own
    calls carry their credential themselves (its assertion, its passport)."""

    def headers(self, method: str, url: str) -> dict[str, str]:
        raise ConfigurationError(
            f"{method} {urlsplit(url).path} is an operator's call: the agent's runtime holds no operator key "
            "(create Mandate(api_key=...) for operators)"
        )


@dataclass(frozen=True)
class Call(Generic[T]):
    """One request, described once and run by either transport."""

    method: str
    path: str
    parse: Callable[[Any], T]
    json: Any = None
    params: Mapping[str, Any] | None = None
    auth: Authenticator | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    #: May be sent again after a connection failure, 429 or 503 (reads, replacements, revocations, keyed requests).
    retryable: bool = False
    #: Seconds to wait for the answer, beyond the client's default (a long poll).
    timeout: float | None = None

    @property
    def may_retry(self) -> bool:
        return self.retryable or self.method in ("GET", "HEAD", "PUT", "DELETE") or "idempotency-key" in self.headers


def model(cls: type[M]) -> Callable[[Any], M]:
    return cls.model_validate


def raw(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry. ``max_retries=0`` turns retries off."""

    max_retries: int = 3
    base_delay: float = 0.25
    max_delay: float = 8.0
    #: A Retry-After beyond this is not waited for: the error is raised with ``retry_after`` set instead.
    max_retry_after: float = 60.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after
        return random.uniform(0, min(self.max_delay, self.base_delay * (2**attempt)))  # noqa: S311 - jitter, not secrecy


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds: a number, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def read_answer(call: Call[T], response: httpx.Response) -> T:
    """The parsed body of a 2xx answer, or the problem it carries as an exception."""
    if response.is_success:
        if response.status_code == 204 or not response.content:
            return call.parse(None)
        return call.parse(response.json())
    raise error_of(response)


def error_of(response: httpx.Response) -> ProblemError:
    try:
        problem = response.json()
    except ValueError:
        problem = None
    if not isinstance(problem, dict):
        problem = {"code": "HTTP_" + str(response.status_code), "detail": response.text[:500]}
    return problem_error(response.status_code, problem, retry_after_seconds(response.headers.get("retry-after")))


class _Attempts:
    """The retry loop's bookkeeping, shared by both transports."""

    def __init__(self, call: Call[Any], policy: RetryPolicy) -> None:
        self.call = call
        self.policy = policy
        self.attempt = 0

    def after_answer(self, response: httpx.Response) -> float | None:
        """Seconds to wait before another attempt, or None when this answer is final."""
        if response.status_code not in RETRYABLE_STATUSES or not self._may_retry():
            return None
        retry_after = retry_after_seconds(response.headers.get("retry-after"))
        if retry_after is not None and retry_after > self.policy.max_retry_after:
            return None
        return self._next(retry_after, f"{response.status_code}")

    def after_error(self, error: Exception) -> float | None:
        if not self._may_retry():
            return None
        return self._next(None, type(error).__name__)

    def _may_retry(self) -> bool:
        return self.call.may_retry and self.attempt < self.policy.max_retries

    def _next(self, retry_after: float | None, why: str) -> float:
        delay = self.policy.delay(self.attempt, retry_after)
        self.attempt += 1
        log.info("mandate: %s %s answered %s, retry %d in %.2fs", self.call.method, self.call.path, why, self.attempt, delay)
        return delay


def request_headers(call: Call[Any], auth: Authenticator, url: str) -> dict[str, str]:
    headers = {"user-agent": USER_AGENT, "accept": "application/json", **call.headers}
    headers.update((call.auth or auth).headers(call.method, url))
    return headers


class SyncTransport:
    def __init__(
        self,
        base_url: str,
        auth: Authenticator,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.retry = retry or RetryPolicy()
        self.client = client or httpx.Client(timeout=timeout, follow_redirects=False)

    def url(self, path: str) -> str:
        return self.base_url + path

    def send(self, call: Call[T]) -> T:
        return read_answer(call, self.response(call))

    def response(self, call: Call[Any]) -> httpx.Response:
        attempts = _Attempts(call, self.retry)
        url = self.url(call.path)
        while True:
            try:
                response = self.client.request(
                    call.method,
                    url,
                    json=call.json,
                    params=_params(call.params),
                    headers=request_headers(call, self.auth, url),
                    timeout=call.timeout if call.timeout is not None else httpx.USE_CLIENT_DEFAULT,
                )
            except RETRYABLE_ERRORS as error:
                delay = attempts.after_error(error)
                if delay is None:
                    raise ConnectionFailed(f"{call.method} {url}: {error!r}") from error
                time.sleep(delay)
                continue
            delay = attempts.after_answer(response)
            if delay is None:
                return response
            response.close()
            time.sleep(delay)

    def close(self) -> None:
        self.client.close()


class AsyncTransport:
    def __init__(
        self,
        base_url: str,
        auth: Authenticator,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.retry = retry or RetryPolicy()
        self.client = client or httpx.AsyncClient(timeout=timeout, follow_redirects=False)

    def url(self, path: str) -> str:
        return self.base_url + path

    async def send(self, call: Call[T]) -> T:
        return read_answer(call, await self.response(call))

    async def response(self, call: Call[Any]) -> httpx.Response:
        attempts = _Attempts(call, self.retry)
        url = self.url(call.path)
        while True:
            try:
                response = await self.client.request(
                    call.method,
                    url,
                    json=call.json,
                    params=_params(call.params),
                    headers=request_headers(call, self.auth, url),
                    timeout=call.timeout if call.timeout is not None else httpx.USE_CLIENT_DEFAULT,
                )
            except RETRYABLE_ERRORS as error:
                delay = attempts.after_error(error)
                if delay is None:
                    raise ConnectionFailed(f"{call.method} {url}: {error!r}") from error
                await asyncio.sleep(delay)
                continue
            delay = attempts.after_answer(response)
            if delay is None:
                return response
            await response.aclose()
            await asyncio.sleep(delay)

    async def aclose(self) -> None:
        await self.client.aclose()


def _params(params: Mapping[str, Any] | None) -> dict[str, str] | None:
    """Query parameters as the server wants them: no None, booleans as true/false."""
    if not params:
        return None
    out: dict[str, str] = {}
    for name, value in params.items():
        if value is None:
            continue
        out[name] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return out


# ---- plans: an operation written once, run by either transport -------------------------------------------------------
#
# A plan is a generator that yields the requests it needs and receives their answers (or has their errors thrown into
# it), and returns its result. ``drive`` runs it on the sync transport, ``adrive`` on the async one, so what an
# operation of several requests decides is written once for both clients.

Plan = Generator[Call[Any], Any, T]


def drive(plan: Plan[T], send: Callable[[Call[Any]], Any]) -> T:
    answer: Any = None
    error: BaseException | None = None
    while True:
        try:
            call = plan.throw(error) if error is not None else plan.send(answer)
        except StopIteration as done:
            result: T = done.value
            return result
        try:
            answer, error = send(call), None
        except BaseException as failure:  # the plan decides: it may handle it, or it rises from the plan
            answer, error = None, failure


async def adrive(plan: Plan[T], send: Callable[[Call[Any]], Awaitable[Any]]) -> T:
    answer: Any = None
    error: BaseException | None = None
    while True:
        try:
            call = plan.throw(error) if error is not None else plan.send(answer)
        except StopIteration as done:
            result: T = done.value
            return result
        try:
            answer, error = await send(call), None
        except BaseException as failure:
            answer, error = None, failure
