import datetime

from convene.live.v1 import live_pb2 as _live_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class HandLoweredReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HAND_LOWERED_REASON_UNSPECIFIED: _ClassVar[HandLoweredReason]
    HAND_LOWERED_REASON_WITHDRAWN: _ClassVar[HandLoweredReason]
    HAND_LOWERED_REASON_DECLINED: _ClassVar[HandLoweredReason]
    HAND_LOWERED_REASON_REMOVED: _ClassVar[HandLoweredReason]
HAND_LOWERED_REASON_UNSPECIFIED: HandLoweredReason
HAND_LOWERED_REASON_WITHDRAWN: HandLoweredReason
HAND_LOWERED_REASON_DECLINED: HandLoweredReason
HAND_LOWERED_REASON_REMOVED: HandLoweredReason

class SubscribeRoomRequest(_message.Message):
    __slots__ = ("live_id", "after_sequence")
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    after_sequence: int
    def __init__(self, live_id: _Optional[str] = ..., after_sequence: _Optional[int] = ...) -> None: ...

class SubscribeRoomResponse(_message.Message):
    __slots__ = ("snapshot", "events", "counters", "resync")
    SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    COUNTERS_FIELD_NUMBER: _ClassVar[int]
    RESYNC_FIELD_NUMBER: _ClassVar[int]
    snapshot: RoomSnapshot
    events: _containers.RepeatedCompositeFieldContainer[RoomEvent]
    counters: RoomCounters
    resync: RoomResync
    def __init__(self, snapshot: _Optional[_Union[RoomSnapshot, _Mapping]] = ..., events: _Optional[_Iterable[_Union[RoomEvent, _Mapping]]] = ..., counters: _Optional[_Union[RoomCounters, _Mapping]] = ..., resync: _Optional[_Union[RoomResync, _Mapping]] = ...) -> None: ...

