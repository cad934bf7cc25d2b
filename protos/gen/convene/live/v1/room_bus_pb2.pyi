from convene.live.v1 import room_pb2 as _room_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RoomPush(_message.Message):
    __slots__ = ("live_id", "events", "like_count", "latest_sequence")
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    LIKE_COUNT_FIELD_NUMBER: _ClassVar[int]
    LATEST_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    events: _containers.RepeatedCompositeFieldContainer[_room_pb2.RoomEvent]
    like_count: int
    latest_sequence: int
    def __init__(self, live_id: _Optional[str] = ..., events: _Optional[_Iterable[_Union[_room_pb2.RoomEvent, _Mapping]]] = ..., like_count: _Optional[int] = ..., latest_sequence: _Optional[int] = ...) -> None: ...
