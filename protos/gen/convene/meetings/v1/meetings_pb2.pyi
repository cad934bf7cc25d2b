import datetime

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
MEETING_TYPE_UNSPECIFIED: MeetingType
MEETING_TYPE_VOICE: MeetingType
MEETING_TYPE_VIDEO: MeetingType
MEETING_STATE_UNSPECIFIED: MeetingState
MEETING_STATE_SCHEDULED: MeetingState
MEETING_STATE_STARTED: MeetingState
MEETING_STATE_ENDED: MeetingState
MEETING_STATE_CANCELLED: MeetingState

class Meeting(_message.Message):
    __slots__ = ("id", "organizer_id", "enterprise_id", "topic", "type", "state", "start_time", "duration_minutes", "participant_ids", "notes")
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
    def __init__(self, id: _Optional[str] = ..., organizer_id: _Optional[str] = ..., enterprise_id: _Optional[str] = ..., topic: _Optional[str] = ..., type: _Optional[_Union[MeetingType, str]] = ..., state: _Optional[_Union[MeetingState, str]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration_minutes: _Optional[int] = ..., participant_ids: _Optional[_Iterable[str]] = ..., notes: _Optional[str] = ...) -> None: ...

class ScheduleMeetingRequest(_message.Message):
    __slots__ = ("request_id", "topic", "type", "start_time", "duration_minutes", "participant_ids", "notes")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    DURATION_MINUTES_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_IDS_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    topic: str
    type: MeetingType
    start_time: _timestamp_pb2.Timestamp
    duration_minutes: int
    participant_ids: _containers.RepeatedScalarFieldContainer[str]
    notes: str
    def __init__(self, request_id: _Optional[str] = ..., topic: _Optional[str] = ..., type: _Optional[_Union[MeetingType, str]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration_minutes: _Optional[int] = ..., participant_ids: _Optional[_Iterable[str]] = ..., notes: _Optional[str] = ...) -> None: ...

class ScheduleMeetingResponse(_message.Message):
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
