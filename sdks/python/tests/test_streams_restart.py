"""Event streams across a server killed (-9) and started again on the same data: the sync and the async iterator both
reconnect with ``Last-Event-ID`` and deliver what happened before and after, exactly once each, in order.

It restarts the server the session shares (left running and ready), so it is a module of its own, marked ``restart``.
"""

from __future__ import annotations

import pytest
from conftest import MandateServer, Tenant
from support import Reader, next_of, revocable_passports

from mandate import AsyncMandate, Mandate, StreamEvent

pytestmark = pytest.mark.restart


def _jtis(events: list[StreamEvent]) -> list[str]:
    return [str(e.data["jti"]) for e in events]


async def test_revocation_streams_resume_across_a_restart_without_repeating_or_losing_one(
    tenant: Tenant, server: MandateServer
) -> None:
    before, after, (last,) = revocable_passports(tenant, 3), revocable_passports(tenant, 2), revocable_passports(tenant, 1)
    with Mandate(server.url, api_key=tenant.key) as sync_watcher:
        async with AsyncMandate(server.url, api_key=tenant.key) as async_watcher:
            # given a sync and an async revocation stream that have seen three revocations
            reader = Reader(sync_watcher.revocations())
            async_events = async_watcher.revocations()
            for jti in before:
                tenant.operator.passports.revoke(jti, reason="before the restart")
            seen_sync = reader.take(3, "the revocations before the restart (sync)")
            seen_async = [await next_of(async_events, "a revocation before the restart (async)") for _ in before]
            try:
                # when the server is killed and started again on its data, and two more passports are revoked
                server.restart()
                for jti in after:
                    tenant.operator.passports.revoke(jti, reason="after the restart")
                # then both streams resume after the last event they gave and deliver exactly those two
                seen_sync += reader.take(2, "the revocations after the restart (sync)")
                seen_async += [await next_of(async_events, "a revocation after the restart (async)") for _ in after]
                # and nothing is repeated behind them: the next event is the next revocation
                tenant.operator.passports.revoke(last, reason="after the restart")
                assert _jtis(reader.take(1, "the last revocation (sync)")) == [last]
                assert (await next_of(async_events, "the last revocation (async)")).data["jti"] == last
            finally:
                reader.close()
                await async_events.aclose()
    assert _jtis(seen_sync) == before + after
    assert _jtis(seen_async) == before + after
    assert [e.id for e in seen_sync] == [e.id for e in seen_async]
    positions = [e.position for e in seen_sync]
    assert positions == sorted(set(positions))
    reader.nothing_more()
