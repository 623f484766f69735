"""The mission block, against the real server: what it opens, what it records, when it checkpoints, how it ends, and
what the agent's code sees when the passport is revoked under it."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import httpx2 as httpx
import pytest
from conftest import AgentFactory, MandateServer, Tenant, Upstream
from support import eventually

from mandate import AsyncMandate, ConfigurationError, KeyRevoked, Mandate, PassportRevoked, ProofRefused
from mandate._generated import AuditEntryView, PassportView

# ---- opening and ending ---------------------------------------------------------------------------------------------


def test_the_mission_opens_a_passport_bound_to_the_runtimes_key(tenant: Tenant, make_agent: AgentFactory) -> None:
    # given an enrolled agent runtime
    agent = make_agent("enforced", services=("echo",))
    assert agent.key is not None
    # when it opens a mission
    with agent.mission(intent="Triage tickets", services=["echo"]) as mission:
        # then the passport is bound to the runtime's key (DPoP), for the mission it asked for
        view = tenant.operator.passports.get(mission.jti)
        assert view.bound_key == agent.key.thumbprint
        assert view.status == "active"
        assert view.intent.summary == "Triage tickets"
        assert view.intent.services == ["echo"]
        assert view.accountability_mode == "enforced"
        # and the token carries the binding: a downstream verifier sees the key it must check proofs against
        verified = tenant.operator.passports.verify(mission.token)
        assert verified.active
        assert verified.cnf is not None
        assert verified.cnf.jkt == agent.key.thumbprint


def test_a_block_that_ends_normally_checks_out_with_success(tenant: Tenant, make_agent: AgentFactory) -> None:
    # given a mission
    agent = make_agent()
    with agent.mission(intent="Send the digest", services=["echo"]) as mission:
        mission.log(service="echo", action="digest.send")
    # when the block ends normally, then the mission is checked out as a success
    view = tenant.operator.passports.get(mission.jti)
    assert view.status == "checked_out"
    assert view.checked_out is not None
    assert view.checked_out.outcome == "success"
    # and the call logged just before the end was sent before the checkout
    assert view.actions_logged == 1


def test_a_block_that_raises_checks_out_with_failure_and_the_exception_propagates_unchanged(
    tenant: Tenant, make_agent: AgentFactory
) -> None:
    # given a mission whose code fails
    agent = make_agent()
    failure = ValueError("the ticket API answered nonsense for ticket 4821")
    # when the block raises
    with (
        pytest.raises(ValueError, match="ticket 4821") as raised,
        agent.mission(intent="Triage tickets", services=["echo"]) as mission,
    ):
        mission.log(service="echo", action="tickets.read", outcome="failure")
        raise failure
    # then the very exception reaches the caller, untouched
    assert raised.value is failure
    # and the mission is checked out as a failure, the exception its summary
    view = tenant.operator.passports.get(mission.jti)
    assert view.checked_out is not None
    assert view.checked_out.outcome == "failure"
    assert "ValueError: the ticket API answered nonsense for ticket 4821" in view.checked_out.summary
    assert view.actions_logged == 1


# ---- recording in the background ------------------------------------------------------------------------------------


def _reported_calls(entries: list[AuditEntryView]) -> int:
    """Tool calls the agent reported, as the audit shows them: one per ToolCallLogged, a batch's count per ToolCallsLogged."""
    count = 0
    for entry in entries:
        if entry.type == "ToolCallLogged":
            count += 1
        elif entry.type == "ToolCallsLogged":
            assert entry.what is not None
            count += int(entry.what["calls"])
    return count


