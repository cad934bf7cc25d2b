"""Members (SPEC F-02): add, update, remove (soft), list by department, roles, real-name
verification, individual WeCom users, and the refusals: cross-enterprise admins, plain members,
the last admin. Identity alone over real NATS and PostgreSQL, one system for the module."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import nats
import pytest
from google.protobuf import field_mask_pb2

from convene.identity.v1 import authz_pb2, events_pb2
from convene.identity.v1 import identity_pb2 as pb
from services.runtime import bus, subjects
from tests.harness import EventTap, Org, System, bearer, eventually, module_system, refused, request_id
from tests.identity_support import may_start_live, nc


@pytest.fixture(scope="module")
async def system(postgres, tmp_path_factory) -> AsyncIterator[System]:
    async with module_system(postgres, tmp_path_factory.mktemp("identity-members"), "identity") as running:
        yield running


@pytest.fixture(scope="module")
async def tap(system: System) -> AsyncIterator[EventTap]:
    events = await EventTap(system.nats_url, "identity.v1.member.*").start()
    yield events
    await events.close()


async def add_member(system: System, org: Org, name: str, department: str = "sales",
                     role: int = pb.MEMBER_ROLE_MEMBER, *, rid: str = "") -> pb.Member:
    added = await system.stub("identity").AddMember(pb.AddMemberRequest(
        request_id=rid or request_id(), enterprise_id=org.enterprise_id, display_name=name,
        department=department, role=role), metadata=bearer(org.tokens[org.admin_id]))
    return added.member


async def list_members(system: System, token: str, enterprise_id: str, **fields: object) -> list[pb.Member]:
    members, page_token = [], ""
    while True:
        page = await system.stub("identity").ListMembers(pb.ListMembersRequest(
            enterprise_id=enterprise_id, page_size=2, page_token=page_token, **fields), metadata=bearer(token))
        members += page.members
        page_token = page.next_page_token
        if not page_token:
            return members


def update(member_id: str, paths: list[str], **fields: object) -> pb.UpdateMemberRequest:
    return pb.UpdateMemberRequest(member=pb.Member(id=member_id, **fields),
                                  update_mask=field_mask_pb2.FieldMask(paths=paths))


async def test_an_admin_adds_updates_and_lists_members_by_department(system: System, tap: EventTap) -> None:
    identity = system.stub("identity")
    org = await system.create_org(members=0)
    admin = bearer(org.tokens[org.admin_id])
    alice = await add_member(system, org, "Alice", "sales")
    bob = await add_member(system, org, "Bob", "support")
    carol = await add_member(system, org, "Carol", "sales")
    assert (alice.role, alice.real_name_verified, alice.removed) == (pb.MEMBER_ROLE_MEMBER, False, False)

    sales = await list_members(system, org.tokens[org.admin_id], org.enterprise_id, department="sales")
    assert [m.id for m in sales] == [org.admin_id, alice.id, carol.id]  # create_org's admin is in sales
    everyone = await list_members(system, org.tokens[org.admin_id], org.enterprise_id)
    assert [m.id for m in everyone] == [org.admin_id, alice.id, bob.id, carol.id]

    moved = await identity.UpdateMember(update(bob.id, ["department", "display_name"], department="sales",
                                               display_name="Robert"), metadata=admin)
    assert (moved.member.display_name, moved.member.department, moved.member.role) == (
        "Robert", "sales", pb.MEMBER_ROLE_MEMBER)  # role was not in the mask
    promoted = await identity.UpdateMember(update(alice.id, ["role"], role=pb.MEMBER_ROLE_ADMIN), metadata=admin)
    assert promoted.member.role == pb.MEMBER_ROLE_ADMIN
    assert len(await list_members(system, org.tokens[org.admin_id], org.enterprise_id, department="sales")) == 4

    # Any colleague may read the directory and a member; a plain member may not administer it.
    colleague = await system.token_for(carol.id, org)
    got = await identity.GetMember(pb.GetMemberRequest(member_id=bob.id), metadata=bearer(colleague))
    assert got.member.display_name == "Robert"
    assert await refused(identity.AddMember(pb.AddMemberRequest(
        request_id=request_id(), enterprise_id=org.enterprise_id, display_name="Mallory",
        role=pb.MEMBER_ROLE_ADMIN), metadata=bearer(colleague))) == (grpc.StatusCode.PERMISSION_DENIED, "ADMIN_ONLY")
    assert await refused(identity.UpdateMember(update(carol.id, ["role"], role=pb.MEMBER_ROLE_ADMIN),
                                               metadata=bearer(colleague))) == (
        grpc.StatusCode.PERMISSION_DENIED, "ADMIN_ONLY")

    async def updates_announced() -> bool:
        return all(tap.of_type(subjects.IDENTITY_MEMBER_UPDATED, member.id) for member in (bob, alice))

    await eventually(updates_announced, what="member.updated events")
    bob_update = tap.of_type(subjects.IDENTITY_MEMBER_UPDATED, bob.id)[0]
    assert list(bob_update.payload(events_pb2.MemberUpdated).changed_fields) == ["department", "display_name"]
    assert {e.envelope.subject for e in tap.of_type(subjects.IDENTITY_MEMBER_ADDED)} >= {alice.id, bob.id, carol.id}


async def test_a_repeated_request_id_adds_the_member_once(system: System) -> None:
    org = await system.create_org(members=0)
    rid = request_id()
    first = await add_member(system, org, "Dora", rid=rid)
    again = await add_member(system, org, "Dora", rid=rid)
    assert again.id == first.id
    assert len(await list_members(system, org.tokens[org.admin_id], org.enterprise_id)) == 2  # admin + Dora


async def test_removal_is_soft_and_takes_every_right(system: System, nc: nats.NATS, tap: EventTap) -> None:
    identity = system.stub("identity")
    org = await system.create_org(members=2)
    leaver, stayer = org.member_ids
    admin = bearer(org.tokens[org.admin_id])
    assert (await may_start_live(nc, leaver)).allowed

    removed = await identity.RemoveMember(pb.RemoveMemberRequest(member_id=leaver), metadata=admin)
    assert removed.member.removed and removed.member.remove_time.seconds > 0

    # History keeps the name: colleagues still read it, describe still resolves it.
    got = await identity.GetMember(pb.GetMemberRequest(member_id=leaver), metadata=bearer(org.tokens[stayer]))
    assert (got.member.display_name, got.member.removed) == ("member 1", True)
    described = await bus.request(nc, subjects.IDENTITY_DESCRIBE_PRINCIPALS, authz_pb2.DescribePrincipalsRequest(
        principal_ids=[leaver, stayer]), authz_pb2.DescribePrincipalsResponse)
    gone, here = described.principals
    assert (gone.exists, gone.removed, gone.display_name, gone.enterprise_id) == (
        False, True, "member 1", org.enterprise_id)
    assert (here.exists, here.removed) == (True, False)

    # The directory lists them only when asked; rights and tokens are gone.
    assert leaver not in [m.id for m in await list_members(system, org.tokens[org.admin_id], org.enterprise_id)]
    assert leaver in [m.id for m in await list_members(system, org.tokens[org.admin_id], org.enterprise_id,
                                                       include_removed=True)]
    assert (await may_start_live(nc, leaver)).reason == "MEMBER_NOT_FOUND"
    assert await refused(identity.CreateToken(pb.CreateTokenRequest(
        principal_id=leaver, enterprise_id=org.enterprise_id, api_secret=org.api_secret))) == (
        grpc.StatusCode.FAILED_PRECONDITION, "MEMBER_REMOVED")
    assert await refused(identity.UpdateMember(update(leaver, ["display_name"], display_name="Ghost"),
                                               metadata=admin)) == (grpc.StatusCode.FAILED_PRECONDITION,
                                                                    "MEMBER_REMOVED")

    # Removing again changes and announces nothing.
    again = await identity.RemoveMember(pb.RemoveMemberRequest(member_id=leaver), metadata=admin)
    assert again.member.remove_time == removed.member.remove_time

    async def announced() -> bool:
        return bool(tap.of_type(subjects.IDENTITY_MEMBER_REMOVED, leaver))

    await eventually(announced, what="member.removed")
    events = tap.of_type(subjects.IDENTITY_MEMBER_REMOVED, leaver)
    assert len(events) == 1
    payload = events[0].payload(events_pb2.MemberRemoved)
    assert payload.member.removed and payload.member.display_name == "member 1"


async def test_an_admin_of_one_enterprise_cannot_touch_another(system: System, tap: EventTap) -> None:
    identity = system.stub("identity")
    a = await system.create_org(members=0)
    b = await system.create_org(members=1)
    intruder = bearer(a.tokens[a.admin_id])
    victim = b.member_ids[0]
    before = await list_members(system, b.tokens[b.admin_id], b.enterprise_id, include_removed=True)

    attempts = [
        identity.AddMember(pb.AddMemberRequest(request_id=request_id(), enterprise_id=b.enterprise_id,
                                               display_name="Spy", role=pb.MEMBER_ROLE_ADMIN), metadata=intruder),
        identity.UpdateMember(update(victim, ["role"], role=pb.MEMBER_ROLE_ADMIN), metadata=intruder),
        identity.RemoveMember(pb.RemoveMemberRequest(member_id=victim), metadata=intruder),
        identity.VerifyMemberRealName(pb.VerifyMemberRealNameRequest(member_id=victim), metadata=intruder),
        identity.GetMember(pb.GetMemberRequest(member_id=victim), metadata=intruder),
        identity.ListMembers(pb.ListMembersRequest(enterprise_id=b.enterprise_id), metadata=intruder),
        identity.GetEnterprise(pb.GetEnterpriseRequest(enterprise_id=b.enterprise_id), metadata=intruder),
        identity.UpdateServiceMenu(pb.UpdateServiceMenuRequest(enterprise_id=b.enterprise_id, entries=[
            pb.ServiceMenuEntry(title="Phish", kind=pb.SERVICE_MENU_ENTRY_KIND_URL, target="https://evil.example")]),
            metadata=intruder),
        identity.GetServiceMenu(pb.GetServiceMenuRequest(enterprise_id=b.enterprise_id), metadata=intruder),
        identity.ListExternalContacts(pb.ListExternalContactsRequest(member_id=victim), metadata=intruder),
        identity.HandOverContacts(pb.HandOverContactsRequest(request_id=request_id(), from_member_id=victim,
                                                             to_member_id=b.admin_id), metadata=intruder),
        identity.HandOverContacts(pb.HandOverContactsRequest(request_id=request_id(), from_member_id=a.admin_id,
                                                             to_member_id=victim), metadata=intruder),
        identity.RevokeTokens(pb.RevokeTokensRequest(principal_id=victim), metadata=intruder),
        identity.CreateToken(pb.CreateTokenRequest(principal_id=victim, enterprise_id=a.enterprise_id,
                                                   api_secret=a.api_secret)),
    ]
    for attempt in attempts:
        code, reason = await refused(attempt)
        assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "OTHER_ENTERPRISE")

    assert await list_members(system, b.tokens[b.admin_id], b.enterprise_id, include_removed=True) == before
    menu = await identity.GetServiceMenu(pb.GetServiceMenuRequest(enterprise_id=b.enterprise_id),
                                         metadata=bearer(b.tokens[b.admin_id]))
    assert list(menu.entries) == []
    assert not [e for e in tap.events if e.envelope.enterprise_id == b.enterprise_id
                and e.type not in (subjects.IDENTITY_MEMBER_ADDED, subjects.IDENTITY_MEMBER_VERIFIED)]


async def test_the_last_admin_can_neither_leave_nor_step_down(system: System) -> None:
    identity = system.stub("identity")
    org = await system.create_org(members=1)
    admin = bearer(org.tokens[org.admin_id])
    assert await refused(identity.RemoveMember(pb.RemoveMemberRequest(member_id=org.admin_id), metadata=admin)) == (
        grpc.StatusCode.FAILED_PRECONDITION, "LAST_ADMIN")
    assert await refused(identity.UpdateMember(update(org.admin_id, ["role"], role=pb.MEMBER_ROLE_MEMBER),
                                               metadata=admin)) == (grpc.StatusCode.FAILED_PRECONDITION, "LAST_ADMIN")

    await identity.UpdateMember(update(org.member_ids[0], ["role"], role=pb.MEMBER_ROLE_ADMIN), metadata=admin)
    stepped_down = await identity.UpdateMember(update(org.admin_id, ["role"], role=pb.MEMBER_ROLE_MEMBER),
                                               metadata=admin)
    assert stepped_down.member.role == pb.MEMBER_ROLE_MEMBER


async def test_real_name_verification_is_needed_to_start_a_live(system: System, nc: nats.NATS,
                                                                tap: EventTap) -> None:
    org = await system.create_org(members=1, members_verified=False)
    member = org.member_ids[0]
    assert (await may_start_live(nc, member)).reason == "MEMBER_NOT_VERIFIED"
    verified = await system.stub("identity").VerifyMemberRealName(
        pb.VerifyMemberRealNameRequest(member_id=member), metadata=bearer(org.tokens[org.admin_id]))
    assert verified.member.real_name_verified
    assert (await may_start_live(nc, member)).allowed

    async def announced() -> bool:
        return bool(tap.of_type(subjects.IDENTITY_MEMBER_VERIFIED, member))

    await eventually(announced, what="member.verified")


async def test_an_individual_wecom_user_is_a_member_like_any_other(system: System, nc: nats.NATS) -> None:
    identity = system.stub("identity")
    operator = bearer(system.operator_token)
    created = await identity.CreateEnterprise(pb.CreateEnterpriseRequest(
        request_id=request_id(), name="Wang Fang", individual=True), metadata=operator)
    enterprise_id = created.enterprise.id
    assert created.enterprise.individual
    person = (await identity.AddMember(pb.AddMemberRequest(
        request_id=request_id(), enterprise_id=enterprise_id, display_name="Wang Fang",
        role=pb.MEMBER_ROLE_ADMIN), metadata=operator)).member
    assert await refused(identity.AddMember(pb.AddMemberRequest(
        request_id=request_id(), enterprise_id=enterprise_id, display_name="Second",
        role=pb.MEMBER_ROLE_MEMBER), metadata=operator)) == (
        grpc.StatusCode.FAILED_PRECONDITION, "INDIVIDUAL_ENTERPRISE_FULL")

    # A verified individual user may start a live: the same two verifications as anyone.
    assert (await may_start_live(nc, person.id)).reason == "ENTERPRISE_NOT_VERIFIED"
    await identity.VerifyEnterprise(pb.VerifyEnterpriseRequest(
        enterprise_id=enterprise_id, method=pb.VERIFICATION_METHOD_DIRECT), metadata=operator)
    assert (await may_start_live(nc, person.id)).reason == "MEMBER_NOT_VERIFIED"
    await identity.VerifyMemberRealName(pb.VerifyMemberRealNameRequest(member_id=person.id), metadata=operator)
    answer = await may_start_live(nc, person.id)
    assert answer.allowed and answer.enterprise_id == enterprise_id

    # Their token comes from their own API secret, like any member's.
    minted = await identity.CreateToken(pb.CreateTokenRequest(
        principal_id=person.id, enterprise_id=enterprise_id, api_secret=created.api_secret))
    me = await identity.GetMember(pb.GetMemberRequest(member_id=person.id), metadata=bearer(minted.access_token))
    assert me.member.real_name_verified
