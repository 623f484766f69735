"""What a tool is to Mandate (its scope), the HTTP call a declared tool makes, the short redacted summary a recorded
call carries as its target, and the one record per tool call that the callback handler and the middleware share.

Nothing here does I/O: the scope check before a tool runs is a lookup in the mission's own service list.
"""

from __future__ import annotations

import hashlib
import json
import re
import string
import threading
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, overload
from urllib.parse import quote, urlencode, urlsplit

from langchain_core.tools import BaseTool

from ..errors import ConfigurationError, OutOfScope
from ..mission import AsyncMission, Mission

#: The service a tool that declares none is recorded and scoped under: a mission runs undeclared tools only if it
#: names it (``services=["echo", "langchain"]``), so adding a tool to an agent never widens a mission by itself.
DEFAULT_SERVICE = "langchain"
#: Where a tool's declared scope lives in ``tool.metadata`` (plain JSON: it travels with traces).
METADATA_KEY = "mandate"

_SERVICE_NAME = re.compile(r"^[a-z0-9][a-z0-9._:-]{0,63}$")
_NAMED_INTENT = re.compile(r"^[a-z0-9][a-z0-9._:-]{0,127}$")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

AnyMission = Mission | AsyncMission
Outcome = Literal["success", "failure", "unknown"]


@dataclass(frozen=True)
class HttpCall:
    """One HTTP call as the credential proxy and the approval gate see it."""

    method: str
    url: str
    body: Any = None

    @property
    def target(self) -> str:
        """``POST api.example.com/v1/refunds``: what the call acts on, without its query string (which may carry
        values the audit should not keep)."""
        parts = urlsplit(self.url)
        return f"{self.method} {parts.netloc}{parts.path}"


@dataclass(frozen=True)
class MandateScope:
    """How Mandate sees a tool.

    ``service``: the mission service the tool acts on (a call to a service the mission does not name is stopped).
    ``action``: what the audit calls the call (default: the tool's name).
    ``named_intent``: the call needs an approval first (the tenant's policy decides who gives it). A gated tool also
    says its HTTP call: ``method`` and ``url`` (a template whose ``{placeholders}`` are filled from the tool's
    arguments; the other arguments are the JSON body of a POST, PUT or PATCH, else the query string).
    """

    service: str
    action: str | None = None
    named_intent: str | None = None
    method: str | None = None
    url: str | None = None

    def __post_init__(self) -> None:
        if not _SERVICE_NAME.match(self.service):
            raise ConfigurationError(
                f"{self.service!r} is not a Mandate service name (lower-case letters, digits and . _ : -, at most 64)"
            )
        if self.named_intent is not None:
            if not _NAMED_INTENT.match(self.named_intent):
                raise ConfigurationError(f"{self.named_intent!r} is not a named intent (e.g. 'stripe:refunds:create')")
            if self.url is None:
                raise ConfigurationError(
                    f"the gated tool ({self.named_intent}) must say its HTTP call (method and url): "
                    "an approval is for one exact call"
                )
        if self.method is not None and self.method.upper() not in _METHODS:
            raise ConfigurationError(f"{self.method!r} is not an HTTP method")
        if self.url is not None and not self.url.startswith("https://") and not self.url.startswith("http://"):
            raise ConfigurationError(f"url must be absolute (https://...): {self.url!r}")

    @property
    def proxied(self) -> bool:
        return self.url is not None

    def action_for(self, tool_name: str) -> str:
        return (self.action or tool_name)[:200]

    def call(self, args: Mapping[str, Any]) -> HttpCall:
        """The HTTP call the tool makes for these arguments (the model's, as given)."""
        if self.url is None:
            raise ConfigurationError(f"the tool of service {self.service!r} declares no HTTP call")
        return http_call(self.method or "GET", self.url, args)

    def as_metadata(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v is not None}

    @classmethod
    def of(cls, declared: object) -> MandateScope | None:
        if declared is None:
            return None
        if isinstance(declared, MandateScope):
            return declared
        if isinstance(declared, str):
            return cls(service=declared)
        if isinstance(declared, Mapping):
            return cls(**{k: declared[k] for k in ("service", "action", "named_intent", "method", "url") if k in declared})
        raise ConfigurationError(f"a Mandate scope is a service name, a MandateScope or its metadata dict, not {declared!r}")


Scopes = Mapping[str, str | MandateScope]


