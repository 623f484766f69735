"""mandate.langchain with a real ``create_agent`` loop: langchain-core's own scripted chat model asks for the tool
calls, LangGraph runs them, and everything on the Mandate side is the real server (conftest). No LLM, no mock."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from conftest import SECRET, AgentFactory, Tenant, Upstream
from langchain.agents import create_agent
from langchain.agents.middleware.types import InputAgentState
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import LanguageModelInput
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, ToolCall
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.tools import BaseTool, StructuredTool, ToolException, tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command
from pydantic import BaseModel

from mandate import ApprovalRejected, AsyncMission, ConfigurationError, Mandate, Mission, OutOfScope, PassportRevoked
from mandate import models as g
from mandate.langchain import HttpCall, MandateCallbackHandler, MandateMiddleware, MandateScope, mandate_tool, proxied_tool
from mandate.langchain._scope import http_call, summary

REFUNDS = "echo:refunds:create"
SERVICES = ("echo", "slack", "stripe", "langchain")


# ---- the scripted model and what the tests read back ----------------------------------------------------------------


class ScriptedModel(GenericFakeChatModel):
    """langchain-core's fake chat model: answers the scripted messages in order; it takes the tools as they are."""

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        return self


def call(name: str, call_id: str, **args: Any) -> ToolCall:
    return ToolCall(name=name, args=args, id=call_id, type="tool_call")


def scripted(*turns: list[ToolCall]) -> ScriptedModel:
    """One model turn per list of tool calls, then a final answer."""
    return ScriptedModel(messages=iter([*(AIMessage(content="", tool_calls=turn) for turn in turns), AIMessage("done")]))


def ask(text: str) -> InputAgentState:
    return {"messages": [{"role": "user", "content": text}]}


def run_config(*callbacks: BaseCallbackHandler, thread_id: str | None = None) -> RunnableConfig:
    config = RunnableConfig(callbacks=list(callbacks))
    if thread_id is not None:
        config["configurable"] = {"thread_id": thread_id}
    return config


def exported(operator: Mandate) -> list[g.AuditExportLine]:
    """The tenant's raw events, read from the store itself (each test has a tenant of its own)."""
    return list(operator.audit.export(progress=False))


def data(event: g.AuditExportLine) -> dict[str, Any]:
    value: dict[str, Any] = event.model_dump(mode="json")["data"]
    return value


def reported(events: list[g.AuditExportLine]) -> list[dict[str, Any]]:
    """Every call the agent reported, whether it came alone (ToolCallLogged) or in a batch (ToolCallsLogged)."""
    calls: list[dict[str, Any]] = []
    for event in events:
        if event.type == "ToolCallLogged":
            calls.append(data(event))
        elif event.type == "ToolCallsLogged":
            calls.extend(data(event)["calls"])
    return calls


def of_type(events: list[g.AuditExportLine], kind: str) -> list[dict[str, Any]]:
    return [data(e) for e in events if e.type == kind]


class Approver:
    """A person at the approval queue, on another thread: decides the first pending intent it sees."""

    def __init__(self, operator: Mandate, decide: Callable[[Mandate, str], object]) -> None:
        self.operator, self.decide = operator, decide
        self.seen: list[g.IntentView] = []
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                pending = list(self.operator.intents.pending())
                if pending:
                    self.seen.append(self.operator.intents.get(pending[0].id))
                    self.decide(self.operator, pending[0].id)
                    return
                time.sleep(0.05)  # the approval queue has no stream to await: a bounded poll
            raise TimeoutError("no intent became pending in 30 s")
        except BaseException as error:
            self.error = error

    def join(self) -> g.IntentView:
        self.thread.join(timeout=60)
        if self.error is not None:
            raise self.error
        assert len(self.seen) == 1
        return self.seen[0]


def gate_refunds(tenant: Tenant) -> None:
    """The tenant's policy: refunds need a person; every other intent is approved at once."""
    tenant.operator.policies.replace(
        default="auto_approve",
        rules=[{"name": "refunds need a person", "match": {"named_intent": REFUNDS}, "decision": "require_approval"}],
    )


class Ticket(BaseModel):
    title: str
    priority: int = 3


# ---- (a) every tool call proxied and reported, once ----------------------------------------------------------------------


