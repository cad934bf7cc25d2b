"""LiveService over gRPC: validates the wire request, then hands it to the domain."""

from __future__ import annotations

import grpc

from convene.live.v1 import live_pb2 as pb
from convene.live.v1 import live_pb2_grpc
from services.live.domain import Lives
from services.runtime import validate as v
from services.runtime.auth import caller


class LiveServicer(live_pb2_grpc.LiveServiceServicer):
    def __init__(self, lives: Lives) -> None:
        self._lives = lives

    async def StartLive(self, request: pb.StartLiveRequest, context: grpc.aio.ServicerContext) -> pb.StartLiveResponse:
        v.require_request_id(request.request_id)
        v.require_id("group_id", request.group_id, "group")
        v.require_text("title", request.title, max_len=128)
        v.require_text("description", request.description, max_len=2000, required=False)
        v.require_enum("audience", request, request.audience, allow_unspecified=True)
        return await self._lives.start_live(caller(), request)

    async def GetLive(self, request: pb.GetLiveRequest, context: grpc.aio.ServicerContext) -> pb.GetLiveResponse:
        v.require_id("live_id", request.live_id, "live")
        return pb.GetLiveResponse(live=await self._lives.get_live(caller(), request.live_id))