def resolve(tool_name: str, declared: object, scopes: Scopes | None) -> MandateScope:
    """The app's mapping first (for tools it does not own), then what the tool declares, else ``DEFAULT_SERVICE``."""
    if scopes is not None and tool_name in scopes:
        found = MandateScope.of(scopes[tool_name])
        assert found is not None
        return found
    return MandateScope.of(declared) or MandateScope(service=DEFAULT_SERVICE)


def declared_scope(tool: BaseTool | None) -> object:
    return (tool.metadata or {}).get(METADATA_KEY) if tool is not None else None


# ---- declaring a tool's scope ------------------------------------------------------------------------------------------

ToolT = TypeVar("ToolT", bound=BaseTool)


@overload
def mandate_tool(
    tool: ToolT,
    *,
    service: str,
    action: str | None = None,
    named_intent: str | None = None,
    method: str | None = None,
    url: str | None = None,
) -> ToolT: ...


@overload
def mandate_tool(
    tool: None = None,
    *,
    service: str,
    action: str | None = None,
    named_intent: str | None = None,
    method: str | None = None,
    url: str | None = None,
) -> Callable[[ToolT], ToolT]: ...


def mandate_tool(
    tool: ToolT | None = None,
    *,
    service: str,
    action: str | None = None,
    named_intent: str | None = None,
    method: str | None = None,
    url: str | None = None,
) -> ToolT | Callable[[ToolT], ToolT]:
    """Declare a tool's Mandate scope: ``mandate_tool(search, service="serp")``, or as a decorator above ``@tool``::

        @mandate_tool(service="slack", action="chat.postMessage")
        @tool
        def post_to_slack(channel: str, text: str) -> str: ...

    A gated tool names its approval and its exact call (its code sends that call through ``mission.proxy``, which
    carries the approval the middleware obtained)::

        @mandate_tool(service="stripe", named_intent="stripe:refunds:create", method="POST", url="https://api.stripe.com/v1/refunds")
    """
    scope = MandateScope(service=service, action=action, named_intent=named_intent, method=method, url=url)

    def declare(target: ToolT) -> ToolT:
        target.metadata = {**(target.metadata or {}), METADATA_KEY: scope.as_metadata()}
        return target

    return declare(tool) if tool is not None else declare


# ---- the HTTP call of a declared tool ------------------------------------------------------------------------------------


def placeholders(template: str) -> list[str]:
    return [field for _, field, _, _ in string.Formatter().parse(template) if field]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def http_call(method: str, url: str, args: Mapping[str, Any]) -> HttpCall:
    """``url``'s ``{placeholders}`` filled from ``args`` (each value one URL-encoded segment); the other arguments
    are the JSON body of a POST, PUT or PATCH, else the query string (in the URL itself, so that an approval, which is
    for the exact URL, covers it)."""
    method = method.upper()
    used = placeholders(url)
    missing = [name for name in used if name not in args]
    if missing:
        raise ValueError(f"the call's URL needs {', '.join(missing)}")
    filled = url.format_map({name: quote(_text(args[name]), safe="") for name in used})
    rest = {k: v for k, v in args.items() if k not in used}
    if method in _BODY_METHODS:
        return HttpCall(method, filled, rest or None)
    query = [(k, _text(item)) for k, v in rest.items() if v is not None for item in (v if isinstance(v, list) else [v])]
    if query:
        filled += ("&" if "?" in filled else "?") + urlencode(query)
    return HttpCall(method, filled)


# ---- the target: a short summary of the arguments, never a secret --------------------------------------------------------

TARGET_MAX = 200
_VALUE_MAX = 40
_SECRET_NAME = re.compile(
    r"pass(word|phrase)?|secret|token|api[-_]?key|^key$|_key$|auth|cookie|credential|session|signature|private|otp|pin$",
    re.IGNORECASE,
)
_SECRET_VALUE = re.compile(
    r"^(?:sk|rk|pk|ghp|gho|ghu|ghs|ghr|glpat|xox[abeprs]|AKIA|ASIA|AIza|ya29|eyJ)[-_.A-Za-z0-9]{6,}"
    r"|^(?:Bearer|Basic|Token)\s+\S"
    r"|-----BEGIN",
    re.IGNORECASE,
)
_OPAQUE = re.compile(r"^[A-Za-z0-9_\-+/=.]{24,}$")
_CARD = re.compile(r"^[\d -]{13,23}$")
REDACTED = "[redacted]"


def _secret_text(value: str) -> bool:
    v = value.strip()
    if _SECRET_VALUE.search(v):
        return True
    if _CARD.match(v) and 13 <= sum(c.isdigit() for c in v) <= 19:
        return True
    # A long unbroken run of letters and digits is a key more often than anything an audit needs to read.
    return bool(_OPAQUE.match(v)) and any(c.isdigit() for c in v) and any(c.isalpha() for c in v)


