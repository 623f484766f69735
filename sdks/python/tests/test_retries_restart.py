"""A read retried while Mandate is away: the server the session shares is stopped, and started again from another
thread while the client retries; the read succeeds once it is back. A module of its own, marked ``restart``: it
leaves the server running and ready."""

from __future__ import annotations

import signal
import threading

import httpx2 as httpx
import pytest
from conftest import MandateServer, Tenant

from mandate import Mandate, RetryPolicy

pytestmark = pytest.mark.restart


def test_a_read_is_retried_until_mandate_is_back(tenant: Tenant, server: MandateServer) -> None:
    agent = tenant.operator.agents.register("patient")
    attempts: list[str] = []
    # a policy that outlasts a restart (about 2 s here), bounded: 40 retries of at most 0.25 s
    policy = RetryPolicy(max_retries=40, base_delay=0.05, max_delay=0.25)
    client = httpx.Client(timeout=10, event_hooks={"request": [lambda r: attempts.append(r.url.path)]})
    with Mandate(server.url, api_key=tenant.key, retry=policy, http_client=client) as operator:
        # given Mandate stopped (killed), and started again from another thread
        server.stop(signal.SIGKILL)
        failure: list[BaseException] = []

        def start_again() -> None:
            try:
                server.start()
            except BaseException as error:  # handed to the test
                failure.append(error)

        starting = threading.Thread(target=start_again, name="mandate-start")
        starting.start()
        try:
            # when the operator reads the agent meanwhile
            read = operator.agents.get(agent.id)
        finally:
            starting.join(timeout=60)
        assert not failure, failure
    # then the read was retried while Mandate was away, and answered once it was back
    assert read.id == agent.id
    assert len(attempts) > 1
    assert set(attempts) == {f"/v1/agents/{agent.id}"}
