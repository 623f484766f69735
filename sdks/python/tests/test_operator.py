"""The operator's client against the real server: agents, enrollment, passports and the kill switch, policies, the
approval queue (and why an agent can never approve its own intent), findings and the audit."""

from __future__ import annotations

import inspect
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2 as httpx
import pytest
from conftest import ADMIN_KEY, AgentFactory, MandateServer, Tenant
from support import eventually

from mandate import (
    AgentSuspended,
    AlreadyDecided,
    ApprovalRejected,
    AsyncMandate,
    ConfigurationError,
    EnrollmentRefused,
    Mandate,
    NotFound,
    PassportRevoked,
    Unauthenticated,
)
from mandate._generated import IntentView
from mandate.mission import AsyncMission, AsyncMissionIntents, Mission, MissionIntents

# ---- agents ---------------------------------------------------------------------------------------------------------


def test_an_agent_is_registered_read_and_listed_page_by_page(tenant: Tenant) -> None:
    op = tenant.operator
    # given three agents
    registered = op.agents.register(
        "triage-bot", description="acknowledges tickets", accountability_mode="enforced", allowed_services=["echo"]
    )
    others = [op.agents.register(f"helper-{n}").id for n in range(2)]
    # when one is read, then it is what was registered, its ceiling included
    agent = op.agents.get(registered.id)
    assert (agent.name, agent.description, agent.accountability_mode, agent.status) == (
        "triage-bot",
        "acknowledges tickets",
        "enforced",
        "active",
    )
    assert agent.ceiling is not None
    assert agent.ceiling.allowed_services == ["echo"]
    # and the list, one agent a page, follows the cursor to the end
    assert sorted(a.id for a in op.agents.list(page_size=1)) == sorted([registered.id, *others])


def test_the_mode_of_an_agent_is_changed(tenant: Tenant) -> None:
    agent = tenant.operator.agents.register("bot", accountability_mode="standard")
    # when the operator moves it to enforced, then that is its mode
    assert tenant.operator.agents.set_mode(agent.id, "enforced").accountability_mode == "enforced"
    assert tenant.operator.agents.get(agent.id).accountability_mode == "enforced"


def test_a_suspended_agent_loses_its_passports_and_opens_no_mission_until_reinstated(
    tenant: Tenant, make_agent: AgentFactory
) -> None:
    op = tenant.operator
    # given an agent on a mission
    agent = make_agent("enforced")
    agent_id = agent.key.agent_id if agent.key else ""
    with pytest.raises(PassportRevoked), agent.mission(intent="Triage", services=["echo"]) as mission:
        # when the operator suspends it
        assert op.agents.suspend(agent_id, reason="misbehaving").status == "suspended"
        # then its passport is revoked
        assert op.passports.get(mission.jti).status == "revoked"
    # and no mission opens for it: the operator's issue is refused as AgentSuspended, and the agent's own key no
    # longer opens anything (the server folds a suspended agent into "assertion not valid", saying nothing more)
    with pytest.raises(AgentSuspended):
        op.passports.issue(agent_id, intent="Again", services=["echo"])
    with pytest.raises(Unauthenticated, match="assertion is not valid"), agent.mission(intent="Again", services=["echo"]):
        pass
    # until it is reinstated
    assert op.agents.reinstate(agent_id).status == "active"
    with agent.mission(intent="Again", services=["echo"]) as again:
        assert op.passports.get(again.jti).status == "active"


# ---- enrollment -----------------------------------------------------------------------------------------------------


def test_a_used_enrollment_token_is_refused_and_its_unenrolled_key_needs_a_new_token(
    tenant: Tenant, server: MandateServer, tmp_path: Path
) -> None:
    op = tenant.operator
    agent = op.agents.register("bot", allowed_services=["echo"])
    token = op.agents.enrollment_token(agent.id).token
    Mandate(server.url, agent_id=agent.id, key_dir=tmp_path / "first", enrollment_token=token).close()
    # when another runtime of the agent presents the same token
    with pytest.raises(EnrollmentRefused) as refused:
        Mandate(server.url, agent_id=agent.id, key_dir=tmp_path / "second", enrollment_token=token)
    # then it is refused as used
    assert refused.value.code == "ENROLLMENT_TOKEN_USED"
    # and the key it saved before trying is not used without a token: the runtime says how to enroll it
    with pytest.raises(ConfigurationError, match="never enrolled"):
        Mandate(server.url, agent_id=agent.id, key_dir=tmp_path / "second")
    # and a fresh token enrolls that same key
    fresh = op.agents.enrollment_token(agent.id).token
    with Mandate(server.url, agent_id=agent.id, key_dir=tmp_path / "second", enrollment_token=fresh) as runtime:
        assert runtime.key is not None
        assert runtime.key.thumbprint in op.agents.get(agent.id).active_keys
    assert len(op.agents.get(agent.id).active_keys) == 2