def _short(value: Any) -> str:
    if value is None or isinstance(value, bool | int | float):
        return json.dumps(value)
    if isinstance(value, str):
        if _secret_text(value):
            return REDACTED
        text = value if len(value) <= _VALUE_MAX else value[: _VALUE_MAX - 1] + "…"
        return json.dumps(text, ensure_ascii=False)
    if isinstance(value, Mapping):
        return "{…}"
    if isinstance(value, list | tuple):
        return f"[{len(value)} item{'' if len(value) == 1 else 's'}]"
    return f"<{type(value).__name__}>"


def summary(args: Mapping[str, Any] | str | None) -> str | None:
    """``channel="#support", text="Ticket 4821 is being looked at"``: each argument's name and a short value; a value
    that looks like a secret, or whose name does, is ``[redacted]``; nested values are only counted."""
    if args is None:
        return None
    if isinstance(args, str):
        return _short(args)[:TARGET_MAX] or None
    parts = [f"{name}={REDACTED if _SECRET_NAME.search(str(name)) else _short(value)}" for name, value in args.items()]
    text = ", ".join(parts)
    return (text if len(text) <= TARGET_MAX else text[: TARGET_MAX - 1] + "…") or None


def target_of(scope: MandateScope, args: Mapping[str, Any] | str | None) -> str | None:
    """A proxied tool's target is its call's method, host and path; any other tool's, a summary of its arguments."""
    if scope.proxied and isinstance(args, Mapping):
        try:
            return scope.call(args).target
        except (ValueError, KeyError):
            pass
    return summary(args)


# ---- one record per tool call ----------------------------------------------------------------------------------------------


def call_key(tool_call_id: str | None, thread_id: object, fallback: str) -> str:
    """What names one tool call in a mission: the model's tool call id (within the LangGraph thread, as some models
    number their calls afresh each turn or thread), else the callback's run id."""
    if not tool_call_id:
        return fallback
    return f"{thread_id}/{tool_call_id}" if thread_id else tool_call_id


def idempotency_key(key: str) -> str:
    """The intent's idempotency key for a tool call: a replayed or resumed call finds its intent, never a second."""
    text = f"langchain:{key}"
    return text if len(text) <= 200 else "langchain:" + hashlib.sha256(key.encode()).hexdigest()


class Recorder:
    """A mission's tool calls already recorded: shared by every handler and middleware of the mission, so that a call
    is recorded once however many of them see it (two handlers, a handler beside the middleware, a callback fired
    twice). The middleware claims the calls it runs: it records them itself, with their final outcome."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._recorded: set[str] = set()
        self._claimed: set[str] = set()

    def claim(self, key: str) -> None:
        with self._lock:
            self._claimed.add(key)

    def claimed(self, key: str) -> bool:
        with self._lock:
            return key in self._claimed

    def recorded(self, key: str) -> bool:
        with self._lock:
            return key in self._recorded

    def first(self, key: str) -> bool:
        """Mark the call recorded; whether it was not yet."""
        with self._lock:
            if key in self._recorded:
                return False
            self._recorded.add(key)
            return True


_recorders: weakref.WeakKeyDictionary[AnyMission, Recorder] = weakref.WeakKeyDictionary()
_recorders_lock = threading.Lock()


def recorder_of(mission: AnyMission) -> Recorder:
    with _recorders_lock:
        found = _recorders.get(mission)
        if found is None:
            found = _recorders[mission] = Recorder()
        return found


def record(mission: AnyMission, key: str, scope: MandateScope, tool_name: str, target: str | None, outcome: Outcome) -> None:
    """Queue the call on the mission (no network wait), once per key."""
    if recorder_of(mission).first(key):
        mission.log(service=scope.service, action=scope.action_for(tool_name), target=target, outcome=outcome)


def out_of_scope(mission: AnyMission, tool_name: str, scope: MandateScope, position: int | None) -> OutOfScope:
    services = ", ".join(mission.options.services) or "none"
    return OutOfScope(
        403,
        {
            "code": "TOOL_OUT_OF_SCOPE",
            "detail": (
                f"tool {tool_name!r} acts on service {scope.service!r}, which mission {mission.jti} does not cover "
                f"(its services: {services}): the call was stopped before it ran, and reported"
            ),
            "tool": tool_name,
            "service": scope.service,
            "jti": mission.jti,
            "position": position,
        },
    )