def test_logged_calls_are_sent_by_the_worker_not_by_log_and_land_in_the_audit(tenant: Tenant, make_agent: AgentFactory) -> None:
    # given a runtime whose every HTTP request is noted with the thread that made it
    sent: list[tuple[str, str, str]] = []

    def note(request: httpx.Request) -> None:
        sent.append((threading.current_thread().name, request.method, request.url.path))

    agent = make_agent(http_client=httpx.Client(timeout=30, event_hooks={"request": [note]}))
    with agent.mission(intent="Acknowledge tickets", services=["echo"], flush_interval="50ms") as mission:
        jti = mission.jti
        before = list(sent)
        # when the agent logs calls
        for n in range(5):
            mission.log(service="echo", action="ticket.ack", target=f"ticket-{n}")
        # then log() itself sent nothing: the agent did not wait on the network
        made_by_log = [r for r in sent[len(before) :] if r[0] == threading.current_thread().name]
        assert made_by_log == []
        # and the worker sends them within its flush interval
        eventually(
            lambda: tenant.operator.passports.get(jti).actions_logged == 5,
            what="the worker to record the 5 logged calls",
            timeout=5,
        )
    assert any(r[0].startswith("mandate-mission-") and r[2].endswith("/actions") for r in sent)
    # and the audit has each of them, under the mission's passport
    entries = list(tenant.operator.audit.query(jti=jti))
    assert _reported_calls(entries) == 5
    assert tenant.operator.passports.get(jti).actions_logged == 5


def test_checkpoints_fire_on_time_with_a_short_interval(tenant: Tenant, make_agent: AgentFactory) -> None:
    # given a logged-mode mission with a one-second checkpoint interval
    agent = make_agent("logged")
    with agent.mission(intent="Watch the queue", services=["echo"], checkpoint_interval="1s") as mission:
        token = mission.token
        # when a little more than the interval passes, then the worker has checkpointed at least twice (at 0.8 s each)
        view = eventually(lambda: _with_checkpoints(tenant, mission.jti, 2), what="two checkpoints from the worker", timeout=6)
        assert view.checkpoints >= 2
        # and in logged mode the token stays the one the mission opened with
        assert mission.token == token
        assert mission.checkpoints >= 2


def _with_checkpoints(tenant: Tenant, jti: str, at_least: int) -> PassportView | None:
    view = tenant.operator.passports.get(jti)
    return view if view.checkpoints >= at_least else None


def test_in_enforced_mode_a_checkpoint_replaces_the_token(tenant: Tenant, make_agent: AgentFactory, upstream: Upstream) -> None:
    # given an enforced-mode mission (a short leash: the token lives one checkpoint interval at a time)
    agent = make_agent("enforced")
    with agent.mission(intent="Watch the queue", services=["echo"], checkpoint_interval="1s") as mission:
        opened_with = mission.token
        # when the worker has checkpointed twice
        eventually(lambda: _with_checkpoints(tenant, mission.jti, 2), what="two checkpoints from the worker", timeout=6)
        # then the refreshed token replaced the old one (the first checkpoint's answer was taken before the second)
        assert mission.token != opened_with
        # and the new token is the one in use: a call through the proxy passes with it
        answer = mission.proxy(service="echo", url=f"{upstream.url}/queue", method="GET")
        assert answer.ok
        assert tenant.operator.passports.verify(mission.token).active
    assert tenant.operator.passports.get(mission.jti).checked_out is not None


def test_calls_made_through_the_proxy_are_counted_by_a_last_checkpoint_so_none_reads_as_unreported(
    tenant: Tenant, make_agent: AgentFactory, upstream: Upstream
) -> None:
    # given a mission that only calls through the proxy, and checks out before its first checkpoint is due
    agent = make_agent("logged")
    with agent.mission(intent="Read the queue", services=["echo"]) as mission:
        for n in range(2):
            assert mission.proxy(service="echo", url=f"{upstream.url}/queue/{n}", method="GET").ok
    # then the exit counted them in a last checkpoint before the checkout
    checkpoints = [e.what for e in tenant.operator.audit.query(jti=mission.jti, type="CheckpointRecorded") if e.what]
    assert checkpoints == [{"services_used": ["echo"], "actions_count": 2, "summary": ""}]
    # and the detectors, having read up to the checkout, found no unreported call
    (checked_out,) = tenant.operator.audit.query(jti=mission.jti, type="MissionCheckedOut")
    assert list(tenant.operator.findings.list(jti=mission.jti, wait_for_position=checked_out.position)) == []


# ---- a revoked passport ---------------------------------------------------------------------------------------------


