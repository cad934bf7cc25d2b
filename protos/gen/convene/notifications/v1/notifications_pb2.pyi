import datetime

from convene.groups.v1 import groups_pb2 as _groups_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class NotificationKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NOTIFICATION_KIND_UNSPECIFIED: _ClassVar[NotificationKind]
    NOTIFICATION_KIND_CARD: _ClassVar[NotificationKind]
    NOTIFICATION_KIND_MEETING_INVITATION: _ClassVar[NotificationKind]
    NOTIFICATION_KIND_REMINDER: _ClassVar[NotificationKind]
    NOTIFICATION_KIND_INCOMING_CALL: _ClassVar[NotificationKind]
    NOTIFICATION_KIND_MISSED_CALL: _ClassVar[NotificationKind]
    NOTIFICATION_KIND_REPLAY_READY: _ClassVar[NotificationKind]
    NOTIFICATION_KIND_CONTACT_HANDOVER: _ClassVar[NotificationKind]
    NOTIFICATION_KIND_MEETING_UPDATED: _ClassVar[NotificationKind]
    NOTIFICATION_KIND_MEETING_CANCELLED: _ClassVar[NotificationKind]
    NOTIFICATION_KIND_MEETING_REPLY: _ClassVar[NotificationKind]
    NOTIFICATION_KIND_RINGING_STOPPED: _ClassVar[NotificationKind]
    NOTIFICATION_KIND_COVER_REVIEWED: _ClassVar[NotificationKind]
NOTIFICATION_KIND_UNSPECIFIED: NotificationKind
NOTIFICATION_KIND_CARD: NotificationKind
NOTIFICATION_KIND_MEETING_INVITATION: NotificationKind
NOTIFICATION_KIND_REMINDER: NotificationKind
NOTIFICATION_KIND_INCOMING_CALL: NotificationKind
NOTIFICATION_KIND_MISSED_CALL: NotificationKind
NOTIFICATION_KIND_REPLAY_READY: NotificationKind
NOTIFICATION_KIND_CONTACT_HANDOVER: NotificationKind
NOTIFICATION_KIND_MEETING_UPDATED: NotificationKind
NOTIFICATION_KIND_MEETING_CANCELLED: NotificationKind
NOTIFICATION_KIND_MEETING_REPLY: NotificationKind
NOTIFICATION_KIND_RINGING_STOPPED: NotificationKind
NOTIFICATION_KIND_COVER_REVIEWED: NotificationKind

class Notification(_message.Message):
    __slots__ = ("id", "sequence", "kind", "thread_id", "title", "body", "card", "group_id", "read", "create_time", "event_id", "unread_count", "thread_version", "text", "locale")
    ID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    CARD_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    READ_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    THREAD_VERSION_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    LOCALE_FIELD_NUMBER: _ClassVar[int]
    id: str
    sequence: int
    kind: NotificationKind
    thread_id: str
    title: str
    body: str
    card: _groups_pb2.Card
    group_id: str
    read: bool
    create_time: _timestamp_pb2.Timestamp
    event_id: str
    unread_count: int
    thread_version: int
    text: NotificationText
    locale: str
    def __init__(self, id: _Optional[str] = ..., sequence: _Optional[int] = ..., kind: _Optional[_Union[NotificationKind, str]] = ..., thread_id: _Optional[str] = ..., title: _Optional[str] = ..., body: _Optional[str] = ..., card: _Optional[_Union[_groups_pb2.Card, _Mapping]] = ..., group_id: _Optional[str] = ..., read: _Optional[bool] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., event_id: _Optional[str] = ..., unread_count: _Optional[int] = ..., thread_version: _Optional[int] = ..., text: _Optional[_Union[NotificationText, _Mapping]] = ..., locale: _Optional[str] = ...) -> None: ...

class NotificationText(_message.Message):
    __slots__ = ("template", "args", "lines")
    class ArgsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    ARGS_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    template: str
    args: _containers.ScalarMap[str, str]
    lines: _containers.RepeatedCompositeFieldContainer[NotificationText]
    def __init__(self, template: _Optional[str] = ..., args: _Optional[_Mapping[str, str]] = ..., lines: _Optional[_Iterable[_Union[NotificationText, _Mapping]]] = ...) -> None: ...

class SubscribeRequest(_message.Message):
    __slots__ = ("after_sequence", "user_id")
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    after_sequence: int
    user_id: str
    def __init__(self, after_sequence: _Optional[int] = ..., user_id: _Optional[str] = ...) -> None: ...

