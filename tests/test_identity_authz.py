"""The answers identity gives the other services over NATS request-reply (SPEC F-22, F-23, F-26):
who may start a live, who is an employee or admin of an enterprise, who these ids are."""

from __future__ import annotations

from collections.abc import AsyncIterator

import nats
import pytest

from convene.identity.v1 import authz_pb2
from convene.identity.v1 import identity_pb2 as pb
from services.runtime import bus, subjects
from services.runtime.ids import new_id
from tests.harness import DEFINITIONS, System, bearer, module_system
from tests.identity_support import authorize, nc

START_LIVE = authz_pb2.ACTION_START_LIVE
EMPLOYEE, ADMIN = authz_pb2.ACTION_ACT_AS_EMPLOYEE, authz_pb2.ACTION_ACT_AS_ADMIN


@pytest.fixture(scope="module")
async def system(postgres, tmp_path_factory) -> AsyncIterator[System]:
    async with module_system(postgres, tmp_path_factory.mktemp("identity-authz"), "identity") as running:
        yield running


async def ask(nc: nats.NATS, principal_id: str, action: int, enterprise_id: str = "") -> tuple[bool, str]:
    answer = await authorize(nc, principal_id, action, enterprise_id)
    return answer.allowed, answer.reason


async def test_a_wechat_user_can_never_start_a_live(system: System, nc: nats.NATS) -> None:
    wechat_id, _ = await system.create_wechat_user()
    org = await system.create_org(members=1)
    # Not even as an external contact of a verified member of a verified enterprise.
    await system.stub("identity").AddExternalContact(pb.AddExternalContactRequest(
        request_id="contact", member_id=org.member_ids[0], wechat_user_id=wechat_id),
        metadata=bearer(org.tokens[org.member_ids[0]]))
    answer = await bus.request(nc, subjects.IDENTITY_AUTHORIZE, authz_pb2.AuthorizeRequest(
        principal_id=wechat_id, action=START_LIVE), authz_pb2.AuthorizeResponse)
    assert (answer.allowed, answer.reason, answer.kind) == (
        False, "WECHAT_USER_CANNOT_START_LIVE", pb.PRINCIPAL_KIND_WECHAT_USER)
    assert await ask(nc, wechat_id, EMPLOYEE, org.enterprise_id) == (False, "NOT_AN_EMPLOYEE")
    assert await ask(nc, new_id("service"), START_LIVE) == (False, "NOT_A_MEMBER")


async def test_only_verified_members_of_verified_enterprises_start_lives(system: System, nc: nats.NATS) -> None:
    verified = await system.create_org(members=1)
    unverified_member = await system.create_org(members=1, members_verified=False)
    unverified_enterprise = await system.create_org(members=1, verified=False)
    answer = await bus.request(nc, subjects.IDENTITY_AUTHORIZE, authz_pb2.AuthorizeRequest(
        principal_id=verified.member_ids[0], action=START_LIVE), authz_pb2.AuthorizeResponse)
    assert (answer.allowed, answer.kind, answer.enterprise_id) == (
        True, pb.PRINCIPAL_KIND_MEMBER, verified.enterprise_id)
    assert answer.cache_max_age_ms == 0  # never cached: un-verification refuses the next live
    assert await ask(nc, unverified_member.member_ids[0], START_LIVE) == (False, "MEMBER_NOT_VERIFIED")
    assert await ask(nc, unverified_enterprise.member_ids[0], START_LIVE) == (False, "ENTERPRISE_NOT_VERIFIED")
    assert await ask(nc, new_id("member"), START_LIVE) == (False, "MEMBER_NOT_FOUND")


async def test_employee_and_admin_questions(system: System, nc: nats.NATS) -> None:
    a = await system.create_org(members=1)
    b = await system.create_org(members=0)
    member = a.member_ids[0]
    answer = await bus.request(nc, subjects.IDENTITY_AUTHORIZE, authz_pb2.AuthorizeRequest(
        principal_id=member, action=EMPLOYEE, enterprise_id=a.enterprise_id), authz_pb2.AuthorizeResponse)
    assert answer.allowed
    assert answer.cache_max_age_ms == int(system.settings_for(DEFINITIONS["identity"]).authz_cache_s * 1000)
    assert await ask(nc, member, EMPLOYEE, b.enterprise_id) == (False, "OTHER_ENTERPRISE")
    assert await ask(nc, member, ADMIN, a.enterprise_id) == (False, "ADMIN_ONLY")
    assert await ask(nc, a.admin_id, ADMIN, a.enterprise_id) == (True, "")
    assert await ask(nc, a.admin_id, ADMIN, b.enterprise_id) == (False, "OTHER_ENTERPRISE")
    # Questions about an enterprise must name it; unknown actions are refused, not guessed.
    assert await ask(nc, member, EMPLOYEE) == (False, "ENTERPRISE_ID_REQUIRED")
    assert await ask(nc, member, authz_pb2.ACTION_UNSPECIFIED) == (False, "UNKNOWN_ACTION")
    assert await ask(nc, member, 42) == (False, "UNKNOWN_ACTION")

    # A member who leaves is nobody's employee from the next question on.
    await system.stub("identity").RemoveMember(pb.RemoveMemberRequest(member_id=member),
                                               metadata=bearer(a.tokens[a.admin_id]))
    assert await ask(nc, member, EMPLOYEE, a.enterprise_id) == (False, "MEMBER_NOT_FOUND")


async def test_ids_resolve_to_display_names_in_the_order_asked(system: System, nc: nats.NATS) -> None:
    org = await system.create_org(members=1)
    wechat_id, _ = await system.create_wechat_user()
    unknown = new_id("member")
    answer = await bus.request(nc, subjects.IDENTITY_DESCRIBE_PRINCIPALS, authz_pb2.DescribePrincipalsRequest(
        principal_ids=[wechat_id, unknown, org.admin_id, org.member_ids[0]]), authz_pb2.DescribePrincipalsResponse)
    wechat, nobody, admin, member = answer.principals
    assert (wechat.id, wechat.exists, wechat.kind, wechat.display_name) == (
        wechat_id, True, pb.PRINCIPAL_KIND_WECHAT_USER, "outside friend")
    assert (nobody.id, nobody.exists) == (unknown, False)
    assert (admin.kind, admin.enterprise_id, admin.display_name, admin.role) == (
        pb.PRINCIPAL_KIND_MEMBER, org.enterprise_id, "member 0", pb.MEMBER_ROLE_ADMIN)
    assert (member.exists, member.role) == (True, pb.MEMBER_ROLE_MEMBER)
    assert answer.cache_max_age_ms > 0
