"""GroupsService over gRPC: validates the wire request, then hands it to the domain."""

from __future__ import annotations

import grpc

from convene.groups.v1 import groups_pb2 as pb
from convene.groups.v1 import groups_pb2_grpc
from services.groups.domain import MAX_INTERNAL_MEMBERS, Groups
from services.runtime import validate as v
from services.runtime.auth import caller


class GroupsServicer(groups_pb2_grpc.GroupsServiceServicer):
    def __init__(self, groups: Groups) -> None:
        self._groups = groups

    async def CreateGroup(self, request: pb.CreateGroupRequest, context: grpc.aio.ServicerContext) -> pb.CreateGroupResponse:
        v.require_request_id(request.request_id)
        v.require_text("name", request.name, max_len=128)
        v.require_enum("kind", request, request.kind)
        v.require_ids("member_ids", request.member_ids, "member", "wechat_user", max_count=MAX_INTERNAL_MEMBERS)
        return await self._groups.create_group(caller(), request)

    async def GetGroup(self, request: pb.GetGroupRequest, context: grpc.aio.ServicerContext) -> pb.GetGroupResponse:
        v.require_id("group_id", request.group_id, "group")
        return pb.GetGroupResponse(group=await self._groups.get_group(caller(), request.group_id))

    async def ListGroupMembers(self, request: pb.ListGroupMembersRequest, context: grpc.aio.ServicerContext) -> pb.ListGroupMembersResponse:
        v.require_id("group_id", request.group_id, "group")
        size = v.page_size(request.page_size, default=100, maximum=1000)
        return await self._groups.list_members(caller(), request.group_id, size, request.page_token)

    async def ListTimeline(self, request: pb.ListTimelineRequest, context: grpc.aio.ServicerContext) -> pb.ListTimelineResponse:
        v.require_id("group_id", request.group_id, "group")
        size = v.page_size(request.page_size, default=50, maximum=200)
        return await self._groups.list_timeline(caller(), request.group_id, size, request.page_token)
