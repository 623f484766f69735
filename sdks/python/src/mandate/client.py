"""``Mandate`` and ``AsyncMandate``: the operator's client, and the agent's runtime when given an ``agent_id``.

An operator (``Mandate(api_key=...)``, or ``MANDATE_API_KEY``) registers agents, hands out enrollment tokens, decides
intents, pulls the kill switch and reads the audit. An agent (``Mandate(agent_id=...)``) holds no operator key: on its
first run it makes an Ed25519 key pair, enrolls the public half with a one-time token, and from then on signs its own
requests; ``mandate.mission(...)`` opens a mission bound to that key.

The two clients have the same methods; the async one's are coroutines. Each method is one line over the operation it
runs (``_api``), so what is sent is written once.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncGenerator, AsyncIterator, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

import httpx2 as httpx

from . import _api, streams
from . import _generated as g
from ._export import AsyncAuditExport, AuditExport
from ._keys import DEFAULT_KEY_DIR, AgentKey, AssertionAuth
from ._transport import (
    AgentRuntime,
    AsyncTransport,
    Authenticator,
    NoAuth,
    OperatorKey,
    Plan,
    RetryPolicy,
    SyncTransport,
    adrive,
    drive,
)
from .errors import ConfigurationError, Conflict
from .mission import AsyncMission, Mission, MissionOptions

log = logging.getLogger("mandate")

DEFAULT_URL = "http://127.0.0.1:8080"
Decision = Literal["auto_approve", "require_approval", "deny"]


class _Settings:
    """What both clients read from their arguments and the environment."""

    def __init__(
        self,
        base_url: str | None,
        api_key: str | None,
        agent_id: str | None,
        key_dir: str | os.PathLike[str] | None,
        enrollment_token: str | None,
    ) -> None:
        self.base_url = (base_url or os.environ.get("MANDATE_URL") or DEFAULT_URL).rstrip("/")
        self.agent_id = agent_id
        if agent_id is not None:
            if api_key is not None:
                raise ConfigurationError(
                    "an agent's runtime holds no operator key: pass agent_id or api_key, not both "
                    "(enroll the agent's key with an enrollment token instead)"
                )
            if os.environ.get("MANDATE_API_KEY"):
                log.warning("mandate: MANDATE_API_KEY is set in an agent's process; the agent runtime does not use it")
            self.api_key: str | None = None
        else:
            self.api_key = api_key or os.environ.get("MANDATE_API_KEY")
        self.key_dir = Path(key_dir or os.environ.get("MANDATE_KEY_DIR") or DEFAULT_KEY_DIR)
        self.enrollment_token = enrollment_token or os.environ.get("MANDATE_ENROLLMENT_TOKEN")

    def auth(self) -> Authenticator:
        if self.agent_id is not None:
            return AgentRuntime()
        return OperatorKey(self.api_key) if self.api_key else NoAuth()

    def agent_key(self) -> tuple[AgentKey, bool]:
        """The agent's key from its file, or a new one saved before enrollment (so a retry reuses it)."""
        assert self.agent_id is not None
        key = AgentKey.load(self.agent_id, self.key_dir)
        if key is not None:
            if not key.enrolled and not self.enrollment_token:
                # Saved by an earlier run whose enrollment did not go through (a used or expired token, no server).
                raise ConfigurationError(f"agent {self.agent_id}'s key in {key.path} was never enrolled: {self._how_to_enroll()}")
            return key, False
        if not self.enrollment_token:
            raise ConfigurationError(f"agent {self.agent_id} has no key in {self.key_dir} yet: {self._how_to_enroll()}")
        key = AgentKey.generate(self.agent_id)
        key.save(self.key_dir)
        return key, True

    def _how_to_enroll(self) -> str:
        return (
            "give the runtime a one-time enrollment token (enrollment_token=... or MANDATE_ENROLLMENT_TOKEN), made by an "
            f"operator with mandate.agents.enrollment_token({self.agent_id!r})"
        )

    def enrollment(self) -> Plan[AgentKey]:
        """The agent's key, enrolled with the one-time token when it is not yet (both clients drive this plan)."""
        key, new = self.agent_key()
        if key.enrolled:
            return key
        token = self.enrollment_token
        assert token is not None, "agent_key() refuses a key that is not enrolled when there is no token"
        try:
            answer: g.KeyEnrolledResponse = yield _api.enroll_key(token, key.public_jwk, NoAuth())
            self.enrolled(key, answer.agent_id, answer.tenant_id, answer.issuer)
        except Conflict as error:
            if new or error.code != "AGENT_KEY_EXISTS":
                raise
            # Enrolled by an earlier run that stopped before it saved the answer: the issuer is all it lacks.
            config: g.OpenIdConfigurationResponse = yield _api.discovery()
            self.enrolled(key, key.agent_id, key.tenant_id, config.issuer)
        return key

    def enrolled(self, key: AgentKey, agent_id: str, tenant_id: str | None, issuer: str) -> None:
        if agent_id != key.agent_id:
            raise ConfigurationError(f"the enrollment token is for agent {agent_id}, not {key.agent_id}")
        key.issuer, key.tenant_id = issuer, tenant_id
        path = key.save(self.key_dir)
        log.info("mandate: enrolled key %s for agent %s (kept in %s)", key.thumbprint, key.agent_id, path)


