"""Mandate's event streams (Server-Sent Events) as iterators that survive a server restart.

Each event carries its global position as its SSE ``id``. When the connection drops (a restart, a proxy timing out),
the iterator connects again with ``Last-Event-ID`` set to the last event it yielded, so the server resumes right after
it: nothing is repeated and nothing is lost. A stream the server *ends* on purpose (its key revoked, its tenant
disabled) is not resumed: ``StreamEnded`` says why.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import threading
from collections.abc import AsyncGenerator, Generator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx2 as httpx

from . import _api
from ._transport import AsyncTransport, Call, SyncTransport, error_of, request_headers
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

    def __reduce__(self) -> tuple[type[StreamEnded], tuple[str]]:
        return type(self), (self.code,)


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

    def connected(self) -> None:
        """The server accepted the stream: the next drop starts the backoff again from its base."""
        self.failures = 0

    def after_drop(self, error: Exception | None) -> float:
        """The delay before connecting again; raises when the stream should not be resumed."""
        if not self.reconnect:
            if error is not None:
                raise error
            raise StreamEnded("DISCONNECTED")
        self.failures += 1
        delay: float
        if isinstance(error, ProblemError) and error.retry_after is not None:
            # The server said when (429 TOO_MANY_STREAMS: once one of the key's streams has closed; 503: when it can).
            delay = error.retry_after
        else:
            base = self.parser.retry if self.parser.retry is not None else RECONNECT_DELAY
            delay = min(MAX_RECONNECT_DELAY, base * float(2 ** min(self.failures - 1, 4)))
        log.info(
            "mandate: stream %s dropped (%s); resuming after %s in %.1fs", self.path, error or "closed", self.last_event_id, delay
        )
        return delay


def _retryable(error: ProblemError) -> bool:
    return error.status in (429, 502, 503, 504)


class EventStream(Iterator[StreamEvent]):
    """``for event in mandate.revocations(): ...``: the stream's events, resumed after a drop. ``close()`` ends it from
    any thread, a read blocked on it included (a reader thread's loop then simply ends); ``with`` closes it at the end
    of the block. ``last_event_id`` is where a new stream would resume."""

    def __init__(self, transport: SyncTransport, path: str, last_event_id: str | None, reconnect: bool) -> None:
        self._transport = transport
        self._resume = _Resume(path, last_event_id, reconnect)
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._response: httpx.Response | None = None
        self._events = self._run()

    @property
    def last_event_id(self) -> str | None:
        return self._resume.last_event_id

    def __iter__(self) -> EventStream:
        return self

    def __next__(self) -> StreamEvent:
        return next(self._events)

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            response = self._response
        if response is not None:
            _interrupt(response)
        with contextlib.suppress(ValueError):  # being read in another thread: the interrupted read ends it there
            self._events.close()

    def __enter__(self) -> EventStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self) -> Generator[StreamEvent, None, None]:
        transport, resume = self._transport, self._resume
        while not self._closed.is_set():
            error: Exception | None = None
            try:
                call = resume.call()
                url = transport.url(call.path)
                headers = request_headers(call, transport.auth, url)
                with transport.client.stream("GET", url, headers=headers, timeout=httpx.Timeout(30.0, read=None)) as response:
                    with self._lock:
                        self._response = response
                    if self._closed.is_set():
                        return
                    if not response.is_success:
                        response.read()
                        problem = error_of(response)
                        if not _retryable(problem):
                            raise problem
                        error = problem
                    else:
                        resume.connected()
                        for line in response.iter_lines():
                            frame = resume.parser.feed(line)
                            if frame is not None and (event := resume.event(frame)) is not None:
                                yield event
            except httpx.TransportError as failure:
                if self._closed.is_set():
                    return
                error = failure
            finally:
                with self._lock:
                    self._response = None
            if self._closed.is_set():
                return
            self._closed.wait(resume.after_drop(error))


def _interrupt(response: httpx.Response) -> None:
    """Wakes a read blocked on the response in another thread: closing a socket does not, shutting it down does."""
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket's, under TLS too


def iterate(transport: SyncTransport, path: str, last_event_id: str | None = None, reconnect: bool = True) -> EventStream:
    return EventStream(transport, path, last_event_id, reconnect)


async def aiterate(
    transport: AsyncTransport, path: str, last_event_id: str | None = None, reconnect: bool = True
) -> AsyncGenerator[StreamEvent, None]:
    resume = _Resume(path, last_event_id, reconnect)
    while True:
        error: Exception | None = None
        try:
            call = resume.call()
            url = transport.url(call.path)
            headers = request_headers(call, transport.auth, url)
            async with transport.client.stream("GET", url, headers=headers, timeout=httpx.Timeout(30.0, read=None)) as response:
                if not response.is_success:
                    await response.aread()
                    problem = error_of(response)
                    if not _retryable(problem):
                        raise problem
                    error = problem
                else:
                    resume.connected()
                    async for line in response.aiter_lines():
                        frame = resume.parser.feed(line)
                        if frame is not None and (event := resume.event(frame)) is not None:
                            yield event
        except httpx.TransportError as failure:
            error = failure
        await asyncio.sleep(resume.after_drop(error))
