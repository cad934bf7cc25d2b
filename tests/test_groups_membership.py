"""Groups and their members (SPEC F-10, F-11): internal and external groups with WeCom's limits,
add / remove / leave / transfer / dismiss, invitations, one-to-one chats, and the membership
answer other services ask for. Limits are configured small here (tests/groups_support.LIMITS)."""

from __future__ import annotations

import grpc
import nats

from convene.groups.v1 import groups_pb2 as gpb
from convene.groups.v1 import membership_pb2
from services.groups.settings import GroupsSettings
from services.runtime import bus, subjects
from tests.groups_support import groups, new_group, world
from tests.harness import System, bearer, refused, request_id


def call(system: System, token: str, method: str, **fields: object):
    request_type = getattr(gpb, f"{method}Request")
    return getattr(groups(system), method)(request_type(**fields), metadata=bearer(token))


async def members(system: System, token: str, group_id: str) -> list[str]:
    return list((await call(system, token, "ListGroupMembers", group_id=group_id)).member_ids)


async def check(system: System, group_id: str, principal_id: str) -> membership_pb2.CheckMembershipResponse:
    nc = await nats.connect(system.nats_url.split(","))
    try:
        return await bus.request(nc, subjects.GROUPS_CHECK_MEMBERSHIP, membership_pb2.CheckMembershipRequest(
            group_id=group_id, principal_id=principal_id), membership_pb2.CheckMembershipResponse)
    finally:
        await nc.close()


def test_default_sizes_are_wecoms() -> None:
    settings = GroupsSettings(service_name="groups")
    assert settings.max_members(gpb.GROUP_KIND_INTERNAL) == 2000
    assert settings.max_members(gpb.GROUP_KIND_EXTERNAL) == 500
    assert settings.max_members(gpb.GROUP_KIND_DIRECT) == 2
    assert settings.call_max_participants == 9


async def test_create_get_and_list_my_groups(world: System) -> None:
    org = await world.create_org(members=2)
    owner = org.member_ids[0]
    created = [await new_group(world, org, owner, [org.admin_id], name=f"team {i}") for i in range(3)]
    got = (await call(world, org.tokens[org.admin_id], "GetGroup", group_id=created[0].id)).group
    assert (got.owner_id, got.member_count, got.kind, got.enterprise_id) == (
        owner, 2, gpb.GROUP_KIND_INTERNAL, org.enterprise_id)

    first = await call(world, org.tokens[org.admin_id], "ListMyGroups", page_size=2)
    second = await call(world, org.tokens[org.admin_id], "ListMyGroups", page_size=2,
                        page_token=first.next_page_token)
    assert [g.name for g in [*first.groups, *second.groups]] == ["team 2", "team 1", "team 0"]
    assert not second.next_page_token
    assert list((await call(world, org.tokens[org.member_ids[1]], "ListMyGroups")).groups) == []
    assert await refused(call(world, org.tokens[org.member_ids[1]], "GetGroup", group_id=created[0].id)) == (
        grpc.StatusCode.PERMISSION_DENIED, "NOT_GROUP_MEMBER")


async def test_internal_groups_hold_one_enterprise(world: System) -> None:
    org = await world.create_org(members=1)
    other = await world.create_org(members=1)
    wechat_id, wechat_token = await world.create_wechat_user()
    owner = org.member_ids[0]
    assert await refused(new_group(world, org, owner, [wechat_id])) == (
        grpc.StatusCode.INVALID_ARGUMENT, "WECHAT_USER_IN_INTERNAL_GROUP")
    assert await refused(new_group(world, org, owner, [other.member_ids[0]])) == (
        grpc.StatusCode.PERMISSION_DENIED, "OTHER_ENTERPRISE")
    assert await refused(new_group(world, org, owner, ["usr_0000000000000000000000000z"])) == (
        grpc.StatusCode.NOT_FOUND, "PRINCIPAL_NOT_FOUND")
    assert await refused(call(world, wechat_token, "CreateGroup", request_id=request_id(), name="mine",
                              kind=gpb.GROUP_KIND_EXTERNAL)) == (grpc.StatusCode.PERMISSION_DENIED, "MEMBERS_ONLY")
    assert list((await call(world, org.tokens[owner], "ListMyGroups")).groups) == [], "nothing half-written"

    group = await new_group(world, org, owner, [])
    assert await refused(call(world, org.tokens[owner], "AddGroupMembers", group_id=group.id,
                              member_ids=[other.member_ids[0]])) == (grpc.StatusCode.PERMISSION_DENIED,
                                                                     "OTHER_ENTERPRISE")
    assert await members(world, org.tokens[owner], group.id) == [owner]


