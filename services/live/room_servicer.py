"""RoomService and ModerationService over gRPC: validate the wire request, then hand it to the
domain (room, comments, likes, guests, moderation)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc

from convene.live.v1 import moderation_pb2 as mpb
from convene.live.v1 import moderation_pb2_grpc, room_pb2_grpc
from convene.live.v1 import room_pb2 as rpb
from services.live.comments import Comments
from services.live.guests import Guests
from services.live.likes import Likes
from services.live.moderation import Moderation, normalize
from services.live.room import RoomStreams
from services.runtime import validate as v
from services.runtime.auth import caller
from services.runtime.errors import InvalidArgument

COMMENT_MAX = 200
REASON_MAX = 500
MAX_LIKES_PER_CALL = 100
MAX_MUTE_S = 30 * 24 * 3600
WORD_MAX = 50
WORDS_PER_CALL = 100


def _live_id(value: str) -> str:
    return v.require_id("live_id", value, "live")


def _viewer_id(value: str) -> str:
    return v.require_id("viewer_id", value, "member", "wechat_user")


def _reason(value: str) -> str:
    return v.require_text("reason", value, max_len=REASON_MAX)


def _words(field: str, words: list[str]) -> list[str]:
    if len(words) > WORDS_PER_CALL:
        raise InvalidArgument("TOO_MANY_VALUES", f"{field} has more than {WORDS_PER_CALL} entries", field=field)
    return [v.require_text(field, normalize(word), max_len=WORD_MAX) for word in words]


class RoomServicer(room_pb2_grpc.RoomServiceServicer):
    def __init__(self, streams: RoomStreams, comments: Comments, likes: Likes, guests: Guests) -> None:
        self._streams = streams
        self._comments = comments
        self._likes = likes
        self._guests = guests

    async def SubscribeRoom(self, request: rpb.SubscribeRoomRequest, context: grpc.aio.ServicerContext) -> AsyncIterator[rpb.SubscribeRoomResponse | bytes]:
        live_id = _live_id(request.live_id)
        if request.after_sequence < 0:
            raise InvalidArgument("INVALID_SEQUENCE", "after_sequence must not be negative", field="after_sequence")
        async for message in self._streams.subscribe(caller(), live_id, request.after_sequence):
            yield message

    async def PostComment(self, request: rpb.PostCommentRequest, context: grpc.aio.ServicerContext) -> rpb.PostCommentResponse:
        request_id = v.require_request_id(request.request_id)
        live_id = _live_id(request.live_id)
        text = v.require_text("text", request.text, max_len=COMMENT_MAX)
        return rpb.PostCommentResponse(comment=await self._comments.post(caller(), live_id, text, request_id))

    async def SendLikes(self, request: rpb.SendLikesRequest, context: grpc.aio.ServicerContext) -> rpb.SendLikesResponse:
        live_id = _live_id(request.live_id)
        if not 0 <= request.count <= MAX_LIKES_PER_CALL:
            raise InvalidArgument("INVALID_LIKE_COUNT", f"count must be between 1 and {MAX_LIKES_PER_CALL}",
                                  field="count")
        return rpb.SendLikesResponse(like_count=await self._likes.send(caller(), live_id, request.count or 1))

    async def RaiseHand(self, request: rpb.RaiseHandRequest, context: grpc.aio.ServicerContext) -> rpb.RaiseHandResponse:
        await self._guests.raise_hand(caller(), _live_id(request.live_id))
        return rpb.RaiseHandResponse()

    async def LowerHand(self, request: rpb.LowerHandRequest, context: grpc.aio.ServicerContext) -> rpb.LowerHandResponse:
        await self._guests.lower_hand(caller(), _live_id(request.live_id))
        return rpb.LowerHandResponse()

    async def AnswerHand(self, request: rpb.AnswerHandRequest, context: grpc.aio.ServicerContext) -> rpb.AnswerHandResponse:
        live_id = _live_id(request.live_id)
        return await self._guests.answer(caller(), live_id, _viewer_id(request.viewer_id), request.accept)

    async def GetGuestEndpoint(self, request: rpb.GetGuestEndpointRequest, context: grpc.aio.ServicerContext) -> rpb.GetGuestEndpointResponse:
        return rpb.GetGuestEndpointResponse(publish=await self._guests.endpoint(caller(), _live_id(request.live_id)))

    async def EndGuest(self, request: rpb.EndGuestRequest, context: grpc.aio.ServicerContext) -> rpb.EndGuestResponse:
        live_id = _live_id(request.live_id)
        principal = caller()
        viewer_id = _viewer_id(request.viewer_id) if request.viewer_id else principal.id
        await self._guests.end(principal, live_id, viewer_id)
        return rpb.EndGuestResponse()


class ModerationServicer(moderation_pb2_grpc.ModerationServiceServicer):
    def __init__(self, moderation: Moderation) -> None:
        self._moderation = moderation

    async def DeleteComment(self, request: mpb.DeleteCommentRequest, context: grpc.aio.ServicerContext) -> mpb.DeleteCommentResponse:
        live_id = _live_id(request.live_id)
        if request.comment_sequence <= 0:
            raise InvalidArgument("FIELD_REQUIRED", "comment_sequence is required", field="comment_sequence")
        action = await self._moderation.delete_comment(caller(), live_id, request.comment_sequence,
                                                       _reason(request.reason))
        return mpb.DeleteCommentResponse(action=action)

    async def MuteViewer(self, request: mpb.MuteViewerRequest, context: grpc.aio.ServicerContext) -> mpb.MuteViewerResponse:
        live_id, viewer_id = _live_id(request.live_id), _viewer_id(request.viewer_id)
        if not 0 < request.duration_seconds <= MAX_MUTE_S:
            raise InvalidArgument("INVALID_DURATION", f"duration_seconds must be between 1 and {MAX_MUTE_S}",
                                  field="duration_seconds")
        action = await self._moderation.mute(caller(), live_id, viewer_id, request.duration_seconds,
                                             _reason(request.reason))
        return mpb.MuteViewerResponse(action=action)

    async def UnmuteViewer(self, request: mpb.UnmuteViewerRequest, context: grpc.aio.ServicerContext) -> mpb.UnmuteViewerResponse:
        live_id, viewer_id = _live_id(request.live_id), _viewer_id(request.viewer_id)
        action = await self._moderation.unmute(caller(), live_id, viewer_id, _reason(request.reason))
        return mpb.UnmuteViewerResponse(action=action)

    async def RemoveViewer(self, request: mpb.RemoveViewerRequest, context: grpc.aio.ServicerContext) -> mpb.RemoveViewerResponse:
        live_id, viewer_id = _live_id(request.live_id), _viewer_id(request.viewer_id)
        action = await self._moderation.remove(caller(), live_id, viewer_id, _reason(request.reason))
        return mpb.RemoveViewerResponse(action=action)

    async def ListModerationActions(self, request: mpb.ListModerationActionsRequest, context: grpc.aio.ServicerContext) -> mpb.ListModerationActionsResponse:
        live_id = _live_id(request.live_id) if request.live_id else ""
        size = v.page_size(request.page_size, default=50, maximum=200)
        return await self._moderation.list_actions(caller(), live_id, size, request.page_token)

    async def ReportLive(self, request: mpb.ReportLiveRequest, context: grpc.aio.ServicerContext) -> mpb.ReportLiveResponse:
        v.require_request_id(request.request_id)
        _live_id(request.live_id)
        v.require_enum("reason", request, request.reason)
        note = v.require_text("note", request.note, max_len=REASON_MAX,
                              required=request.reason == mpb.REPORT_REASON_OTHER)
        return await self._moderation.report(caller(), mpb.ReportLiveRequest(
            request_id=request.request_id, live_id=request.live_id, reason=request.reason, note=note))

    async def ListReports(self, request: mpb.ListReportsRequest, context: grpc.aio.ServicerContext) -> mpb.ListReportsResponse:
        v.require_enum("state", request, request.state, allow_unspecified=True)
        live_id = _live_id(request.live_id) if request.live_id else ""
        size = v.page_size(request.page_size, default=50, maximum=200)
        return await self._moderation.list_reports(caller(), request.state, live_id, size, request.page_token)

    async def ResolveReport(self, request: mpb.ResolveReportRequest, context: grpc.aio.ServicerContext) -> mpb.ResolveReportResponse:
        report_id = v.require_id("report_id", request.report_id, "report")
        v.require_enum("resolution", request, request.resolution)
        note = v.require_text("note", request.note, max_len=REASON_MAX)
        return mpb.ResolveReportResponse(report=await self._moderation.resolve(caller(), report_id,
                                                                               request.resolution, note))

    async def UpdateBlockedWords(self, request: mpb.UpdateBlockedWordsRequest, context: grpc.aio.ServicerContext) -> mpb.UpdateBlockedWordsResponse:
        add, remove = _words("add", list(request.add)), _words("remove", list(request.remove))
        if not add and not remove:
            raise InvalidArgument("FIELD_REQUIRED", "add or remove at least one word", field="add")
        return await self._moderation.update_blocked_words(caller(), add, remove)

    async def ListBlockedWords(self, request: mpb.ListBlockedWordsRequest, context: grpc.aio.ServicerContext) -> mpb.ListBlockedWordsResponse:
        size = v.page_size(request.page_size, default=200, maximum=1000)
        return await self._moderation.list_blocked_words(caller(), size, request.page_token)