def test_a_revoked_passport_surfaces_at_the_next_proxy_call_and_the_exit_does_not_mask_it(
    tenant: Tenant, make_agent: AgentFactory, upstream: Upstream
) -> None:
    # given a mission that made a call and recorded a tool call
    agent = make_agent("logged")
    refused: PassportRevoked | None = None
    with pytest.raises(PassportRevoked) as raised, agent.mission(intent="Refund duplicates", services=["echo"]) as mission:
        assert mission.proxy(service="echo", url=f"{upstream.url}/refunds", method="POST", body={"n": 1}).ok
        mission.log(service="echo", action="refund.create")
        mission.flush()
        # when an operator revokes the passport
        tenant.operator.passports.revoke(mission.jti, reason="off-script")
        # then the next call through the proxy raises PassportRevoked, naming the passport
        try:
            mission.proxy(service="echo", url=f"{upstream.url}/refunds", method="POST", body={"n": 2})
        except PassportRevoked as error:
            refused = error
            # and from then on a logged call is refused at once, without a request
            with pytest.raises(PassportRevoked):
                mission.log(service="echo", action="refund.create")
            raise
    # then the exception the block raised is the one the caller gets: the exit's refused checkout did not replace it
    assert raised.value is refused
    assert raised.value.jti == mission.jti
    assert mission.ended_by is not None
    # and what was sent before the revocation is on record, with the revocation
    view = tenant.operator.passports.get(mission.jti)
    assert view.status == "revoked"
    assert view.revoked is not None
    assert view.revoked.reason == "off-script"
    assert view.checked_out is None
    assert view.actions_logged == 1
    assert view.calls_observed == 1
    # and once the SDK knew, it used the passport no more: the one use after the revocation on record is the call the
    # agent made before it could know (each use of a revoked passport is a post_checkout_access finding against it)
    refusals = [e.what for e in tenant.operator.audit.query(jti=mission.jti, type="PassportUseRefused") if e.what]
    assert [w["operation"] for w in refusals] == ["proxy"]
    last = max(e.position for e in tenant.operator.audit.query(jti=mission.jti))
    findings = list(tenant.operator.findings.list(jti=mission.jti, wait_for_position=last))
    assert [(f.signal, f.detail) for f in findings] == [
        ("post_checkout_access", "the passport was used (proxy) after it was revoked")
    ]


def test_a_revoked_passport_surfaces_at_the_next_log_once_the_worker_learnt_it(tenant: Tenant, make_agent: AgentFactory) -> None:
    agent = make_agent("logged")
    refused: PassportRevoked | None = None
    with (
        pytest.raises(PassportRevoked) as raised,
        agent.mission(intent="Triage tickets", services=["echo"], flush_interval="50ms") as mission,
    ):
        # given a call recorded before the revocation
        mission.log(service="echo", action="tickets.read")
        mission.flush()
        # when an operator revokes the passport while the agent keeps logging
        tenant.operator.passports.revoke(mission.jti, reason="kill switch")
        mission.log(service="echo", action="ticket.close")  # the agent cannot know yet: accepted here
        # then the worker learns it when it sends that call
        eventually(lambda: mission.ended_by, what="the worker to learn of the revocation", timeout=5)
        assert isinstance(mission.ended_by, PassportRevoked)
        # and the next log() raises PassportRevoked
        try:
            mission.log(service="echo", action="ticket.close")
        except PassportRevoked as error:
            refused = error
            raise
    assert raised.value is refused
    # and the call the server refused is counted as lost (and said in the log), never silently dropped
    assert mission.lost_calls == 1
    view = tenant.operator.passports.get(mission.jti)
    assert view.status == "revoked"
    assert view.actions_logged == 1


def test_a_block_that_ends_normally_on_a_revoked_passport_raises_at_exit(tenant: Tenant, make_agent: AgentFactory) -> None:
    # given a mission revoked while its block runs, the block itself never touching the passport again
    agent = make_agent("logged")
    # when the block ends normally, then the exit says the mission did not end as the code thinks
    with pytest.raises(PassportRevoked), agent.mission(intent="Triage tickets", services=["echo"]) as mission:
        tenant.operator.passports.revoke(mission.jti, reason="kill switch")
    assert tenant.operator.passports.get(mission.jti).status == "revoked"


