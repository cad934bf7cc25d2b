import datetime

from convene.identity.v1 import identity_pb2 as _identity_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EnterpriseCreated(_message.Message):
    __slots__ = ("enterprise",)
    ENTERPRISE_FIELD_NUMBER: _ClassVar[int]
    enterprise: _identity_pb2.Enterprise
    def __init__(self, enterprise: _Optional[_Union[_identity_pb2.Enterprise, _Mapping]] = ...) -> None: ...

class EnterpriseVerified(_message.Message):
    __slots__ = ("enterprise",)
    ENTERPRISE_FIELD_NUMBER: _ClassVar[int]
    enterprise: _identity_pb2.Enterprise
    def __init__(self, enterprise: _Optional[_Union[_identity_pb2.Enterprise, _Mapping]] = ...) -> None: ...

class MemberAdded(_message.Message):
    __slots__ = ("member",)
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    member: _identity_pb2.Member
    def __init__(self, member: _Optional[_Union[_identity_pb2.Member, _Mapping]] = ...) -> None: ...

class MemberVerified(_message.Message):
    __slots__ = ("member",)
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    member: _identity_pb2.Member
    def __init__(self, member: _Optional[_Union[_identity_pb2.Member, _Mapping]] = ...) -> None: ...

class WeChatUserCreated(_message.Message):
    __slots__ = ("wechat_user",)
    WECHAT_USER_FIELD_NUMBER: _ClassVar[int]
    wechat_user: _identity_pb2.WeChatUser
    def __init__(self, wechat_user: _Optional[_Union[_identity_pb2.WeChatUser, _Mapping]] = ...) -> None: ...

class EnterpriseUnverified(_message.Message):
    __slots__ = ("enterprise", "reason")
    ENTERPRISE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    enterprise: _identity_pb2.Enterprise
    reason: str
    def __init__(self, enterprise: _Optional[_Union[_identity_pb2.Enterprise, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class MemberUpdated(_message.Message):
    __slots__ = ("member", "changed_fields")
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    member: _identity_pb2.Member
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, member: _Optional[_Union[_identity_pb2.Member, _Mapping]] = ..., changed_fields: _Optional[_Iterable[str]] = ...) -> None: ...

class MemberRemoved(_message.Message):
    __slots__ = ("member",)
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    member: _identity_pb2.Member
    def __init__(self, member: _Optional[_Union[_identity_pb2.Member, _Mapping]] = ...) -> None: ...

class ContactAdded(_message.Message):
    __slots__ = ("contact", "member_display_name")
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    MEMBER_DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    contact: _identity_pb2.ExternalContact
    member_display_name: str
    def __init__(self, contact: _Optional[_Union[_identity_pb2.ExternalContact, _Mapping]] = ..., member_display_name: _Optional[str] = ...) -> None: ...

class ContactRemoved(_message.Message):
    __slots__ = ("member_id", "wechat_user_id", "enterprise_id")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    WECHAT_USER_ID_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_ID_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    wechat_user_id: str
    enterprise_id: str
    def __init__(self, member_id: _Optional[str] = ..., wechat_user_id: _Optional[str] = ..., enterprise_id: _Optional[str] = ...) -> None: ...

class ContactsHandedOver(_message.Message):
    __slots__ = ("handover_id", "enterprise_id", "enterprise_name", "from_member_id", "from_display_name", "to_member_id", "to_display_name", "wechat_user_ids")
    HANDOVER_ID_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_ID_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_NAME_FIELD_NUMBER: _ClassVar[int]
    FROM_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    TO_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    TO_DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    WECHAT_USER_IDS_FIELD_NUMBER: _ClassVar[int]
    handover_id: str
    enterprise_id: str
    enterprise_name: str
    from_member_id: str
    from_display_name: str
    to_member_id: str
    to_display_name: str
    wechat_user_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, handover_id: _Optional[str] = ..., enterprise_id: _Optional[str] = ..., enterprise_name: _Optional[str] = ..., from_member_id: _Optional[str] = ..., from_display_name: _Optional[str] = ..., to_member_id: _Optional[str] = ..., to_display_name: _Optional[str] = ..., wechat_user_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class TokensRevoked(_message.Message):
    __slots__ = ("principal_id", "kind", "enterprise_id", "revoke_time")
    PRINCIPAL_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_ID_FIELD_NUMBER: _ClassVar[int]
    REVOKE_TIME_FIELD_NUMBER: _ClassVar[int]
    principal_id: str
    kind: _identity_pb2.PrincipalKind
    enterprise_id: str
    revoke_time: _timestamp_pb2.Timestamp
    def __init__(self, principal_id: _Optional[str] = ..., kind: _Optional[_Union[_identity_pb2.PrincipalKind, str]] = ..., enterprise_id: _Optional[str] = ..., revoke_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
