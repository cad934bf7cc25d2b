from convene.identity.v1 import identity_pb2 as _identity_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Action(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACTION_UNSPECIFIED: _ClassVar[Action]
    ACTION_START_LIVE: _ClassVar[Action]
    ACTION_ACT_AS_EMPLOYEE: _ClassVar[Action]
    ACTION_ACT_AS_ADMIN: _ClassVar[Action]
ACTION_UNSPECIFIED: Action
ACTION_START_LIVE: Action
ACTION_ACT_AS_EMPLOYEE: Action
ACTION_ACT_AS_ADMIN: Action

class AuthorizeRequest(_message.Message):
    __slots__ = ("principal_id", "action", "enterprise_id")
    PRINCIPAL_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_ID_FIELD_NUMBER: _ClassVar[int]
    principal_id: str
    action: Action
    enterprise_id: str
    def __init__(self, principal_id: _Optional[str] = ..., action: _Optional[_Union[Action, str]] = ..., enterprise_id: _Optional[str] = ...) -> None: ...

class AuthorizeResponse(_message.Message):
    __slots__ = ("allowed", "reason", "message", "kind", "enterprise_id", "cache_max_age_ms")
    ALLOWED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_ID_FIELD_NUMBER: _ClassVar[int]
    CACHE_MAX_AGE_MS_FIELD_NUMBER: _ClassVar[int]
    allowed: bool
    reason: str
    message: str
    kind: _identity_pb2.PrincipalKind
    enterprise_id: str
    cache_max_age_ms: int
    def __init__(self, allowed: _Optional[bool] = ..., reason: _Optional[str] = ..., message: _Optional[str] = ..., kind: _Optional[_Union[_identity_pb2.PrincipalKind, str]] = ..., enterprise_id: _Optional[str] = ..., cache_max_age_ms: _Optional[int] = ...) -> None: ...

class DescribePrincipalsRequest(_message.Message):
    __slots__ = ("principal_ids",)
    PRINCIPAL_IDS_FIELD_NUMBER: _ClassVar[int]
    principal_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, principal_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class PrincipalInfo(_message.Message):
    __slots__ = ("id", "exists", "kind", "enterprise_id", "display_name", "removed", "role")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXISTS_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    REMOVED_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    id: str
    exists: bool
    kind: _identity_pb2.PrincipalKind
    enterprise_id: str
    display_name: str
    removed: bool
    role: _identity_pb2.MemberRole
    def __init__(self, id: _Optional[str] = ..., exists: _Optional[bool] = ..., kind: _Optional[_Union[_identity_pb2.PrincipalKind, str]] = ..., enterprise_id: _Optional[str] = ..., display_name: _Optional[str] = ..., removed: _Optional[bool] = ..., role: _Optional[_Union[_identity_pb2.MemberRole, str]] = ...) -> None: ...

class DescribePrincipalsResponse(_message.Message):
    __slots__ = ("principals", "cache_max_age_ms")
    PRINCIPALS_FIELD_NUMBER: _ClassVar[int]
    CACHE_MAX_AGE_MS_FIELD_NUMBER: _ClassVar[int]
    principals: _containers.RepeatedCompositeFieldContainer[PrincipalInfo]
    cache_max_age_ms: int
    def __init__(self, principals: _Optional[_Iterable[_Union[PrincipalInfo, _Mapping]]] = ..., cache_max_age_ms: _Optional[int] = ...) -> None: ...
