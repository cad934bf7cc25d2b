from convene.meetings.v1 import meetings_pb2 as _meetings_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
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
