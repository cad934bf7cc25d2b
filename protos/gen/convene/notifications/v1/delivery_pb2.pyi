from convene.notifications.v1 import notifications_pb2 as _notifications_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DeliveryCommitted(_message.Message):
    __slots__ = ("items",)
    class Item(_message.Message):
        __slots__ = ("user_id", "notification")
        USER_ID_FIELD_NUMBER: _ClassVar[int]
        NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
        user_id: str
        notification: _notifications_pb2.Notification
        def __init__(self, user_id: _Optional[str] = ..., notification: _Optional[_Union[_notifications_pb2.Notification, _Mapping]] = ...) -> None: ...
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[DeliveryCommitted.Item]
    def __init__(self, items: _Optional[_Iterable[_Union[DeliveryCommitted.Item, _Mapping]]] = ...) -> None: ...
