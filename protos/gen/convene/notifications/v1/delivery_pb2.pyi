from convene.notifications.v1 import notice_pb2 as _notice_pb2
from convene.notifications.v1 import notifications_pb2 as _notifications_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DeliveryCommitted(_message.Message):
    __slots__ = ("items", "shared")
    class Item(_message.Message):
        __slots__ = ("user_id", "notification", "read_marked")
        USER_ID_FIELD_NUMBER: _ClassVar[int]
        NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
        READ_MARKED_FIELD_NUMBER: _ClassVar[int]
        user_id: str
        notification: _notifications_pb2.Notification
        read_marked: _notifications_pb2.ReadMarked
        def __init__(self, user_id: _Optional[str] = ..., notification: _Optional[_Union[_notifications_pb2.Notification, _Mapping]] = ..., read_marked: _Optional[_Union[_notifications_pb2.ReadMarked, _Mapping]] = ...) -> None: ...
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    SHARED_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[DeliveryCommitted.Item]
    shared: SharedNotification
    def __init__(self, items: _Optional[_Iterable[_Union[DeliveryCommitted.Item, _Mapping]]] = ..., shared: _Optional[_Union[SharedNotification, _Mapping]] = ...) -> None: ...

class SharedNotification(_message.Message):
    __slots__ = ("notification", "user_ids", "sequences", "notification_ids", "unread_counts")
    NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    SEQUENCES_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_IDS_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNTS_FIELD_NUMBER: _ClassVar[int]
    notification: _notifications_pb2.Notification
    user_ids: _containers.RepeatedScalarFieldContainer[str]
    sequences: _containers.RepeatedScalarFieldContainer[int]
    notification_ids: _containers.RepeatedScalarFieldContainer[str]
    unread_counts: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, notification: _Optional[_Union[_notifications_pb2.Notification, _Mapping]] = ..., user_ids: _Optional[_Iterable[str]] = ..., sequences: _Optional[_Iterable[int]] = ..., notification_ids: _Optional[_Iterable[str]] = ..., unread_counts: _Optional[_Iterable[int]] = ...) -> None: ...

class FanoutChunk(_message.Message):
    __slots__ = ("notice", "dedupe_key", "event_id", "index", "count")
    NOTICE_FIELD_NUMBER: _ClassVar[int]
    DEDUPE_KEY_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    notice: _notice_pb2.Notice
    dedupe_key: str
    event_id: str
    index: int
    count: int
    def __init__(self, notice: _Optional[_Union[_notice_pb2.Notice, _Mapping]] = ..., dedupe_key: _Optional[str] = ..., event_id: _Optional[str] = ..., index: _Optional[int] = ..., count: _Optional[int] = ...) -> None: ...

class TimedNotice(_message.Message):
    __slots__ = ("notice", "dedupe_key", "event_id")
    NOTICE_FIELD_NUMBER: _ClassVar[int]
    DEDUPE_KEY_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    notice: _notice_pb2.Notice
    dedupe_key: str
    event_id: str
    def __init__(self, notice: _Optional[_Union[_notice_pb2.Notice, _Mapping]] = ..., dedupe_key: _Optional[str] = ..., event_id: _Optional[str] = ...) -> None: ...
