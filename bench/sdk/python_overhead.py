"""Scenario 13 (Python): what the SDK's LangChain integration adds to one ungated tool call, against a local Mandate.

The same ``create_agent`` loop (langchain-core's scripted chat model asking for one tool call, then answering) runs
with and without Mandate's callback handler and middleware, alternately, on a warm process. The difference of the two
medians is the SDK's added latency; it is compared with one HTTP round trip to Mandate measured in the same run
(logging one call through the SDK, i.e. what the handler would cost if it sent each record before the tool returned;
and a bare ``GET /healthz`` for reference). An ungated call should wait on no network I/O: records go in the
background, in batches. Prints one JSON object on its last line.

usage: python bench/sdk/python_overhead.py BASE_URL ADMIN_KEY ITERATIONS WARMUP
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import httpx2 as httpx
from langchain.agents import create_agent
from langchain_core.language_models import LanguageModelInput
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, ToolCall
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool, tool

from mandate import Mandate
from mandate.langchain import MandateCallbackHandler, MandateMiddleware


class ScriptedModel(GenericFakeChatModel):
    """langchain-core's fake chat model, taking the tools as they are (no LLM)."""

    def bind_tools(self, tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool], **kwargs: Any) -> Runnable[LanguageModelInput, AIMessage]:
        return self


def script() -> Iterator[AIMessage]:
    """Turns forever: a tool call (a fresh id each time, as a model gives), then the answer."""
    n = 0
    while True:
        n += 1
        yield AIMessage(content="", tool_calls=[ToolCall(name="lookup", args={"ticket": n}, id=f"call_{n}", type="tool_call")])
        yield AIMessage(content="done")


@tool
def lookup(ticket: int) -> str:
    """Look a ticket up (local work only)."""
    return f"ticket {ticket}: open"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def ms(ns: int) -> float:
    return ns / 1e6


def main() -> None:
    base_url, admin_key, iterations, warmup = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    with Mandate(base_url, api_key=admin_key) as admin:
        tenant = admin.tenants.create("bench-sdk-python")
    operator = Mandate(base_url, api_key=tenant.admin_key.key)
    agent = operator.agents.register("bench-sdk", accountability_mode="logged", allowed_services=["langchain"])
    token = operator.agents.enrollment_token(agent.id).token
    runtime = Mandate(base_url, agent_id=agent.id, key_dir=tempfile.mkdtemp(prefix="mandate-bench-keys-"), enrollment_token=token)

    plain_times: list[float] = []
    mandate_times: list[float] = []
    report_times: list[float] = []
    health_times: list[float] = []
    with runtime.mission(intent="bench: the SDK's overhead", services=["langchain"], checkpoint_interval="10m") as mission:
        plain = create_agent(ScriptedModel(messages=script()), [lookup])
        guarded = create_agent(ScriptedModel(messages=script()), [lookup], middleware=[MandateMiddleware(mission)])
        handler = MandateCallbackHandler(mission)
        question: Any = {"messages": [{"role": "user", "content": "look up the ticket"}]}
        with httpx.Client() as client:
            for i in range(warmup + iterations):
                measured = i >= warmup
                t0 = time.perf_counter_ns()
                plain.invoke(question)
                t1 = time.perf_counter_ns()
                guarded.invoke(question, config={"callbacks": [handler]})
                t2 = time.perf_counter_ns()
                # One round trip to Mandate: one call logged now and its answer awaited (what the handler avoids).
                mission.report(service="langchain", action="bench.round_trip", outcome="success")
                t3 = time.perf_counter_ns()
                client.get(f"{base_url}/healthz")
                t4 = time.perf_counter_ns()
                if measured:
                    plain_times.append(ms(t1 - t0))
                    mandate_times.append(ms(t2 - t1))
                    report_times.append(ms(t3 - t2))
                    health_times.append(ms(t4 - t3))
        mission.flush()
        jti = mission.jti
    view = operator.passports.get(jti)
    operator.close()
    runtime.close()

    plain_p50, mandate_p50 = statistics.median(plain_times), statistics.median(mandate_times)
    added = mandate_p50 - plain_p50
    rtt = statistics.median(report_times)
    result = {
        "iterations": iterations,
        "warmup": warmup,
        "plain_ms": {"p50": plain_p50, "p99": percentile(plain_times, 0.99)},
        "with_mandate_ms": {"p50": mandate_p50, "p99": percentile(mandate_times, 0.99)},
        "added_p50_ms": added,
        # The same, as the median of each iteration's own difference (both runs of an iteration share the moment).
        "added_paired_p50_ms": statistics.median(m - p for m, p in zip(mandate_times, plain_times, strict=True)),
        "round_trip_log_call_ms": {"p50": rtt, "p99": percentile(report_times, 0.99)},
        "round_trip_healthz_ms": {"p50": statistics.median(health_times), "p99": percentile(health_times, 0.99)},
        "ratio_added_to_round_trip": added / rtt,
        "ratio_added_to_healthz": added / statistics.median(health_times),
        # Every guarded call was recorded (reported once each) besides the round-trip probes: nothing was skipped.
        "calls_recorded": view.actions_logged,
        "calls_expected": 2 * (warmup + iterations),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
