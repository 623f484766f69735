"""The audit export as an iterator: NDJSON lines read as they arrive, resumed after the last one if the connection drops.

On a terminal (or with ``progress=True``) a tqdm progress bar counts the events (``pip install mandate[progress]``).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import AsyncIterator, Iterator
from types import TracebackType
from typing import Any, Protocol

import httpx2 as httpx

from . import _api
from . import _generated as g
from ._transport import AsyncTransport, SyncTransport, error_of, request_headers


class _Bar(Protocol):
    def update(self, n: int) -> object: ...
    def close(self) -> None: ...


class _NoBar:
    def update(self, n: int) -> None:
        return None

    def close(self) -> None:
        return None


def _bar(progress: bool | None) -> _Bar:
    if progress is None:
        progress = sys.stderr.isatty()
    if not progress:
        return _NoBar()
    try:
        from tqdm import tqdm
    except ImportError:  # the extra is not installed: no bar, same export
        return _NoBar()
    bar: _Bar = tqdm(unit=" events", desc="audit export", file=sys.stderr)
    return bar


class _Cursor:
    """Where the export resumes, and how many drops it has had; shared by both iterators."""

    def __init__(self, transport: SyncTransport | AsyncTransport, after_position: int | None) -> None:
        self.transport = transport
        self.after = after_position
        self.drops = 0

    def request(self) -> tuple[str, dict[str, str], dict[str, str]]:
        call = _api.export_audit({"after_position": self.after} if self.after is not None else {})
        url = self.transport.url(call.path)
        params = {k: str(v) for k, v in (call.params or {}).items()}
        return url, params, request_headers(call, self.transport.auth, url)

    def line(self, text: str) -> g.AuditExportLine | None:
        if not text.strip():
            return None
        event = g.AuditExportLine.model_validate(json.loads(text))
        self.after = event.position
        return event

    def dropped(self, error: Exception) -> float:
        self.drops += 1
        if self.drops > self.transport.retry.max_retries:
            raise error
        return self.transport.retry.delay(self.drops - 1, None)


class AuditExport:
    """``for event in mandate.audit.export(): ...`` (or ``with`` it to close the bar early)."""

    def __init__(self, transport: SyncTransport, after_position: int | None, progress: bool | None) -> None:
        self._cursor = _Cursor(transport, after_position)
        self._transport = transport
        self._progress = progress

    def __iter__(self) -> Iterator[g.AuditExportLine]:
        bar = _bar(self._progress)
        try:
            while True:
                url, params, headers = self._cursor.request()
                try:
                    with self._transport.client.stream(
                        "GET", url, params=params, headers=headers, timeout=httpx.Timeout(30.0, read=120.0)
                    ) as response:
                        if not response.is_success:
                            response.read()
                            raise error_of(response)
                        for text in response.iter_lines():
                            event = self._cursor.line(text)
                            if event is not None:
                                bar.update(1)
                                yield event
                    return
                except httpx.TransportError as error:
                    time.sleep(self._cursor.dropped(error))
        finally:
            bar.close()

    def __enter__(self) -> AuditExport:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        return None


class AsyncAuditExport:
    """``async for event in mandate.audit.export(): ...``"""

    def __init__(self, transport: AsyncTransport, after_position: int | None, progress: bool | None) -> None:
        self._cursor = _Cursor(transport, after_position)
        self._transport = transport
        self._progress = progress

    async def __aiter__(self) -> AsyncIterator[g.AuditExportLine]:
        import asyncio

        bar = _bar(self._progress)
        try:
            while True:
                url, params, headers = self._cursor.request()
                try:
                    async with self._transport.client.stream(
                        "GET", url, params=params, headers=headers, timeout=httpx.Timeout(30.0, read=120.0)
                    ) as response:
                        if not response.is_success:
                            await response.aread()
                            raise error_of(response)
                        async for text in response.aiter_lines():
                            event = self._cursor.line(text)
                            if event is not None:
                                bar.update(1)
                                yield event
                    return
                except httpx.TransportError as error:
                    await asyncio.sleep(self._cursor.dropped(error))
        finally:
            bar.close()


def as_dict(event: g.AuditExportLine) -> dict[str, Any]:
    """An exported event as the server wrote it (for writing it back out as NDJSON)."""
    return event.model_dump(mode="json")
