"""IdentityService over gRPC: validates the wire request, then hands it to the domain."""

from __future__ import annotations

import grpc

from convene.identity.v1 import identity_pb2 as pb
from convene.identity.v1 import identity_pb2_grpc
from services.identity.domain import Identity
from services.runtime import validate as v
from services.runtime.auth import MAX_TTL_S, caller, current_principal
from services.runtime.errors import InvalidArgument

NAME_MAX = 128


class IdentityServicer(identity_pb2_grpc.IdentityServiceServicer):
    def __init__(self, identity: Identity) -> None:
        self._identity = identity

    async def CreateEnterprise(self, request: pb.CreateEnterpriseRequest, context: grpc.aio.ServicerContext) -> pb.CreateEnterpriseResponse:
        v.require_request_id(request.request_id)
        name = v.require_text("name", request.name, max_len=NAME_MAX)
        return await self._identity.create_enterprise(caller(), request.request_id, name, request.individual)

    async def GetEnterprise(self, request: pb.GetEnterpriseRequest, context: grpc.aio.ServicerContext) -> pb.GetEnterpriseResponse:
        v.require_id("enterprise_id", request.enterprise_id, "enterprise")
        return pb.GetEnterpriseResponse(enterprise=await self._identity.get_enterprise(caller(), request.enterprise_id))

    async def VerifyEnterprise(self, request: pb.VerifyEnterpriseRequest, context: grpc.aio.ServicerContext) -> pb.VerifyEnterpriseResponse:
        v.require_id("enterprise_id", request.enterprise_id, "enterprise")
        v.require_enum("method", request, request.method)
        enterprise = await self._identity.verify_enterprise(caller(), request.enterprise_id, request.method)
        return pb.VerifyEnterpriseResponse(enterprise=enterprise)

    async def AddMember(self, request: pb.AddMemberRequest, context: grpc.aio.ServicerContext) -> pb.AddMemberResponse:
        v.require_request_id(request.request_id)
        v.require_id("enterprise_id", request.enterprise_id, "enterprise")
        v.require_text("display_name", request.display_name, max_len=NAME_MAX)
        v.require_text("department", request.department, max_len=NAME_MAX, required=False)
        v.require_enum("role", request, request.role)
        return await self._identity.add_member(caller(), request)

    async def GetMember(self, request: pb.GetMemberRequest, context: grpc.aio.ServicerContext) -> pb.GetMemberResponse:
        v.require_id("member_id", request.member_id, "member")
        return pb.GetMemberResponse(member=await self._identity.get_member(caller(), request.member_id))

    async def VerifyMemberRealName(self, request: pb.VerifyMemberRealNameRequest, context: grpc.aio.ServicerContext) -> pb.VerifyMemberRealNameResponse:
        v.require_id("member_id", request.member_id, "member")
        return pb.VerifyMemberRealNameResponse(
            member=await self._identity.verify_member_real_name(caller(), request.member_id))

    async def CreateWeChatUser(self, request: pb.CreateWeChatUserRequest, context: grpc.aio.ServicerContext) -> pb.CreateWeChatUserResponse:
        v.require_request_id(request.request_id)
        name = v.require_text("display_name", request.display_name, max_len=NAME_MAX)
        return await self._identity.create_wechat_user(caller(), request.request_id, name)

    async def CreateToken(self, request: pb.CreateTokenRequest, context: grpc.aio.ServicerContext) -> pb.CreateTokenResponse:
        v.require_id("principal_id", request.principal_id, "member", "wechat_user", "service")
        if request.enterprise_id:
            v.require_id("enterprise_id", request.enterprise_id, "enterprise")
        if not 0 <= request.ttl_seconds <= MAX_TTL_S:
            raise InvalidArgument("INVALID_TTL", f"ttl_seconds must be between 0 and {MAX_TTL_S}",
                                    field="ttl_seconds")
        return await self._identity.create_token(current_principal.get(), request)