def _ceiling(allowed_services: Sequence[str] | None, max_ttl_seconds: int, max_concurrent_missions: int) -> dict[str, Any] | None:
    if allowed_services is None:
        return None
    return {
        "allowed_services": list(allowed_services),
        "max_ttl_seconds": max_ttl_seconds,
        "max_concurrent_missions": max_concurrent_missions,
    }


def _policy(default: Decision, rules: Sequence[Mapping[str, Any]], default_approvals: int | None) -> dict[str, Any]:
    return {
        "default": default,
        "rules": [dict(r) for r in rules],
        **({"default_approvals": default_approvals} if default_approvals else {}),
    }


def _finding_filters(**filters: Any) -> dict[str, Any]:
    return {name: value for name, value in filters.items() if value is not None}


# ==== synchronous =====================================================================================================


class _Resource:
    def __init__(self, transport: SyncTransport) -> None:
        self._t = transport


class Tenants(_Resource):
    def create(self, name: str) -> g.CreatedTenantResponse:
        """A tenant and its first admin key (the instance admin's key only)."""
        return self._t.send(_api.create_tenant(name))


class Agents(_Resource):
    def register(
        self,
        name: str,
        *,
        description: str | None = None,
        accountability_mode: _api.Mode | None = None,
        allowed_services: Sequence[str] | None = None,
        max_ttl_seconds: int = 3600,
        max_concurrent_missions: int = 5,
    ) -> g.AgentWrittenResponse:
        """Register an agent. ``allowed_services`` sets the ceiling it may open missions within by itself."""
        ceiling = _ceiling(allowed_services, max_ttl_seconds, max_concurrent_missions)
        return self._t.send(_api.register_agent(name, description, accountability_mode, ceiling))

    def get(self, agent_id: str) -> g.AgentDetailView:
        return self._t.send(_api.get_agent(agent_id))

    def list(self, *, page_size: int | None = None) -> Iterator[g.AgentView]:
        cursor: str | None = None
        while True:
            page = self._t.send(_api.list_agents(cursor, page_size))
            yield from page.agents
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    def set_mode(self, agent_id: str, mode: _api.Mode) -> g.AgentWrittenResponse:
        return self._t.send(_api.update_agent(agent_id, accountability_mode=mode))

    def set_ceiling(
        self, agent_id: str, allowed_services: Sequence[str], *, max_ttl_seconds: int = 3600, max_concurrent_missions: int = 5
    ) -> g.AgentWrittenResponse:
        ceiling = _ceiling(allowed_services, max_ttl_seconds, max_concurrent_missions)
        return self._t.send(_api.update_agent(agent_id, ceiling=ceiling))

    def suspend(self, agent_id: str, reason: str | None = None) -> g.AgentWrittenResponse:
        """Suspend the agent: its passports are revoked and it opens no mission until reinstated."""
        return self._t.send(_api.update_agent(agent_id, status="suspended", reason=reason))

    def reinstate(self, agent_id: str) -> g.AgentWrittenResponse:
        return self._t.send(_api.update_agent(agent_id, status="active"))

    def revoke(self, agent_id: str, reason: str | None = None) -> g.RevocationsResponse:
        """Kill switch: revoke every passport of the agent."""
        return self._t.send(_api.revoke_agent(agent_id, reason))

    def enrollment_token(self, agent_id: str, *, expires_in_seconds: int | None = None) -> g.EnrollmentCreatedResponse:
        """A one-time token the agent's runtime enrolls its key with (shown once)."""
        return self._t.send(_api.create_enrollment(agent_id, expires_in_seconds))

    def keys(self, agent_id: str) -> g.AgentKeysResponse:
        return self._t.send(_api.agent_keys(agent_id))

    def revoke_key(self, agent_id: str, key_id: str, reason: str | None = None) -> g.AgentKeyRevokedResponse:
        """Revoke an agent's key, and every passport bound to it."""
        return self._t.send(_api.revoke_agent_key(agent_id, key_id, reason))


