"""GroupsService over gRPC: validates the wire request, then hands it to the domain."""

from __future__ import annotations

import grpc

from convene.groups.v1 import groups_pb2 as pb
from convene.groups.v1 import groups_pb2_grpc
from services.groups.calls import Calls
from services.groups.domain import Groups
from services.groups.forwarding import Forwarding
from services.runtime import validate as v
from services.runtime.auth import caller
from services.runtime.errors import InvalidArgument

# The most ids one request may carry: the largest group (WeCom's internal groups).
MAX_IDS = 2000
PEOPLE = ("member", "wechat_user")

Context = grpc.aio.ServicerContext


class GroupsServicer(groups_pb2_grpc.GroupsServiceServicer):
    def __init__(self, groups: Groups, forwarding: Forwarding, calls: Calls) -> None:
        self._groups = groups
        self._forwarding = forwarding
        self._calls = calls

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

    # --------------------------------------------------------------- timeline

    async def PostMessage(self, request: pb.PostMessageRequest, context: Context) -> pb.PostMessageResponse:
        v.require_request_id(request.request_id)
        v.require_id("group_id", request.group_id, "group")
        v.require_text("text", request.text, max_len=4000)
        return await self._groups.post_message(caller(), request)

    async def ListTimeline(self, request: pb.ListTimelineRequest, context: Context) -> pb.ListTimelineResponse:
        v.require_id("group_id", request.group_id, "group")
        size = v.page_size(request.page_size, default=50, maximum=200)
        return await self._groups.list_timeline(caller(), request.group_id, size, request.page_token)

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