async def test_external_group_limits(world: System) -> None:
    """SPEC F-10: maximum size, at most N WeChat users, WeChat users cannot add others (nor start
    lives: the membership answer tells live so)."""
    org = await world.create_org(members=5)
    owner = org.member_ids[0]
    outsiders = [await world.create_wechat_user() for _ in range(3)]
    (w1, w1_token), (w2, _), (w3, w3_token) = outsiders
    assert await refused(new_group(world, org, owner, [w1, w2, w3], kind=gpb.GROUP_KIND_EXTERNAL)) == (
        grpc.StatusCode.FAILED_PRECONDITION, "TOO_MANY_WECHAT_USERS")
    assert await refused(new_group(world, org, owner, [*org.member_ids[1:], org.admin_id, w1],
                                   kind=gpb.GROUP_KIND_EXTERNAL)) == (
        grpc.StatusCode.FAILED_PRECONDITION, "GROUP_TOO_LARGE")

    group = await new_group(world, org, owner, [w1, w2], kind=gpb.GROUP_KIND_EXTERNAL)
    before = sorted(await members(world, org.tokens[owner], group.id))
    assert await refused(call(world, org.tokens[owner], "AddGroupMembers", group_id=group.id, member_ids=[w3])) == (
        grpc.StatusCode.FAILED_PRECONDITION, "TOO_MANY_WECHAT_USERS")
    assert await refused(call(world, org.tokens[owner], "AddGroupMembers", group_id=group.id,
                              member_ids=org.member_ids[1:])) == (grpc.StatusCode.FAILED_PRECONDITION,
                                                                  "GROUP_TOO_LARGE")
    assert await refused(call(world, w1_token, "AddGroupMembers", group_id=group.id,
                              member_ids=[org.member_ids[1]])) == (grpc.StatusCode.PERMISSION_DENIED,
                                                                   "WECHAT_USER_CANNOT_ADD_MEMBERS")
    assert await refused(call(world, w1_token, "CreateGroupInvite", group_id=group.id)) == (
        grpc.StatusCode.PERMISSION_DENIED, "WECHAT_USER_CANNOT_ADD_MEMBERS")
    invite = (await call(world, org.tokens[owner], "CreateGroupInvite", group_id=group.id)).invite_token
    assert await refused(call(world, w3_token, "JoinGroup", invite_token=invite)) == (
        grpc.StatusCode.FAILED_PRECONDITION, "TOO_MANY_WECHAT_USERS")
    assert sorted(await members(world, org.tokens[owner], group.id)) == before, "nothing half-written"

    added = await call(world, org.tokens[owner], "AddGroupMembers", group_id=group.id,
                       member_ids=[org.member_ids[1], w1])
    assert list(added.added_ids) == [org.member_ids[1]] and added.group.member_count == 4

    answer = await check(world, group.id, w1)
    assert (answer.group_exists, answer.is_member, answer.kind, answer.wechat_user_in_external_group,
            answer.owner_id) == (True, True, gpb.GROUP_KIND_EXTERNAL, True, owner)
    assert not (await check(world, group.id, owner)).wechat_user_in_external_group
    assert not (await check(world, group.id, w3)).is_member


async def test_owner_removes_members_leaves_transfers_and_dismisses(world: System) -> None:
    org = await world.create_org(members=3)
    owner, deputy, member = org.member_ids
    wechat_id, _ = await world.create_wechat_user()
    group = await new_group(world, org, owner, [deputy, member, wechat_id], kind=gpb.GROUP_KIND_EXTERNAL)
    tokens = org.tokens

    assert await refused(call(world, tokens[deputy], "RemoveGroupMember", group_id=group.id, member_id=member)) == (
        grpc.StatusCode.PERMISSION_DENIED, "OWNER_ONLY")
    assert await refused(call(world, tokens[owner], "RemoveGroupMember", group_id=group.id, member_id=owner)) == (
        grpc.StatusCode.FAILED_PRECONDITION, "OWNER_CANNOT_BE_REMOVED")
    assert await refused(call(world, tokens[owner], "RemoveGroupMember", group_id=group.id,
                              member_id=org.admin_id)) == (grpc.StatusCode.NOT_FOUND, "MEMBER_NOT_FOUND")
    removed = await call(world, tokens[owner], "RemoveGroupMember", group_id=group.id, member_id=member)
    assert removed.group.member_count == 3
    assert await refused(call(world, tokens[member], "GetGroup", group_id=group.id)) == (
        grpc.StatusCode.PERMISSION_DENIED, "NOT_GROUP_MEMBER")

    assert await refused(call(world, tokens[owner], "LeaveGroup", group_id=group.id)) == (
        grpc.StatusCode.FAILED_PRECONDITION, "OWNER_MUST_TRANSFER")
    for new_owner, reason in ((wechat_id, "WECHAT_USER_CANNOT_OWN"), (member, "NEW_OWNER_NOT_IN_GROUP"),
                              (owner, "ALREADY_OWNER")):
        assert await refused(call(world, tokens[owner], "TransferGroupOwnership", group_id=group.id,
                                  new_owner_id=new_owner)) == (grpc.StatusCode.FAILED_PRECONDITION, reason)
    assert await refused(call(world, tokens[deputy], "TransferGroupOwnership", group_id=group.id,
                              new_owner_id=deputy)) == (grpc.StatusCode.PERMISSION_DENIED, "OWNER_ONLY")
    moved = await call(world, tokens[owner], "TransferGroupOwnership", group_id=group.id, new_owner_id=deputy)
    assert moved.group.owner_id == deputy
    await call(world, tokens[owner], "LeaveGroup", group_id=group.id)
    assert sorted(await members(world, tokens[deputy], group.id)) == sorted([deputy, wechat_id])

    assert await refused(call(world, tokens[owner], "DismissGroup", group_id=group.id)) == (
        grpc.StatusCode.PERMISSION_DENIED, "NOT_GROUP_MEMBER")
    await call(world, tokens[deputy], "DismissGroup", group_id=group.id)
    assert await refused(call(world, tokens[deputy], "GetGroup", group_id=group.id)) == (
        grpc.StatusCode.NOT_FOUND, "GROUP_NOT_FOUND")
    assert list((await call(world, tokens[deputy], "ListMyGroups")).groups) == []
    assert not (await check(world, group.id, deputy)).group_exists


