"""Retries: only connection failures, 429 and 503, honouring Retry-After, and only for a request that may be sent twice
(a read, a replacement, a revocation, a checkpoint, or one with an Idempotency-Key). Against the real server: its own
rate limits answer the 429s, and a port nobody listens on the connection failures. The restart case (the server going
away and coming back while a read is retried) is in test_retries_restart.py.

Waiting out a real Retry-After would take up to a minute (the limits count per minute), so the tests that follow a
retry replace the transport's sleep with one that notes the delay asked for and lifts the tenant's limit instead: the
retry is then answered by the server as it would be once the window had passed."""

from __future__ import annotations

import email.utils
import time
import types
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx2 as httpx
import pytest
from conftest import AgentFactory, MandateServer, Tenant, free_port
from support import set_limits

import mandate._transport as transport_module
from mandate import ConnectionFailed, Mandate, Mission, RateLimited, RetryPolicy
from mandate._api import get_intent
from mandate._transport import Call, _Attempts, raw, retry_after_seconds
from mandate.streams import _Resume

# ---- pure: Retry-After and the backoff ------------------------------------------------------------------------------


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds(" 0 ") == 0.0
    in_a_minute = email.utils.formatdate(time.time() + 60, usegmt=True)
    assert 55 <= (retry_after_seconds(in_a_minute) or 0) <= 60
    # a date already past means now, never a negative wait
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    # nothing, or nothing readable, is no Retry-After
    for unreadable in (None, "", "soon", "-5", "1.5e3"):
        assert retry_after_seconds(unreadable) is None


def test_the_backoff_is_full_jitter_under_an_exponential_cap() -> None:
    policy = RetryPolicy(max_retries=5, base_delay=0.25, max_delay=2.0)
    for attempt, cap in enumerate([0.25, 0.5, 1.0, 2.0, 2.0, 2.0]):
        delays = [policy.delay(attempt, None) for _ in range(200)]
        assert all(0 <= d <= cap for d in delays), (attempt, max(delays))
        assert max(delays) > cap / 2, "full jitter spreads over the whole range"
    # a Retry-After is waited exactly, whatever the attempt
    assert policy.delay(0, 12.0) == 12.0
    assert policy.delay(4, 3.0) == 3.0


def _call(method: str, **options: object) -> Call[object]:
    return Call(method, "/v1/x", raw, **options)  # type: ignore[arg-type]


def test_only_requests_that_may_be_sent_twice_are_retried() -> None:
    assert _call("GET").may_retry
    assert _call("PUT").may_retry
    assert _call("DELETE").may_retry
    assert _call("POST", retryable=True).may_retry
    assert _call("POST", headers={"idempotency-key": "k"}).may_retry
    assert not _call("POST").may_retry
    assert not _call("PATCH").may_retry
    # and never more often than the policy says, nor past a Retry-After it will not wait for
    attempts = _Attempts(_call("GET"), RetryPolicy(max_retries=2, base_delay=0, max_retry_after=30))
    assert attempts.after_error(OSError()) == 0
    assert attempts.after_error(OSError()) == 0
    assert attempts.after_error(OSError()) is None
    too_late = httpx.Response(429, headers={"retry-after": "31"})
    assert _Attempts(_call("GET"), RetryPolicy(max_retry_after=30)).after_answer(too_late) is None
    assert _Attempts(_call("POST"), RetryPolicy()).after_answer(httpx.Response(503)) is None


def test_a_stream_resumes_after_the_servers_retry_after() -> None:
    resume = _Resume("/v1/revocations/stream", None, reconnect=True)
    refused = RateLimited(429, {"code": "TOO_MANY_STREAMS"}, retry_after=10.0)
    assert resume.after_drop(refused) == 10.0
    # without one, it backs off from the server's `retry:` (1 s by default), doubling, bounded
    assert [resume.after_drop(None) for _ in range(6)] == [2.0, 4.0, 8.0, 15.0, 15.0, 15.0]


# ---- 429 from the real server ---------------------------------------------------------------------------------------


