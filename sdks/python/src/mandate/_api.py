"""Every Mandate operation the SDK makes, described once as a ``Call`` that either client runs.

The request and response types are the generated ones (``_generated.py``, from the server's OpenAPI document), so a
field the server renames fails the SDK's type check and its contract test instead of drifting silently.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Literal
from urllib.parse import quote

from . import _generated as g
from ._transport import Authenticator, Call, NoAuth, model, raw

Mode = Literal["standard", "logged", "enforced"]
Method = Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
Outcome = Literal["success", "failure", "unknown"]


def _seg(value: str) -> str:
    return quote(value, safe="")


def _body(**fields: Any) -> dict[str, Any]:
    """A JSON body without the fields left out (the server refuses null where a field is optional)."""
    return {name: value for name, value in fields.items() if value is not None}


def _keyed(idempotency_key: str | None) -> dict[str, str]:
    return {"idempotency-key": idempotency_key} if idempotency_key else {}


# ---- tenants (instance admin) ---------------------------------------------------------------------------------------


def create_tenant(name: str) -> Call[g.CreatedTenantResponse]:
    return Call("POST", "/v1/tenants", model(g.CreatedTenantResponse), json={"name": name})


# ---- agents -------------------------------------------------------------------------------------------------------


def register_agent(
    name: str, description: str | None, mode: Mode | None, ceiling: Mapping[str, Any] | None
) -> Call[g.AgentWrittenResponse]:
    body = _body(name=name, description=description, accountability_mode=mode, ceiling=ceiling)
    return Call("POST", "/v1/agents", model(g.AgentWrittenResponse), json=body)


def get_agent(agent_id: str) -> Call[g.AgentDetailView]:
    return Call("GET", f"/v1/agents/{_seg(agent_id)}", model(g.AgentDetailView))


def list_agents(cursor: str | None, limit: int | None) -> Call[g.AgentListResponse]:
    return Call("GET", "/v1/agents", model(g.AgentListResponse), params={"cursor": cursor, "limit": limit})


def update_agent(agent_id: str, **changes: Any) -> Call[g.AgentWrittenResponse]:
    return Call("PATCH", f"/v1/agents/{_seg(agent_id)}", model(g.AgentWrittenResponse), json=_body(**changes))


def revoke_agent(agent_id: str, reason: str | None) -> Call[g.RevocationsResponse]:
    path = f"/v1/agents/{_seg(agent_id)}/revoke"
    return Call("POST", path, model(g.RevocationsResponse), json=_body(reason=reason), retryable=True)


def create_enrollment(agent_id: str, expires_in_seconds: int | None) -> Call[g.EnrollmentCreatedResponse]:
    path = f"/v1/agents/{_seg(agent_id)}/enrollments"
    return Call("POST", path, model(g.EnrollmentCreatedResponse), json=_body(expires_in_seconds=expires_in_seconds))


def enroll_key(token: str, jwk: Mapping[str, str], auth: Authenticator) -> Call[g.KeyEnrolledResponse]:
    return Call("POST", "/v1/agents/enroll", model(g.KeyEnrolledResponse), json={"token": token, "jwk": dict(jwk)}, auth=auth)


def agent_keys(agent_id: str) -> Call[g.AgentKeysResponse]:
    return Call("GET", f"/v1/agents/{_seg(agent_id)}/keys", model(g.AgentKeysResponse))


def revoke_agent_key(agent_id: str, key_id: str, reason: str | None) -> Call[g.AgentKeyRevokedResponse]:
    path = f"/v1/agents/{_seg(agent_id)}/keys/{_seg(key_id)}/revoke"
    return Call("POST", path, model(g.AgentKeyRevokedResponse), json=_body(reason=reason), retryable=True)


# ---- passports ----------------------------------------------------------------------------------------------------


def issue_passport(
    agent_id: str,
    *,
    intent: str | None,
    services: Sequence[str] | None,
    ttl_seconds: int | None,
    checkpoint_interval_seconds: int | None,
    bind_to_key: str | None,
    idempotency_key: str | None,
    auth: Authenticator | None = None,
) -> Call[g.IssuedPassportResponse]:
    mission = _body(summary=intent, services=list(services) if services is not None else None)
    body = _body(
        agent_id=agent_id,
        intent=mission or None,
        ttl_seconds=ttl_seconds,
        checkpoint_interval_seconds=checkpoint_interval_seconds,
        bind_to_key=bind_to_key,
        # Always keyed (the server's own idempotency rides in the body on this route), so a retry opens one mission.
        idempotency_key=idempotency_key or str(uuid.uuid4()),
    )
    return Call("POST", "/v1/passports", model(g.IssuedPassportResponse), json=body, auth=auth, retryable=True)


def get_passport(jti: str) -> Call[g.PassportView]:
    return Call("GET", f"/v1/passports/{_seg(jti)}", model(g.PassportView))


def verify_passport(token: str) -> Call[g.VerifyResponse]:
    return Call("POST", "/v1/passports/verify", model(g.VerifyResponse), json={"token": token}, retryable=True)


def revoke_passport(jti: str, reason: str | None) -> Call[g.PassportRevokedResponse]:
    path = f"/v1/passports/{_seg(jti)}/revoke"
    return Call("POST", path, model(g.PassportRevokedResponse), json=_body(reason=reason), retryable=True)


def revoke_all(reason: str) -> Call[g.RevocationsResponse]:
    # The server requires the reason here (it is every passport of the tenant), unlike the other revocations.
    return Call("POST", "/v1/revocations/all", model(g.RevocationsResponse), json={"reason": reason}, retryable=True)


def checkpoint(
    jti: str, auth: Authenticator, services_used: Sequence[str] | None, actions_count: int | None, summary: str | None
) -> Call[g.CheckpointResponse]:
    body = _body(services_used=list(services_used) if services_used else None, actions_count=actions_count, summary=summary)
    # A checkpoint only moves the leash forward: sending it twice does no harm.
    return Call(
        "POST", f"/v1/passports/{_seg(jti)}/checkpoint", model(g.CheckpointResponse), json=body, auth=auth, retryable=True
    )


def log_calls(jti: str, auth: Authenticator, calls: Sequence[Mapping[str, Any]]) -> Call[g.ToolCallsLoggedResponse]:
    body: dict[str, Any] = dict(calls[0]) if len(calls) == 1 else {"calls": [dict(c) for c in calls]}
    return Call("POST", f"/v1/passports/{_seg(jti)}/actions", model(g.ToolCallsLoggedResponse), json=body, auth=auth)


def checkout(
    jti: str, auth: Authenticator, outcome: Literal["success", "failure"], summary: str | None
) -> Call[g.CheckedOutResponse]:
    body = _body(outcome=outcome, summary=summary)
    return Call("POST", f"/v1/passports/{_seg(jti)}/checkout", model(g.CheckedOutResponse), json=body, auth=auth)


# ---- the credential proxy -----------------------------------------------------------------------------------------


def proxy(
    auth: Authenticator,
    *,
    service: str,
    url: str,
    method: str,
    body: Any,
    headers: Mapping[str, str | Sequence[str]] | None,
    query: Mapping[str, str | Sequence[str]] | None,
    approval_id: str | None,
    idempotency_key: str | None,
    timeout: float | None,
) -> Call[g.ProxiedCallResponse]:
    payload = _body(
        service=service,
        method=method.upper(),
        url=url,
        headers=dict(headers) if headers else None,
        query=dict(query) if query else None,
        approval_id=approval_id,
    )
    if body is not None:
        payload["body"] = body
    return Call(
        "POST",
        "/v1/proxy",
        model(g.ProxiedCallResponse),
        json=payload,
        auth=auth,
        headers=_keyed(idempotency_key),
        timeout=timeout,
    )


# ---- intents ------------------------------------------------------------------------------------------------------


def submit_intent(auth: Authenticator, body: Mapping[str, Any], idempotency_key: str | None) -> Call[g.IntentView]:
    return Call("POST", "/v1/intents", model(g.IntentView), json=dict(body), auth=auth, headers=_keyed(idempotency_key))


def simulate_intent(auth: Authenticator, body: Mapping[str, Any]) -> Call[g.SimulationResponse]:
    return Call("POST", "/v1/intents/simulate", model(g.SimulationResponse), json=dict(body), auth=auth, retryable=True)


def get_intent(intent_id: str, *, wait: int | None = None, auth: Authenticator | None = None) -> Call[g.IntentView]:
    # A long poll: the answer may take `wait` seconds, so the read timeout is longer than that.
    timeout = None if wait is None else wait + 15.0
    return Call("GET", f"/v1/intents/{_seg(intent_id)}", model(g.IntentView), params={"wait": wait}, auth=auth, timeout=timeout)


def list_intents(status: str | None, cursor: str | None, limit: int | None) -> Call[g.IntentListResponse]:
    return Call("GET", "/v1/intents", model(g.IntentListResponse), params={"status": status, "cursor": cursor, "limit": limit})


def decide_intent(intent_id: str, decision: Literal["approve", "reject"], note: str | None) -> Call[g.IntentView]:
    return Call("POST", f"/v1/intents/{_seg(intent_id)}/{decision}", model(g.IntentView), json=_body(note=note))


def consume_approval(intent_id: str, auth: Authenticator, call: Mapping[str, Any]) -> Call[g.ConsumedResponse]:
    return Call("POST", f"/v1/intents/{_seg(intent_id)}/consume", model(g.ConsumedResponse), json=dict(call), auth=auth)


# ---- policies, settings -------------------------------------------------------------------------------------------


def get_policy() -> Call[g.PolicyView]:
    return Call("GET", "/v1/policies/intents", model(g.PolicyView))


def put_policy(policy: Mapping[str, Any]) -> Call[g.PolicyChangedResponse]:
    return Call("PUT", "/v1/policies/intents", model(g.PolicyChangedResponse), json=dict(policy))


def get_detector_settings() -> Call[g.SettingsView]:
    return Call("GET", "/v1/detectors/settings", model(g.SettingsView))


def put_detector_settings(settings: Mapping[str, Any]) -> Call[g.SettingsChangedResponse]:
    return Call("PUT", "/v1/detectors/settings", model(g.SettingsChangedResponse), json=dict(settings))


# ---- services -----------------------------------------------------------------------------------------------------


def register_service(
    name: str, hosts: Sequence[str], presentation: Mapping[str, Any], secret: str, internal_hosts: Sequence[str] | None
) -> Call[g.ServiceWriteResponse]:
    body = _body(
        name=name,
        hosts=list(hosts),
        internal_hosts=list(internal_hosts) if internal_hosts else None,
        presentation=dict(presentation),
        secret=secret,
    )
    return Call("POST", "/v1/services", model(g.ServiceWriteResponse), json=body)


def list_services() -> Call[g.ServiceListResponse]:
    return Call("GET", "/v1/services", model(g.ServiceListResponse))


def remove_service(name: str) -> Call[g.RemovedServiceResponse]:
    return Call("DELETE", f"/v1/services/{_seg(name)}", model(g.RemovedServiceResponse))


# ---- findings -----------------------------------------------------------------------------------------------------


def list_findings(filters: Mapping[str, Any], cursor: str | None) -> Call[g.SecurityEventListResponse]:
    return Call("GET", "/v1/security-events", model(g.SecurityEventListResponse), params={**filters, "cursor": cursor})


def get_finding(finding_id: str) -> Call[g.SecurityEventView]:
    return Call("GET", f"/v1/security-events/{_seg(finding_id)}", model(g.SecurityEventView))


def resolve_finding(finding_id: str, note: str) -> Call[g.ResolvedResponse]:
    return Call("POST", f"/v1/security-events/{_seg(finding_id)}/resolve", model(g.ResolvedResponse), json={"note": note})


# ---- audit --------------------------------------------------------------------------------------------------------


def query_audit(filters: Mapping[str, Any], cursor: str | None) -> Call[g.AuditPageResponse]:
    return Call("GET", "/v1/audit", model(g.AuditPageResponse), params={**filters, "cursor": cursor})


def verify_audit() -> Call[g.ChainVerificationResponse]:
    return Call("GET", "/v1/audit/verify", model(g.ChainVerificationResponse))


def export_audit(params: Mapping[str, Any]) -> Call[Any]:
    return Call("GET", "/v1/audit/export", raw, params=params, headers={"accept": "application/x-ndjson"})


def stream(path: str, params: Mapping[str, Any], last_event_id: str | None) -> Call[Any]:
    headers = {"accept": "text/event-stream", **({"last-event-id": last_event_id} if last_event_id else {})}
    return Call("GET", path, raw, params=params, headers=headers)


def discovery() -> Call[g.OpenIdConfigurationResponse]:
    return Call("GET", "/.well-known/openid-configuration", model(g.OpenIdConfigurationResponse), auth=NoAuth())
