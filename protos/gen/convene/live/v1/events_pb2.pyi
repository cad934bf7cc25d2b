import datetime

from convene.live.v1 import live_pb2 as _live_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SessionStarted(_message.Message):
    __slots__ = ("live",)
    LIVE_FIELD_NUMBER: _ClassVar[int]
    live: _live_pb2.Live
    def __init__(self, live: _Optional[_Union[_live_pb2.Live, _Mapping]] = ...) -> None: ...

class SessionScheduled(_message.Message):
    __slots__ = ("live",)
    LIVE_FIELD_NUMBER: _ClassVar[int]
    live: _live_pb2.Live
    def __init__(self, live: _Optional[_Union[_live_pb2.Live, _Mapping]] = ...) -> None: ...

class SessionEnded(_message.Message):
    __slots__ = ("live", "duration_seconds", "total_viewers", "peak_viewers")
    LIVE_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_VIEWERS_FIELD_NUMBER: _ClassVar[int]
    PEAK_VIEWERS_FIELD_NUMBER: _ClassVar[int]
    live: _live_pb2.Live
    duration_seconds: int
    total_viewers: int
    peak_viewers: int
    def __init__(self, live: _Optional[_Union[_live_pb2.Live, _Mapping]] = ..., duration_seconds: _Optional[int] = ..., total_viewers: _Optional[int] = ..., peak_viewers: _Optional[int] = ...) -> None: ...

class ViewerJoined(_message.Message):
    __slots__ = ("live_id", "viewer_id", "share_id")
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    VIEWER_ID_FIELD_NUMBER: _ClassVar[int]
    SHARE_ID_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    viewer_id: str
    share_id: str
    def __init__(self, live_id: _Optional[str] = ..., viewer_id: _Optional[str] = ..., share_id: _Optional[str] = ...) -> None: ...

class ViewerRemovedFromLive(_message.Message):
    __slots__ = ("live_id", "viewer_id", "remove_time")
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    VIEWER_ID_FIELD_NUMBER: _ClassVar[int]
    REMOVE_TIME_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    viewer_id: str
    remove_time: _timestamp_pb2.Timestamp
    def __init__(self, live_id: _Optional[str] = ..., viewer_id: _Optional[str] = ..., remove_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ReplayChanged(_message.Message):
    __slots__ = ("live", "replay")
    LIVE_FIELD_NUMBER: _ClassVar[int]
    REPLAY_FIELD_NUMBER: _ClassVar[int]
    live: _live_pb2.Live
    replay: _live_pb2.Replay
    def __init__(self, live: _Optional[_Union[_live_pb2.Live, _Mapping]] = ..., replay: _Optional[_Union[_live_pb2.Replay, _Mapping]] = ...) -> None: ...

class AudienceChanged(_message.Message):
    __slots__ = ("live",)
    LIVE_FIELD_NUMBER: _ClassVar[int]
    live: _live_pb2.Live
    def __init__(self, live: _Optional[_Union[_live_pb2.Live, _Mapping]] = ...) -> None: ...

class PreviewOpened(_message.Message):
    __slots__ = ("live",)
    LIVE_FIELD_NUMBER: _ClassVar[int]
    live: _live_pb2.Live
    def __init__(self, live: _Optional[_Union[_live_pb2.Live, _Mapping]] = ...) -> None: ...

class RecordingPiece(_message.Message):
    __slots__ = ("publish_id", "path", "duration_ms")
    PUBLISH_ID_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    DURATION_MS_FIELD_NUMBER: _ClassVar[int]
    publish_id: str
    path: str
    duration_ms: int
    def __init__(self, publish_id: _Optional[str] = ..., path: _Optional[str] = ..., duration_ms: _Optional[int] = ...) -> None: ...

class ReplayRequested(_message.Message):
    __slots__ = ("live_id", "pieces")
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    PIECES_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    pieces: _containers.RepeatedCompositeFieldContainer[RecordingPiece]
    def __init__(self, live_id: _Optional[str] = ..., pieces: _Optional[_Iterable[_Union[RecordingPiece, _Mapping]]] = ...) -> None: ...