class Passports(_Resource):
    def issue(
        self,
        agent_id: str,
        *,
        intent: str | None = None,
        services: Sequence[str] | None = None,
        ttl_seconds: int | None = None,
        checkpoint_interval_seconds: int | None = None,
        bind_to_key: str | None = None,
        idempotency_key: str | None = None,
    ) -> g.IssuedPassportResponse:
        return self._t.send(
            _api.issue_passport(
                agent_id,
                intent=intent,
                services=services,
                ttl_seconds=ttl_seconds,
                checkpoint_interval_seconds=checkpoint_interval_seconds,
                bind_to_key=bind_to_key,
                idempotency_key=idempotency_key,
            )
        )

    def get(self, jti: str) -> g.PassportView:
        return self._t.send(_api.get_passport(jti))

    def verify(self, token: str) -> g.VerifyResponse:
        return self._t.send(_api.verify_passport(token))

    def revoke(self, jti: str, reason: str | None = None) -> g.PassportRevokedResponse:
        """Kill switch: revoke one passport."""
        return self._t.send(_api.revoke_passport(jti, reason))

    def revoke_all(self, reason: str) -> g.RevocationsResponse:
        """Kill switch: revoke every passport of the tenant (an admin key). The reason is required: it is on record."""
        return self._t.send(_api.revoke_all(reason))


class Intents(_Resource):
    """The approval queue, as an operator sees it."""

    def pending(self, *, page_size: int | None = None) -> Iterator[g.IntentSummaryView]:
        cursor: str | None = None
        while True:
            page = self._t.send(_api.list_intents("pending", cursor, page_size))
            yield from page.intents
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    def get(self, intent_id: str) -> g.IntentView:
        return self._t.send(_api.get_intent(intent_id))

    def approve(self, intent_id: str, note: str | None = None) -> g.IntentView:
        return self._t.send(_api.decide_intent(intent_id, "approve", note))

    def reject(self, intent_id: str, note: str | None = None) -> g.IntentView:
        return self._t.send(_api.decide_intent(intent_id, "reject", note))


class Policies(_Resource):
    def get(self) -> g.PolicyView:
        return self._t.send(_api.get_policy())

    def replace(
        self, *, default: Decision, rules: Sequence[Mapping[str, Any]] = (), default_approvals: int | None = None
    ) -> g.PolicyChangedResponse:
        """Replace the tenant's intent policy: the first matching rule decides, else the default."""
        return self._t.send(_api.put_policy(_policy(default, rules, default_approvals)))


