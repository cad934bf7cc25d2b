"""LiveService over gRPC: validates the wire request, then hands it to the domain."""

from __future__ import annotations

from typing import Protocol

import grpc

from convene.live.v1 import live_pb2 as pb
from convene.live.v1 import live_pb2_grpc
from services.live.domain import Lives
from services.live.watching import Watching
from services.runtime import validate as v
from services.runtime.auth import caller
from services.runtime.errors import InvalidArgument

TITLE_MAX = 128
DESCRIPTION_MAX = 2000
MAX_REMINDER_LEAD_S = 24 * 3600


class _ForALive(Protocol):
    live_id: str


def _live_id(request: _ForALive) -> str:
    return v.require_id("live_id", request.live_id, "live")


_Creation = pb.StartLiveRequest | pb.OpenPreviewRequest | pb.ScheduleLiveRequest


def _creation(request: _Creation) -> None:
    """Fields StartLive, OpenPreview and ScheduleLive share."""
    v.require_request_id(request.request_id)
    v.require_id("group_id", request.group_id, "group")
    v.require_text("title", request.title, max_len=TITLE_MAX)
    v.require_text("description", request.description, max_len=DESCRIPTION_MAX, required=False)
    v.require_enum("audience", request, request.audience, allow_unspecified=True)


class LiveServicer(live_pb2_grpc.LiveServiceServicer):
    def __init__(self, lives: Lives, watching: Watching) -> None:
        self._lives = lives
        self._watching = watching

    async def StartLive(self, request: pb.StartLiveRequest, context: grpc.aio.ServicerContext) -> pb.StartLiveResponse:
        _creation(request)
        return await self._lives.start_live(caller(), request)

    async def OpenPreview(self, request: pb.OpenPreviewRequest, context: grpc.aio.ServicerContext) -> pb.OpenPreviewResponse:
        _creation(request)
        return await self._lives.open_preview(caller(), request)

    async def ScheduleLive(self, request: pb.ScheduleLiveRequest, context: grpc.aio.ServicerContext) -> pb.ScheduleLiveResponse:
        _creation(request)
        if not request.HasField("start_time"):
            raise InvalidArgument("FIELD_REQUIRED", "start_time is required", field="start_time")
        if not 0 <= request.reminder_lead_seconds <= MAX_REMINDER_LEAD_S:
            raise InvalidArgument("INVALID_REMINDER_LEAD", "reminder_lead_seconds must be between 0 and 86400",
                                  field="reminder_lead_seconds")
        return await self._lives.schedule_live(caller(), request)

    async def GetLive(self, request: pb.GetLiveRequest, context: grpc.aio.ServicerContext) -> pb.GetLiveResponse:
        return pb.GetLiveResponse(live=await self._lives.get_live(caller(), _live_id(request)))

    async def GoLive(self, request: pb.GoLiveRequest, context: grpc.aio.ServicerContext) -> pb.GoLiveResponse:
        return await self._lives.go_live(caller(), _live_id(request))

    async def CancelScheduledLive(self, request: pb.CancelScheduledLiveRequest, context: grpc.aio.ServicerContext) -> pb.CancelScheduledLiveResponse:
        return pb.CancelScheduledLiveResponse(live=await self._lives.cancel_scheduled(caller(), _live_id(request)))

    async def RemindMe(self, request: pb.RemindMeRequest, context: grpc.aio.ServicerContext) -> pb.RemindMeResponse:
        return await self._lives.remind_me(caller(), _live_id(request))

    async def UpdateAudience(self, request: pb.UpdateAudienceRequest, context: grpc.aio.ServicerContext) -> pb.UpdateAudienceResponse:
        live_id = _live_id(request)
        v.require_enum("audience", request, request.audience)
        return pb.UpdateAudienceResponse(live=await self._lives.update_audience(caller(), live_id, request.audience))

    async def RotateStreamKey(self, request: pb.RotateStreamKeyRequest, context: grpc.aio.ServicerContext) -> pb.RotateStreamKeyResponse:
        return pb.RotateStreamKeyResponse(publish=await self._lives.rotate_stream_key(caller(), _live_id(request)))

    async def HostHeartbeat(self, request: pb.HostHeartbeatRequest, context: grpc.aio.ServicerContext) -> pb.HostHeartbeatResponse:
        await self._lives.host_heartbeat(caller(), _live_id(request))
        return pb.HostHeartbeatResponse()

    async def JoinLive(self, request: pb.JoinLiveRequest, context: grpc.aio.ServicerContext) -> pb.JoinLiveResponse:
        _live_id(request)
        v.require_text("share_link", request.share_link, max_len=2048, required=False)
        if request.forward_id:
            v.require_id("forward_id", request.forward_id, "forward")
        return await self._watching.join(caller(), request)

    async def ViewerHeartbeat(self, request: pb.ViewerHeartbeatRequest, context: grpc.aio.ServicerContext) -> pb.ViewerHeartbeatResponse:
        return await self._watching.heartbeat(caller(), _live_id(request))

    async def LeaveLive(self, request: pb.LeaveLiveRequest, context: grpc.aio.ServicerContext) -> pb.LeaveLiveResponse:
        await self._watching.leave(caller(), _live_id(request))
        return pb.LeaveLiveResponse()

    async def GetLiveStats(self, request: pb.GetLiveStatsRequest, context: grpc.aio.ServicerContext) -> pb.GetLiveStatsResponse:
        return pb.GetLiveStatsResponse(stats=await self._watching.stats(caller(), _live_id(request)))

    async def ListViewers(self, request: pb.ListViewersRequest, context: grpc.aio.ServicerContext) -> pb.ListViewersResponse:
        live_id = _live_id(request)
        size = v.page_size(request.page_size, default=100, maximum=500)
        return await self._watching.list_viewers(caller(), live_id, size, request.page_token)

    async def CreateShareLink(self, request: pb.CreateShareLinkRequest, context: grpc.aio.ServicerContext) -> pb.CreateShareLinkResponse:
        return await self._watching.create_share_link(caller(), _live_id(request))

    async def ListShares(self, request: pb.ListSharesRequest, context: grpc.aio.ServicerContext) -> pb.ListSharesResponse:
        live_id = _live_id(request)
        size = v.page_size(request.page_size, default=100, maximum=500)
        return await self._watching.list_shares(caller(), live_id, size, request.page_token)

    async def EndLive(self, request: pb.EndLiveRequest, context: grpc.aio.ServicerContext) -> pb.EndLiveResponse:
        live = await self._lives.end_live(caller(), _live_id(request))
        return pb.EndLiveResponse(live=live, stats=await self._watching.stats(caller(), live.id))

    async def ForceStopLive(self, request: pb.ForceStopLiveRequest, context: grpc.aio.ServicerContext) -> pb.ForceStopLiveResponse:
        live_id = _live_id(request)
        reason = v.require_text("reason", request.reason, max_len=500)
        return pb.ForceStopLiveResponse(live=await self._lives.force_stop(caller(), live_id, reason))

    async def GetReplay(self, request: pb.GetReplayRequest, context: grpc.aio.ServicerContext) -> pb.GetReplayResponse:
        return await self._lives.get_replay(caller(), _live_id(request))

    async def DeleteReplay(self, request: pb.DeleteReplayRequest, context: grpc.aio.ServicerContext) -> pb.DeleteReplayResponse:
        return pb.DeleteReplayResponse(replay=await self._lives.delete_replay(caller(), _live_id(request)))