def test_an_agents_tool_calls_are_proxied_and_reported_each_once(
    tenant: Tenant, make_agent: AgentFactory, upstream: Upstream
) -> None:
    # given an agent whose tools are two HTTP calls through the proxy and one local tool, under the middleware and two
    # callback handlers (each would record every call if they did not share the mission's record)
    runtime = make_agent(mode="logged", services=SERVICES)
    before = len(upstream.received)

    @tool
    def count_words(text: str) -> int:
        """Count the words of a text."""
        return len(text.split())

    with runtime.mission(intent="File and read back a ticket", services=["echo", "langchain"]) as mission:
        create_ticket = proxied_tool(
            mission,
            name="create_ticket",
            description="Open a ticket",
            service="echo",
            method="POST",
            url=f"{upstream.url}/tickets",
            args_schema=Ticket,
        )
        get_ticket = proxied_tool(
            mission, name="get_ticket", description="Read a ticket", service="echo", url=f"{upstream.url}/tickets/{{ticket_id}}"
        )
        model = scripted(
            [call("create_ticket", "call_create", title="Printer on fire"), call("count_words", "call_count", text="a b c")],
            [call("get_ticket", "call_get", ticket_id="T 42")],
        )
        agent = create_agent(model, [create_ticket, get_ticket, count_words], middleware=[MandateMiddleware(mission)])
        handlers = [MandateCallbackHandler(mission), MandateCallbackHandler(mission)]

        # when the agent runs
        result = agent.invoke(ask("File the printer ticket"), config=run_config(*handlers))
        jti = mission.jti

    # then the upstream got both calls with the secret the proxy added, and the model read their answers, never the secret
    calls = upstream.received[before:]
    assert sorted((r.method, r.path) for r in calls) == [("GET", "/tickets/T%2042"), ("POST", "/tickets")]
    assert all(r.headers["authorization"] == f"Bearer {SECRET}" for r in calls)
    assert json.loads(next(r.body for r in calls if r.method == "POST")) == {"title": "Printer on fire"}
    answers = {m.name: m for m in result["messages"] if m.type == "tool"}
    assert json.loads(str(answers["create_ticket"].content))["ok"] is True
    assert answers["count_words"].content == "3"
    assert all(SECRET not in str(m.content) for m in result["messages"])

    # and the audit has each proxied call as observed, once, and each tool call as reported, once
    events = exported(tenant.operator)
    started = of_type(events, "ProxiedCallStarted")
    assert sorted((c["method"], c["path"]) for c in started) == [("GET", "/tickets/T%2042"), ("POST", "/tickets")]
    assert [c["outcome"] for c in of_type(events, "ProxiedCallEnded")] == ["success", "success"]
    host = upstream.url.removeprefix("https://")
    assert sorted((c["service"], c["action"], c.get("target"), c["outcome"]) for c in reported(events)) == [
        ("echo", "create_ticket", f"POST {host}/tickets", "success"),
        ("echo", "get_ticket", f"GET {host}/tickets/T%2042", "success"),
        ("langchain", "count_words", 'text="a b c"', "success"),
    ]
    last = events[-1].position
    kinds = [e.what.get("call") for e in tenant.operator.audit.query(jti=jti, wait_for_position=last) if e.what]
    assert kinds.count("observed") == 4
    assert "reported" in kinds
    # and no detector found anything to say: every call in scope, every proxied call reported
    assert list(tenant.operator.findings.list(jti=jti, wait_for_position=last)) == []


def test_the_handler_alone_records_each_call_once_with_its_outcome(tenant: Tenant, make_agent: AgentFactory) -> None:
    # given an agent without the middleware, with one handler passed twice and a second one, and a tool that fails
    runtime = make_agent(mode="logged", services=SERVICES)

    @mandate_tool(service="slack", action="chat.postMessage")
    @tool
    def post_to_slack(channel: str, text: str, credential: str) -> str:
        """Post to Slack."""
        return "posted"

    def fail(n: int) -> str:
        raise ToolException("the printer is on fire")

    flaky = StructuredTool.from_function(fail, name="flaky", description="Fails.", handle_tool_error=True)

    with runtime.mission(intent="Tell the team", services=["slack", "langchain"]) as mission:
        handler = MandateCallbackHandler(mission)
        model = scripted(
            [call("post_to_slack", "call_post", channel="#ops", text="Printer down", credential="xoxb-1234567890-abcdef")],
            [call("flaky", "call_flaky", n=1)],
        )
        agent = create_agent(model, [post_to_slack, flaky])

        # when it runs
        agent.invoke(ask("Tell #ops"), config=run_config(handler, handler, MandateCallbackHandler(mission)))

    # then each call is reported once, with its outcome, and the secret argument never reaches the audit
    calls = reported(exported(tenant.operator))
    assert sorted((c["service"], c["action"], c["outcome"]) for c in calls) == [
        ("langchain", "flaky", "failure"),
        ("slack", "chat.postMessage", "success"),
    ]
    target = next(c["target"] for c in calls if c["service"] == "slack")
    assert target == 'channel="#ops", text="Printer down", credential=[redacted]'
    assert "xoxb" not in json.dumps(calls)