# ---- passports and the kill switch ----------------------------------------------------------------------------------


def test_an_operator_issues_verifies_and_revokes_a_passport(tenant: Tenant) -> None:
    op = tenant.operator
    agent = op.agents.register("bot", accountability_mode="logged")
    # when the operator issues a passport for the agent
    issued = op.passports.issue(agent.id, intent="Refund duplicates", services=["echo"], ttl_seconds=600)
    # then it is a bearer passport for that mission, and active
    assert issued.bound_key is None
    assert issued.intent.services == ["echo"]
    verified = op.passports.verify(issued.token)
    assert verified.active
    assert verified.claims is not None
    assert verified.claims.sub == agent.id
    # when it is revoked, then it is no longer active, and says why
    assert op.passports.revoke(issued.jti, reason="done").already_revoked is False
    inactive = op.passports.verify(issued.token)
    assert (inactive.active, inactive.reason, inactive.jti) == (False, "revoked", issued.jti)
    # and revoking it again writes nothing
    assert op.passports.revoke(issued.jti).already_revoked is True


def test_revoke_all_revokes_every_passport_of_the_tenant(tenant: Tenant) -> None:
    op = tenant.operator
    agents = [op.agents.register(f"bot-{n}").id for n in range(2)]
    jtis = {op.passports.issue(a, intent="work", services=["echo"]).jti for a in agents for _ in range(2)}
    # when the tenant's kill switch is pulled
    revoked = op.passports.revoke_all("incident 42")
    # then every live passport is revoked
    assert set(revoked.jtis) == jtis
    assert revoked.revoked == 4
    assert {op.passports.get(j).status for j in jtis} == {"revoked"}


def test_the_agent_kill_switch_revokes_the_agents_passports_only(tenant: Tenant) -> None:
    op = tenant.operator
    target, bystander = op.agents.register("rogue").id, op.agents.register("bystander").id
    theirs = {op.passports.issue(target, intent="work", services=["echo"]).jti for _ in range(2)}
    kept = op.passports.issue(bystander, intent="work", services=["echo"]).jti
    # when the operator revokes the agent
    revoked = op.agents.revoke(target, reason="off-script")
    # then its passports are revoked, nobody else's
    assert set(revoked.jtis) == theirs
    assert op.passports.get(kept).status == "active"


# ---- policies -------------------------------------------------------------------------------------------------------


def test_the_intent_policy_is_replaced_whole(tenant: Tenant) -> None:
    op = tenant.operator
    # when the operator replaces the policy
    op.policies.replace(
        default="deny",
        default_approvals=2,
        rules=[
            {
                "name": "small-refunds",
                "match": {"named_intent": "stripe:refunds:*", "amount_max": 50},
                "decision": "auto_approve",
            },
            {"name": "deletes", "match": {"service": "echo", "method": "DELETE"}, "decision": "require_approval", "approvals": 2},
        ],
    )
    # then reading it gives exactly that
    policy = op.policies.get()
    assert (policy.default, policy.default_approvals) == ("deny", 2)
    assert [(r.name, r.decision, r.approvals) for r in policy.rules] == [
        ("small-refunds", "auto_approve", None),
        ("deletes", "require_approval", 2),
    ]
    assert policy.rules[0].match.named_intent == "stripe:refunds:*"
    assert policy.rules[0].match.amount_max == 50


# ---- the approval queue ---------------------------------------------------------------------------------------------


def _pending(tenant: Tenant, intent_id: str) -> bool:
    return any(i.id == intent_id for i in tenant.operator.intents.pending())


