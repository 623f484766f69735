"""``MandateMiddleware``: the mission's scope and approvals, enforced around every tool call of a ``create_agent`` agent.

Before a tool runs:

* its service (its declared scope, see ``mandate_tool``) must be one the mission names. That is a lookup, no network.
  A call outside the mission is not run: it is reported at once (``mission.report``, so the detectors judge it now:
  ``scope_drift`` is critical, and revokes an enforced agent's passport) and the run ends with ``OutOfScope``.
* a tool that declares a named intent needs an approval for its exact HTTP call: the middleware submits the intent
  (idempotent on the tool call, so a retried or resumed call finds its intent again) and waits for a person's decision
  (``approval="wait"``), or parks the run with a LangGraph ``interrupt`` (``approval="interrupt"``: the app resumes it
  with ``Command(resume=...)`` once a person decided; the decision is read from Mandate, never from the resume value).
  The tool then runs with the approval in ``mandate.mission.current_approval``, which its ``mission.proxy`` call
  carries. A rejection ends the run with ``ApprovalRejected``.

After it ran, the call is recorded on the mission (queued, once per call, success or failure). List the middleware
first in ``middleware=[...]`` so that it is outermost: it checks before anything else runs, and records the final
outcome of a call that an inner middleware retried.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, Literal

from langchain.agents.middleware import AgentMiddleware, AgentState
from langchain.agents.middleware.types import ToolCallRequest
from langchain_core.messages import ToolMessage
from langgraph.errors import GraphBubbleUp
from langgraph.types import Command, interrupt

from .. import _generated as g
from ..errors import ConfigurationError, OutOfScope
from ..mission import AsyncMission, Mission, current_approval
from ._scope import (
    AnyMission,
    HttpCall,
    MandateScope,
    Scopes,
    call_key,
    declared_scope,
    idempotency_key,
    out_of_scope,
    record,
    recorder_of,
    resolve,
    target_of,
)

ApprovalMode = Literal["wait", "interrupt"]
ToolResult = ToolMessage | Command[Any]


@dataclass(frozen=True)
class _Planned:
    """A tool call as the middleware sees it before it runs."""

    key: str
    tool_call_id: str | None
    tool: str
    scope: MandateScope
    args: dict[str, Any]
    target: str | None
    #: A gated tool's exact HTTP call (None if its arguments do not make one: then it is not run).
    call: HttpCall | None = None
    invalid: str | None = None

    @property
    def action(self) -> str:
        return self.scope.action_for(self.tool)

    def intent(self) -> dict[str, Any]:
        """The intent for the call: idempotent on the tool call, so a retried or resumed call finds it again."""
        assert self.call is not None
        assert self.scope.named_intent is not None
        return {
            "named_intent": self.scope.named_intent,
            "service": self.scope.service,
            "url": self.call.url,
            "method": self.call.method,
            "body": self.call.body,
            "action": self.action,
            "reason": f"LangChain tool {self.tool!r} ({self.action}): {self.call.target}"[:1000],
            "idempotency_key": idempotency_key(self.key),
        }

    def parked(self, intent: g.IntentView) -> dict[str, Any]:
        """What the interrupt shows the app: enough to find the intent and to tell a person what it is for."""
        assert self.call is not None
        return {
            "type": "mandate_approval",
            "intent_id": intent.id,
            "named_intent": intent.named_intent,
            "service": self.scope.service,
            "tool": self.tool,
            "tool_call_id": self.tool_call_id,
            "call": {"method": self.call.method, "url": self.call.url, "body": self.call.body},
            "expires_at": intent.expires_at.isoformat(),
        }

    def refused(self) -> ToolMessage:
        return ToolMessage(content=f"Error: {self.invalid}", name=self.tool, tool_call_id=self.tool_call_id or "", status="error")


def _outcome(result: ToolResult) -> Literal["success", "failure"]:
    return "failure" if isinstance(result, ToolMessage) and result.status == "error" else "success"


@contextmanager
def _approved(approval_id: str | None) -> Iterator[None]:
    if approval_id is None:
        yield
        return
    token = current_approval.set(approval_id)
    try:
        yield
    finally:
        current_approval.reset(token)


class MandateMiddleware(AgentMiddleware[AgentState[Any], Any, Any]):
    """``create_agent(model, tools, middleware=[MandateMiddleware(mission)])`` (see the module's doc).

    ``scopes`` maps tool names to a service (or a ``MandateScope``) for tools you do not own; it overrides what a tool
    declares. ``approval_timeout`` bounds the wait for a person (``TimeoutError`` after it; the intent stays pending
    and expires by itself). A tool name the agent does not have (a model's invention) is left to LangGraph, which
    answers the model that there is no such tool: nothing runs, so nothing is checked or recorded.
    """

    def __init__(
        self,
        mission: AnyMission,
        *,
        scopes: Scopes | None = None,
        approval: ApprovalMode = "wait",
        approval_timeout: float = 300.0,
    ) -> None:
        super().__init__()
        if approval not in ("wait", "interrupt"):
            raise ConfigurationError("approval is 'wait' (block until a person decides) or 'interrupt' (park the run)")
        self.mission = mission
        self.scopes = scopes
        self.approval: ApprovalMode = approval
        self.approval_timeout = approval_timeout
        self._recorder = recorder_of(mission)

    # ---- what both runs share ----------------------------------------------------------------------------------------

    def _plan(self, request: ToolCallRequest) -> _Planned | None:
        call = request.tool_call
        name = call["name"]
        if request.tool is None and not (self.scopes and name in self.scopes):
            return None
        args = dict(call.get("args") or {})
        config = request.runtime.config if request.runtime is not None else None
        configurable = (config or {}).get("configurable") or {}
        key = call_key(call.get("id"), configurable.get("thread_id"), f"{name}:{id(request)}")
        self._recorder.claim(key)
        scope = resolve(name, declared_scope(request.tool), self.scopes)
        planned = _Planned(key, call.get("id"), name, scope, args, target_of(scope, args))
        if scope.named_intent is None:
            return planned
        try:
            return replace(planned, call=scope.call(args))
        except ValueError as error:
            return replace(planned, invalid=f"{name} was not run: {error}")

    def _record(self, planned: _Planned, outcome: Literal["success", "failure"]) -> None:
        record(self.mission, planned.key, planned.scope, planned.tool, planned.target, outcome)

    def _stopped(self, planned: _Planned, position: int) -> OutOfScope:
        self._recorder.first(planned.key)  # reported already, by the caller
        return out_of_scope(self.mission, planned.tool, planned.scope, position)

    # ---- sync --------------------------------------------------------------------------------------------------------

    def wrap_tool_call(self, request: ToolCallRequest, handler: Callable[[ToolCallRequest], ToolResult]) -> ToolResult:
        mission = self.mission
        if not isinstance(mission, Mission):
            raise ConfigurationError("an AsyncMission's agent runs with ainvoke()/astream(); use a Mission for invoke()")
        planned = self._plan(request)
        if planned is None:
            return handler(request)
        if not mission.covers(planned.scope.service):
            answer = mission.report(
                service=planned.scope.service, action=planned.action, target=planned.target, outcome="failure"
            )
            raise self._stopped(planned, answer.position)
        if planned.invalid is not None:
            self._record(planned, "failure")
            return planned.refused()
        approval_id = self._approve(mission, planned) if planned.call is not None else None
        with _approved(approval_id):
            try:
                result = handler(request)
            except GraphBubbleUp:
                raise
            except Exception:
                self._record(planned, "failure")
                raise
        self._record(planned, _outcome(result))
        return result

    def _approve(self, mission: Mission, planned: _Planned) -> str | None:
        if self.approval == "wait":
            return mission.intents.submit_and_wait(**planned.intent(), timeout=self.approval_timeout).approval_id
        submitted = mission.intents.submit(**planned.intent())
        if submitted.status == "approved":
            return submitted.approval_id
        if submitted.status == "pending":
            interrupt(planned.parked(submitted))
        # Resumed (or decided meanwhile): the decision is Mandate's, read now, whatever the app resumed the run with.
        return mission.intents.wait(submitted.id, timeout=self.approval_timeout).approval_id

    # ---- async -------------------------------------------------------------------------------------------------------

    async def awrap_tool_call(
        self, request: ToolCallRequest, handler: Callable[[ToolCallRequest], Awaitable[ToolResult]]
    ) -> ToolResult:
        planned = self._plan(request)
        if planned is None:
            return await handler(request)
        if not self.mission.covers(planned.scope.service):
            mission = self.mission
            service, action, target = planned.scope.service, planned.action, planned.target
            if isinstance(mission, AsyncMission):
                answer = await mission.report(service=service, action=action, target=target, outcome="failure")
            else:
                sync = mission
                answer = await asyncio.to_thread(
                    lambda: sync.report(service=service, action=action, target=target, outcome="failure")
                )
            raise self._stopped(planned, answer.position)
        if planned.invalid is not None:
            self._record(planned, "failure")
            return planned.refused()
        approval_id = await self._aapprove(planned) if planned.call is not None else None
        with _approved(approval_id):
            try:
                result = await handler(request)
            except GraphBubbleUp:
                raise
            except Exception:
                self._record(planned, "failure")
                raise
        self._record(planned, _outcome(result))
        return result

    async def _aapprove(self, planned: _Planned) -> str | None:
        mission = self.mission
        if isinstance(mission, Mission):
            # A Mission in an async run: its calls block, so they wait on a thread, not on the event loop.
            sync = mission
            if self.approval == "wait":
                approved = await asyncio.to_thread(
                    lambda: sync.intents.submit_and_wait(**planned.intent(), timeout=self.approval_timeout)
                )
                return approved.approval_id
            submitted = await asyncio.to_thread(lambda: sync.intents.submit(**planned.intent()))
            if submitted.status == "pending":
                interrupt(planned.parked(submitted))
            return (await asyncio.to_thread(lambda: sync.intents.wait(submitted.id, timeout=self.approval_timeout))).approval_id
        if self.approval == "wait":
            return (await mission.intents.submit_and_wait(**planned.intent(), timeout=self.approval_timeout)).approval_id
        submitted = await mission.intents.submit(**planned.intent())
        if submitted.status == "pending":
            interrupt(planned.parked(submitted))
        return (await mission.intents.wait(submitted.id, timeout=self.approval_timeout)).approval_id
