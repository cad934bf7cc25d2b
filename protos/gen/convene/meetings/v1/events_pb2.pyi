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