class Services(_Resource):
    def register(
        self,
        name: str,
        *,
        hosts: Sequence[str],
        secret: str,
        presentation: Mapping[str, Any] | None = None,
        internal_hosts: Sequence[str] | None = None,
    ) -> g.ServiceWriteResponse:
        """A service the proxy may call with its secret (write-only: it never comes back)."""
        return self._t.send(_api.register_service(name, hosts, presentation or {"kind": "bearer"}, secret, internal_hosts))

    def list(self) -> g.ServiceListResponse:
        return self._t.send(_api.list_services())

    def remove(self, name: str) -> g.RemovedServiceResponse:
        return self._t.send(_api.remove_service(name))


class Findings(_Resource):
    def list(
        self,
        *,
        signal: str | None = None,
        severity: str | None = None,
        agent_id: str | None = None,
        jti: str | None = None,
        status: str | None = None,
        wait_for_position: int | None = None,
    ) -> Iterator[g.SecurityEventView]:
        filters = _finding_filters(
            signal=signal, severity=severity, agent_id=agent_id, jti=jti, status=status, wait_for_position=wait_for_position
        )
        cursor: str | None = None
        while True:
            page = self._t.send(_api.list_findings(filters, cursor))
            yield from page.security_events
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    def get(self, finding_id: str) -> g.SecurityEventView:
        return self._t.send(_api.get_finding(finding_id))

    def resolve(self, finding_id: str, note: str) -> g.ResolvedResponse:
        return self._t.send(_api.resolve_finding(finding_id, note))


class Audit(_Resource):
    def query(
        self,
        *,
        agent_id: str | None = None,
        jti: str | None = None,
        mission_id: str | None = None,
        type: str | None = None,
        wait_for_position: int | None = None,
    ) -> Iterator[g.AuditEntryView]:
        filters = _finding_filters(
            agent_id=agent_id, jti=jti, mission_id=mission_id, type=type, wait_for_position=wait_for_position
        )
        cursor: str | None = None
        while True:
            page = self._t.send(_api.query_audit(filters, cursor))
            yield from page.entries
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    def export(self, *, after_position: int | None = None, progress: bool | None = None) -> AuditExport:
        """Every raw event of the tenant, in order, with its chain link; a progress bar on a terminal."""
        return AuditExport(self._t, after_position, progress)

    def verify(self) -> g.ChainVerificationResponse:
        return self._t.send(_api.verify_audit())