@dataclass
class Sent:
    """Each request a client made: its method and path."""

    requests: list[tuple[str, str]] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> None:
        self.requests.append((request.method, request.url.path))

    def count(self, method: str, path_end: str) -> int:
        return sum(1 for m, p in self.requests if m == method and p.endswith(path_end))


@pytest.fixture
def sent() -> Sent:
    return Sent()


@pytest.fixture
def limited(tenant: Tenant, server: MandateServer, make_agent: AgentFactory, sent: Sent) -> Iterator[Mission]:
    """A mission whose passport is past the tenant's per-passport rate limit (one request a minute)."""
    set_limits(server.url, tenant.key, passport_requests_per_minute=1)
    agent = make_agent("logged", http_client=httpx.Client(timeout=30, event_hooks={"request": [sent]}))
    with agent.mission(intent="Flood", services=["echo"]) as mission:
        for _ in range(5):
            try:
                mission.report(service="echo", action="ping")
            except RateLimited:
                break
        else:
            raise AssertionError("the passport never reached its limit")
        yield mission
        set_limits(server.url, tenant.key)  # back to the defaults, so the block can check out


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch, tenant: Tenant, server: MandateServer) -> list[float]:
    """The transport's sleeps: each noted, and instead of waiting the tenant's limit is lifted (the window passing)."""
    noted: list[float] = []

    def sleep(seconds: float) -> None:
        noted.append(seconds)
        set_limits(server.url, tenant.key)

    monkeypatch.setattr(transport_module, "time", types.SimpleNamespace(sleep=sleep, time=time.time, monotonic=time.monotonic))
    return noted


def test_a_rate_limited_request_that_may_not_be_repeated_is_raised_at_once_with_retry_after(limited: Mission, sent: Sent) -> None:
    # given a passport past its limit; when it logs a call (a POST without an Idempotency-Key)
    before = sent.count("POST", "/actions")
    with pytest.raises(RateLimited) as refused:
        limited.report(service="echo", action="ping")
    # then it was sent once, and RateLimited says when to come back
    assert sent.count("POST", "/actions") == before + 1
    assert refused.value.code == "RATE_LIMITED"
    assert refused.value.retry_after is not None
    assert 1 <= refused.value.retry_after <= 60
    assert refused.value.problem["scope"] == "passport"


def _read_intent(mission: Mission) -> Callable[[], object]:
    intent = mission.intents.submit(named_intent="echo:read", service="echo", url="https://localhost/x", reason="test")
    return lambda: mission._send(get_intent(intent.id, auth=mission._auth))


IDEMPOTENT: dict[str, Callable[[Mission], Callable[[], object]]] = {
    "a read (GET the intent)": _read_intent,
    "a checkpoint (POST that only moves the leash)": lambda m: m.checkpoint,
    "an intent with an Idempotency-Key": lambda m: (
        lambda: m.intents.submit(
            named_intent="echo:write", service="echo", url="https://localhost/x", reason="test", idempotency_key=str(uuid.uuid4())
        )
    ),
}


@pytest.mark.parametrize("kind", list(IDEMPOTENT))
def test_a_rate_limited_request_that_may_be_repeated_is_retried_after_retry_after(
    kind: str, tenant: Tenant, server: MandateServer, limited: Mission, waits: list[float]
) -> None:
    # given a passport past its limit (the intent for the read is made while the limit is lifted)
    set_limits(server.url, tenant.key)
    call = IDEMPOTENT[kind](limited)
    set_limits(server.url, tenant.key, passport_requests_per_minute=1)
    # when it makes a request that may be sent twice
    answer = call()
    # then it waited what the server's Retry-After said, once, and the retry got the answer
    assert answer is not None
    assert len(waits) == 1
    assert 1 <= waits[0] <= 60
    assert waits[0] == int(waits[0]), "the server's Retry-After in seconds, not a backoff of the SDK's own"


def test_a_retry_after_longer_than_the_policy_waits_for_is_raised_instead(
    tenant: Tenant, server: MandateServer, limited: Mission, waits: list[float]
) -> None:
    limited._t.retry = RetryPolicy(max_retry_after=0.5)
    # when a checkpoint is refused 429 for longer than the policy will wait
    with pytest.raises(RateLimited) as refused:
        limited.checkpoint()
    # then nothing waited, and the caller learns when to come back
    assert waits == []
    assert refused.value.retry_after is not None
    assert refused.value.retry_after > 0.5


