import datetime

from convene.groups.v1 import groups_pb2 as _groups_pb2
from convene.notifications.v1 import notifications_pb2 as _notifications_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Notice(_message.Message):
    __slots__ = ("recipient_ids", "kind", "thread_id", "title", "body", "card", "group_id", "thread_version", "deliver_time", "key", "revision", "text")
    RECIPIENT_IDS_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    CARD_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    THREAD_VERSION_FIELD_NUMBER: _ClassVar[int]
    DELIVER_TIME_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    recipient_ids: _containers.RepeatedScalarFieldContainer[str]
    kind: _notifications_pb2.NotificationKind
    thread_id: str
    title: str
    body: str
    card: _groups_pb2.Card
    group_id: str
    thread_version: int
    deliver_time: _timestamp_pb2.Timestamp
    key: str
    revision: int
    text: _notifications_pb2.NotificationText
    def __init__(self, recipient_ids: _Optional[_Iterable[str]] = ..., kind: _Optional[_Union[_notifications_pb2.NotificationKind, str]] = ..., thread_id: _Optional[str] = ..., title: _Optional[str] = ..., body: _Optional[str] = ..., card: _Optional[_Union[_groups_pb2.Card, _Mapping]] = ..., group_id: _Optional[str] = ..., thread_version: _Optional[int] = ..., deliver_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., key: _Optional[str] = ..., revision: _Optional[int] = ..., text: _Optional[_Union[_notifications_pb2.NotificationText, _Mapping]] = ...) -> None: ...

class NoticeWithdrawal(_message.Message):
    __slots__ = ("key", "revision")
    KEY_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    key: str
    revision: int
    def __init__(self, key: _Optional[str] = ..., revision: _Optional[int] = ...) -> None: ...

class NoticesRequested(_message.Message):
    __slots__ = ("notices", "withdrawals")
    NOTICES_FIELD_NUMBER: _ClassVar[int]
    WITHDRAWALS_FIELD_NUMBER: _ClassVar[int]
    notices: _containers.RepeatedCompositeFieldContainer[Notice]
    withdrawals: _containers.RepeatedCompositeFieldContainer[NoticeWithdrawal]
    def __init__(self, notices: _Optional[_Iterable[_Union[Notice, _Mapping]]] = ..., withdrawals: _Optional[_Iterable[_Union[NoticeWithdrawal, _Mapping]]] = ...) -> None: ...
