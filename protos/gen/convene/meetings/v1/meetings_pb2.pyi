import datetime

from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MeetingType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MEETING_TYPE_UNSPECIFIED: _ClassVar[MeetingType]
    MEETING_TYPE_VOICE: _ClassVar[MeetingType]
    MEETING_TYPE_VIDEO: _ClassVar[MeetingType]

class MeetingState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MEETING_STATE_UNSPECIFIED: _ClassVar[MeetingState]
    MEETING_STATE_SCHEDULED: _ClassVar[MeetingState]
    MEETING_STATE_STARTED: _ClassVar[MeetingState]
    MEETING_STATE_ENDED: _ClassVar[MeetingState]
    MEETING_STATE_CANCELLED: _ClassVar[MeetingState]

class RecurrenceFrequency(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RECURRENCE_FREQUENCY_UNSPECIFIED: _ClassVar[RecurrenceFrequency]
    RECURRENCE_FREQUENCY_DAILY: _ClassVar[RecurrenceFrequency]
    RECURRENCE_FREQUENCY_WEEKLY: _ClassVar[RecurrenceFrequency]
    RECURRENCE_FREQUENCY_MONTHLY: _ClassVar[RecurrenceFrequency]

class ReplyStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REPLY_STATUS_UNSPECIFIED: _ClassVar[ReplyStatus]
    REPLY_STATUS_ACCEPTED: _ClassVar[ReplyStatus]
    REPLY_STATUS_TENTATIVE: _ClassVar[ReplyStatus]
    REPLY_STATUS_DECLINED: _ClassVar[ReplyStatus]

class ReminderAudience(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REMINDER_AUDIENCE_UNSPECIFIED: _ClassVar[ReminderAudience]
    REMINDER_AUDIENCE_ORGANIZER: _ClassVar[ReminderAudience]
    REMINDER_AUDIENCE_ALL_BUT_DECLINED: _ClassVar[ReminderAudience]

class RingState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RING_STATE_UNSPECIFIED: _ClassVar[RingState]
    RING_STATE_RINGING: _ClassVar[RingState]
    RING_STATE_ANSWERED: _ClassVar[RingState]
    RING_STATE_DECLINED: _ClassVar[RingState]
    RING_STATE_MISSED: _ClassVar[RingState]
MEETING_TYPE_UNSPECIFIED: MeetingType
MEETING_TYPE_VOICE: MeetingType
MEETING_TYPE_VIDEO: MeetingType
MEETING_STATE_UNSPECIFIED: MeetingState
MEETING_STATE_SCHEDULED: MeetingState
MEETING_STATE_STARTED: MeetingState
MEETING_STATE_ENDED: MeetingState
MEETING_STATE_CANCELLED: MeetingState
RECURRENCE_FREQUENCY_UNSPECIFIED: RecurrenceFrequency
RECURRENCE_FREQUENCY_DAILY: RecurrenceFrequency
RECURRENCE_FREQUENCY_WEEKLY: RecurrenceFrequency
RECURRENCE_FREQUENCY_MONTHLY: RecurrenceFrequency
REPLY_STATUS_UNSPECIFIED: ReplyStatus
REPLY_STATUS_ACCEPTED: ReplyStatus
REPLY_STATUS_TENTATIVE: ReplyStatus
REPLY_STATUS_DECLINED: ReplyStatus
REMINDER_AUDIENCE_UNSPECIFIED: ReminderAudience
REMINDER_AUDIENCE_ORGANIZER: ReminderAudience
REMINDER_AUDIENCE_ALL_BUT_DECLINED: ReminderAudience
RING_STATE_UNSPECIFIED: RingState
RING_STATE_RINGING: RingState
RING_STATE_ANSWERED: RingState
RING_STATE_DECLINED: RingState
RING_STATE_MISSED: RingState

class Recurrence(_message.Message):
    __slots__ = ("frequency", "interval", "until_date", "count")
    FREQUENCY_FIELD_NUMBER: _ClassVar[int]
    INTERVAL_FIELD_NUMBER: _ClassVar[int]
    UNTIL_DATE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    frequency: RecurrenceFrequency
    interval: int
    until_date: str
    count: int
    def __init__(self, frequency: _Optional[_Union[RecurrenceFrequency, str]] = ..., interval: _Optional[int] = ..., until_date: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class Occurrence(_message.Message):
    __slots__ = ("original_start_time", "start_time", "duration_minutes", "topic", "notes", "cancelled", "modified")
    ORIGINAL_START_TIME_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    DURATION_MINUTES_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_FIELD_NUMBER: _ClassVar[int]
    MODIFIED_FIELD_NUMBER: _ClassVar[int]
    original_start_time: _timestamp_pb2.Timestamp
    start_time: _timestamp_pb2.Timestamp
    duration_minutes: int
    topic: str
    notes: str
    cancelled: bool
    modified: bool
    def __init__(self, original_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration_minutes: _Optional[int] = ..., topic: _Optional[str] = ..., notes: _Optional[str] = ..., cancelled: _Optional[bool] = ..., modified: _Optional[bool] = ...) -> None: ...

class Meeting(_message.Message):
    __slots__ = ("id", "organizer_id", "enterprise_id", "topic", "type", "state", "start_time", "duration_minutes", "participant_ids", "notes", "time_zone", "recurrence", "version", "reminder_audience", "external", "current_occurrence", "started_time", "ended_time", "source_call_id", "group_id", "create_time", "update_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    ORGANIZER_ID_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_ID_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    DURATION_MINUTES_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_IDS_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    RECURRENCE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    REMINDER_AUDIENCE_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_FIELD_NUMBER: _ClassVar[int]
    CURRENT_OCCURRENCE_FIELD_NUMBER: _ClassVar[int]
    STARTED_TIME_FIELD_NUMBER: _ClassVar[int]
    ENDED_TIME_FIELD_NUMBER: _ClassVar[int]
    SOURCE_CALL_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    organizer_id: str
    enterprise_id: str
    topic: str
    type: MeetingType
    state: MeetingState
    start_time: _timestamp_pb2.Timestamp
    duration_minutes: int
    participant_ids: _containers.RepeatedScalarFieldContainer[str]
    notes: str
    time_zone: str
    recurrence: Recurrence
    version: int
    reminder_audience: ReminderAudience
    external: bool
    current_occurrence: Occurrence
    started_time: _timestamp_pb2.Timestamp
    ended_time: _timestamp_pb2.Timestamp
    source_call_id: str
    group_id: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., organizer_id: _Optional[str] = ..., enterprise_id: _Optional[str] = ..., topic: _Optional[str] = ..., type: _Optional[_Union[MeetingType, str]] = ..., state: _Optional[_Union[MeetingState, str]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration_minutes: _Optional[int] = ..., participant_ids: _Optional[_Iterable[str]] = ..., notes: _Optional[str] = ..., time_zone: _Optional[str] = ..., recurrence: _Optional[_Union[Recurrence, _Mapping]] = ..., version: _Optional[int] = ..., reminder_audience: _Optional[_Union[ReminderAudience, str]] = ..., external: _Optional[bool] = ..., current_occurrence: _Optional[_Union[Occurrence, _Mapping]] = ..., started_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ended_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., source_call_id: _Optional[str] = ..., group_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Attendee(_message.Message):
    __slots__ = ("participant_id", "present", "ring_state", "first_join_time", "last_leave_time", "total_seconds")
    PARTICIPANT_ID_FIELD_NUMBER: _ClassVar[int]
    PRESENT_FIELD_NUMBER: _ClassVar[int]
    RING_STATE_FIELD_NUMBER: _ClassVar[int]
    FIRST_JOIN_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_LEAVE_TIME_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    participant_id: str
    present: bool
    ring_state: RingState
    first_join_time: _timestamp_pb2.Timestamp
    last_leave_time: _timestamp_pb2.Timestamp
    total_seconds: int
    def __init__(self, participant_id: _Optional[str] = ..., present: _Optional[bool] = ..., ring_state: _Optional[_Union[RingState, str]] = ..., first_join_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_leave_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., total_seconds: _Optional[int] = ...) -> None: ...

class MeetingSession(_message.Message):
    __slots__ = ("number", "occurrence_start_time", "started_time", "ended_time", "present_count")
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    OCCURRENCE_START_TIME_FIELD_NUMBER: _ClassVar[int]
    STARTED_TIME_FIELD_NUMBER: _ClassVar[int]
    ENDED_TIME_FIELD_NUMBER: _ClassVar[int]
    PRESENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    number: int
    occurrence_start_time: _timestamp_pb2.Timestamp
    started_time: _timestamp_pb2.Timestamp
    ended_time: _timestamp_pb2.Timestamp
    present_count: int
    def __init__(self, number: _Optional[int] = ..., occurrence_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., started_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ended_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., present_count: _Optional[int] = ...) -> None: ...

class Reply(_message.Message):
    __slots__ = ("participant_id", "status", "reply_time")
    PARTICIPANT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REPLY_TIME_FIELD_NUMBER: _ClassVar[int]
    participant_id: str
    status: ReplyStatus
    reply_time: _timestamp_pb2.Timestamp
    def __init__(self, participant_id: _Optional[str] = ..., status: _Optional[_Union[ReplyStatus, str]] = ..., reply_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ScheduleMeetingRequest(_message.Message):
    __slots__ = ("request_id", "topic", "type", "start_time", "duration_minutes", "participant_ids", "notes", "time_zone", "recurrence", "reminder_audience", "external")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    DURATION_MINUTES_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_IDS_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    RECURRENCE_FIELD_NUMBER: _ClassVar[int]
    REMINDER_AUDIENCE_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    topic: str
    type: MeetingType
    start_time: _timestamp_pb2.Timestamp
    duration_minutes: int
    participant_ids: _containers.RepeatedScalarFieldContainer[str]
    notes: str
    time_zone: str
    recurrence: Recurrence
    reminder_audience: ReminderAudience
    external: bool
    def __init__(self, request_id: _Optional[str] = ..., topic: _Optional[str] = ..., type: _Optional[_Union[MeetingType, str]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration_minutes: _Optional[int] = ..., participant_ids: _Optional[_Iterable[str]] = ..., notes: _Optional[str] = ..., time_zone: _Optional[str] = ..., recurrence: _Optional[_Union[Recurrence, _Mapping]] = ..., reminder_audience: _Optional[_Union[ReminderAudience, str]] = ..., external: _Optional[bool] = ...) -> None: ...

class ScheduleMeetingResponse(_message.Message):
    __slots__ = ("meeting",)
    MEETING_FIELD_NUMBER: _ClassVar[int]
    meeting: Meeting
    def __init__(self, meeting: _Optional[_Union[Meeting, _Mapping]] = ...) -> None: ...

class MeetNowRequest(_message.Message):
    __slots__ = ("request_id", "topic", "type", "participant_ids", "external")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_IDS_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    topic: str
    type: MeetingType
    participant_ids: _containers.RepeatedScalarFieldContainer[str]
    external: bool
    def __init__(self, request_id: _Optional[str] = ..., topic: _Optional[str] = ..., type: _Optional[_Union[MeetingType, str]] = ..., participant_ids: _Optional[_Iterable[str]] = ..., external: _Optional[bool] = ...) -> None: ...

class MeetNowResponse(_message.Message):
    __slots__ = ("meeting",)
    MEETING_FIELD_NUMBER: _ClassVar[int]
    meeting: Meeting
    def __init__(self, meeting: _Optional[_Union[Meeting, _Mapping]] = ...) -> None: ...

class GetMeetingRequest(_message.Message):
    __slots__ = ("meeting_id",)
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    meeting_id: str
    def __init__(self, meeting_id: _Optional[str] = ...) -> None: ...

class GetMeetingResponse(_message.Message):
    __slots__ = ("meeting",)
    MEETING_FIELD_NUMBER: _ClassVar[int]
    meeting: Meeting
    def __init__(self, meeting: _Optional[_Union[Meeting, _Mapping]] = ...) -> None: ...

class ListMyMeetingsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "include_finished")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_FINISHED_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    include_finished: bool
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., include_finished: _Optional[bool] = ...) -> None: ...

class ListMyMeetingsResponse(_message.Message):
    __slots__ = ("meetings", "next_page_token")
    MEETINGS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    meetings: _containers.RepeatedCompositeFieldContainer[Meeting]
    next_page_token: str
    def __init__(self, meetings: _Optional[_Iterable[_Union[Meeting, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateMeetingRequest(_message.Message):
    __slots__ = ("meeting", "update_mask")
    MEETING_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    meeting: Meeting
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, meeting: _Optional[_Union[Meeting, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateMeetingResponse(_message.Message):
    __slots__ = ("meeting",)
    MEETING_FIELD_NUMBER: _ClassVar[int]
    meeting: Meeting
    def __init__(self, meeting: _Optional[_Union[Meeting, _Mapping]] = ...) -> None: ...

class CancelMeetingRequest(_message.Message):
    __slots__ = ("meeting_id", "reason")
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    meeting_id: str
    reason: str
    def __init__(self, meeting_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelMeetingResponse(_message.Message):
    __slots__ = ("meeting",)
    MEETING_FIELD_NUMBER: _ClassVar[int]
    meeting: Meeting
    def __init__(self, meeting: _Optional[_Union[Meeting, _Mapping]] = ...) -> None: ...

class ListOccurrencesRequest(_message.Message):
    __slots__ = ("meeting_id", "page_size", "page_token", "upcoming_only")
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    UPCOMING_ONLY_FIELD_NUMBER: _ClassVar[int]
    meeting_id: str
    page_size: int
    page_token: str
    upcoming_only: bool
    def __init__(self, meeting_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., upcoming_only: _Optional[bool] = ...) -> None: ...

class ListOccurrencesResponse(_message.Message):
    __slots__ = ("occurrences", "next_page_token")
    OCCURRENCES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    occurrences: _containers.RepeatedCompositeFieldContainer[Occurrence]
    next_page_token: str
    def __init__(self, occurrences: _Optional[_Iterable[_Union[Occurrence, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateOccurrenceRequest(_message.Message):
    __slots__ = ("meeting_id", "occurrence", "update_mask")
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    OCCURRENCE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    meeting_id: str
    occurrence: Occurrence
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, meeting_id: _Optional[str] = ..., occurrence: _Optional[_Union[Occurrence, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateOccurrenceResponse(_message.Message):
    __slots__ = ("occurrence", "meeting")
    OCCURRENCE_FIELD_NUMBER: _ClassVar[int]
    MEETING_FIELD_NUMBER: _ClassVar[int]
    occurrence: Occurrence
    meeting: Meeting
    def __init__(self, occurrence: _Optional[_Union[Occurrence, _Mapping]] = ..., meeting: _Optional[_Union[Meeting, _Mapping]] = ...) -> None: ...

class CancelOccurrenceRequest(_message.Message):
    __slots__ = ("meeting_id", "original_start_time")
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_START_TIME_FIELD_NUMBER: _ClassVar[int]
    meeting_id: str
    original_start_time: _timestamp_pb2.Timestamp
    def __init__(self, meeting_id: _Optional[str] = ..., original_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CancelOccurrenceResponse(_message.Message):
    __slots__ = ("occurrence", "meeting")
    OCCURRENCE_FIELD_NUMBER: _ClassVar[int]
    MEETING_FIELD_NUMBER: _ClassVar[int]
    occurrence: Occurrence
    meeting: Meeting
    def __init__(self, occurrence: _Optional[_Union[Occurrence, _Mapping]] = ..., meeting: _Optional[_Union[Meeting, _Mapping]] = ...) -> None: ...

class ReplyToMeetingRequest(_message.Message):
    __slots__ = ("meeting_id", "status")
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    meeting_id: str
    status: ReplyStatus
    def __init__(self, meeting_id: _Optional[str] = ..., status: _Optional[_Union[ReplyStatus, str]] = ...) -> None: ...

class ReplyToMeetingResponse(_message.Message):
    __slots__ = ("reply",)
    REPLY_FIELD_NUMBER: _ClassVar[int]
    reply: Reply
    def __init__(self, reply: _Optional[_Union[Reply, _Mapping]] = ...) -> None: ...

class ListMeetingRepliesRequest(_message.Message):
    __slots__ = ("meeting_id", "page_size", "page_token")
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    meeting_id: str
    page_size: int
    page_token: str
    def __init__(self, meeting_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListMeetingRepliesResponse(_message.Message):
    __slots__ = ("replies", "next_page_token", "accepted_count", "tentative_count", "declined_count", "no_reply_count")
    REPLIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    TENTATIVE_COUNT_FIELD_NUMBER: _ClassVar[int]
    DECLINED_COUNT_FIELD_NUMBER: _ClassVar[int]
    NO_REPLY_COUNT_FIELD_NUMBER: _ClassVar[int]
    replies: _containers.RepeatedCompositeFieldContainer[Reply]
    next_page_token: str
    accepted_count: int
    tentative_count: int
    declined_count: int
    no_reply_count: int
    def __init__(self, replies: _Optional[_Iterable[_Union[Reply, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., accepted_count: _Optional[int] = ..., tentative_count: _Optional[int] = ..., declined_count: _Optional[int] = ..., no_reply_count: _Optional[int] = ...) -> None: ...

class StartMeetingRequest(_message.Message):
    __slots__ = ("meeting_id",)
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    meeting_id: str
    def __init__(self, meeting_id: _Optional[str] = ...) -> None: ...

class StartMeetingResponse(_message.Message):
    __slots__ = ("meeting",)
    MEETING_FIELD_NUMBER: _ClassVar[int]
    meeting: Meeting
    def __init__(self, meeting: _Optional[_Union[Meeting, _Mapping]] = ...) -> None: ...

class JoinMeetingRequest(_message.Message):
    __slots__ = ("meeting_id",)
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    meeting_id: str
    def __init__(self, meeting_id: _Optional[str] = ...) -> None: ...

class JoinMeetingResponse(_message.Message):
    __slots__ = ("meeting", "present_ids")
    MEETING_FIELD_NUMBER: _ClassVar[int]
    PRESENT_IDS_FIELD_NUMBER: _ClassVar[int]
    meeting: Meeting
    present_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, meeting: _Optional[_Union[Meeting, _Mapping]] = ..., present_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class DeclineMeetingCallRequest(_message.Message):
    __slots__ = ("meeting_id",)
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    meeting_id: str
    def __init__(self, meeting_id: _Optional[str] = ...) -> None: ...

class DeclineMeetingCallResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class LeaveMeetingRequest(_message.Message):
    __slots__ = ("meeting_id",)
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    meeting_id: str
    def __init__(self, meeting_id: _Optional[str] = ...) -> None: ...

class LeaveMeetingResponse(_message.Message):
    __slots__ = ("meeting",)
    MEETING_FIELD_NUMBER: _ClassVar[int]
    meeting: Meeting
    def __init__(self, meeting: _Optional[_Union[Meeting, _Mapping]] = ...) -> None: ...

class EndMeetingRequest(_message.Message):
    __slots__ = ("meeting_id",)
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    meeting_id: str
    def __init__(self, meeting_id: _Optional[str] = ...) -> None: ...

class EndMeetingResponse(_message.Message):
    __slots__ = ("meeting",)
    MEETING_FIELD_NUMBER: _ClassVar[int]
    meeting: Meeting
    def __init__(self, meeting: _Optional[_Union[Meeting, _Mapping]] = ...) -> None: ...

class ListMeetingAttendeesRequest(_message.Message):
    __slots__ = ("meeting_id", "session_number", "present_only", "page_size", "page_token")
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PRESENT_ONLY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    meeting_id: str
    session_number: int
    present_only: bool
    page_size: int
    page_token: str
    def __init__(self, meeting_id: _Optional[str] = ..., session_number: _Optional[int] = ..., present_only: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListMeetingAttendeesResponse(_message.Message):
    __slots__ = ("session", "attendees", "next_page_token")
    SESSION_FIELD_NUMBER: _ClassVar[int]
    ATTENDEES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    session: MeetingSession
    attendees: _containers.RepeatedCompositeFieldContainer[Attendee]
    next_page_token: str
    def __init__(self, session: _Optional[_Union[MeetingSession, _Mapping]] = ..., attendees: _Optional[_Iterable[_Union[Attendee, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