# ---- connection failures --------------------------------------------------------------------------------------------


def test_a_post_that_may_not_be_repeated_fails_at_once_when_mandate_cannot_be_reached(sent: Sent) -> None:
    # given a client of an address where nothing listens
    nowhere = f"http://127.0.0.1:{free_port()}"
    with Mandate(nowhere, api_key="mdt.key", http_client=httpx.Client(event_hooks={"request": [sent]})) as client:
        started = time.monotonic()
        # when it registers an agent (a POST without an Idempotency-Key)
        with pytest.raises(ConnectionFailed) as failed:
            client.agents.register("bot")
    # then it tried once, without waiting, and says where it could not go
    assert sent.requests == [("POST", "/v1/agents")]
    assert time.monotonic() - started < 1
    assert nowhere in str(failed.value)
    assert isinstance(failed.value.__cause__, httpx.ConnectError)


def test_a_read_is_retried_when_mandate_cannot_be_reached_then_fails(sent: Sent) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    policy = RetryPolicy(max_retries=2, base_delay=0.01, max_delay=0.02)
    with (
        Mandate(nowhere, api_key="mdt.key", retry=policy, http_client=httpx.Client(event_hooks={"request": [sent]})) as client,
        pytest.raises(ConnectionFailed),
    ):
        client.agents.get("agt_someone")
    # the first attempt and the two retries the policy allows
    assert sent.requests == [("GET", "/v1/agents/agt_someone")] * 3


# ---- idempotency keys -----------------------------------------------------------------------------------------------


def test_the_same_idempotency_key_gives_the_same_intent(make_agent: AgentFactory, sent: Sent) -> None:
    agent = make_agent("logged", http_client=httpx.Client(timeout=30, event_hooks={"request": [sent]}))
    with agent.mission(intent="Refund", services=["echo"]) as mission:
        key = str(uuid.uuid4())
        # when the same intent is submitted twice under one key (a retry whose first answer was lost)
        first = mission.intents.submit(
            named_intent="echo:refunds:create", service="echo", url="https://localhost/r", reason="r", idempotency_key=key
        )
        again = mission.intents.submit(
            named_intent="echo:refunds:create", service="echo", url="https://localhost/r", reason="r", idempotency_key=key
        )
        # then it is one intent
        assert again.id == first.id
        assert again.position == first.position


def test_submit_and_wait_sends_an_idempotency_key_so_that_it_may_be_retried(tenant: Tenant, make_agent: AgentFactory) -> None:
    keys: list[str | None] = []

    def note(request: httpx.Request) -> None:
        if request.method == "POST" and request.url.path == "/v1/intents":
            keys.append(request.headers.get("idempotency-key"))

    tenant.operator.policies.replace(default="auto_approve")
    agent = make_agent("logged", http_client=httpx.Client(timeout=30, event_hooks={"request": [note]}))
    with agent.mission(intent="Refund", services=["echo"]) as mission:
        approved = mission.intents.submit_and_wait(
            named_intent="echo:refunds:create", service="echo", url="https://localhost/r", reason="r", timeout=5
        )
    assert approved.status == "approved"
    assert len(keys) == 1
    assert keys[0]


def test_opening_a_mission_is_always_keyed_so_its_retry_opens_one_mission() -> None:
    # given a passport issued without an idempotency key of the caller's
    from mandate._api import issue_passport

    call = issue_passport(
        "agt_x",
        intent="i",
        services=["echo"],
        ttl_seconds=None,
        checkpoint_interval_seconds=None,
        bind_to_key=None,
        idempotency_key=None,
    )
    # then the SDK keys it itself (the server's idempotency, in the body) and may therefore retry it
    assert call.may_retry
    assert call.json["idempotency_key"]
    assert (
        issue_passport(
            "agt_x",
            intent="i",
            services=["echo"],
            ttl_seconds=None,
            checkpoint_interval_seconds=None,
            bind_to_key=None,
            idempotency_key=None,
        ).json["idempotency_key"]
        != call.json["idempotency_key"]
    )
