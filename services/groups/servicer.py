"""GroupsService over gRPC: validates the wire request, then hands it to the domain."""

from __future__ import annotations

import grpc

from convene.groups.v1 import covers_pb2, covers_pb2_grpc, groups_pb2_grpc
from convene.groups.v1 import groups_pb2 as pb
from services.groups.calls import Calls
from services.groups.chat import Chat
from services.groups.covers import Covers
from services.groups.domain import Groups
from services.groups.forwarding import Forwarding
from services.groups.red_packets import RedPackets
from services.runtime import validate as v
from services.runtime.auth import caller
from services.runtime.errors import InvalidArgument

# The most ids one request may carry: the largest group (WeCom's internal groups).
MAX_IDS = 2000
PEOPLE = ("member", "wechat_user")
MAX_TEXT = 4000
MAX_MENTIONS = 100
# One red packet: at most 200 CNY and 100 shares, as WeChat allows.
MAX_RED_PACKET_FEN = 20_000
MAX_RED_PACKET_SHARES = 100
MAX_GREETING = 100


def _sequence(field: str, value: int, *, required: bool = False) -> int:
    if value < 0 or (required and value == 0):
        raise InvalidArgument("INVALID_SEQUENCE", f"{field} must be {'positive' if required else 'at least 0'}",
                              field=field)
    return value


def _check_message(request: pb.PostMessageRequest) -> None:
    """A text or a red packet, never both or neither; mentions well formed."""
    text = v.require_text("text", request.text, max_len=MAX_TEXT, required=not request.HasField("red_packet"))
    if request.HasField("red_packet"):
        if text:
            raise InvalidArgument("TEXT_WITH_RED_PACKET", "a red packet carries a greeting, not a text", field="text")
        packet = request.red_packet
        if not 1 <= packet.shares <= MAX_RED_PACKET_SHARES:
            raise InvalidArgument("RED_PACKET_SHARES", f"shares must be 1 to {MAX_RED_PACKET_SHARES}",
                                  field="red_packet.shares")
        if not packet.shares <= packet.amount_fen <= MAX_RED_PACKET_FEN:
            raise InvalidArgument("RED_PACKET_AMOUNT", f"amount_fen must be at least one per share and at most"
                                  f" {MAX_RED_PACKET_FEN}", field="red_packet.amount_fen")
        v.require_text("red_packet.greeting", packet.greeting, max_len=MAX_GREETING, required=False)
        if packet.cover_id:
            v.require_id("red_packet.cover_id", packet.cover_id, "cover")
    v.require_ids("mention_ids", request.mention_ids, *PEOPLE, max_count=MAX_MENTIONS)
    _sequence("reply_to_sequence", request.reply_to_sequence)

Context = grpc.aio.ServicerContext