async def test_join_with_an_invitation(world: System) -> None:
    org = await world.create_org(members=3)
    other = await world.create_org(members=1)
    owner, inviter, joiner = org.member_ids
    group = await new_group(world, org, owner, [inviter])
    invite = (await call(world, org.tokens[inviter], "CreateGroupInvite", group_id=group.id)).invite_token

    joined = await call(world, org.tokens[joiner], "JoinGroup", invite_token=invite)
    assert joined.group.member_count == 3
    assert (await call(world, org.tokens[joiner], "JoinGroup", invite_token=invite)).group.member_count == 3
    assert await refused(call(world, other.tokens[other.member_ids[0]], "JoinGroup", invite_token=invite)) == (
        grpc.StatusCode.PERMISSION_DENIED, "OTHER_ENTERPRISE")
    prefix, body, signature = invite.split(".")
    tampered = f"{prefix}.{body[:-2]}{'AB' if body[-2:] != 'AB' else 'CD'}.{signature}"
    assert await refused(call(world, org.tokens[org.admin_id], "JoinGroup", invite_token=tampered)) == (
        grpc.StatusCode.PERMISSION_DENIED, "INVITE_SIGNATURE_INVALID")
    assert await refused(call(world, org.tokens[org.admin_id], "JoinGroup", invite_token="not-an-invite")) == (
        grpc.StatusCode.INVALID_ARGUMENT, "INVITE_MALFORMED")
    await call(world, org.tokens[inviter], "LeaveGroup", group_id=group.id)
    assert await refused(call(world, org.tokens[org.admin_id], "JoinGroup", invite_token=invite)) == (
        grpc.StatusCode.FAILED_PRECONDITION, "INVITE_REVOKED")
    assert sorted(await members(world, org.tokens[owner], group.id)) == sorted([owner, joiner])


async def test_one_to_one_chats(world: System) -> None:
    org = await world.create_org(members=2)
    other = await world.create_org(members=1)
    me, colleague = org.member_ids
    stranger = other.member_ids[0]
    wechat_id, wechat_token = await world.create_wechat_user()

    chat = (await call(world, org.tokens[me], "OpenDirectChat", user_id=colleague)).group
    again = (await call(world, org.tokens[colleague], "OpenDirectChat", user_id=me)).group
    assert chat.id == again.id and (chat.kind, chat.member_count) == (gpb.GROUP_KIND_DIRECT, 2)
    assert await refused(call(world, org.tokens[me], "OpenDirectChat", user_id=me)) == (
        grpc.StatusCode.INVALID_ARGUMENT, "CANNOT_CHAT_WITH_SELF")
    assert await refused(call(world, org.tokens[me], "OpenDirectChat", user_id=stranger)) == (
        grpc.StatusCode.PERMISSION_DENIED, "DIRECT_CHAT_NOT_ALLOWED")
    assert await refused(call(world, wechat_token, "OpenDirectChat", user_id=me)) == (
        grpc.StatusCode.PERMISSION_DENIED, "DIRECT_CHAT_NOT_ALLOWED")
    await new_group(world, org, me, [wechat_id], kind=gpb.GROUP_KIND_EXTERNAL)
    with_contact = (await call(world, wechat_token, "OpenDirectChat", user_id=me)).group
    assert with_contact.kind == gpb.GROUP_KIND_DIRECT and with_contact.enterprise_id == org.enterprise_id

    for method, fields in (("AddGroupMembers", {"member_ids": [org.admin_id]}), ("LeaveGroup", {}),
                           ("DismissGroup", {}), ("CreateGroupInvite", {})):
        assert await refused(call(world, org.tokens[me], method, group_id=chat.id, **fields)) == (
            grpc.StatusCode.FAILED_PRECONDITION, "DIRECT_CHAT_FIXED"), method
    assert await refused(call(world, org.tokens[me], "CreateGroup", request_id=request_id(), name="x",
                              kind=gpb.GROUP_KIND_DIRECT)) == (grpc.StatusCode.INVALID_ARGUMENT, "DIRECT_CHAT_KIND")
