"""``proxied_tool``: a LangChain tool that is one HTTP call through Mandate's credential proxy.

The agent's process never holds the upstream's secret: the proxy adds it, checks the call against the mission, records
it as a call Mandate observed, and scrubs the answer before the model reads it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool, ToolException
from pydantic import BaseModel, ValidationError

from ..mission import AsyncMission, Mission, ProxyResponse, current_approval
from ._scope import METADATA_KEY, AnyMission, HttpCall, MandateScope, placeholders

ArgsSchema = type[BaseModel] | dict[str, Any]


def _schema(args_schema: ArgsSchema | None, url: str) -> dict[str, Any]:
    if isinstance(args_schema, dict):
        return args_schema
    if args_schema is not None:
        return args_schema.model_json_schema()
    names = placeholders(url)
    return {"type": "object", "properties": {n: {"type": "string"} for n in names}, "required": names}


def _answer(service: str, response: ProxyResponse) -> str:
    body = response.body if isinstance(response.body, str) else json.dumps(response.body, ensure_ascii=False)
    if not response.ok:
        # An upstream's refusal goes back to the model as the tool's error; Mandate's own refusals (scope, approval,
        # a revoked passport) are exceptions that end the run.
        raise ToolException(f"{service} answered {response.status}: {body}")
    return body


def proxied_tool(
    mission: AnyMission,
    *,
    name: str,
    description: str,
    service: str,
    url: str,
    method: str = "GET",
    args_schema: ArgsSchema | None = None,
    named_intent: str | None = None,
    action: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> BaseTool:
    """A tool whose call is ``method url`` through ``mission.proxy``.

    ``url`` is a template: its ``{placeholders}`` are filled from the tool's arguments; the other arguments are the
    JSON body of a POST, PUT or PATCH, else the query string. ``args_schema`` (a pydantic model or a JSON schema) is
    what the model sees; without it the URL's placeholders are the arguments. The model's arguments are checked
    against a pydantic schema but sent as the model gave them, so the call is the very one the middleware had
    approved. The tool answers the upstream's body; an upstream error status is the tool's error (the model reads it).

    With ``named_intent`` the call is gated: ``MandateMiddleware`` obtains the approval before the tool runs (and the
    tool carries it); used without the middleware, the tool submits the intent and waits for the decision itself.
    """
    scope = MandateScope(service=service, action=action, named_intent=named_intent, method=method, url=url)
    validator = args_schema if isinstance(args_schema, type) and issubclass(args_schema, BaseModel) else None
    fixed_headers = dict(headers) if headers else None

    def prepare(args: dict[str, Any]) -> HttpCall:
        if validator is not None:
            try:
                validator.model_validate(args)
            except ValidationError as error:
                raise ToolException(f"invalid arguments for {name}: {error}") from error
        try:
            return scope.call(args)
        except ValueError as error:
            raise ToolException(str(error)) from error

    def intent(call: HttpCall) -> dict[str, Any]:
        assert named_intent is not None
        return {
            "named_intent": named_intent,
            "service": service,
            "url": call.url,
            "method": call.method,
            "body": call.body,
            "action": scope.action_for(name),
            "reason": f"LangChain tool {name!r}: {call.target}",
        }

    def run(**args: Any) -> str:
        assert isinstance(mission, Mission)
        call = prepare(args)
        approval_id = current_approval.get()
        if named_intent is not None and approval_id is None:
            approval_id = mission.intents.submit_and_wait(**intent(call)).approval_id
        response = mission.proxy(
            service=service, url=call.url, method=call.method, body=call.body, headers=fixed_headers, approval_id=approval_id
        )
        return _answer(service, response)

    async def arun(**args: Any) -> str:
        assert isinstance(mission, AsyncMission)
        call = prepare(args)
        approval_id = current_approval.get()
        if named_intent is not None and approval_id is None:
            approval_id = (await mission.intents.submit_and_wait(**intent(call))).approval_id
        response = await mission.proxy(
            service=service, url=call.url, method=call.method, body=call.body, headers=fixed_headers, approval_id=approval_id
        )
        return _answer(service, response)

    return StructuredTool(
        name=name,
        description=description,
        # A JSON schema: LangChain hands the tool the model's arguments as they are (a pydantic one would fill defaults
        # and coerce values, and the call sent would no longer be the call approved).
        args_schema=_schema(args_schema, url),
        func=run if isinstance(mission, Mission) else None,
        coroutine=arun if isinstance(mission, AsyncMission) else None,
        metadata={METADATA_KEY: scope.as_metadata()},
        handle_tool_error=True,
    )