class Mandate:
    """Mandate, synchronously. ``with Mandate(...) as mandate:`` closes its connections at the end."""

    def __init__(
        self,
        base_url: str | None = None,
        *,
        api_key: str | None = None,
        agent_id: str | None = None,
        key_dir: str | os.PathLike[str] | None = None,
        enrollment_token: str | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        self._settings = _Settings(base_url, api_key, agent_id, key_dir, enrollment_token)
        self._transport = SyncTransport(
            self._settings.base_url, self._settings.auth(), timeout=timeout, retry=retry, client=http_client
        )
        t = self._transport
        self.tenants, self.agents, self.passports = Tenants(t), Agents(t), Passports(t)
        self.intents, self.policies, self.services = Intents(t), Policies(t), Services(t)
        self.findings, self.audit = Findings(t), Audit(t)
        self.key: AgentKey | None = None
        if agent_id is not None:
            self.key = self._enroll()

    @property
    def base_url(self) -> str:
        return self._settings.base_url

    def _enroll(self) -> AgentKey:
        return drive(self._settings.enrollment(), self._transport.send)

    def mission(
        self,
        *,
        intent: str,
        services: Sequence[str],
        checkpoint_interval: str | float = "5m",
        ttl: str | float | None = None,
        flush_interval: str | float = "1s",
    ) -> Mission:
        """A mission for this agent, as a ``with`` block: opened on entry, checked out on exit."""
        if self.key is None:
            raise ConfigurationError("mission() is the agent's runtime: create Mandate(agent_id=...) for it")
        options = MissionOptions.of(intent, services, checkpoint_interval, ttl, flush_interval)
        return Mission(self._transport, self.key, options)

    def revocations(self, *, last_event_id: str | None = None, reconnect: bool = True) -> streams.EventStream:
        """Revocations as they happen; resumes after a restart without repeating or losing one. ``close()`` it (from
        any thread) or use it as ``with`` to end it."""
        return streams.iterate(self._transport, "/v1/revocations/stream", last_event_id, reconnect)

    def findings_stream(self, *, last_event_id: str | None = None, reconnect: bool = True) -> streams.EventStream:
        """Findings raised to operators as they happen (``event == "security_event"``), and their resolutions by anyone
        (``"security_event_resolved"``, the finding with its resolution); resumes and closes like ``revocations()``."""
        return streams.iterate(self._transport, "/v1/security-events/stream", last_event_id, reconnect)

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ==== asynchronous ====================================================================================================


class _AsyncResource:
    def __init__(self, transport: AsyncTransport) -> None:
        self._t = transport


class AsyncTenants(_AsyncResource):
    async def create(self, name: str) -> g.CreatedTenantResponse:
        return await self._t.send(_api.create_tenant(name))


class AsyncAgents(_AsyncResource):
    async def register(
        self,
        name: str,
        *,
        description: str | None = None,
        accountability_mode: _api.Mode | None = None,
        allowed_services: Sequence[str] | None = None,
        max_ttl_seconds: int = 3600,
        max_concurrent_missions: int = 5,
    ) -> g.AgentWrittenResponse:
        ceiling = _ceiling(allowed_services, max_ttl_seconds, max_concurrent_missions)
        return await self._t.send(_api.register_agent(name, description, accountability_mode, ceiling))

    async def get(self, agent_id: str) -> g.AgentDetailView:
        return await self._t.send(_api.get_agent(agent_id))

    async def list(self, *, page_size: int | None = None) -> AsyncIterator[g.AgentView]:
        cursor: str | None = None
        while True:
            page = await self._t.send(_api.list_agents(cursor, page_size))
            for agent in page.agents:
                yield agent
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    async def set_mode(self, agent_id: str, mode: _api.Mode) -> g.AgentWrittenResponse:
        return await self._t.send(_api.update_agent(agent_id, accountability_mode=mode))

    async def set_ceiling(
        self, agent_id: str, allowed_services: Sequence[str], *, max_ttl_seconds: int = 3600, max_concurrent_missions: int = 5
    ) -> g.AgentWrittenResponse:
        ceiling = _ceiling(allowed_services, max_ttl_seconds, max_concurrent_missions)
        return await self._t.send(_api.update_agent(agent_id, ceiling=ceiling))

    async def suspend(self, agent_id: str, reason: str | None = None) -> g.AgentWrittenResponse:
        return await self._t.send(_api.update_agent(agent_id, status="suspended", reason=reason))

    async def reinstate(self, agent_id: str) -> g.AgentWrittenResponse:
        return await self._t.send(_api.update_agent(agent_id, status="active"))

    async def revoke(self, agent_id: str, reason: str | None = None) -> g.RevocationsResponse:
        return await self._t.send(_api.revoke_agent(agent_id, reason))

    async def enrollment_token(self, agent_id: str, *, expires_in_seconds: int | None = None) -> g.EnrollmentCreatedResponse:
        return await self._t.send(_api.create_enrollment(agent_id, expires_in_seconds))

    async def keys(self, agent_id: str) -> g.AgentKeysResponse:
        return await self._t.send(_api.agent_keys(agent_id))

    async def revoke_key(self, agent_id: str, key_id: str, reason: str | None = None) -> g.AgentKeyRevokedResponse:
        return await self._t.send(_api.revoke_agent_key(agent_id, key_id, reason))


class AsyncPassports(_AsyncResource):
    async def issue(
        self,
        agent_id: str,
        *,
        intent: str | None = None,
        services: Sequence[str] | None = None,
        ttl_seconds: int | None = None,
        checkpoint_interval_seconds: int | None = None,
        bind_to_key: str | None = None,
        idempotency_key: str | None = None,
    ) -> g.IssuedPassportResponse:
        return await self._t.send(
            _api.issue_passport(
                agent_id,
                intent=intent,
                services=services,
                ttl_seconds=ttl_seconds,
                checkpoint_interval_seconds=checkpoint_interval_seconds,
                bind_to_key=bind_to_key,
                idempotency_key=idempotency_key,
            )
        )

    async def get(self, jti: str) -> g.PassportView:
        return await self._t.send(_api.get_passport(jti))

    async def verify(self, token: str) -> g.VerifyResponse:
        return await self._t.send(_api.verify_passport(token))

    async def revoke(self, jti: str, reason: str | None = None) -> g.PassportRevokedResponse:
        return await self._t.send(_api.revoke_passport(jti, reason))

    async def revoke_all(self, reason: str) -> g.RevocationsResponse:
        return await self._t.send(_api.revoke_all(reason))


class AsyncIntents(_AsyncResource):
    async def pending(self, *, page_size: int | None = None) -> AsyncIterator[g.IntentSummaryView]:
        cursor: str | None = None
        while True:
            page = await self._t.send(_api.list_intents("pending", cursor, page_size))
            for intent in page.intents:
                yield intent
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    async def get(self, intent_id: str) -> g.IntentView:
        return await self._t.send(_api.get_intent(intent_id))

    async def approve(self, intent_id: str, note: str | None = None) -> g.IntentView:
        return await self._t.send(_api.decide_intent(intent_id, "approve", note))

    async def reject(self, intent_id: str, note: str | None = None) -> g.IntentView:
        return await self._t.send(_api.decide_intent(intent_id, "reject", note))


class AsyncPolicies(_AsyncResource):
    async def get(self) -> g.PolicyView:
        return await self._t.send(_api.get_policy())

    async def replace(
        self, *, default: Decision, rules: Sequence[Mapping[str, Any]] = (), default_approvals: int | None = None
    ) -> g.PolicyChangedResponse:
        return await self._t.send(_api.put_policy(_policy(default, rules, default_approvals)))


class AsyncServices(_AsyncResource):
    async def register(
        self,
        name: str,
        *,
        hosts: Sequence[str],
        secret: str,
        presentation: Mapping[str, Any] | None = None,
        internal_hosts: Sequence[str] | None = None,
    ) -> g.ServiceWriteResponse:
        return await self._t.send(_api.register_service(name, hosts, presentation or {"kind": "bearer"}, secret, internal_hosts))

    async def list(self) -> g.ServiceListResponse:
        return await self._t.send(_api.list_services())

    async def remove(self, name: str) -> g.RemovedServiceResponse:
        return await self._t.send(_api.remove_service(name))


class AsyncFindings(_AsyncResource):
    async def list(
        self,
        *,
        signal: str | None = None,
        severity: str | None = None,
        agent_id: str | None = None,
        jti: str | None = None,
        status: str | None = None,
        wait_for_position: int | None = None,
    ) -> AsyncIterator[g.SecurityEventView]:
        filters = _finding_filters(
            signal=signal, severity=severity, agent_id=agent_id, jti=jti, status=status, wait_for_position=wait_for_position
        )
        cursor: str | None = None
        while True:
            page = await self._t.send(_api.list_findings(filters, cursor))
            for finding in page.security_events:
                yield finding
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    async def get(self, finding_id: str) -> g.SecurityEventView:
        return await self._t.send(_api.get_finding(finding_id))

    async def resolve(self, finding_id: str, note: str) -> g.ResolvedResponse:
        return await self._t.send(_api.resolve_finding(finding_id, note))


class AsyncAudit(_AsyncResource):
    async def query(
        self,
        *,
        agent_id: str | None = None,
        jti: str | None = None,
        mission_id: str | None = None,
        type: str | None = None,
        wait_for_position: int | None = None,
    ) -> AsyncIterator[g.AuditEntryView]:
        filters = _finding_filters(
            agent_id=agent_id, jti=jti, mission_id=mission_id, type=type, wait_for_position=wait_for_position
        )
        cursor: str | None = None
        while True:
            page = await self._t.send(_api.query_audit(filters, cursor))
            for entry in page.entries:
                yield entry
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    def export(self, *, after_position: int | None = None, progress: bool | None = None) -> AsyncAuditExport:
        return AsyncAuditExport(self._t, after_position, progress)

    async def verify(self) -> g.ChainVerificationResponse:
        return await self._t.send(_api.verify_audit())


class AsyncMandate:
    """Mandate for asyncio: the same as ``Mandate``, its methods coroutines. ``async with`` enrolls an agent's key."""

    def __init__(
        self,
        base_url: str | None = None,
        *,
        api_key: str | None = None,
        agent_id: str | None = None,
        key_dir: str | os.PathLike[str] | None = None,
        enrollment_token: str | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self._settings = _Settings(base_url, api_key, agent_id, key_dir, enrollment_token)
        self._transport = AsyncTransport(
            self._settings.base_url, self._settings.auth(), timeout=timeout, retry=retry, client=http_client
        )
        t = self._transport
        self.tenants, self.agents, self.passports = AsyncTenants(t), AsyncAgents(t), AsyncPassports(t)
        self.intents, self.policies, self.services = AsyncIntents(t), AsyncPolicies(t), AsyncServices(t)
        self.findings, self.audit = AsyncFindings(t), AsyncAudit(t)
        self.key: AgentKey | None = None

    @property
    def base_url(self) -> str:
        return self._settings.base_url

    async def enroll(self) -> AgentKey:
        """The agent's key, made and enrolled on first use (``async with`` and ``mission()`` call this)."""
        if self.key is not None:
            return self.key
        key = await adrive(self._settings.enrollment(), self._transport.send)
        self.key = key
        return key

    def mission(
        self,
        *,
        intent: str,
        services: Sequence[str],
        checkpoint_interval: str | float = "5m",
        ttl: str | float | None = None,
        flush_interval: str | float = "1s",
    ) -> AsyncMission:
        """A mission for this agent, as an ``async with`` block."""
        if self._settings.agent_id is None:
            raise ConfigurationError("mission() is the agent's runtime: create AsyncMandate(agent_id=...) for it")
        options = MissionOptions.of(intent, services, checkpoint_interval, ttl, flush_interval)
        return AsyncMission(self._transport, self.enroll, options)

    def revocations(
        self, *, last_event_id: str | None = None, reconnect: bool = True
    ) -> AsyncGenerator[streams.StreamEvent, None]:
        """Revocations as they happen, resumed after a drop; ``aclose()`` it (or cancel its reader) to end it."""
        return streams.aiterate(self._transport, "/v1/revocations/stream", last_event_id, reconnect)

    def findings_stream(
        self, *, last_event_id: str | None = None, reconnect: bool = True
    ) -> AsyncGenerator[streams.StreamEvent, None]:
        return streams.aiterate(self._transport, "/v1/security-events/stream", last_event_id, reconnect)

    async def aclose(self) -> None:
        await self._transport.aclose()

    async def __aenter__(self) -> Self:
        if self._settings.agent_id is not None:
            await self.enroll()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.aclose()


__all__ = ["AssertionAuth", "AsyncMandate", "Mandate"]
