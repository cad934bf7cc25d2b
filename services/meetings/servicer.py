"""MeetingsService over gRPC: validates the wire request, then hands it to the domain."""

from __future__ import annotations

import grpc

from convene.meetings.v1 import meetings_pb2 as pb
from convene.meetings.v1 import meetings_pb2_grpc
from services.meetings.domain import Meetings
from services.runtime import validate as v
from services.runtime.auth import caller
from services.runtime.errors import InvalidArgument

MAX_PARTICIPANTS = 300


class MeetingsServicer(meetings_pb2_grpc.MeetingsServiceServicer):
    def __init__(self, meetings: Meetings) -> None:
        self._meetings = meetings

    async def ScheduleMeeting(self, request: pb.ScheduleMeetingRequest, context: grpc.aio.ServicerContext) -> pb.ScheduleMeetingResponse:
        v.require_request_id(request.request_id)
        v.require_text("topic", request.topic, max_len=200)
        v.require_enum("type", request, request.type)
        v.require_text("notes", request.notes, max_len=5000, required=False)
        v.require_ids("participant_ids", request.participant_ids, "member", "wechat_user", max_count=MAX_PARTICIPANTS)
        if not request.HasField("start_time"):
            raise InvalidArgument("FIELD_REQUIRED", "start_time is required", field="start_time")
        if not 1 <= request.duration_minutes <= 24 * 60:
            raise InvalidArgument("INVALID_DURATION", "duration_minutes must be between 1 and 1440",
                                  field="duration_minutes")
        return await self._meetings.schedule(caller(), request)

    async def GetMeeting(self, request: pb.GetMeetingRequest, context: grpc.aio.ServicerContext) -> pb.GetMeetingResponse:
        v.require_id("meeting_id", request.meeting_id, "meeting")
        return pb.GetMeetingResponse(meeting=await self._meetings.get(caller(), request.meeting_id))
