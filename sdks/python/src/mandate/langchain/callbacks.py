"""``MandateCallbackHandler``: every tool call of a LangChain run recorded in the mission, once, with its outcome.

It works for any LangChain runnable (a ``create_agent`` graph, a chain, a tool invoked by hand), sync or async: it
only queues calls on the mission (``mission.log``, no network wait), so it runs inline on an event loop as well.
Beside ``MandateMiddleware`` it records nothing twice: the calls the middleware runs, the middleware records.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import ToolMessage
from langgraph.errors import GraphBubbleUp

from ..mission import AsyncMission, Mission
from ._scope import (
    METADATA_KEY,
    AnyMission,
    MandateScope,
    Outcome,
    Scopes,
    call_key,
    record,
    recorder_of,
    resolve,
    target_of,
)


@dataclass
class _Started:
    key: str
    tool: str
    scope: MandateScope
    target: str | None


class MandateCallbackHandler(BaseCallbackHandler):
    """Records each tool call of a run on the mission: ``service`` and ``action`` from the tool's declared scope
    (``mandate_tool``, ``proxied_tool``, or ``scopes={"tool name": "service"}`` here), else service ``"langchain"``
    and the tool's name; ``target`` a short redacted summary of the arguments (or a proxied call's method, host and
    path); ``outcome`` success or failure.

    One record per tool call (by the model's tool call id): a callback fired twice, two handlers, or the handler beside
    the middleware record it once. A failed call is held until its run ends, since a retry of the same call may still
    succeed; the run's end (or ``flush()``) records what is held. Pass it as ``config={"callbacks": [handler]}``.
    """

    # mission.log() only appends to the mission's queue: safe, and cheaper, to call on the event loop itself.
    run_inline = True
    raise_error = False

    def __init__(self, mission: AnyMission, *, scopes: Scopes | None = None) -> None:
        super().__init__()
        self.mission = mission
        self.scopes = scopes
        self._recorder = recorder_of(mission)
        self._lock = threading.Lock()
        self._started: dict[UUID, _Started] = {}
        self._failed: dict[str, _Started] = {}

    # ---- callbacks ---------------------------------------------------------------------------------------------------

    def on_tool_start(
        self,
        serialized: dict[str, Any],
        input_str: str,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        inputs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        metadata = metadata or {}
        name = str((serialized or {}).get("name") or kwargs.get("name") or "tool")
        key = call_key(kwargs.get("tool_call_id"), metadata.get("thread_id"), str(run_id))
        if self._recorder.claimed(key) or self._recorder.recorded(key):
            return
        scope = resolve(name, metadata.get(METADATA_KEY), self.scopes)
        with self._lock:
            self._started[run_id] = _Started(key, name, scope, target_of(scope, inputs if inputs is not None else input_str))

    def on_tool_end(self, output: Any, *, run_id: UUID, parent_run_id: UUID | None = None, **kwargs: Any) -> None:
        with self._lock:
            started = self._started.pop(run_id, None)
            if started is not None:
                self._failed.pop(started.key, None)
        if started is not None:
            failed = isinstance(output, ToolMessage) and output.status == "error"
            self._record(started, "failure" if failed else "success")
        if parent_run_id is None:
            self._settle()

    def on_tool_error(self, error: BaseException, *, run_id: UUID, parent_run_id: UUID | None = None, **kwargs: Any) -> None:
        with self._lock:
            started = self._started.pop(run_id, None)
            # An interrupt is not an outcome: the tool runs again, from its start, when the run is resumed.
            if started is not None and not isinstance(error, GraphBubbleUp):
                self._failed[started.key] = started
        if parent_run_id is None:
            self._settle()

    def on_chain_end(self, outputs: dict[str, Any], *, run_id: UUID, parent_run_id: UUID | None = None, **kwargs: Any) -> None:
        if parent_run_id is None:
            self._settle()

    def on_chain_error(self, error: BaseException, *, run_id: UUID, parent_run_id: UUID | None = None, **kwargs: Any) -> None:
        if parent_run_id is None:
            self._settle()

    # ---- the end -----------------------------------------------------------------------------------------------------

    def flush(self) -> None:
        """Record what is held (failed calls; a call that never ended as ``unknown``) and, for a ``Mission``, send
        every queued call now. The mission block's exit sends them anyway; this is for a run outside such a block's
        end, or to read the audit before it."""
        self._settle(unfinished=True)
        if isinstance(self.mission, Mission):
            self.mission.flush()

    async def aflush(self) -> None:
        """``flush()`` for an ``AsyncMission`` (or a ``Mission`` from async code, on a thread)."""
        self._settle(unfinished=True)
        if isinstance(self.mission, AsyncMission):
            await self.mission.flush()
        else:
            await asyncio.to_thread(self.mission.flush)

    def _settle(self, *, unfinished: bool = False) -> None:
        with self._lock:
            failed = list(self._failed.values())
            self._failed.clear()
            open_: Sequence[_Started] = ()
            if unfinished:
                open_ = list(self._started.values())
                self._started.clear()
        for started in failed:
            self._record(started, "failure")
        for started in open_:
            self._record(started, "unknown")

    def _record(self, started: _Started, outcome: Outcome) -> None:
        if self._recorder.claimed(started.key):
            return
        record(self.mission, started.key, started.scope, started.tool, started.target, outcome)
