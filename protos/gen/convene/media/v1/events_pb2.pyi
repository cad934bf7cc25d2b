import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class UnpublishReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    UNPUBLISH_REASON_UNSPECIFIED: _ClassVar[UnpublishReason]
    UNPUBLISH_REASON_PUBLISHER_STOPPED: _ClassVar[UnpublishReason]
    UNPUBLISH_REASON_CUT_OFF: _ClassVar[UnpublishReason]
    UNPUBLISH_REASON_EDGE_STOPPED: _ClassVar[UnpublishReason]
    UNPUBLISH_REASON_FAILED: _ClassVar[UnpublishReason]
UNPUBLISH_REASON_UNSPECIFIED: UnpublishReason
UNPUBLISH_REASON_PUBLISHER_STOPPED: UnpublishReason
UNPUBLISH_REASON_CUT_OFF: UnpublishReason
UNPUBLISH_REASON_EDGE_STOPPED: UnpublishReason
UNPUBLISH_REASON_FAILED: UnpublishReason

class MediaInfo(_message.Message):
    __slots__ = ("video_codec", "audio_codec", "width", "height")
    VIDEO_CODEC_FIELD_NUMBER: _ClassVar[int]
    AUDIO_CODEC_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    video_codec: str
    audio_codec: str
    width: int
    height: int
    def __init__(self, video_codec: _Optional[str] = ..., audio_codec: _Optional[str] = ..., width: _Optional[int] = ..., height: _Optional[int] = ...) -> None: ...

class StreamPublished(_message.Message):
    __slots__ = ("live_id", "publish_id", "edge_id", "media", "guest_id")
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_ID_FIELD_NUMBER: _ClassVar[int]
    EDGE_ID_FIELD_NUMBER: _ClassVar[int]
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    GUEST_ID_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    publish_id: str
    edge_id: str
    media: MediaInfo
    guest_id: str
    def __init__(self, live_id: _Optional[str] = ..., publish_id: _Optional[str] = ..., edge_id: _Optional[str] = ..., media: _Optional[_Union[MediaInfo, _Mapping]] = ..., guest_id: _Optional[str] = ...) -> None: ...

class StreamUnpublished(_message.Message):
    __slots__ = ("live_id", "publish_id", "edge_id", "reason", "duration_ms", "bytes", "detail", "guest_id")
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_ID_FIELD_NUMBER: _ClassVar[int]
    EDGE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DURATION_MS_FIELD_NUMBER: _ClassVar[int]
    BYTES_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    GUEST_ID_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    publish_id: str
    edge_id: str
    reason: UnpublishReason
    duration_ms: int
    bytes: int
    detail: str
    guest_id: str
    def __init__(self, live_id: _Optional[str] = ..., publish_id: _Optional[str] = ..., edge_id: _Optional[str] = ..., reason: _Optional[_Union[UnpublishReason, str]] = ..., duration_ms: _Optional[int] = ..., bytes: _Optional[int] = ..., detail: _Optional[str] = ..., guest_id: _Optional[str] = ...) -> None: ...

class RecordingFinished(_message.Message):
    __slots__ = ("live_id", "publish_id", "edge_id", "path", "duration_ms", "bytes", "media", "start_time")
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_ID_FIELD_NUMBER: _ClassVar[int]
    EDGE_ID_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    DURATION_MS_FIELD_NUMBER: _ClassVar[int]
    BYTES_FIELD_NUMBER: _ClassVar[int]
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    publish_id: str
    edge_id: str
    path: str
    duration_ms: int
    bytes: int
    media: MediaInfo
    start_time: _timestamp_pb2.Timestamp
    def __init__(self, live_id: _Optional[str] = ..., publish_id: _Optional[str] = ..., edge_id: _Optional[str] = ..., path: _Optional[str] = ..., duration_ms: _Optional[int] = ..., bytes: _Optional[int] = ..., media: _Optional[_Union[MediaInfo, _Mapping]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ReplayPackaged(_message.Message):
    __slots__ = ("live_id", "playlist_path", "duration_ms", "bytes", "segments", "pieces")
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    PLAYLIST_PATH_FIELD_NUMBER: _ClassVar[int]
    DURATION_MS_FIELD_NUMBER: _ClassVar[int]
    BYTES_FIELD_NUMBER: _ClassVar[int]
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    PIECES_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    playlist_path: str
    duration_ms: int
    bytes: int
    segments: int
    pieces: int
    def __init__(self, live_id: _Optional[str] = ..., playlist_path: _Optional[str] = ..., duration_ms: _Optional[int] = ..., bytes: _Optional[int] = ..., segments: _Optional[int] = ..., pieces: _Optional[int] = ...) -> None: ...

class ReplayPackagingFailed(_message.Message):
    __slots__ = ("live_id", "reason", "detail")
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    reason: str
    detail: str
    def __init__(self, live_id: _Optional[str] = ..., reason: _Optional[str] = ..., detail: _Optional[str] = ...) -> None: ...
