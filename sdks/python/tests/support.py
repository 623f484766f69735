"""Small helpers the SDK's tests share: waiting for a server state there is no event for, the operator routes the SDK
has no method for (operator keys, limits) called over plain HTTP, and reading event streams with a deadline."""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import httpx2 as httpx

from mandate import EventStream, StreamEvent

if TYPE_CHECKING:
    from conftest import Tenant

T = TypeVar("T")


def eventually(probe: Callable[[], T | None], *, what: str, timeout: float = 10.0, every: float = 0.05) -> T:
    """``probe()`` until it returns something other than None or False; fails saying what was awaited. Only for a state
    nothing can be awaited on (a background worker's effect on the server, a process coming back)."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value is not None and value is not False:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(every)  # polling a server state: there is no event to await


def operator_call(base_url: str, key: str, method: str, path: str, body: Any = None) -> Any:
    """An operator route over plain HTTP; the JSON answer, or an AssertionError with the problem."""
    response = httpx.request(method, base_url + path, json=body, headers={"authorization": f"Bearer {key}"}, timeout=10)
    assert response.is_success, f"{method} {path}: {response.status_code} {response.text}"
    return response.json()


def create_operator_key(base_url: str, admin_key: str, *, name: str, role: str = "operator") -> tuple[str, str]:
    """A second operator key of the tenant (POST /v1/keys): its id and the key itself."""
    made = operator_call(base_url, admin_key, "POST", "/v1/keys", {"name": name, "role": role})
    return str(made["key_id"]), str(made["key"])


def revoke_operator_key(base_url: str, admin_key: str, key_id: str) -> None:
    operator_call(base_url, admin_key, "POST", f"/v1/keys/{key_id}/revoke", {"reason": "test"})


def set_limits(base_url: str, admin_key: str, **limits: int) -> None:
    """The tenant's own limits (PUT /v1/limits): each left out takes the instance default."""
    operator_call(base_url, admin_key, "PUT", "/v1/limits", limits)


# ---- event streams ----------------------------------------------------------------------------------------------

WAIT = 15.0  # seconds an awaited event may take at most (a restart and a reconnection included)


class Reader:
    """A sync stream read on a thread of its own: each event (or the exception that ended the stream) is put on a
    queue. ``close()`` ends the stream from the test's thread, as an application's shutdown would."""

    def __init__(self, events: EventStream) -> None:
        self.events = events
        self.queue: queue.Queue[StreamEvent | BaseException] = queue.Queue()
        self.thread = threading.Thread(target=self._run, name="stream-reader", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            for event in self.events:
                self.queue.put(event)
        except BaseException as error:  # handed to the test, which raises or expects it
            self.queue.put(error)

    def take(self, n: int, what: str) -> list[StreamEvent]:
        taken: list[StreamEvent] = []
        for _ in range(n):
            try:
                item = self.queue.get(timeout=WAIT)
            except queue.Empty:
                raise AssertionError(f"timed out waiting for {what}: {len(taken)} of {n} arrived") from None
            if isinstance(item, BaseException):
                raise item
            taken.append(item)
        return taken

    def ended_with(self) -> BaseException:
        try:
            item = self.queue.get(timeout=WAIT)
        except queue.Empty:
            raise AssertionError("timed out waiting for the stream to end") from None
        assert isinstance(item, BaseException), f"expected the stream to end, got {item}"
        return item

    def close(self) -> None:
        """Ends the stream while the thread is blocked reading it; the thread's loop ends."""
        self.events.close()
        self.thread.join(timeout=WAIT)
        assert not self.thread.is_alive(), "the stream reader did not stop"

    def nothing_more(self) -> None:
        assert self.queue.empty(), f"unexpected: {self.queue.get_nowait()}"


async def next_of(events: AsyncIterator[StreamEvent], what: str) -> StreamEvent:
    try:
        return await asyncio.wait_for(anext(events), WAIT)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None


def revocable_passports(tenant: Tenant, n: int) -> list[str]:
    """n live passports of a new agent, for a test to revoke."""
    agent = tenant.operator.agents.register("streamed", accountability_mode="logged").id
    return [tenant.operator.passports.issue(agent, intent="work", services=["echo"]).jti for _ in range(n)]
