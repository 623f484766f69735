"""mandate.langchain in an asyncio agent (``ainvoke``): an ``AsyncMission``'s tools and middleware are coroutines, and a
``Mission`` can serve an async run as well (its network calls on a thread). Same real server, same scripted model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import AgentFactory, MandateServer, Tenant, Upstream
from langchain.agents import create_agent
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command
from test_langchain import (
    REFUNDS,
    SERVICES,
    Approver,
    ask,
    call,
    exported,
    gate_refunds,
    of_type,
    refund_tool,
    reported,
    run_config,
    scripted,
)

from mandate import AsyncMandate, Mandate, OutOfScope
from mandate import models as g
from mandate.langchain import MandateCallbackHandler, MandateMiddleware, mandate_tool, proxied_tool


def async_runtime(runtime: Mandate, server: MandateServer, tmp_path: Path) -> AsyncMandate:
    """The same agent's runtime for asyncio: its key is already enrolled (in the test's key dir)."""
    assert runtime.key is not None
    return AsyncMandate(server.url, agent_id=runtime.key.agent_id, key_dir=tmp_path / "keys")


async def test_an_async_agents_calls_are_gated_proxied_and_reported_once(
    tenant: Tenant, make_agent: AgentFactory, upstream: Upstream, server: MandateServer, tmp_path: Path
) -> None:
    # given refunds need a person, and an async agent with a proxied read, a gated refund and a local coroutine tool
    gate_refunds(tenant)
    before = len(upstream.received)

    @tool
    async def count_words(text: str) -> int:
        """Count the words of a text."""
        return len(text.split())

    async with (
        async_runtime(make_agent(mode="enforced", services=SERVICES), server, tmp_path) as mandate,
        mandate.mission(intent="Refund ticket 4821", services=["echo", "langchain"]) as mission,
    ):
        get_ticket = proxied_tool(
            mission,
            name="get_ticket",
            description="Read a ticket",
            service="echo",
            url=f"{upstream.url}/tickets/{{ticket_id}}",
        )
        model = scripted(
            [call("get_ticket", "call_get", ticket_id="4821"), call("count_words", "call_count", text="one two")],
            [call("refund", "call_refund", charge="ch_abc", amount=4200)],
        )
        agent = create_agent(
            model, [get_ticket, count_words, refund_tool(mission, upstream)], middleware=[MandateMiddleware(mission)]
        )
        # when it runs, and a person approves the refund while it waits
        approver = Approver(tenant.operator, lambda operator, intent_id: operator.intents.approve(intent_id))
        await agent.ainvoke(ask("Refund ticket 4821"), config=run_config(MandateCallbackHandler(mission)))
        jti = mission.jti
    intent = approver.join()

    # then the upstream got the read and exactly the approved refund, each once
    calls = upstream.received[before:]
    assert sorted((r.method, r.path) for r in calls) == [("GET", "/tickets/4821"), ("POST", "/refunds")]
    assert json.loads(next(r.body for r in calls if r.method == "POST")) == {"charge": "ch_abc", "amount": 4200}
    assert tenant.operator.intents.get(intent.id).consumed is True
    # and each call was reported once, and the detectors found nothing to say
    events = exported(tenant.operator)
    assert sorted((c["service"], c["action"], c["outcome"]) for c in reported(events)) == [
        ("echo", "get_ticket", "success"),
        ("echo", "refund", "success"),
        ("langchain", "count_words", "success"),
    ]
    assert len(of_type(events, "ProxiedCallEnded")) == 2
    assert list(tenant.operator.findings.list(jti=jti, wait_for_position=events[-1].position)) == []


async def test_an_async_out_of_scope_call_is_stopped_and_revokes_an_enforced_agent(
    tenant: Tenant, make_agent: AgentFactory, server: MandateServer, tmp_path: Path
) -> None:
    # given an enforced agent's mission for "echo", and a tool that acts on "stripe"
    ran: list[str] = []

    @mandate_tool(service="stripe", action="refunds.create")
    @tool
    async def refund(charge: str) -> str:
        """Refund a charge."""
        ran.append(charge)
        return "refunded"

    verdict: list[g.SecurityEventView] = []
    jti: list[str] = []

    async def run() -> None:
        async with (
            async_runtime(make_agent(mode="enforced", services=SERVICES), server, tmp_path) as mandate,
            mandate.mission(intent="Read tickets", services=["echo"]) as mission,
        ):
            jti.append(mission.jti)
            agent = create_agent(
                scripted([call("refund", "call_1", charge="ch_1")]), [refund], middleware=[MandateMiddleware(mission)]
            )
            try:
                await agent.ainvoke(ask("Refund ch_1"))
            except OutOfScope as error:
                verdict.extend(tenant.operator.findings.list(jti=mission.jti, wait_for_position=error.position))
                raise

    # when the model asks for it
    with pytest.raises(OutOfScope) as stopped:
        await run()

    # then it never ran, the attempt was reported, and the detector revoked the passport
    assert (stopped.value.tool, stopped.value.service) == ("refund", "stripe")
    assert ran == []
    assert [(f.signal, f.revoked) for f in verdict] == [("scope_drift", True)]
    assert [(c["service"], c["action"], c["outcome"]) for c in reported(exported(tenant.operator))] == [
        ("stripe", "refunds.create", "failure")
    ]
    assert tenant.operator.passports.get(jti[0]).status == "revoked"


async def test_an_async_run_parks_on_an_interrupt_and_resumes_once_approved(
    tenant: Tenant, make_agent: AgentFactory, upstream: Upstream, server: MandateServer, tmp_path: Path
) -> None:
    # given an async agent whose middleware parks gated calls
    gate_refunds(tenant)
    before = len(upstream.received)
    async with (
        async_runtime(make_agent(mode="enforced", services=SERVICES), server, tmp_path) as mandate,
        mandate.mission(intent="Refund ticket 4821", services=["echo"]) as mission,
    ):
        agent = create_agent(
            scripted([call("refund", "call_refund", charge="ch_abc", amount=4200)]),
            [refund_tool(mission, upstream)],
            middleware=[MandateMiddleware(mission, approval="interrupt")],
            checkpointer=InMemorySaver(),
        )
        config = run_config(MandateCallbackHandler(mission), thread_id="ticket-4821")
        # when it parks, a person approves, and the app resumes it
        (pause,) = (await agent.ainvoke(ask("Refund"), config=config, version="v2")).interrupts
        assert pause.value["named_intent"] == REFUNDS
        assert len(upstream.received) == before
        tenant.operator.intents.approve(pause.value["intent_id"])
        await agent.ainvoke(Command(resume=True), config=config, version="v2")

    # then the approved call ran once, and was reported once
    assert [(r.method, r.path) for r in upstream.received[before:]] == [("POST", "/refunds")]
    assert [(c["action"], c["outcome"]) for c in reported(exported(tenant.operator))] == [("refund", "success")]


async def test_a_sync_mission_serves_an_async_run(tenant: Tenant, make_agent: AgentFactory, upstream: Upstream) -> None:
    # given a (sync) Mission, its proxied gated tool and middleware, in an agent run with ainvoke
    gate_refunds(tenant)
    before = len(upstream.received)
    with make_agent(mode="logged", services=SERVICES).mission(intent="Refund", services=["echo"]) as mission:
        agent = create_agent(
            scripted([call("refund", "call_refund", charge="ch_abc", amount=4200)]),
            [refund_tool(mission, upstream)],
            middleware=[MandateMiddleware(mission)],
        )
        # when a person approves the refund while the run waits (on a thread, not on the event loop)
        approver = Approver(tenant.operator, lambda operator, intent_id: operator.intents.approve(intent_id))
        handler = MandateCallbackHandler(mission)
        await agent.ainvoke(ask("Refund"), config=run_config(handler))
        await handler.aflush()
        # then the call ran once, and what was recorded is stored before the mission ends
        assert [(r.method, r.path) for r in upstream.received[before:]] == [("POST", "/refunds")]
        assert [(c["action"], c["outcome"]) for c in reported(exported(tenant.operator))] == [("refund", "success")]
    approver.join()
