from convene.groups.v1 import groups_pb2 as _groups_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GroupCreated(_message.Message):
    __slots__ = ("group", "member_ids")
    GROUP_FIELD_NUMBER: _ClassVar[int]
    MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    group: _groups_pb2.Group
    member_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, group: _Optional[_Union[_groups_pb2.Group, _Mapping]] = ..., member_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class CardChanged(_message.Message):
    __slots__ = ("group_id", "group_name", "card", "item_id", "recipient_ids")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_NAME_FIELD_NUMBER: _ClassVar[int]
    CARD_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_IDS_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    group_name: str
    card: _groups_pb2.Card
    item_id: str
    recipient_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, group_id: _Optional[str] = ..., group_name: _Optional[str] = ..., card: _Optional[_Union[_groups_pb2.Card, _Mapping]] = ..., item_id: _Optional[str] = ..., recipient_ids: _Optional[_Iterable[str]] = ...) -> None: ...
