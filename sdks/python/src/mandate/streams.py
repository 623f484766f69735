"""Mandate's event streams (Server-Sent Events) as iterators that survive a server restart.

Each event carries its global position as its SSE ``id``. When the connection drops (a restart, a proxy timing out),
the iterator connects again with ``Last-Event-ID`` set to the last event it yielded, so the server resumes right after
it: nothing is repeated and nothing is lost. A stream the server *ends* on purpose (its key revoked, its tenant
disabled) is not resumed: ``StreamEnded`` says why.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx2 as httpx

from . import _api
from ._transport import AsyncTransport, Call, SyncTransport, error_of
from .errors import MandateError, ProblemError

log = logging.getLogger("mandate")

#: How long to wait between reconnections when the server's ``retry:`` field says nothing, and at most.
RECONNECT_DELAY = 1.0
MAX_RECONNECT_DELAY = 15.0


@dataclass(frozen=True)
class StreamEvent:
    """One event of a stream: its position (the SSE id), its kind and its JSON data."""

    id: str
    event: str
    data: dict[str, Any]

    @property
    def position(self) -> int:
        return int(self.id)


class StreamEnded(MandateError):
    """The server ended the stream on purpose; ``code`` says why (``KEY_REVOKED``, ``TENANT_DISABLED``)."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(f"the server ended the stream: {code}")


class _Parser:
    """The SSE wire format (WHATWG): fields until a blank line; comments (keep-alives) ignored."""

    def __init__(self) -> None:
        self.event = ""
        self.data: list[str] = []
        self.id: str | None = None
        self.retry: float | None = None

    def feed(self, line: str) -> tuple[str, str, str | None] | None:
        """One line in; a whole (event, data, id) out when a blank line ends it."""
        if line == "":
            if not self.data and not self.event:
                return None
            frame = (self.event or "message", "\n".join(self.data), self.id)
            self.event, self.data = "", []
            return frame
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            self.data.append(value)
        elif name == "event":
            self.event = value
        elif name == "id":
            self.id = value
        elif name == "retry" and value.isdigit():
            self.retry = int(value) / 1000
        return None


class _Resume:
    """Where a stream resumes and how long to wait before it does; shared by both iterators."""

    def __init__(self, path: str, last_event_id: str | None, reconnect: bool) -> None:
        self.path = path
        self.last_event_id = last_event_id
        self.reconnect = reconnect
        self.failures = 0
        self.parser = _Parser()

    def call(self) -> Call[Any]:
        self.parser = _Parser()
        return _api.stream(self.path, {}, self.last_event_id)

    def event(self, frame: tuple[str, str, str | None]) -> StreamEvent | None:
        kind, data, event_id = frame
        if kind == "end":
            raise StreamEnded(str(json.loads(data or "{}").get("code", "ENDED")))
        if event_id is None:
            return None
        self.last_event_id = event_id
        self.failures = 0
        return StreamEvent(event_id, kind, json.loads(data) if data else {})

    def after_drop(self, error: Exception | None) -> float:
        """The delay before connecting again; raises when the stream should not be resumed."""
        if not self.reconnect:
            if error is not None:
                raise error
            raise StreamEnded("DISCONNECTED")
        self.failures += 1
        base = self.parser.retry if self.parser.retry is not None else RECONNECT_DELAY
        delay: float = min(MAX_RECONNECT_DELAY, base * float(2 ** min(self.failures - 1, 4)))
        log.info(
            "mandate: stream %s dropped (%s); resuming after %s in %.1fs", self.path, error or "closed", self.last_event_id, delay
        )
        return delay


def _retryable(error: ProblemError) -> bool:
    return error.status in (429, 502, 503, 504)


def iterate(
    transport: SyncTransport, path: str, last_event_id: str | None = None, reconnect: bool = True
) -> Iterator[StreamEvent]:
    resume = _Resume(path, last_event_id, reconnect)
    while True:
        error: Exception | None = None
        try:
            call = resume.call()
            url = transport.url(call.path)
            headers = {**call.headers, **transport.auth.headers("GET", url)}
            with transport.client.stream("GET", url, headers=headers, timeout=httpx.Timeout(30.0, read=None)) as response:
                if not response.is_success:
                    response.read()
                    problem = error_of(response)
                    if not _retryable(problem):
                        raise problem
                    error = problem
                else:
                    for line in response.iter_lines():
                        frame = resume.parser.feed(line)
                        if frame is not None and (event := resume.event(frame)) is not None:
                            yield event
        except httpx.TransportError as failure:
            error = failure
        time.sleep(resume.after_drop(error))


async def aiterate(
    transport: AsyncTransport, path: str, last_event_id: str | None = None, reconnect: bool = True
) -> AsyncIterator[StreamEvent]:
    resume = _Resume(path, last_event_id, reconnect)
    while True:
        error: Exception | None = None
        try:
            call = resume.call()
            url = transport.url(call.path)
            headers = {**call.headers, **transport.auth.headers("GET", url)}
            async with transport.client.stream("GET", url, headers=headers, timeout=httpx.Timeout(30.0, read=None)) as response:
                if not response.is_success:
                    await response.aread()
                    problem = error_of(response)
                    if not _retryable(problem):
                        raise problem
                    error = problem
                else:
                    async for line in response.aiter_lines():
                        frame = resume.parser.feed(line)
                        if frame is not None and (event := resume.event(frame)) is not None:
                            yield event
        except httpx.TransportError as failure:
            error = failure
        await asyncio.sleep(resume.after_drop(error))