# ---- (b) out of scope: stopped before it runs -------------------------------------------------------------------------------


@pytest.mark.parametrize(("mode", "status"), [("enforced", "revoked"), ("logged", "checked_out")])
def test_a_tool_outside_the_mission_is_stopped_before_it_runs(
    tenant: Tenant, make_agent: AgentFactory, upstream: Upstream, mode: str, status: str
) -> None:
    # given a mission for "echo" only, and a tool that acts on "slack"
    runtime = make_agent(mode=mode, services=SERVICES)
    ran: list[str] = []

    @mandate_tool(service="slack")
    @tool
    def post_to_slack(channel: str, text: str) -> str:
        """Post to Slack."""
        ran.append(text)
        return "posted"

    before = len(upstream.received)
    verdict: list[g.SecurityEventView] = []
    jti: list[str] = []

    def run() -> None:
        with runtime.mission(intent="Read tickets", services=["echo"]) as mission:
            jti.append(mission.jti)
            model = scripted([call("post_to_slack", "call_1", channel="#general", text="hello")])
            agent = create_agent(model, [post_to_slack], middleware=[MandateMiddleware(mission)])
            try:
                agent.invoke(ask("Say hello"))
            except OutOfScope as error:
                # (the detectors' verdict on the reported attempt, awaited before the block's exit checks out)
                verdict.extend(tenant.operator.findings.list(jti=mission.jti, wait_for_position=error.position))
                raise

    # when the model asks for it
    with pytest.raises(OutOfScope) as stopped:
        run()

    # then the run ended with a clear exception, naming the tool and the service, and the tool never ran
    assert stopped.value.code == "TOOL_OUT_OF_SCOPE"
    assert (stopped.value.tool, stopped.value.service) == ("post_to_slack", "slack")
    assert "tool 'post_to_slack' acts on service 'slack'" in str(stopped.value)
    assert ran == []
    assert len(upstream.received) == before
    # and the attempt was reported, so scope_drift judged it at once: an enforced agent's passport is revoked
    assert [(f.signal, f.severity, f.revoked) for f in verdict] == [("scope_drift", "critical", mode == "enforced")]
    attempt = reported(exported(tenant.operator))
    assert [(c["service"], c["action"], c["outcome"]) for c in attempt] == [("slack", "post_to_slack", "failure")]
    assert tenant.operator.passports.get(jti[0]).status == status


# ---- (c), (d) approval-gated tools ----------------------------------------------------------------------------------------


class Refund(BaseModel):
    charge: str
    amount: int


def refund_tool(mission: Mission | AsyncMission, upstream: Upstream) -> BaseTool:
    return proxied_tool(
        mission,
        name="refund",
        description="Refund a charge",
        service="echo",
        method="POST",
        url=f"{upstream.url}/refunds",
        args_schema=Refund,
        named_intent=REFUNDS,
    )


def refund_agent(mission: Mission, upstream: Upstream, amount: int, **options: Any) -> Any:
    """An agent whose model asks for one refund; ``options`` go to the middleware (a checkpointer with interrupts)."""
    return create_agent(
        scripted([call("refund", "call_refund", charge="ch_abc", amount=amount)]),
        [refund_tool(mission, upstream)],
        middleware=[MandateMiddleware(mission, **options)],
        checkpointer=InMemorySaver() if options.get("approval") == "interrupt" else None,
    )