class RoomSnapshot(_message.Message):
    __slots__ = ("sequence", "start_over", "recent_comments", "guests", "raised_hands", "counters", "live", "muted_until")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    START_OVER_FIELD_NUMBER: _ClassVar[int]
    RECENT_COMMENTS_FIELD_NUMBER: _ClassVar[int]
    GUESTS_FIELD_NUMBER: _ClassVar[int]
    RAISED_HANDS_FIELD_NUMBER: _ClassVar[int]
    COUNTERS_FIELD_NUMBER: _ClassVar[int]
    LIVE_FIELD_NUMBER: _ClassVar[int]
    MUTED_UNTIL_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    start_over: bool
    recent_comments: _containers.RepeatedCompositeFieldContainer[Comment]
    guests: _containers.RepeatedCompositeFieldContainer[Guest]
    raised_hands: _containers.RepeatedCompositeFieldContainer[RaisedHand]
    counters: RoomCounters
    live: _live_pb2.Live
    muted_until: _timestamp_pb2.Timestamp
    def __init__(self, sequence: _Optional[int] = ..., start_over: _Optional[bool] = ..., recent_comments: _Optional[_Iterable[_Union[Comment, _Mapping]]] = ..., guests: _Optional[_Iterable[_Union[Guest, _Mapping]]] = ..., raised_hands: _Optional[_Iterable[_Union[RaisedHand, _Mapping]]] = ..., counters: _Optional[_Union[RoomCounters, _Mapping]] = ..., live: _Optional[_Union[_live_pb2.Live, _Mapping]] = ..., muted_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RoomCounters(_message.Message):
    __slots__ = ("viewers", "likes", "comments")
    VIEWERS_FIELD_NUMBER: _ClassVar[int]
    LIKES_FIELD_NUMBER: _ClassVar[int]
    COMMENTS_FIELD_NUMBER: _ClassVar[int]
    viewers: int
    likes: int
    comments: int
    def __init__(self, viewers: _Optional[int] = ..., likes: _Optional[int] = ..., comments: _Optional[int] = ...) -> None: ...

class RoomResync(_message.Message):
    __slots__ = ("after_sequence",)
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    after_sequence: int
    def __init__(self, after_sequence: _Optional[int] = ...) -> None: ...

class RoomEvent(_message.Message):
    __slots__ = ("sequence", "time", "comment", "comment_deleted", "redacted", "hand_raised", "hand_lowered", "guests_changed", "viewer_muted", "viewer_unmuted", "viewer_removed", "live_changed")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    COMMENT_DELETED_FIELD_NUMBER: _ClassVar[int]
    REDACTED_FIELD_NUMBER: _ClassVar[int]
    HAND_RAISED_FIELD_NUMBER: _ClassVar[int]
    HAND_LOWERED_FIELD_NUMBER: _ClassVar[int]
    GUESTS_CHANGED_FIELD_NUMBER: _ClassVar[int]
    VIEWER_MUTED_FIELD_NUMBER: _ClassVar[int]
    VIEWER_UNMUTED_FIELD_NUMBER: _ClassVar[int]
    VIEWER_REMOVED_FIELD_NUMBER: _ClassVar[int]
    LIVE_CHANGED_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    time: _timestamp_pb2.Timestamp
    comment: Comment
    comment_deleted: CommentDeleted
    redacted: Redacted
    hand_raised: RaisedHand
    hand_lowered: HandLowered
    guests_changed: GuestsChanged
    viewer_muted: ViewerMuted
    viewer_unmuted: ViewerUnmuted
    viewer_removed: ViewerRemoved
    live_changed: LiveChanged
    def __init__(self, sequence: _Optional[int] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., comment: _Optional[_Union[Comment, _Mapping]] = ..., comment_deleted: _Optional[_Union[CommentDeleted, _Mapping]] = ..., redacted: _Optional[_Union[Redacted, _Mapping]] = ..., hand_raised: _Optional[_Union[RaisedHand, _Mapping]] = ..., hand_lowered: _Optional[_Union[HandLowered, _Mapping]] = ..., guests_changed: _Optional[_Union[GuestsChanged, _Mapping]] = ..., viewer_muted: _Optional[_Union[ViewerMuted, _Mapping]] = ..., viewer_unmuted: _Optional[_Union[ViewerUnmuted, _Mapping]] = ..., viewer_removed: _Optional[_Union[ViewerRemoved, _Mapping]] = ..., live_changed: _Optional[_Union[LiveChanged, _Mapping]] = ...) -> None: ...

class Comment(_message.Message):
    __slots__ = ("sequence", "author_id", "text", "create_time", "by_host")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    BY_HOST_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    author_id: str
    text: str
    create_time: _timestamp_pb2.Timestamp
    by_host: bool
    def __init__(self, sequence: _Optional[int] = ..., author_id: _Optional[str] = ..., text: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., by_host: _Optional[bool] = ...) -> None: ...

class CommentDeleted(_message.Message):
    __slots__ = ("comment_sequence",)
    COMMENT_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    comment_sequence: int
    def __init__(self, comment_sequence: _Optional[int] = ...) -> None: ...

class Redacted(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RaisedHand(_message.Message):
    __slots__ = ("viewer_id", "raise_time")
    VIEWER_ID_FIELD_NUMBER: _ClassVar[int]
    RAISE_TIME_FIELD_NUMBER: _ClassVar[int]
    viewer_id: str
    raise_time: _timestamp_pb2.Timestamp
    def __init__(self, viewer_id: _Optional[str] = ..., raise_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class HandLowered(_message.Message):
    __slots__ = ("viewer_id", "reason")
    VIEWER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    viewer_id: str
    reason: HandLoweredReason
    def __init__(self, viewer_id: _Optional[str] = ..., reason: _Optional[_Union[HandLoweredReason, str]] = ...) -> None: ...

class Guest(_message.Message):
    __slots__ = ("viewer_id", "since", "play_url")
    VIEWER_ID_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    PLAY_URL_FIELD_NUMBER: _ClassVar[int]
    viewer_id: str
    since: _timestamp_pb2.Timestamp
    play_url: str
    def __init__(self, viewer_id: _Optional[str] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., play_url: _Optional[str] = ...) -> None: ...

class GuestsChanged(_message.Message):
    __slots__ = ("guests", "joined_id", "left_id")
    GUESTS_FIELD_NUMBER: _ClassVar[int]
    JOINED_ID_FIELD_NUMBER: _ClassVar[int]
    LEFT_ID_FIELD_NUMBER: _ClassVar[int]
    guests: _containers.RepeatedCompositeFieldContainer[Guest]
    joined_id: str
    left_id: str
    def __init__(self, guests: _Optional[_Iterable[_Union[Guest, _Mapping]]] = ..., joined_id: _Optional[str] = ..., left_id: _Optional[str] = ...) -> None: ...

class ViewerMuted(_message.Message):
    __slots__ = ("viewer_id", "until")
    VIEWER_ID_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    viewer_id: str
    until: _timestamp_pb2.Timestamp
    def __init__(self, viewer_id: _Optional[str] = ..., until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ViewerUnmuted(_message.Message):
    __slots__ = ("viewer_id",)
    VIEWER_ID_FIELD_NUMBER: _ClassVar[int]
    viewer_id: str
    def __init__(self, viewer_id: _Optional[str] = ...) -> None: ...

class ViewerRemoved(_message.Message):
    __slots__ = ("viewer_id",)
    VIEWER_ID_FIELD_NUMBER: _ClassVar[int]
    viewer_id: str
    def __init__(self, viewer_id: _Optional[str] = ...) -> None: ...

class LiveChanged(_message.Message):
    __slots__ = ("live",)
    LIVE_FIELD_NUMBER: _ClassVar[int]
    live: _live_pb2.Live
    def __init__(self, live: _Optional[_Union[_live_pb2.Live, _Mapping]] = ...) -> None: ...

class PostCommentRequest(_message.Message):
    __slots__ = ("request_id", "live_id", "text")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    live_id: str
    text: str
    def __init__(self, request_id: _Optional[str] = ..., live_id: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...

class PostCommentResponse(_message.Message):
    __slots__ = ("comment",)
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    comment: Comment
    def __init__(self, comment: _Optional[_Union[Comment, _Mapping]] = ...) -> None: ...

class SendLikesRequest(_message.Message):
    __slots__ = ("live_id", "count")
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    count: int
    def __init__(self, live_id: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class SendLikesResponse(_message.Message):
    __slots__ = ("like_count",)
    LIKE_COUNT_FIELD_NUMBER: _ClassVar[int]
    like_count: int
    def __init__(self, like_count: _Optional[int] = ...) -> None: ...

class RaiseHandRequest(_message.Message):
    __slots__ = ("live_id",)
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    def __init__(self, live_id: _Optional[str] = ...) -> None: ...

class RaiseHandResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class LowerHandRequest(_message.Message):
    __slots__ = ("live_id",)
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    def __init__(self, live_id: _Optional[str] = ...) -> None: ...

class LowerHandResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AnswerHandRequest(_message.Message):
    __slots__ = ("live_id", "viewer_id", "accept")
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    VIEWER_ID_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    viewer_id: str
    accept: bool
    def __init__(self, live_id: _Optional[str] = ..., viewer_id: _Optional[str] = ..., accept: _Optional[bool] = ...) -> None: ...

class AnswerHandResponse(_message.Message):
    __slots__ = ("guest",)
    GUEST_FIELD_NUMBER: _ClassVar[int]
    guest: Guest
    def __init__(self, guest: _Optional[_Union[Guest, _Mapping]] = ...) -> None: ...

class GetGuestEndpointRequest(_message.Message):
    __slots__ = ("live_id",)
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    def __init__(self, live_id: _Optional[str] = ...) -> None: ...

class GetGuestEndpointResponse(_message.Message):
    __slots__ = ("publish",)
    PUBLISH_FIELD_NUMBER: _ClassVar[int]
    publish: _live_pb2.PublishEndpoint
    def __init__(self, publish: _Optional[_Union[_live_pb2.PublishEndpoint, _Mapping]] = ...) -> None: ...

class EndGuestRequest(_message.Message):
    __slots__ = ("live_id", "viewer_id")
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    VIEWER_ID_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    viewer_id: str
    def __init__(self, live_id: _Optional[str] = ..., viewer_id: _Optional[str] = ...) -> None: ...

class EndGuestResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
