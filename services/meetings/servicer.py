"""MeetingsService over gRPC: validates the wire request, then hands it to the domain."""

from __future__ import annotations

import grpc
from google.protobuf import field_mask_pb2

from convene.meetings.v1 import meetings_pb2 as pb
from convene.meetings.v1 import meetings_pb2_grpc
from services.meetings import recurrence
from services.meetings.calls import Calls
from services.meetings.domain import Meetings
from services.runtime import validate as v
from services.runtime.auth import caller
from services.runtime.errors import InvalidArgument

PEOPLE = ("member", "wechat_user")
MAX_TOPIC = 200
MAX_NOTES = 5000
MAX_REASON = 500
MAX_INTERVAL = 99
MAX_COUNT = 500
UPDATE_PATHS = frozenset({"topic", "start_time", "duration_minutes", "participant_ids", "notes", "time_zone",
                          "recurrence", "reminder_audience"})
OCCURRENCE_PATHS = frozenset({"start_time", "duration_minutes", "topic", "notes"})

Context = grpc.aio.ServicerContext


def _duration(field: str, minutes: int) -> None:
    if not 1 <= minutes <= 24 * 60:
        raise InvalidArgument("INVALID_DURATION", f"{field} must be between 1 and 1440", field=field)


def _time_zone(field: str, name: str) -> None:
    if name and recurrence.zone(name) is None:
        raise InvalidArgument("UNKNOWN_TIME_ZONE", f"{field} is not an IANA time zone (such as Asia/Shanghai)",
                              field=field)


def _recurrence(rule: pb.Recurrence) -> None:
    v.require_enum("frequency", rule, rule.frequency)
    if not 0 <= rule.interval <= MAX_INTERVAL:
        raise InvalidArgument("INVALID_RECURRENCE", f"recurrence.interval must be between 0 and {MAX_INTERVAL}",
                              field="recurrence.interval")
    if not 0 <= rule.count <= MAX_COUNT:
        raise InvalidArgument("INVALID_RECURRENCE", f"recurrence.count must be between 0 and {MAX_COUNT}",
                              field="recurrence.count")
    if rule.until_date and recurrence.parse_date(rule.until_date) is None:
        raise InvalidArgument("INVALID_DATE", "recurrence.until_date must be a date YYYY-MM-DD",
                              field="recurrence.until_date")
    if rule.until_date and rule.count:
        raise InvalidArgument("INVALID_RECURRENCE", "give recurrence.until_date or recurrence.count, not both",
                              field="recurrence")


def _timestamp(field: str, message: object, name: str) -> None:
    if not message.HasField(name):  # type: ignore[attr-defined]
        raise InvalidArgument("FIELD_REQUIRED", f"{field} is required", field=field)


def _mask(mask: field_mask_pb2.FieldMask, allowed: frozenset[str]) -> set[str]:
    paths = set(mask.paths)
    if not paths:
        raise InvalidArgument("FIELD_REQUIRED", f"update_mask names what to change: {', '.join(sorted(allowed))}",
                              field="update_mask")
    unknown = paths - allowed
    if unknown:
        raise InvalidArgument("INVALID_UPDATE_MASK", f"update_mask may name only {', '.join(sorted(allowed))}",
                              field="update_mask", paths=",".join(sorted(unknown)))
    return paths