def test_a_revoked_agent_key_ends_the_mission_at_its_next_call(
    tenant: Tenant, make_agent: AgentFactory, upstream: Upstream
) -> None:
    # given a mission whose passport is bound to the agent's key
    agent = make_agent("logged")
    assert agent.key is not None
    refused: KeyRevoked | None = None
    log_after: Exception | None = None
    with pytest.raises(KeyRevoked) as raised, agent.mission(intent="Refund duplicates", services=["echo"]) as mission:
        # when an operator revokes that key, and the agent makes its next call
        tenant.operator.agents.revoke_key(agent.key.agent_id, agent.key.thumbprint, reason="key leaked")
        try:
            mission.proxy(service="echo", url=f"{upstream.url}/refunds", method="POST", body={"n": 1})
        except KeyRevoked as error:
            refused = error
            try:
                mission.log(service="echo", action="refund.create")
            except KeyRevoked as again:
                log_after = again
            raise
    # then the call was refused DPOP_KEY_REVOKED (a refusal of the proof), and the block's exit did not replace it
    assert raised.value is refused
    assert isinstance(refused, ProofRefused)
    assert refused.code == "DPOP_KEY_REVOKED"
    # and the mission is over, as after a revocation: a later call is refused at once, without a request
    assert mission.ended_by is refused
    assert isinstance(log_after, KeyRevoked)
    refusals = [e.what for e in tenant.operator.audit.query(jti=mission.jti, type="PassportUseRefused") if e.what]
    assert [w["operation"] for w in refusals] == ["proxy"]


# ---- asyncio --------------------------------------------------------------------------------------------------------


def _enrollment(tenant: Tenant, mode: str = "logged") -> tuple[str, str]:
    agent = tenant.operator.agents.register("async-agent", accountability_mode=mode, allowed_services=["echo"])  # type: ignore[arg-type]
    return agent.id, tenant.operator.agents.enrollment_token(agent.id).token


async def test_an_async_mission_checks_out_with_success_on_normal_exit(
    tenant: Tenant, server: MandateServer, tmp_path: Path, upstream: Upstream
) -> None:
    # given an asyncio agent runtime
    agent_id, token = _enrollment(tenant)
    async with AsyncMandate(server.url, agent_id=agent_id, key_dir=tmp_path, enrollment_token=token) as agent:
        assert agent.key is not None
        # when its mission logs, calls through the proxy and ends normally
        async with agent.mission(intent="Digest", services=["echo"], flush_interval="50ms") as mission:
            mission.log(service="echo", action="digest.build")
            assert (await mission.proxy(service="echo", url=f"{upstream.url}/digest", method="GET")).ok
    # then the passport was bound to its key, the call recorded, and the mission checked out as a success
    view = tenant.operator.passports.get(mission.jti)
    assert view.bound_key == agent.key.thumbprint
    assert view.actions_logged == 1
    assert view.calls_observed == 1
    assert view.checked_out is not None
    assert view.checked_out.outcome == "success"


async def test_an_async_mission_checks_out_with_failure_and_the_exception_propagates_unchanged(
    tenant: Tenant, server: MandateServer, tmp_path: Path
) -> None:
    agent_id, token = _enrollment(tenant)
    failure = RuntimeError("model quota exhausted")
    async with AsyncMandate(server.url, agent_id=agent_id, key_dir=tmp_path, enrollment_token=token) as agent:
        # when the block raises
        with pytest.raises(RuntimeError) as raised:
            async with agent.mission(intent="Digest", services=["echo"]) as mission:
                mission.log(service="echo", action="digest.build", outcome="failure")
                raise failure
    # then the same exception reaches the caller and the mission is checked out as a failure with it as the summary
    assert raised.value is failure
    view = tenant.operator.passports.get(mission.jti)
    assert view.checked_out is not None
    assert view.checked_out.outcome == "failure"
    assert "RuntimeError: model quota exhausted" in view.checked_out.summary
    assert view.actions_logged == 1