def test_a_gated_tool_waits_for_a_person_then_runs_exactly_the_approved_call(
    tenant: Tenant, make_agent: AgentFactory, upstream: Upstream
) -> None:
    # given refunds need a person, and an agent whose model asks for one
    gate_refunds(tenant)
    runtime = make_agent(mode="enforced", services=SERVICES)
    before = len(upstream.received)
    with runtime.mission(intent="Refund ticket 4821", services=["echo"]) as mission:
        agent = refund_agent(mission, upstream, 4200)
        # when a person approves it from the queue while the agent waits
        approver = Approver(tenant.operator, lambda operator, intent_id: operator.intents.approve(intent_id, note="ok"))
        result = agent.invoke(ask("Refund ticket 4821"), config=run_config(MandateCallbackHandler(mission)))
        jti = mission.jti
    intent = approver.join()

    # then the intent was for the tool's exact call, and the upstream received that call once
    assert (intent.named_intent, intent.target) == (REFUNDS, "echo")
    assert intent.authorization_details[0].parameters.model_dump(exclude_none=True) == {
        "url": f"{upstream.url}/refunds",
        "method": "POST",
        "body": {"charge": "ch_abc", "amount": 4200},
    }
    calls = upstream.received[before:]
    assert [(r.method, r.path, json.loads(r.body)) for r in calls] == [("POST", "/refunds", {"charge": "ch_abc", "amount": 4200})]
    assert json.loads(str(result["messages"][-2].content))["ok"] is True
    # and the approval was spent by that call (the proxy's record names it), and the call reported once
    decided = tenant.operator.intents.get(intent.id)
    assert decided.consumed is True
    events = exported(tenant.operator)
    assert [c.get("approvalId") for c in of_type(events, "ProxiedCallStarted")] == [decided.approval_id]
    assert [(c["action"], c["outcome"]) for c in reported(events)] == [("refund", "success")]
    assert tenant.operator.passports.get(jti).status == "checked_out"


@pytest.mark.parametrize(("mode", "status"), [("logged", "checked_out"), ("enforced", "revoked")])
def test_a_rejection_ends_the_run_and_the_tool_never_runs(
    tenant: Tenant, make_agent: AgentFactory, upstream: Upstream, mode: str, status: str
) -> None:
    # given refunds need a person, and an agent asking for one
    gate_refunds(tenant)
    runtime = make_agent(mode=mode, services=SERVICES)
    before = len(upstream.received)
    jti: list[str] = []

    def run() -> None:
        with runtime.mission(intent="Refund", services=["echo"]) as mission:
            jti.append(mission.jti)
            refund_agent(mission, upstream, 420000).invoke(ask("Refund everything"))

    # when the person rejects it
    approver = Approver(tenant.operator, lambda operator, intent_id: operator.intents.reject(intent_id, note="too much"))
    with pytest.raises(ApprovalRejected) as rejected:
        run()
    intent = approver.join()

    # then the run ended with the rejection, and nothing reached the upstream
    assert rejected.value.intent_id == intent.id
    assert "too much" in str(rejected.value)
    assert len(upstream.received) == before
    events = exported(tenant.operator)
    assert of_type(events, "ProxiedCallStarted") == []
    assert reported(events) == []
    # and an enforced agent's passport was revoked by the rejection (a logged one's mission checked out)
    assert tenant.operator.passports.get(jti[0]).status == status


# ---- (e) interrupt: the run parks until a person decides -------------------------------------------------------------------


def test_interrupt_mode_parks_the_run_and_resumes_it_once_approved(
    tenant: Tenant, make_agent: AgentFactory, upstream: Upstream
) -> None:
    # given an agent with a checkpointer, whose middleware parks gated calls instead of blocking on them
    gate_refunds(tenant)
    runtime = make_agent(mode="enforced", services=SERVICES)
    before = len(upstream.received)
    with runtime.mission(intent="Refund ticket 4821", services=["echo"]) as mission:
        agent = refund_agent(mission, upstream, 4200, approval="interrupt")
        config = run_config(MandateCallbackHandler(mission), thread_id="ticket-4821")

        # when it asks for a refund, the run parks with the intent to decide, and nothing has been sent
        parked = agent.invoke(ask("Refund ticket 4821"), config=config, version="v2")
        (pause,) = parked.interrupts
        assert pause.value["type"] == "mandate_approval"
        assert pause.value["named_intent"] == REFUNDS
        assert pause.value["call"] == {
            "method": "POST",
            "url": f"{upstream.url}/refunds",
            "body": {"charge": "ch_abc", "amount": 4200},
        }
        assert len(upstream.received) == before
        assert tenant.operator.intents.get(pause.value["intent_id"]).status == "pending"

        # and a person approves it, and the app resumes the run (what it resumes with is not the decision: Mandate's is)
        tenant.operator.intents.approve(pause.value["intent_id"])
        done = agent.invoke(Command(resume={"approved": True}), config=config, version="v2")

    # then the approved call ran once, under the one intent (the resumed call found it again, it did not submit another)
    assert done.interrupts == ()
    calls = upstream.received[before:]
    assert [(r.method, r.path, json.loads(r.body)) for r in calls] == [("POST", "/refunds", {"charge": "ch_abc", "amount": 4200})]
    assert tenant.operator.intents.get(pause.value["intent_id"]).consumed is True
    events = exported(tenant.operator)
    assert len(of_type(events, "IntentSubmitted")) == 1
    assert [(c["action"], c["outcome"]) for c in reported(events)] == [("refund", "success")]