class GroupsServicer(groups_pb2_grpc.GroupsServiceServicer):
    def __init__(self, groups: Groups, forwarding: Forwarding, calls: Calls, chat: Chat,
                 red_packets: RedPackets) -> None:
        self._groups = groups
        self._forwarding = forwarding
        self._calls = calls
        self._chat = chat
        self._red_packets = red_packets

    # ---------------------------------------------------------------- groups

    async def CreateGroup(self, request: pb.CreateGroupRequest, context: Context) -> pb.CreateGroupResponse:
        v.require_request_id(request.request_id)
        v.require_text("name", request.name, max_len=128)
        v.require_enum("kind", request, request.kind)
        v.require_ids("member_ids", request.member_ids, *PEOPLE, max_count=MAX_IDS)
        return await self._groups.create_group(caller(), request)

    async def GetGroup(self, request: pb.GetGroupRequest, context: Context) -> pb.GetGroupResponse:
        v.require_id("group_id", request.group_id, "group")
        return pb.GetGroupResponse(group=await self._groups.get_group(caller(), request.group_id))

    async def ListMyGroups(self, request: pb.ListMyGroupsRequest, context: Context) -> pb.ListMyGroupsResponse:
        size = v.page_size(request.page_size, default=50, maximum=200)
        return await self._groups.list_my_groups(caller(), size, request.page_token)

    async def ListGroupMembers(self, request: pb.ListGroupMembersRequest, context: Context) -> pb.ListGroupMembersResponse:
        v.require_id("group_id", request.group_id, "group")
        size = v.page_size(request.page_size, default=100, maximum=1000)
        return await self._groups.list_members(caller(), request.group_id, size, request.page_token)

    async def AddGroupMembers(self, request: pb.AddGroupMembersRequest, context: Context) -> pb.AddGroupMembersResponse:
        v.require_id("group_id", request.group_id, "group")
        if not request.member_ids:
            raise InvalidArgument("FIELD_REQUIRED", "member_ids names at least one person", field="member_ids")
        v.require_ids("member_ids", request.member_ids, *PEOPLE, max_count=MAX_IDS)
        return await self._groups.add_members(caller(), request.group_id, list(request.member_ids))

    async def RemoveGroupMember(self, request: pb.RemoveGroupMemberRequest, context: Context) -> pb.RemoveGroupMemberResponse:
        v.require_id("group_id", request.group_id, "group")
        v.require_id("member_id", request.member_id, *PEOPLE)
        group = await self._groups.remove_member(caller(), request.group_id, request.member_id)
        return pb.RemoveGroupMemberResponse(group=group)

    async def LeaveGroup(self, request: pb.LeaveGroupRequest, context: Context) -> pb.LeaveGroupResponse:
        v.require_id("group_id", request.group_id, "group")
        await self._groups.leave(caller(), request.group_id)
        return pb.LeaveGroupResponse()

    async def TransferGroupOwnership(self, request: pb.TransferGroupOwnershipRequest,
                                     context: Context) -> pb.TransferGroupOwnershipResponse:
        v.require_id("group_id", request.group_id, "group")
        v.require_id("new_owner_id", request.new_owner_id, *PEOPLE)
        group = await self._groups.transfer_ownership(caller(), request.group_id, request.new_owner_id)
        return pb.TransferGroupOwnershipResponse(group=group)

    async def DismissGroup(self, request: pb.DismissGroupRequest, context: Context) -> pb.DismissGroupResponse:
        v.require_id("group_id", request.group_id, "group")
        await self._groups.dismiss(caller(), request.group_id)
        return pb.DismissGroupResponse()

    async def CreateGroupInvite(self, request: pb.CreateGroupInviteRequest, context: Context) -> pb.CreateGroupInviteResponse:
        v.require_id("group_id", request.group_id, "group")
        return await self._groups.create_invite(caller(), request.group_id)

    async def JoinGroup(self, request: pb.JoinGroupRequest, context: Context) -> pb.JoinGroupResponse:
        token = v.require_text("invite_token", request.invite_token, max_len=2048)
        return pb.JoinGroupResponse(group=await self._groups.join(caller(), token))

    async def OpenDirectChat(self, request: pb.OpenDirectChatRequest, context: Context) -> pb.OpenDirectChatResponse:
        v.require_id("user_id", request.user_id, *PEOPLE)
        return pb.OpenDirectChatResponse(group=await self._groups.open_direct_chat(caller(), request.user_id))

    async def SetGroupAdmin(self, request: pb.SetGroupAdminRequest, context: Context) -> pb.SetGroupAdminResponse:
        v.require_id("group_id", request.group_id, "group")
        v.require_id("member_id", request.member_id, *PEOPLE)
        group = await self._groups.set_admin(caller(), request.group_id, request.member_id, request.admin)
        return pb.SetGroupAdminResponse(group=group)

    # ------------------------------------------------------------------- chat

    async def PostMessage(self, request: pb.PostMessageRequest, context: Context) -> pb.PostMessageResponse:
        v.require_request_id(request.request_id)
        v.require_id("group_id", request.group_id, "group")
        _check_message(request)
        return await self._chat.post(caller(), request)

    async def ListTimeline(self, request: pb.ListTimelineRequest, context: Context) -> pb.ListTimelineResponse:
        v.require_id("group_id", request.group_id, "group")
        size = v.page_size(request.page_size, default=50, maximum=200)
        after = _sequence("after_sequence", request.after_sequence) if request.HasField("after_sequence") else None
        return await self._chat.list_timeline(caller(), request.group_id, size, request.page_token, after)

    async def ListConversations(self, request: pb.ListConversationsRequest, context: Context) -> pb.ListConversationsResponse:
        size = v.page_size(request.page_size, default=50, maximum=200)
        return await self._chat.conversations(caller(), size, request.page_token)

    async def MarkChatRead(self, request: pb.MarkChatReadRequest, context: Context) -> pb.MarkChatReadResponse:
        v.require_id("group_id", request.group_id, "group")
        sequence = _sequence("read_sequence", request.read_sequence, required=True)
        return pb.MarkChatReadResponse(state=await self._chat.mark_read(caller(), request.group_id, sequence))

    async def SetChatMuted(self, request: pb.SetChatMutedRequest, context: Context) -> pb.SetChatMutedResponse:
        v.require_id("group_id", request.group_id, "group")
        return pb.SetChatMutedResponse(state=await self._chat.set_muted(caller(), request.group_id, request.muted))

    async def RecallMessage(self, request: pb.RecallMessageRequest, context: Context) -> pb.RecallMessageResponse:
        v.require_id("message_id", request.message_id, "message")
        return pb.RecallMessageResponse(item=await self._chat.recall(caller(), request.message_id))

    async def GetReadReceipts(self, request: pb.GetReadReceiptsRequest, context: Context) -> pb.GetReadReceiptsResponse:
        v.require_id("message_id", request.message_id, "message")
        return await self._chat.read_receipts(caller(), request.message_id)

    async def ClaimRedPacket(self, request: pb.ClaimRedPacketRequest, context: Context) -> pb.ClaimRedPacketResponse:
        v.require_id("message_id", request.message_id, "message")
        return await self._red_packets.claim(caller(), request.message_id)

    async def GetRedPacket(self, request: pb.GetRedPacketRequest, context: Context) -> pb.GetRedPacketResponse:
        v.require_id("message_id", request.message_id, "message")
        return await self._red_packets.get(caller(), request.message_id)

    # ------------------------------------------------------------- forwarding

    async def ForwardCard(self, request: pb.ForwardCardRequest, context: Context) -> pb.ForwardCardResponse:
        v.require_request_id(request.request_id)
        v.require_id("card_id", request.card_id, "card")
        target = request.WhichOneof("target")
        if target is None:
            raise InvalidArgument("FIELD_REQUIRED", "name target_group_id or target_user_id", field="target")
        if target == "target_group_id":
            v.require_id("target_group_id", request.target_group_id, "group")
        else:
            v.require_id("target_user_id", request.target_user_id, *PEOPLE)
        return await self._forwarding.forward(caller(), request)

    async def CreateShareLink(self, request: pb.CreateShareLinkRequest, context: Context) -> pb.CreateShareLinkResponse:
        v.require_request_id(request.request_id)
        v.require_id("card_id", request.card_id, "card")
        return await self._forwarding.share_link(caller(), request)

    async def ListCardForwards(self, request: pb.ListCardForwardsRequest, context: Context) -> pb.ListCardForwardsResponse:
        v.require_id("card_id", request.card_id, "card")
        size = v.page_size(request.page_size, default=50, maximum=200)
        return await self._forwarding.list_forwards(caller(), request.card_id, size, request.page_token)

    # ------------------------------------------------------------------ calls

    async def StartGroupCall(self, request: pb.StartGroupCallRequest, context: Context) -> pb.StartGroupCallResponse:
        v.require_request_id(request.request_id)
        v.require_id("group_id", request.group_id, "group")
        v.require_enum("type", request, request.type)
        v.require_ids("participant_ids", request.participant_ids, *PEOPLE, max_count=MAX_IDS)
        return await self._calls.start(caller(), request)

    async def JoinGroupCall(self, request: pb.JoinGroupCallRequest, context: Context) -> pb.JoinGroupCallResponse:
        v.require_id("call_id", request.call_id, "call")
        return pb.JoinGroupCallResponse(call=await self._calls.join(caller(), request.call_id))

    async def LeaveGroupCall(self, request: pb.LeaveGroupCallRequest, context: Context) -> pb.LeaveGroupCallResponse:
        v.require_id("call_id", request.call_id, "call")
        return pb.LeaveGroupCallResponse(call=await self._calls.leave(caller(), request.call_id))

    async def GetGroupCall(self, request: pb.GetGroupCallRequest, context: Context) -> pb.GetGroupCallResponse:
        v.require_id("call_id", request.call_id, "call")
        return pb.GetGroupCallResponse(call=await self._calls.get(caller(), request.call_id))