async def test_an_async_mission_surfaces_a_revocation_and_the_exit_does_not_mask_it(
    tenant: Tenant, server: MandateServer, tmp_path: Path, upstream: Upstream
) -> None:
    agent_id, token = _enrollment(tenant)
    async with AsyncMandate(server.url, agent_id=agent_id, key_dir=tmp_path, enrollment_token=token) as agent:
        refused: PassportRevoked | None = None
        with pytest.raises(PassportRevoked) as raised:
            async with agent.mission(intent="Digest", services=["echo"]) as mission:
                tenant.operator.passports.revoke(mission.jti, reason="kill switch")
                try:
                    await mission.proxy(service="echo", url=f"{upstream.url}/digest", method="GET")
                except PassportRevoked as error:
                    refused = error
                    raise
        assert raised.value is refused
        assert mission.ended_by is not None


# ---- the agent's key ------------------------------------------------------------------------------------------------


def test_the_key_file_is_private_and_reused_without_a_second_enrollment(
    tenant: Tenant, server: MandateServer, tmp_path: Path
) -> None:
    # given an agent enrolled once with a one-time token
    agent = tenant.operator.agents.register("keeper", accountability_mode="logged", allowed_services=["echo"])
    token = tenant.operator.agents.enrollment_token(agent.id).token
    key_dir = tmp_path / "keys"
    with Mandate(server.url, agent_id=agent.id, key_dir=key_dir, enrollment_token=token) as first:
        assert first.key is not None
        assert first.key.path is not None
        key_file = first.key.path
        thumbprint = first.key.thumbprint
    # then the key file is readable by its owner only
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_dir.stat().st_mode) & 0o077 == 0
    # when the runtime starts again from the same directory, without a token
    with Mandate(server.url, agent_id=agent.id, key_dir=key_dir) as second:
        # then it uses the same key, and opens missions with it
        assert second.key is not None
        assert second.key.thumbprint == thumbprint
        with second.mission(intent="Second run", services=["echo"]) as mission:
            assert tenant.operator.passports.get(mission.jti).bound_key == thumbprint
    # and the agent still has the one key: nothing was enrolled again
    assert [k.key_id for k in tenant.operator.agents.keys(agent.id).keys] == [thumbprint]
    # and a key file others can read is refused, not used
    key_file.chmod(0o644)
    with pytest.raises(ConfigurationError, match="readable by others"):
        Mandate(server.url, agent_id=agent.id, key_dir=key_dir)


def test_an_operator_key_given_with_an_agent_id_is_refused(server: MandateServer, tmp_path: Path) -> None:
    # when a runtime is made with both an agent id and an operator key, then it is refused before anything is sent
    with pytest.raises(ConfigurationError, match="agent_id or api_key, not both"):
        Mandate(server.url, agent_id="agt_someone", api_key="mdt_admin_key", key_dir=tmp_path)


def test_an_agent_with_no_key_and_no_token_is_told_how_to_enroll(
    server: MandateServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MANDATE_ENROLLMENT_TOKEN", raising=False)
    # when an agent runtime starts with no key file and no enrollment token
    with pytest.raises(ConfigurationError) as raised:
        Mandate(server.url, agent_id="agt_newcomer", key_dir=tmp_path)
    # then the error says how to get one
    message = str(raised.value)
    assert "enrollment_token=" in message
    assert "MANDATE_ENROLLMENT_TOKEN" in message
    assert "agents.enrollment_token('agt_newcomer')" in message
    assert not (tmp_path / "agt_newcomer.json").exists()


def test_a_batch_carries_at_most_one_call_that_spends_an_approval() -> None:
    # given calls queued in the background, two of them spending an approval (the server takes one per request)
    from mandate.mission import MissionOptions, _Ledger

    ledger = _Ledger(MissionOptions.of("intent", ["echo"], "5m", None, "1s"))
    for n, approval in enumerate([None, "apr_a", None, "apr_b", None]):
        ledger.record({"service": "echo", "action": f"call {n}", "approval_id": approval})
    # when the worker takes its batches
    batches = [[call["action"] for call in batch] for batch in iter(ledger.take, [])]
    # then the second gated call starts a batch of its own, and no call is lost or reordered
    assert batches == [["call 0", "call 1", "call 2"], ["call 3", "call 4"]]
