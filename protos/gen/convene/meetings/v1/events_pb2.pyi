from convene.meetings.v1 import meetings_pb2 as _meetings_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MeetingScheduled(_message.Message):
    __slots__ = ("meeting",)
    MEETING_FIELD_NUMBER: _ClassVar[int]
    meeting: _meetings_pb2.Meeting
    def __init__(self, meeting: _Optional[_Union[_meetings_pb2.Meeting, _Mapping]] = ...) -> None: ...

class MeetingStarted(_message.Message):
    __slots__ = ("meeting", "source_call_id", "group_id")
    MEETING_FIELD_NUMBER: _ClassVar[int]
    SOURCE_CALL_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    meeting: _meetings_pb2.Meeting
    source_call_id: str
    group_id: str
    def __init__(self, meeting: _Optional[_Union[_meetings_pb2.Meeting, _Mapping]] = ..., source_call_id: _Optional[str] = ..., group_id: _Optional[str] = ...) -> None: ...

class MeetingEnded(_message.Message):
    __slots__ = ("meeting", "group_id")
    MEETING_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    meeting: _meetings_pb2.Meeting
    group_id: str
    def __init__(self, meeting: _Optional[_Union[_meetings_pb2.Meeting, _Mapping]] = ..., group_id: _Optional[str] = ...) -> None: ...

class MeetingUpdated(_message.Message):
    __slots__ = ("meeting", "changed_fields", "added_participant_ids", "removed_participant_ids", "actor_id")
    MEETING_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    ADDED_PARTICIPANT_IDS_FIELD_NUMBER: _ClassVar[int]
    REMOVED_PARTICIPANT_IDS_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    meeting: _meetings_pb2.Meeting
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    added_participant_ids: _containers.RepeatedScalarFieldContainer[str]
    removed_participant_ids: _containers.RepeatedScalarFieldContainer[str]
    actor_id: str
    def __init__(self, meeting: _Optional[_Union[_meetings_pb2.Meeting, _Mapping]] = ..., changed_fields: _Optional[_Iterable[str]] = ..., added_participant_ids: _Optional[_Iterable[str]] = ..., removed_participant_ids: _Optional[_Iterable[str]] = ..., actor_id: _Optional[str] = ...) -> None: ...

class MeetingCancelled(_message.Message):
    __slots__ = ("meeting", "actor_id", "reason")
    MEETING_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    meeting: _meetings_pb2.Meeting
    actor_id: str
    reason: str
    def __init__(self, meeting: _Optional[_Union[_meetings_pb2.Meeting, _Mapping]] = ..., actor_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class OccurrenceUpdated(_message.Message):
    __slots__ = ("meeting", "occurrence", "actor_id")
    MEETING_FIELD_NUMBER: _ClassVar[int]
    OCCURRENCE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    meeting: _meetings_pb2.Meeting
    occurrence: _meetings_pb2.Occurrence
    actor_id: str
    def __init__(self, meeting: _Optional[_Union[_meetings_pb2.Meeting, _Mapping]] = ..., occurrence: _Optional[_Union[_meetings_pb2.Occurrence, _Mapping]] = ..., actor_id: _Optional[str] = ...) -> None: ...
