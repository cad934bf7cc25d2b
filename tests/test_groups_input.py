"""Bad input on every GroupsService RPC gets INVALID_ARGUMENT with a reason (never UNKNOWN), and
a call without a token UNAUTHENTICATED (SPEC F-05; DESIGN "gRPC rules")."""

from __future__ import annotations

import grpc
import pytest

from convene.groups.v1 import covers_pb2 as cpb
from convene.groups.v1 import covers_pb2_grpc
from convene.groups.v1 import groups_pb2 as gpb
from services.runtime.ids import new_id
from tests.groups_support import groups, world
from tests.harness import System, bearer, forged_page_token, refused

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
    ("ListMyGroups", {"page_token": forged_page_token({"before": 7})}, "INVALID_PAGE_TOKEN"),
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
    ("PostMessage", {"request_id": "r", "group_id": GROUP, "text": "  \n "}, "FIELD_REQUIRED"),
    ("PostMessage", {"request_id": "r", "group_id": GROUP, "text": "hi", "mention_ids": [GROUP]}, "MALFORMED_ID"),
    ("PostMessage", {"request_id": "r", "group_id": GROUP, "text": "hi", "mention_ids": [new_id("member")] * 101},
     "TOO_MANY_VALUES"),
    ("PostMessage", {"request_id": "r", "group_id": GROUP, "text": "hi", "reply_to_sequence": -1}, "INVALID_SEQUENCE"),
    ("PostMessage", {"request_id": "r", "group_id": GROUP, "red_packet": {"amount_fen": 100}}, "RED_PACKET_SHARES"),
    ("PostMessage", {"request_id": "r", "group_id": GROUP, "red_packet": {"amount_fen": 20_001, "shares": 1}},
     "RED_PACKET_AMOUNT"),
    ("PostMessage", {"request_id": "r", "group_id": GROUP, "red_packet": {"amount_fen": 2, "shares": 3}},
     "RED_PACKET_AMOUNT"),
    ("PostMessage", {"request_id": "r", "group_id": GROUP, "text": "hi", "red_packet": {"amount_fen": 1, "shares": 1}},
     "TEXT_WITH_RED_PACKET"),
    ("PostMessage", {"request_id": "r", "group_id": GROUP, "red_packet": {"amount_fen": 1, "shares": 1,
                                                                        "greeting": "x" * 101}}, "FIELD_TOO_LONG"),
    ("PostMessage", {"request_id": "r", "group_id": GROUP, "red_packet": {"amount_fen": 1, "shares": 1,
                                                                        "cover_id": GROUP}}, "MALFORMED_ID"),
    ("ListTimeline", {"group_id": GROUP, "after_sequence": -1}, "INVALID_SEQUENCE"),
    ("ListTimeline", {"group_id": GROUP, "page_size": -5}, "INVALID_PAGE_SIZE"),
    ("ListTimeline", {"group_id": GROUP, "page_token": forged_page_token({"before": "1 OR 1=1"})},
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
    ("ListConversations", {"page_size": -1}, "INVALID_PAGE_SIZE"),
    ("ListConversations", {"page_token": forged_page_token({"activity_us": "now", "group_id": GROUP})},
     "INVALID_PAGE_TOKEN"),
    ("MarkChatRead", {"read_sequence": 3}, "FIELD_REQUIRED"),
    ("MarkChatRead", {"group_id": GROUP}, "INVALID_SEQUENCE"),
    ("MarkChatRead", {"group_id": GROUP, "read_sequence": -2}, "INVALID_SEQUENCE"),
    ("SetChatMuted", {"group_id": "grp"}, "MALFORMED_ID"),
    ("RecallMessage", {}, "FIELD_REQUIRED"),
    ("RecallMessage", {"message_id": GROUP}, "MALFORMED_ID"),
    ("GetReadReceipts", {"message_id": CARD}, "MALFORMED_ID"),
    ("SetGroupAdmin", {"group_id": GROUP}, "FIELD_REQUIRED"),
    ("SetGroupAdmin", {"group_id": GROUP, "member_id": GROUP, "admin": True}, "MALFORMED_ID"),
    ("ClaimRedPacket", {}, "FIELD_REQUIRED"),
    ("GetRedPacket", {"message_id": "msg_short"}, "MALFORMED_ID"),
]
METHODS = [m.name for m in gpb.DESCRIPTOR.services_by_name["GroupsService"].methods]

COVER = new_id("cover")
# CoversService (served by groups, SPEC F-50): the same, one table.
COVERS_BAD_INPUT: list[tuple[str, dict, str]] = [
    ("ApplyForCover", {"name": "spring", "image_ref": "media://a", "quantity": 1}, "FIELD_REQUIRED"),
    ("ApplyForCover", {"request_id": "r", "image_ref": "media://a", "quantity": 1}, "FIELD_REQUIRED"),
    ("ApplyForCover", {"request_id": "r", "name": "x" * 33, "image_ref": "media://a", "quantity": 1}, "FIELD_TOO_LONG"),
    ("ApplyForCover", {"request_id": "r", "name": "spring", "quantity": 1}, "FIELD_REQUIRED"),
    ("ApplyForCover", {"request_id": "r", "name": "spring", "image_ref": "media://a"}, "INVALID_QUANTITY"),
    ("ApplyForCover", {"request_id": "r", "name": "spring", "image_ref": "media://a", "quantity": 1_000_001},
     "INVALID_QUANTITY"),
    ("ReviewCover", {"approve": True}, "FIELD_REQUIRED"),
    ("ReviewCover", {"cover_id": GROUP, "approve": True}, "MALFORMED_ID"),
    ("ReviewCover", {"cover_id": COVER, "approve": False}, "FIELD_REQUIRED"),
    ("GetCover", {"cover_id": "cov_1"}, "MALFORMED_ID"),
    ("ListCovers", {"page_size": -1}, "INVALID_PAGE_SIZE"),
    ("ListCovers", {"state": 9}, "INVALID_ENUM_VALUE"),
    ("ListCovers", {"page_token": "nope"}, "INVALID_PAGE_TOKEN"),
]
COVERS_METHODS = [m.name for m in cpb.DESCRIPTOR.services_by_name["CoversService"].methods]


def test_every_rpc_is_covered() -> None:
    assert sorted({rpc for rpc, _, _ in BAD_INPUT}) == sorted(METHODS)
    assert sorted({rpc for rpc, _, _ in COVERS_BAD_INPUT}) == sorted(COVERS_METHODS)


def covers(system: System) -> covers_pb2_grpc.CoversServiceStub:
    return covers_pb2_grpc.CoversServiceStub(system.channel(system.address_of("groups")))


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


@pytest.mark.parametrize(("rpc", "fields", "reason"), COVERS_BAD_INPUT,
                         ids=[f"{rpc}-{reason}-{i}" for i, (rpc, _, reason) in enumerate(COVERS_BAD_INPUT)])
async def test_bad_cover_input_is_refused_with_a_reason(world: System, token: str, rpc: str, fields: dict,
                                                        reason: str) -> None:
    request = getattr(cpb, f"{rpc}Request")(**fields)
    assert await refused(getattr(covers(world), rpc)(request, metadata=bearer(token))) == (
        grpc.StatusCode.INVALID_ARGUMENT, reason)


@pytest.mark.parametrize("rpc", COVERS_METHODS)
async def test_every_cover_rpc_needs_a_token(world: System, rpc: str) -> None:
    request = getattr(cpb, f"{rpc}Request")()
    assert await refused(getattr(covers(world), rpc)(request)) == (grpc.StatusCode.UNAUTHENTICATED, "TOKEN_MISSING")
