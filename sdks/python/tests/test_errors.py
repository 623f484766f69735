"""Mandate's problem details as exceptions: the most specific class for a code, else the class of its status family,
the whole problem kept on the error and its extension members readable as attributes. Against the real server for
the refusals it answers, and pure for the mapping itself."""

from __future__ import annotations

import copy
import pickle
import re

import httpx2 as httpx
import pytest
from conftest import ROOT, AgentFactory, MandateServer, Tenant
from support import create_operator_key

from mandate import (
    BadRequest,
    Conflict,
    EnrollmentRefused,
    EnrollmentTokenUsed,
    Forbidden,
    IntentExpired,
    Mandate,
    NotFound,
    PassportCheckedOut,
    PayloadTooLarge,
    ProblemError,
    RateLimited,
    StreamEnded,
    Unauthenticated,
    Unavailable,
    UpstreamFailed,
    ValidationFailed,
)
from mandate._transport import error_of
from mandate.errors import _BY_CODE, _BY_STATUS, problem_error

# ---- what the server answers ----------------------------------------------------------------------------------------


def test_a_validation_failure_keeps_each_refused_field_and_the_whole_problem(tenant: Tenant) -> None:
    agent = tenant.operator.agents.register("bot", accountability_mode="logged")
    # when a request breaks the contract (a passport TTL under the minimum)
    with pytest.raises(ValidationFailed) as refused:
        tenant.operator.passports.issue(agent.id, intent="work", services=["echo"], ttl_seconds=5)
    error = refused.value
    # then the error names the field and why, and keeps the problem document whole
    assert error.status == 422
    assert error.code == "VALIDATION_FAILED"
    assert error.errors == [{"field": "ttl_seconds", "problems": ["ttl_seconds must not be less than 60"]}]
    assert error.problem["instance"] == "/v1/passports"
    assert error.problem["type"].endswith("/validation-failed")
    assert "ttl_seconds" in str(error)


def test_each_status_family_is_its_own_exception(tenant: Tenant, server: MandateServer) -> None:
    op = tenant.operator
    # 401: a key the server does not know
    with Mandate(server.url, api_key="mdt.not-a-key") as stranger, pytest.raises(Unauthenticated) as unauthenticated:
        stranger.agents.get("agt_someone")
    assert (unauthenticated.value.status, unauthenticated.value.code) == (401, "UNAUTHENTICATED")
    # 403: a key whose role may not do it (an approver registering an agent)
    _, approver_key = create_operator_key(server.url, tenant.key, name="alice", role="approver")
    with Mandate(server.url, api_key=approver_key) as approver, pytest.raises(Forbidden) as forbidden:
        approver.agents.register("bot")
    assert (forbidden.value.status, forbidden.value.code) == (403, "FORBIDDEN")
    # 404
    with pytest.raises(NotFound) as not_found:
        op.agents.get("agt_nobody")
    assert (not_found.value.status, not_found.value.code) == (404, "NOT_FOUND")
    # 409: the service is registered already
    with pytest.raises(Conflict) as conflict:
        op.services.register("echo", hosts=["localhost"], secret="s")
    assert (conflict.value.status, conflict.value.code) == (409, "SERVICE_EXISTS")
    # 413: a body over the server's limit (256 KiB)
    with pytest.raises(PayloadTooLarge) as too_large:
        op.agents.register("bot", description="x" * 300_000)
    assert too_large.value.status == 413
    # 400: a body that is not JSON (the SDK never sends one: read from a raw answer)
    malformed = httpx.post(
        f"{server.url}/v1/agents",
        content=b'{"name": ',
        headers={"authorization": f"Bearer {tenant.key}", "content-type": "application/json"},
    )
    bad_request = error_of(malformed)
    assert isinstance(bad_request, BadRequest)
    assert (bad_request.status, bad_request.code) == (400, "MALFORMED_JSON")


def test_a_code_with_a_class_of_its_own_is_also_its_status_family(tenant: Tenant, server: MandateServer) -> None:
    agent = tenant.operator.agents.register("bot")
    token = tenant.operator.agents.enrollment_token(agent.id).token
    Mandate(server.url, agent_id=agent.id, key_dir=ROOT / ".cache" / "unused", enrollment_token=token).close()
    # a used enrollment token is answered 409: refused enrollment, and a conflict of state
    again = httpx.post(
        f"{server.url}/v1/agents/enroll", json={"token": token, "jwk": {"kty": "OKP", "crv": "Ed25519", "x": "A" * 43}}
    )
    used = error_of(again)
    assert isinstance(used, EnrollmentTokenUsed)
    assert isinstance(used, EnrollmentRefused)
    assert isinstance(used, Conflict)
    assert used.status == 409