class SubscribeResponse(_message.Message):
    __slots__ = ("notification", "caught_up", "read_marked", "resync", "chat_message", "chat_state", "chat_receipts")
    NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    CAUGHT_UP_FIELD_NUMBER: _ClassVar[int]
    READ_MARKED_FIELD_NUMBER: _ClassVar[int]
    RESYNC_FIELD_NUMBER: _ClassVar[int]
    CHAT_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CHAT_STATE_FIELD_NUMBER: _ClassVar[int]
    CHAT_RECEIPTS_FIELD_NUMBER: _ClassVar[int]
    notification: Notification
    caught_up: CaughtUp
    read_marked: ReadMarked
    resync: Resync
    chat_message: ChatMessage
    chat_state: _groups_pb2.ChatState
    chat_receipts: _groups_pb2.ReceiptCounts
    def __init__(self, notification: _Optional[_Union[Notification, _Mapping]] = ..., caught_up: _Optional[_Union[CaughtUp, _Mapping]] = ..., read_marked: _Optional[_Union[ReadMarked, _Mapping]] = ..., resync: _Optional[_Union[Resync, _Mapping]] = ..., chat_message: _Optional[_Union[ChatMessage, _Mapping]] = ..., chat_state: _Optional[_Union[_groups_pb2.ChatState, _Mapping]] = ..., chat_receipts: _Optional[_Union[_groups_pb2.ReceiptCounts, _Mapping]] = ...) -> None: ...

class ChatMessage(_message.Message):
    __slots__ = ("group_id", "item", "notify")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_FIELD_NUMBER: _ClassVar[int]
    NOTIFY_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    item: _groups_pb2.TimelineItem
    notify: bool
    def __init__(self, group_id: _Optional[str] = ..., item: _Optional[_Union[_groups_pb2.TimelineItem, _Mapping]] = ..., notify: _Optional[bool] = ...) -> None: ...

class CaughtUp(_message.Message):
    __slots__ = ("sequence", "unread_count")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    unread_count: int
    def __init__(self, sequence: _Optional[int] = ..., unread_count: _Optional[int] = ...) -> None: ...

class ReadMarked(_message.Message):
    __slots__ = ("sequence", "thread_id", "up_to_sequence", "unread_count")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    UP_TO_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    thread_id: str
    up_to_sequence: int
    unread_count: int
    def __init__(self, sequence: _Optional[int] = ..., thread_id: _Optional[str] = ..., up_to_sequence: _Optional[int] = ..., unread_count: _Optional[int] = ...) -> None: ...

class Resync(_message.Message):
    __slots__ = ("after_sequence",)
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    after_sequence: int
    def __init__(self, after_sequence: _Optional[int] = ...) -> None: ...

class ListNotificationsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListNotificationsResponse(_message.Message):
    __slots__ = ("notifications", "next_page_token", "unread_count", "sequence")
    NOTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    notifications: _containers.RepeatedCompositeFieldContainer[Notification]
    next_page_token: str
    unread_count: int
    sequence: int
    def __init__(self, notifications: _Optional[_Iterable[_Union[Notification, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., unread_count: _Optional[int] = ..., sequence: _Optional[int] = ...) -> None: ...

class MarkReadRequest(_message.Message):
    __slots__ = ("thread_id", "up_to_sequence")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    UP_TO_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    up_to_sequence: int
    def __init__(self, thread_id: _Optional[str] = ..., up_to_sequence: _Optional[int] = ...) -> None: ...

class MarkReadResponse(_message.Message):
    __slots__ = ("unread_count", "sequence")
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    unread_count: int
    sequence: int
    def __init__(self, unread_count: _Optional[int] = ..., sequence: _Optional[int] = ...) -> None: ...

class MarkAllReadRequest(_message.Message):
    __slots__ = ("up_to_sequence",)
    UP_TO_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    up_to_sequence: int
    def __init__(self, up_to_sequence: _Optional[int] = ...) -> None: ...

class MarkAllReadResponse(_message.Message):
    __slots__ = ("unread_count", "sequence", "marked_count")
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    MARKED_COUNT_FIELD_NUMBER: _ClassVar[int]
    unread_count: int
    sequence: int
    marked_count: int
    def __init__(self, unread_count: _Optional[int] = ..., sequence: _Optional[int] = ..., marked_count: _Optional[int] = ...) -> None: ...