MAX_COVER_NAME = 32
MAX_IMAGE_REF = 512
MAX_REJECT_REASON = 500
MAX_COVER_QUANTITY = 1_000_000


class CoversServicer(covers_pb2_grpc.CoversServiceServicer):
    def __init__(self, covers: Covers) -> None:
        self._covers = covers

    async def ApplyForCover(self, request: covers_pb2.ApplyForCoverRequest, context: Context) -> covers_pb2.ApplyForCoverResponse:
        v.require_request_id(request.request_id)
        v.require_text("name", request.name, max_len=MAX_COVER_NAME)
        v.require_text("image_ref", request.image_ref, max_len=MAX_IMAGE_REF)
        if not 1 <= request.quantity <= MAX_COVER_QUANTITY:
            raise InvalidArgument("INVALID_QUANTITY", f"quantity must be 1 to {MAX_COVER_QUANTITY:,}", field="quantity")
        return await self._covers.apply(caller(), request)

    async def ReviewCover(self, request: covers_pb2.ReviewCoverRequest, context: Context) -> covers_pb2.ReviewCoverResponse:
        v.require_id("cover_id", request.cover_id, "cover")
        v.require_text("reject_reason", request.reject_reason, max_len=MAX_REJECT_REASON, required=not request.approve)
        return covers_pb2.ReviewCoverResponse(cover=await self._covers.review(caller(), request))

    async def GetCover(self, request: covers_pb2.GetCoverRequest, context: Context) -> covers_pb2.GetCoverResponse:
        v.require_id("cover_id", request.cover_id, "cover")
        return covers_pb2.GetCoverResponse(cover=await self._covers.get(caller(), request.cover_id))

    async def ListCovers(self, request: covers_pb2.ListCoversRequest, context: Context) -> covers_pb2.ListCoversResponse:
        size = v.page_size(request.page_size, default=50, maximum=200)
        v.require_enum("state", request, request.state, allow_unspecified=True)
        return await self._covers.list_covers(caller(), size, request.page_token, request.state)