def test_a_resume_before_anyone_decided_cannot_skip_the_approval(
    tenant: Tenant, make_agent: AgentFactory, upstream: Upstream
) -> None:
    # given a parked run
    gate_refunds(tenant)
    runtime = make_agent(mode="logged", services=SERVICES)
    before = len(upstream.received)
    parked: list[Any] = []

    def run() -> None:
        with runtime.mission(intent="Refund", services=["echo"]) as mission:
            agent = refund_agent(mission, upstream, 1, approval="interrupt")
            config = run_config(thread_id="t")
            parked.extend(agent.invoke(ask("Refund"), config=config, version="v2").interrupts)
            # when the app resumes it "approved" while the intent is still pending, and the person then rejects it
            Approver(tenant.operator, lambda operator, intent_id: operator.intents.reject(intent_id))
            agent.invoke(Command(resume={"approved": True}), config=config, version="v2")

    # then the middleware waited for Mandate's decision: the rejection ended the run, and nothing was sent
    with pytest.raises(ApprovalRejected):
        run()
    assert len(parked) == 1
    assert len(upstream.received) == before


def test_a_revoked_passport_ends_the_run_at_its_next_call(tenant: Tenant, make_agent: AgentFactory, upstream: Upstream) -> None:
    # given an operator who pulls the kill switch between two turns of the agent
    runtime = make_agent(mode="enforced", services=SERVICES)
    before = len(upstream.received)

    def run() -> None:
        with runtime.mission(intent="Read tickets", services=["echo"]) as mission:
            get_ticket = proxied_tool(
                mission,
                name="get_ticket",
                description="Read a ticket",
                service="echo",
                url=f"{upstream.url}/tickets/{{ticket_id}}",
            )

            @mandate_tool(service="echo")
            @tool
            def kill_switch() -> str:
                """The operator revokes the passport (the test's stand-in for a person watching)."""
                tenant.operator.passports.revoke(mission.jti, reason="off-script")
                return "revoked"

            model = scripted([call("kill_switch", "call_kill")], [call("get_ticket", "call_get", ticket_id="1")])
            create_agent(model, [kill_switch, get_ticket], middleware=[MandateMiddleware(mission)]).invoke(ask("Read ticket 1"))

    # when the agent makes its next proxied call, then the proxy refuses it and the run ends
    with pytest.raises(PassportRevoked):
        run()
    assert len(upstream.received) == before


def test_a_gated_tool_without_the_middleware_still_asks_for_its_approval(
    tenant: Tenant, make_agent: AgentFactory, upstream: Upstream
) -> None:
    # given a gated tool used outside an agent (invoked by hand, as a chain would), with the callback handler only
    gate_refunds(tenant)
    runtime = make_agent(mode="logged", services=SERVICES)
    before = len(upstream.received)
    with runtime.mission(intent="Refund", services=["echo"]) as mission:
        approver = Approver(tenant.operator, lambda operator, intent_id: operator.intents.approve(intent_id))
        # when it is called
        answer = refund_tool(mission, upstream).invoke(
            {"charge": "ch_abc", "amount": 7}, config=run_config(MandateCallbackHandler(mission))
        )
    intent = approver.join()

    # then it submitted the intent for its call itself, waited for the person, and made exactly that call once
    assert intent.authorization_details[0].parameters.model_dump()["body"] == {"charge": "ch_abc", "amount": 7}
    assert json.loads(answer)["ok"] is True
    assert [(r.method, r.path, json.loads(r.body)) for r in upstream.received[before:]] == [
        ("POST", "/refunds", {"charge": "ch_abc", "amount": 7})
    ]
    assert [(c["action"], c["outcome"]) for c in reported(exported(tenant.operator))] == [("refund", "success")]


