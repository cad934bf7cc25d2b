from convene.groups.v1 import groups_pb2 as _groups_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CheckMembershipRequest(_message.Message):
    __slots__ = ("group_id", "principal_id")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    principal_id: str
    def __init__(self, group_id: _Optional[str] = ..., principal_id: _Optional[str] = ...) -> None: ...

class CheckMembershipResponse(_message.Message):
    __slots__ = ("group_exists", "is_member", "kind", "enterprise_id", "owner_id", "wechat_user_in_external_group")
    GROUP_EXISTS_FIELD_NUMBER: _ClassVar[int]
    IS_MEMBER_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    WECHAT_USER_IN_EXTERNAL_GROUP_FIELD_NUMBER: _ClassVar[int]
    group_exists: bool
    is_member: bool
    kind: _groups_pb2.GroupKind
    enterprise_id: str
    owner_id: str
    wechat_user_in_external_group: bool
    def __init__(self, group_exists: _Optional[bool] = ..., is_member: _Optional[bool] = ..., kind: _Optional[_Union[_groups_pb2.GroupKind, str]] = ..., enterprise_id: _Optional[str] = ..., owner_id: _Optional[str] = ..., wechat_user_in_external_group: _Optional[bool] = ...) -> None: ...

class ListChatItemsRequest(_message.Message):
    __slots__ = ("group_id", "user_id", "after_sequence", "limit")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    user_id: str
    after_sequence: int
    limit: int
    def __init__(self, group_id: _Optional[str] = ..., user_id: _Optional[str] = ..., after_sequence: _Optional[int] = ..., limit: _Optional[int] = ...) -> None: ...

class ListChatItemsResponse(_message.Message):
    __slots__ = ("is_member", "items", "notify")
    IS_MEMBER_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NOTIFY_FIELD_NUMBER: _ClassVar[int]
    is_member: bool
    items: _containers.RepeatedCompositeFieldContainer[_groups_pb2.TimelineItem]
    notify: _containers.RepeatedScalarFieldContainer[bool]
    def __init__(self, is_member: _Optional[bool] = ..., items: _Optional[_Iterable[_Union[_groups_pb2.TimelineItem, _Mapping]]] = ..., notify: _Optional[_Iterable[bool]] = ...) -> None: ...