class MeetingsServicer(meetings_pb2_grpc.MeetingsServiceServicer):
    def __init__(self, meetings: Meetings, calls: Calls, *, max_participants: int) -> None:
        self._meetings = meetings
        self._calls = calls
        self._max_participants = max_participants

    def _participants(self, ids: object) -> None:
        v.require_ids("participant_ids", ids, *PEOPLE, max_count=self._max_participants)  # type: ignore[arg-type]

    # ------------------------------------------------------------------------- scheduling

    async def ScheduleMeeting(self, request: pb.ScheduleMeetingRequest, context: Context) -> pb.ScheduleMeetingResponse:
        v.require_request_id(request.request_id)
        v.require_text("topic", request.topic, max_len=MAX_TOPIC)
        v.require_enum("type", request, request.type)
        v.require_text("notes", request.notes, max_len=MAX_NOTES, required=False)
        self._participants(request.participant_ids)
        _timestamp("start_time", request, "start_time")
        _duration("duration_minutes", request.duration_minutes)
        _time_zone("time_zone", request.time_zone)
        if request.HasField("recurrence"):
            _recurrence(request.recurrence)
        v.require_enum("reminder_audience", request, request.reminder_audience, allow_unspecified=True)
        return await self._meetings.schedule(caller(), request)

    async def MeetNow(self, request: pb.MeetNowRequest, context: Context) -> pb.MeetNowResponse:
        v.require_request_id(request.request_id)
        v.require_text("topic", request.topic, max_len=MAX_TOPIC, required=False)
        v.require_enum("type", request, request.type)
        if not request.participant_ids:
            raise InvalidArgument("FIELD_REQUIRED", "participant_ids names who to call", field="participant_ids")
        self._participants(request.participant_ids)
        return await self._meetings.meet_now(caller(), request)

    # ---------------------------------------------------------------------------- viewing

    async def GetMeeting(self, request: pb.GetMeetingRequest, context: Context) -> pb.GetMeetingResponse:
        v.require_id("meeting_id", request.meeting_id, "meeting")
        return pb.GetMeetingResponse(meeting=await self._meetings.get(caller(), request.meeting_id))

    async def ListMyMeetings(self, request: pb.ListMyMeetingsRequest, context: Context) -> pb.ListMyMeetingsResponse:
        size = v.page_size(request.page_size, default=50, maximum=200)
        return await self._meetings.list_mine(caller(), size, request.page_token, request.include_finished)

    async def ListOccurrences(self, request: pb.ListOccurrencesRequest, context: Context) -> pb.ListOccurrencesResponse:
        v.require_id("meeting_id", request.meeting_id, "meeting")
        size = v.page_size(request.page_size, default=50, maximum=200)
        return await self._meetings.list_occurrences(caller(), request, size)

    # --------------------------------------------------------------------------- managing

    async def UpdateMeeting(self, request: pb.UpdateMeetingRequest, context: Context) -> pb.UpdateMeetingResponse:
        meeting = request.meeting
        v.require_id("meeting.id", meeting.id, "meeting")
        paths = _mask(request.update_mask, UPDATE_PATHS)
        if "topic" in paths:
            v.require_text("meeting.topic", meeting.topic, max_len=MAX_TOPIC)
        if "notes" in paths:
            v.require_text("meeting.notes", meeting.notes, max_len=MAX_NOTES, required=False)
        if "start_time" in paths:
            _timestamp("meeting.start_time", meeting, "start_time")
        if "duration_minutes" in paths:
            _duration("meeting.duration_minutes", meeting.duration_minutes)
        if "time_zone" in paths:
            _time_zone("meeting.time_zone", meeting.time_zone)
        if "participant_ids" in paths:
            self._participants(meeting.participant_ids)
        if "recurrence" in paths and meeting.HasField("recurrence"):
            _recurrence(meeting.recurrence)
        if "reminder_audience" in paths:
            v.require_enum("reminder_audience", meeting, meeting.reminder_audience, allow_unspecified=True)
        return pb.UpdateMeetingResponse(meeting=await self._meetings.update(caller(), request, paths))

    async def CancelMeeting(self, request: pb.CancelMeetingRequest, context: Context) -> pb.CancelMeetingResponse:
        v.require_id("meeting_id", request.meeting_id, "meeting")
        reason = v.require_text("reason", request.reason, max_len=MAX_REASON, required=False)
        return pb.CancelMeetingResponse(meeting=await self._meetings.cancel(caller(), request.meeting_id, reason))

    async def UpdateOccurrence(self, request: pb.UpdateOccurrenceRequest, context: Context) -> pb.UpdateOccurrenceResponse:
        v.require_id("meeting_id", request.meeting_id, "meeting")
        occurrence = request.occurrence
        _timestamp("occurrence.original_start_time", occurrence, "original_start_time")
        paths = _mask(request.update_mask, OCCURRENCE_PATHS)
        if "start_time" in paths:
            _timestamp("occurrence.start_time", occurrence, "start_time")
        if "duration_minutes" in paths:
            _duration("occurrence.duration_minutes", occurrence.duration_minutes)
        if "topic" in paths:
            v.require_text("occurrence.topic", occurrence.topic, max_len=MAX_TOPIC)
        if "notes" in paths:
            v.require_text("occurrence.notes", occurrence.notes, max_len=MAX_NOTES, required=False)
        return await self._meetings.update_occurrence(caller(), request, paths)

    async def CancelOccurrence(self, request: pb.CancelOccurrenceRequest, context: Context) -> pb.CancelOccurrenceResponse:
        v.require_id("meeting_id", request.meeting_id, "meeting")
        _timestamp("original_start_time", request, "original_start_time")
        return await self._meetings.cancel_occurrence(caller(), request)

    # ---------------------------------------------------------------------------- replies

    async def ReplyToMeeting(self, request: pb.ReplyToMeetingRequest, context: Context) -> pb.ReplyToMeetingResponse:
        v.require_id("meeting_id", request.meeting_id, "meeting")
        v.require_enum("status", request, request.status)
        return pb.ReplyToMeetingResponse(reply=await self._meetings.reply(caller(), request.meeting_id, request.status))

    async def ListMeetingReplies(self, request: pb.ListMeetingRepliesRequest,
                                 context: Context) -> pb.ListMeetingRepliesResponse:
        v.require_id("meeting_id", request.meeting_id, "meeting")
        size = v.page_size(request.page_size, default=100, maximum=500)
        return await self._meetings.replies(caller(), request.meeting_id, size, request.page_token)

    # ---------------------------------------------------------------------- in the meeting

    async def StartMeeting(self, request: pb.StartMeetingRequest, context: Context) -> pb.StartMeetingResponse:
        v.require_id("meeting_id", request.meeting_id, "meeting")
        return pb.StartMeetingResponse(meeting=await self._calls.start(caller(), request.meeting_id))

    async def JoinMeeting(self, request: pb.JoinMeetingRequest, context: Context) -> pb.JoinMeetingResponse:
        v.require_id("meeting_id", request.meeting_id, "meeting")
        return await self._calls.join(caller(), request.meeting_id)

    async def DeclineMeetingCall(self, request: pb.DeclineMeetingCallRequest,
                                 context: Context) -> pb.DeclineMeetingCallResponse:
        v.require_id("meeting_id", request.meeting_id, "meeting")
        await self._calls.decline(caller(), request.meeting_id)
        return pb.DeclineMeetingCallResponse()

    async def LeaveMeeting(self, request: pb.LeaveMeetingRequest, context: Context) -> pb.LeaveMeetingResponse:
        v.require_id("meeting_id", request.meeting_id, "meeting")
        return pb.LeaveMeetingResponse(meeting=await self._calls.leave(caller(), request.meeting_id))

    async def EndMeeting(self, request: pb.EndMeetingRequest, context: Context) -> pb.EndMeetingResponse:
        v.require_id("meeting_id", request.meeting_id, "meeting")
        return pb.EndMeetingResponse(meeting=await self._calls.end(caller(), request.meeting_id))

    async def ListMeetingAttendees(self, request: pb.ListMeetingAttendeesRequest,
                                   context: Context) -> pb.ListMeetingAttendeesResponse:
        v.require_id("meeting_id", request.meeting_id, "meeting")
        if request.session_number < 0:
            raise InvalidArgument("INVALID_SESSION_NUMBER", "session_number must not be negative",
                                  field="session_number")
        size = v.page_size(request.page_size, default=100, maximum=500)
        return await self._calls.attendees(caller(), request, size)
