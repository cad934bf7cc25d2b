"""Bad input on every GroupsService RPC gets INVALID_ARGUMENT with a reason (never UNKNOWN), and
a call without a token UNAUTHENTICATED (SPEC F-05; DESIGN "gRPC rules")."""

from __future__ import annotations

import grpc
import pytest

from convene.groups.v1 import groups_pb2 as gpb
from services.runtime.ids import new_id
from services.runtime.pagination import encode_page_token
from tests.groups_support import groups, world
from tests.harness import System, bearer, refused

GROUP = new_id("group")
CARD = new_id("card")
CALL = new_id("call")
PERSON = new_id("member")

# RPC -> (request fields, expected reason): one bad request per RPC, more where there is more to get wrong.
BAD_INPUT: list[tuple[str, dict, str]] = [
    ("CreateGroup", {"name": "team", "kind": gpb.GROUP_KIND_INTERNAL}, "FIELD_REQUIRED"),
    ("CreateGroup", {"request_id": "r", "name": "x" * 129, "kind": gpb.GROUP_KIND_INTERNAL}, "FIELD_TOO_LONG"),
    ("CreateGroup", {"request_id": "r", "name": "team"}, "INVALID_ENUM_VALUE"),
    ("CreateGroup", {"request_id": "r", "name": "team", "kind": 42}, "INVALID_ENUM_VALUE"),
    ("CreateGroup", {"request_id": "r", "name": "team", "kind": 1, "member_ids": [GROUP]}, "MALFORMED_ID"),
    ("GetGroup", {}, "FIELD_REQUIRED"),
    ("GetGroup", {"group_id": "grp_nope"}, "MALFORMED_ID"),
    ("ListMyGroups", {"page_size": -1}, "INVALID_PAGE_SIZE"),
    ("ListMyGroups", {"page_token": "not-ours"}, "INVALID_PAGE_TOKEN"),
    ("ListMyGroups", {"page_token": encode_page_token({"before": 7})}, "INVALID_PAGE_TOKEN"),
    ("ListGroupMembers", {"group_id": CARD}, "MALFORMED_ID"),
    ("AddGroupMembers", {"group_id": GROUP}, "FIELD_REQUIRED"),
    ("AddGroupMembers", {"group_id": GROUP, "member_ids": ["svc_nope"]}, "MALFORMED_ID"),
    ("RemoveGroupMember", {"group_id": GROUP}, "FIELD_REQUIRED"),
    ("LeaveGroup", {"group_id": PERSON}, "MALFORMED_ID"),
    ("TransferGroupOwnership", {"group_id": GROUP, "new_owner_id": GROUP}, "MALFORMED_ID"),
    ("DismissGroup", {}, "FIELD_REQUIRED"),
    ("CreateGroupInvite", {"group_id": "x"}, "MALFORMED_ID"),
    ("JoinGroup", {}, "FIELD_REQUIRED"),
    ("OpenDirectChat", {"user_id": GROUP}, "MALFORMED_ID"),
    ("PostMessage", {"request_id": "r", "group_id": GROUP}, "FIELD_REQUIRED"),
    ("PostMessage", {"request_id": "r", "group_id": GROUP, "text": "x" * 4001}, "FIELD_TOO_LONG"),
    ("ListTimeline", {"group_id": GROUP, "page_size": -5}, "INVALID_PAGE_SIZE"),
    ("ListTimeline", {"group_id": GROUP, "page_token": encode_page_token({"before": "1 OR 1=1"})},
     "INVALID_PAGE_TOKEN"),
    ("ForwardCard", {"request_id": "r", "card_id": CARD}, "FIELD_REQUIRED"),
    ("ForwardCard", {"request_id": "r", "card_id": GROUP, "target_group_id": GROUP}, "MALFORMED_ID"),
    ("ForwardCard", {"request_id": "r", "card_id": CARD, "target_user_id": CALL}, "MALFORMED_ID"),
    ("CreateShareLink", {"card_id": CARD}, "FIELD_REQUIRED"),
    ("ListCardForwards", {"card_id": ""}, "FIELD_REQUIRED"),
    ("StartGroupCall", {"request_id": "r", "group_id": GROUP}, "INVALID_ENUM_VALUE"),
    ("StartGroupCall", {"request_id": "r", "group_id": GROUP, "type": 1, "participant_ids": ["x"]}, "MALFORMED_ID"),
    ("JoinGroupCall", {"call_id": GROUP}, "MALFORMED_ID"),
    ("LeaveGroupCall", {}, "FIELD_REQUIRED"),
    ("GetGroupCall", {"call_id": "call_"}, "MALFORMED_ID"),
]
METHODS = [m.name for m in gpb.DESCRIPTOR.services_by_name["GroupsService"].methods]


def test_every_rpc_is_covered() -> None:
    assert sorted({rpc for rpc, _, _ in BAD_INPUT}) == sorted(METHODS)


@pytest.fixture(scope="module")
async def token(world: System) -> str:
    org = await world.create_org(members=0)
    return org.tokens[org.admin_id]


@pytest.mark.parametrize(("rpc", "fields", "reason"), BAD_INPUT,
                         ids=[f"{rpc}-{reason}-{i}" for i, (rpc, _, reason) in enumerate(BAD_INPUT)])
async def test_bad_input_is_refused_with_a_reason(world: System, token: str, rpc: str, fields: dict,
                                                  reason: str) -> None:
    request = getattr(gpb, f"{rpc}Request")(**fields)
    assert await refused(getattr(groups(world), rpc)(request, metadata=bearer(token))) == (
        grpc.StatusCode.INVALID_ARGUMENT, reason)


@pytest.mark.parametrize("rpc", METHODS)
async def test_every_rpc_needs_a_token(world: System, rpc: str) -> None:
    request = getattr(gpb, f"{rpc}Request")()
    assert await refused(getattr(groups(world), rpc)(request)) == (grpc.StatusCode.UNAUTHENTICATED, "TOKEN_MISSING")