def test_problem_extension_members_read_as_attributes(make_agent: AgentFactory) -> None:
    agent = make_agent("logged")
    with agent.mission(intent="Work", services=["echo"]) as mission:
        pass
    # when a checked-out passport is used
    with pytest.raises(PassportCheckedOut) as refused:
        mission.report(service="echo", action="late")
    error = refused.value
    # then the problem's members read as attributes: the passport, the position of the recorded refusal, the path
    assert error.jti == mission.jti
    assert isinstance(error.position, int)
    assert error.instance == f"/v1/passports/{mission.jti}/actions"
    # and a member the problem does not have is an AttributeError, as for any object
    assert not hasattr(error, "call_id")
    with pytest.raises(AttributeError):
        _ = error.gate_reason


# ---- the mapping, pure ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "family"),
    [
        (400, BadRequest),
        (401, Unauthenticated),
        (403, Forbidden),
        (404, NotFound),
        (409, Conflict),
        (413, PayloadTooLarge),
        (422, ValidationFailed),
        (429, RateLimited),
        (502, UpstreamFailed),
        (503, Unavailable),
        (504, UpstreamFailed),
    ],
)
def test_an_unknown_code_falls_back_to_its_status_family(status: int, family: type[ProblemError]) -> None:
    error = problem_error(status, {"code": "SOMETHING_NEW", "detail": "a code this SDK predates", "hint": 7})
    assert type(error) is family
    assert error.code == "SOMETHING_NEW"
    assert error.hint == 7
    assert str(error) == f"{status} SOMETHING_NEW: a code this SDK predates"


def test_an_unknown_status_is_a_problem_error_and_a_known_code_wins_over_the_status() -> None:
    assert type(problem_error(418, {"code": "TEAPOT"})) is ProblemError
    assert type(problem_error(500, {})) is ProblemError
    assert problem_error(500, {}).code == "UNKNOWN"
    assert type(problem_error(401, {"code": "PASSPORT_CHECKED_OUT"})) is PassportCheckedOut


def test_an_answer_that_is_not_a_problem_document_still_raises_by_its_status() -> None:
    # e.g. a proxy in front of Mandate answering HTML
    answer = httpx.Response(502, text="<html>Bad Gateway</html>", headers={"retry-after": "3"})
    error = error_of(answer)
    assert isinstance(error, UpstreamFailed)
    assert error.code == "HTTP_502"
    assert "Bad Gateway" in error.detail
    assert error.retry_after == 3.0


def _server_statuses() -> dict[str, int]:
    """Each code the server answers and its status, from the one table that decides it (libs/platform/src/problem.ts)."""
    source = (ROOT / "libs" / "platform" / "src" / "problem.ts").read_text()
    table = source[source.index("export const STATUS_BY_CODE") :]
    table = table[: table.index("};")]
    return {code: int(status) for code, status in re.findall(r"\b([A-Za-z_]+): (\d{3})\b", table)}


def test_every_code_class_is_in_the_family_of_the_status_the_server_answers_it_with() -> None:
    statuses = _server_statuses()
    assert len(statuses) > 50, "the server's table was not read"
    for code, cls in _BY_CODE.items():
        if code not in statuses:
            continue  # answered outside the table (SERVER_BUSY by the connection cap): checked by its own test
        family = _BY_STATUS[statuses[code]]
        assert issubclass(cls, family), f"{code} is answered {statuses[code]}, but {cls.__name__} is no {family.__name__}"
    assert problem_error(409, {"code": "INTENT_EXPIRED"}).__class__ is IntentExpired


def test_errors_survive_pickling_and_copying() -> None:
    error = problem_error(429, {"code": "RATE_LIMITED", "scope": "passport", "limit": 1}, retry_after=12.0)
    for twin in (pickle.loads(pickle.dumps(error)), copy.copy(error), copy.deepcopy(error)):  # noqa: S301 - our own bytes
        assert type(twin) is RateLimited
        assert (twin.status, twin.code, twin.retry_after, twin.scope) == (429, "RATE_LIMITED", 12.0, "passport")
        assert str(twin) == str(error)
    ended = pickle.loads(pickle.dumps(StreamEnded("KEY_REVOKED")))  # noqa: S301 - our own bytes
    assert isinstance(ended, StreamEnded)
    assert ended.code == "KEY_REVOKED"
