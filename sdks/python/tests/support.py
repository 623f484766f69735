"""Small helpers the SDK's tests share: waiting for a server state there is no event for, the operator routes the SDK
has no method for (operator keys, limits), called over plain HTTP."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx2 as httpx

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