def test_an_agents_intent_waits_in_the_queue_until_a_person_approves_it(tenant: Tenant, make_agent: AgentFactory) -> None:
    agent = make_agent("logged")
    with agent.mission(intent="Refund", services=["echo"]) as mission, ThreadPoolExecutor(1) as pool:
        # given an agent waiting on its intent (the default policy wants one person)
        waiting = pool.submit(
            mission.intents.submit_and_wait,
            named_intent="echo:refunds:create",
            service="echo",
            url="https://localhost/refunds",
            body={"charge": "ch_1", "amount": 4200},
            reason="customer asked",
            timeout=30,
        )
        # when it shows in the operator's queue and the operator approves it
        queued = eventually(
            lambda: next((i for i in tenant.operator.intents.pending() if i.jti == mission.jti), None),
            what="the agent's intent in the pending queue",
        )
        assert queued.named_intent == "echo:refunds:create"
        tenant.operator.intents.approve(queued.id, note="ok")
        # then the agent's wait returns the approved intent, with the approval that opens the door once
        approved: IntentView = waiting.result(timeout=30)
    assert approved.id == queued.id
    assert approved.status == "approved"
    assert approved.approval_id
    assert not _pending(tenant, queued.id)


def test_a_rejected_intent_raises_approval_rejected_for_the_agent(tenant: Tenant, make_agent: AgentFactory) -> None:
    agent = make_agent("logged")
    with agent.mission(intent="Refund", services=["echo"]) as mission:
        # given a pending intent
        submitted = mission.intents.submit(
            named_intent="echo:refunds:create", service="echo", url="https://localhost/refunds", reason="customer asked"
        )
        assert submitted.status == "pending"
        assert _pending(tenant, submitted.id)
        # when the operator rejects it
        assert tenant.operator.intents.reject(submitted.id, note="not this one").status == "rejected"
        # then the agent's wait raises ApprovalRejected, naming the intent and the note
        with pytest.raises(ApprovalRejected, match="not this one") as rejected:
            mission.intents.wait(submitted.id, timeout=5)
        assert rejected.value.intent_id == submitted.id
        # and a decided intent cannot be decided again
        with pytest.raises(AlreadyDecided):
            tenant.operator.intents.approve(submitted.id)


def test_an_agent_can_never_approve_its_own_intent(tenant: Tenant, make_agent: AgentFactory, server: MandateServer) -> None:
    agent = make_agent("logged")
    with agent.mission(intent="Refund", services=["echo"]) as mission:
        submitted = mission.intents.submit(
            named_intent="echo:refunds:create", service="echo", url="https://localhost/refunds", reason="customer asked"
        )
        # the mission's intents have no way to decide
        assert not hasattr(mission.intents, "approve")
        assert not hasattr(mission.intents, "reject")
        # the runtime's operator methods refuse before anything is sent: it holds no operator key
        with pytest.raises(ConfigurationError, match="operator's call"):
            agent.intents.approve(submitted.id)
        # and the server refuses an approval without an operator key, and one sent with the agent's own passport
        url = f"{server.url}/v1/intents/{submitted.id}/approve"
        assert httpx.post(url, json={}).status_code == 401
        with_passport = httpx.post(url, json={}, headers=mission._auth.headers("POST", url))
        assert with_passport.status_code == 403, with_passport.text
        # so the intent is still waiting for a person
        assert tenant.operator.intents.get(submitted.id).status == "pending"


# ---- findings -------------------------------------------------------------------------------------------------------


def test_an_out_of_mission_call_raises_a_scope_drift_finding_the_operator_resolves(
    tenant: Tenant, make_agent: AgentFactory
) -> None:
    op = tenant.operator
    agent = make_agent("logged")  # logged: the finding is raised to operators, the passport is not revoked
    with agent.mission(intent="Triage", services=["echo"]) as mission:
        # when the agent reports a call to a service its mission does not name
        logged = mission.report(service="slack", action="chat.postMessage", outcome="success")
        # then, read after that write, the passport has a scope_drift finding
        findings = list(op.findings.list(jti=mission.jti, wait_for_position=logged.position))
        assert [(f.signal, f.severity, f.status) for f in findings] == [("scope_drift", "critical", "open")]
        assert "slack" in findings[0].detail
        assert op.passports.get(mission.jti).status == "active"
    # when the operator resolves it, then it is resolved with the note
    resolved = op.findings.resolve(findings[0].id, "expected: the slack step moved to this mission")
    assert resolved.id == findings[0].id
    finding = op.findings.get(findings[0].id)
    assert finding.status == "resolved"
    assert finding.resolution is not None
    assert finding.resolution.note.startswith("expected")
    assert [f.id for f in op.findings.list(jti=mission.jti, status="open")] == []


# ---- the audit ------------------------------------------------------------------------------------------------------


