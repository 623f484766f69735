"""The event streams as iterators, against the real server: revocations and findings arrive as they happen, a server
killed and started again is resumed from the last event (nothing repeated, nothing lost), and a stream whose key is
revoked ends with ``StreamEnded``.

The sync iterator runs in a thread of its own that hands each event over a queue; the async one is read with
``asyncio.wait_for``. Each stream has an operator client of its own, closed at the end."""

from __future__ import annotations

import pytest
from conftest import AgentFactory, MandateServer, Tenant
from support import Reader, create_operator_key, next_of, revocable_passports, revoke_operator_key, set_limits

from mandate import AsyncMandate, Mandate, RateLimited, StreamEnded, StreamEvent


def _jtis(events: list[StreamEvent]) -> list[str]:
    return [str(e.data["jti"]) for e in events]


# ---- revocations ----------------------------------------------------------------------------------------------------


def test_revocations_arrive_as_they_happen(tenant: Tenant, server: MandateServer) -> None:
    jtis = revocable_passports(tenant, 3)
    with Mandate(server.url, api_key=tenant.key) as watcher:
        reader = Reader(watcher.revocations())
        # when passports are revoked one after the other
        for jti in jtis:
            tenant.operator.passports.revoke(jti, reason="test")
        # then each arrives, in order, as a revocation event whose id is its position
        events = reader.take(3, "the three revocations")
        # and closing the stream ends the reader blocked on it
        reader.close()
        reader.nothing_more()
    assert _jtis(events) == jtis
    assert {e.event for e in events} == {"revocation"}
    assert [e.position for e in events] == sorted({e.position for e in events})
    assert events[0].data["reason"] == "test"


async def test_the_async_revocations_iterator_resumes_after_the_last_event_it_was_given(
    tenant: Tenant, server: MandateServer
) -> None:
    first, second = revocable_passports(tenant, 2)
    async with AsyncMandate(server.url, api_key=tenant.key) as watcher:
        # given one revocation read from a stream that is then closed
        events = watcher.revocations()
        tenant.operator.passports.revoke(first, reason="test")
        seen = await next_of(events, "the first revocation")
        await events.aclose()
        # when a second passport is revoked and a stream is opened again from the last event seen
        tenant.operator.passports.revoke(second, reason="test")
        resumed = watcher.revocations(last_event_id=seen.id)
        try:
            # then it starts with what came after it, not with the first again
            assert (await next_of(resumed, "the second revocation")).data["jti"] == second
        finally:
            await resumed.aclose()
    assert seen.data["jti"] == first


# ---- findings -------------------------------------------------------------------------------------------------------


async def test_findings_raised_to_operators_arrive_on_the_findings_stream(
    tenant: Tenant, server: MandateServer, make_agent: AgentFactory
) -> None:
    agent = make_agent("logged")
    async with AsyncMandate(server.url, api_key=tenant.key) as watcher:
        findings = watcher.findings_stream()
        try:
            # when an agent reports a call outside its mission
            with agent.mission(intent="Triage", services=["echo"]) as mission:
                mission.report(service="slack", action="chat.postMessage")
            # then the finding arrives on the stream
            event = await next_of(findings, "the scope_drift finding")
        finally:
            await findings.aclose()
    assert event.data["signal"] == "scope_drift"
    assert event.data["jti"] == mission.jti


# ---- the end of a stream --------------------------------------------------------------------------------------------


def test_a_stream_whose_key_is_revoked_ends_with_stream_ended(tenant: Tenant, server: MandateServer) -> None:
    # given a stream read with a second operator key of the tenant
    key_id, key = create_operator_key(server.url, tenant.key, name="dashboard")
    jti = revocable_passports(tenant, 1)[0]
    with Mandate(server.url, api_key=key) as watcher:
        reader = Reader(watcher.revocations())
        tenant.operator.passports.revoke(jti, reason="test")
        reader.take(1, "a revocation, so the stream is open")
        # when that key is revoked
        revoke_operator_key(server.url, tenant.key, key_id)
        # then the stream ends, saying why, and is not resumed
        ended = reader.ended_with()
        reader.close()
    assert isinstance(ended, StreamEnded)
    assert ended.code == "KEY_REVOKED"


async def test_an_async_stream_whose_key_is_revoked_ends_with_stream_ended(tenant: Tenant, server: MandateServer) -> None:
    key_id, key = create_operator_key(server.url, tenant.key, name="dashboard")
    jti = revocable_passports(tenant, 1)[0]
    async with AsyncMandate(server.url, api_key=key) as watcher:
        events = watcher.revocations()
        tenant.operator.passports.revoke(jti, reason="test")
        await next_of(events, "a revocation, so the stream is open")
        revoke_operator_key(server.url, tenant.key, key_id)
        with pytest.raises(StreamEnded) as ended:
            await next_of(events, "the end of the stream")
    assert ended.value.code == "KEY_REVOKED"


def test_one_stream_too_many_is_refused_with_when_to_come_back(tenant: Tenant, server: MandateServer) -> None:
    # given a tenant that allows one stream per key, and that stream open
    set_limits(server.url, tenant.key, streams_per_key=1)
    jti = revocable_passports(tenant, 1)[0]
    with Mandate(server.url, api_key=tenant.key) as watcher:
        holder = Reader(watcher.revocations())
        tenant.operator.passports.revoke(jti, reason="test")
        holder.take(1, "a revocation, so the first stream is open")
        # when a second stream is asked for with the same key, not to be resumed
        with pytest.raises(RateLimited) as refused:
            next(watcher.revocations(reconnect=False))
        holder.close()
    # then it is refused TOO_MANY_STREAMS, saying when to come back (how long a resuming iterator waits)
    assert refused.value.code == "TOO_MANY_STREAMS"
    assert refused.value.retry_after == 10
