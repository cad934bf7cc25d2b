from convene.groups.v1 import groups_pb2 as _groups_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
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