def test_the_audit_export_yields_every_event_in_order_and_resumes_after_a_position(
    tenant: Tenant, make_agent: AgentFactory
) -> None:
    op = tenant.operator
    agent = make_agent("logged")
    with agent.mission(intent="Work", services=["echo"]) as mission:
        mission.log(service="echo", action="step")
    # when the whole audit is exported
    events = list(op.audit.export(progress=False))
    # then it holds every event of the tenant, each once, in increasing positions
    positions = [e.position for e in events]
    assert positions == sorted(set(positions))
    assert len(events) == len(list(op.audit.query())) == op.audit.verify().checked
    assert {"TenantCreated", "PassportIssued", "MissionCheckedOut"} <= {e.type for e in events}
    # and an export after a position resumes right after it
    middle = positions[len(positions) // 2]
    assert [e.position for e in op.audit.export(after_position=middle, progress=False)] == [p for p in positions if p > middle]


def test_the_audit_export_draws_a_progress_bar_when_asked(tenant: Tenant, capfd: pytest.CaptureFixture[str]) -> None:
    # when the export runs with progress=True
    count = sum(1 for _ in tenant.operator.audit.export(progress=True))
    # then a tqdm bar counting the events went to stderr (and nothing to stdout)
    out, err = capfd.readouterr()
    assert out == ""
    assert "audit export" in err
    assert re.search(rf"\b{count} events\b", err), err


def test_the_audit_chain_verifies(tenant: Tenant, make_agent: AgentFactory) -> None:
    agent = make_agent("logged")
    with agent.mission(intent="Work", services=["echo"]) as mission:
        mission.log(service="echo", action="step")
    verification = tenant.operator.audit.verify()
    assert verification.ok
    assert verification.first_break is None
    assert verification.checked > 0


def test_another_tenants_operator_cannot_read_this_tenants_passport(tenant: Tenant, server: MandateServer) -> None:
    # given a second tenant's operator
    with Mandate(server.url, api_key=ADMIN_KEY) as admin:
        other = admin.tenants.create("other")
    agent_id = tenant.operator.agents.register("bot").id
    jti = tenant.operator.passports.issue(agent_id, intent="work", services=["echo"]).jti
    # when it asks for this tenant's passport, then there is no such passport for it
    with Mandate(server.url, api_key=other.admin_key.key) as stranger, pytest.raises(NotFound):
        stranger.passports.get(jti)


# ---- the async client -----------------------------------------------------------------------------------------------


def _public(obj: object) -> dict[str, str]:
    """Public methods and properties, with their parameters (a coroutine's the same as a plain function's)."""
    found: dict[str, str] = {}
    for name in dir(obj):
        if name.startswith("_"):
            continue
        member = getattr(obj, name)
        found[name] = str(list(inspect.signature(member).parameters.values())) if callable(member) else "attribute"
    return found


def test_the_async_client_offers_what_the_sync_one_does() -> None:
    sync, asynchronous = Mandate("http://127.0.0.1:9", api_key="k"), AsyncMandate("http://127.0.0.1:9", api_key="k")
    # the same resources, each with the same methods taking the same arguments
    only_sync = {"close"}  # the async client's is aclose(); enroll() is the async agent's explicit step
    assert set(_public(sync)) - only_sync == set(_public(asynchronous)) - {"aclose", "enroll"}
    for resource in ("tenants", "agents", "passports", "intents", "policies", "services", "findings", "audit"):
        assert _public(getattr(sync, resource)) == _public(getattr(asynchronous, resource)), resource
    # and the same mission and mission intents
    assert _public(Mission) == _public(AsyncMission)
    assert _public(MissionIntents) == _public(AsyncMissionIntents)
    sync.close()


async def test_the_async_operator_reads_and_writes_like_the_sync_one(tenant: Tenant, server: MandateServer) -> None:
    async with AsyncMandate(server.url, api_key=tenant.key) as op:
        await op.policies.replace(default="auto_approve")
        assert (await op.policies.get()).default == "auto_approve"
        assert "echo" in [s.name for s in (await op.services.list()).services]
        agent = await op.agents.register("async-bot", accountability_mode="logged")
        assert (await op.agents.set_ceiling(agent.id, ["echo"])).ceiling is not None
        issued = await op.passports.issue(agent.id, intent="work", services=["echo"])
        entries = [e async for e in op.audit.query(jti=issued.jti)]
        assert [e.type for e in entries] == ["PassportIssued"]