def test_calls_that_cannot_run_are_answered_to_the_model_not_run(
    tenant: Tenant, make_agent: AgentFactory, upstream: Upstream
) -> None:
    # given a gated tool whose URL needs a charge, and a model that invents a tool and forgets the charge
    gate_refunds(tenant)
    runtime = make_agent(mode="enforced", services=SERVICES)
    before = len(upstream.received)
    with runtime.mission(intent="Refund", services=["echo"]) as mission:
        refund = proxied_tool(
            mission,
            name="refund_charge",
            description="Refund a charge",
            service="echo",
            method="POST",
            url=f"{upstream.url}/charges/{{charge}}/refunds",
            named_intent=REFUNDS,
        )
        model = scripted([call("launch_rockets", "call_rockets", count=3), call("refund_charge", "call_refund", amount=5)])
        agent = create_agent(model, [refund], middleware=[MandateMiddleware(mission)])
        # when it runs
        result = agent.invoke(ask("Refund"))
        jti = mission.jti

    # then the model reads both errors, nothing was sent or submitted, and no tool outside the mission was "used"
    answers = {m.name: m for m in result["messages"] if m.type == "tool"}
    assert answers["launch_rockets"].status == "error"
    assert answers["refund_charge"].status == "error"
    assert "needs charge" in str(answers["refund_charge"].content)
    assert len(upstream.received) == before
    events = exported(tenant.operator)
    assert of_type(events, "IntentSubmitted") == []
    assert [(c["action"], c["outcome"]) for c in reported(events)] == [("refund_charge", "failure")]
    assert list(tenant.operator.findings.list(jti=jti, wait_for_position=events[-1].position)) == []
    assert tenant.operator.passports.get(jti).status == "checked_out"


# ---- the pieces, without a server ---------------------------------------------------------------------------------------


def test_a_declared_call_is_filled_from_the_arguments() -> None:
    # given URL templates and arguments, then path values are one encoded segment and the rest is the body or the query
    assert http_call("post", "https://api.x.com/v1/charges/{charge}/refunds", {"charge": "ch/1", "amount": 5}) == HttpCall(
        "POST", "https://api.x.com/v1/charges/ch%2F1/refunds", {"amount": 5}
    )
    assert http_call("GET", "https://api.x.com/search?v=1", {"q": "a b", "tags": ["x", "y"], "all": True}).url == (
        "https://api.x.com/search?v=1&q=a+b&tags=x&tags=y&all=true"
    )
    with pytest.raises(ValueError, match="needs charge"):
        http_call("POST", "https://api.x.com/{charge}", {})


def test_a_target_summary_never_carries_a_secret() -> None:
    # given arguments holding secrets by name and by shape, then the summary names them and hides their values
    text = summary(
        {
            "channel": "#ops",
            "api_key": "plain",
            "password": "hunter2",
            "note": "Bearer abc.def",
            "stripe": "sk_live_51HabcdefGHIJ",
            "jwt": "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.sig",
            "card": "4242 4242 4242 4242",
            "blob": "AbCdEf0123456789AbCdEf0123456789",
            "nested": {"token": "x"},
            "many": [1, 2],
            "long": "x" * 100,
        }
    )
    assert text is not None
    assert len(text) <= 200
    for secret in ("plain", "hunter2", "abc.def", "sk_live", "eyJ", "4242", "AbCdEf"):
        assert secret not in text
    assert text.startswith('channel="#ops", api_key=[redacted], password=[redacted], note=[redacted], stripe=[redacted]')
    assert 'nested={…}, many=[2 items], long="xxxx' in text


def test_a_gated_scope_must_say_its_call() -> None:
    # given a named intent without the call it is for, then the declaration is refused at once
    with pytest.raises(ConfigurationError, match="exact call"):
        MandateScope(service="stripe", named_intent="stripe:refunds:create")
    with pytest.raises(ConfigurationError, match="service name"):
        MandateScope(service="Stripe API")
