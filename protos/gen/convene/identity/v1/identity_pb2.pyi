import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PrincipalKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRINCIPAL_KIND_UNSPECIFIED: _ClassVar[PrincipalKind]
    PRINCIPAL_KIND_MEMBER: _ClassVar[PrincipalKind]
    PRINCIPAL_KIND_WECHAT_USER: _ClassVar[PrincipalKind]
    PRINCIPAL_KIND_SERVICE: _ClassVar[PrincipalKind]

class VerificationMethod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VERIFICATION_METHOD_UNSPECIFIED: _ClassVar[VerificationMethod]
    VERIFICATION_METHOD_DIRECT: _ClassVar[VerificationMethod]
    VERIFICATION_METHOD_OFFICIAL_ACCOUNT: _ClassVar[VerificationMethod]

class MemberRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MEMBER_ROLE_UNSPECIFIED: _ClassVar[MemberRole]
    MEMBER_ROLE_MEMBER: _ClassVar[MemberRole]
    MEMBER_ROLE_ADMIN: _ClassVar[MemberRole]
PRINCIPAL_KIND_UNSPECIFIED: PrincipalKind
PRINCIPAL_KIND_MEMBER: PrincipalKind
PRINCIPAL_KIND_WECHAT_USER: PrincipalKind
PRINCIPAL_KIND_SERVICE: PrincipalKind
VERIFICATION_METHOD_UNSPECIFIED: VerificationMethod
VERIFICATION_METHOD_DIRECT: VerificationMethod
VERIFICATION_METHOD_OFFICIAL_ACCOUNT: VerificationMethod
MEMBER_ROLE_UNSPECIFIED: MemberRole
MEMBER_ROLE_MEMBER: MemberRole
MEMBER_ROLE_ADMIN: MemberRole

class Enterprise(_message.Message):
    __slots__ = ("id", "name", "verified", "verification_method", "individual", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERIFIED_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_METHOD_FIELD_NUMBER: _ClassVar[int]
    INDIVIDUAL_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    verified: bool
    verification_method: VerificationMethod
    individual: bool
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., verified: _Optional[bool] = ..., verification_method: _Optional[_Union[VerificationMethod, str]] = ..., individual: _Optional[bool] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Member(_message.Message):
    __slots__ = ("id", "enterprise_id", "display_name", "department", "role", "real_name_verified", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    REAL_NAME_VERIFIED_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    enterprise_id: str
    display_name: str
    department: str
    role: MemberRole
    real_name_verified: bool
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., enterprise_id: _Optional[str] = ..., display_name: _Optional[str] = ..., department: _Optional[str] = ..., role: _Optional[_Union[MemberRole, str]] = ..., real_name_verified: _Optional[bool] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class WeChatUser(_message.Message):
    __slots__ = ("id", "display_name", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    display_name: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., display_name: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateEnterpriseRequest(_message.Message):
    __slots__ = ("request_id", "name", "individual")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    INDIVIDUAL_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    name: str
    individual: bool
    def __init__(self, request_id: _Optional[str] = ..., name: _Optional[str] = ..., individual: _Optional[bool] = ...) -> None: ...

class CreateEnterpriseResponse(_message.Message):
    __slots__ = ("enterprise", "api_secret")
    ENTERPRISE_FIELD_NUMBER: _ClassVar[int]
    API_SECRET_FIELD_NUMBER: _ClassVar[int]
    enterprise: Enterprise
    api_secret: str
    def __init__(self, enterprise: _Optional[_Union[Enterprise, _Mapping]] = ..., api_secret: _Optional[str] = ...) -> None: ...

class GetEnterpriseRequest(_message.Message):
    __slots__ = ("enterprise_id",)
    ENTERPRISE_ID_FIELD_NUMBER: _ClassVar[int]
    enterprise_id: str
    def __init__(self, enterprise_id: _Optional[str] = ...) -> None: ...

class GetEnterpriseResponse(_message.Message):
    __slots__ = ("enterprise",)
    ENTERPRISE_FIELD_NUMBER: _ClassVar[int]
    enterprise: Enterprise
    def __init__(self, enterprise: _Optional[_Union[Enterprise, _Mapping]] = ...) -> None: ...

class VerifyEnterpriseRequest(_message.Message):
    __slots__ = ("enterprise_id", "method")
    ENTERPRISE_ID_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    enterprise_id: str
    method: VerificationMethod
    def __init__(self, enterprise_id: _Optional[str] = ..., method: _Optional[_Union[VerificationMethod, str]] = ...) -> None: ...

class VerifyEnterpriseResponse(_message.Message):
    __slots__ = ("enterprise",)
    ENTERPRISE_FIELD_NUMBER: _ClassVar[int]
    enterprise: Enterprise
    def __init__(self, enterprise: _Optional[_Union[Enterprise, _Mapping]] = ...) -> None: ...

class AddMemberRequest(_message.Message):
    __slots__ = ("request_id", "enterprise_id", "display_name", "department", "role")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    enterprise_id: str
    display_name: str
    department: str
    role: MemberRole
    def __init__(self, request_id: _Optional[str] = ..., enterprise_id: _Optional[str] = ..., display_name: _Optional[str] = ..., department: _Optional[str] = ..., role: _Optional[_Union[MemberRole, str]] = ...) -> None: ...

class AddMemberResponse(_message.Message):
    __slots__ = ("member",)
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    member: Member
    def __init__(self, member: _Optional[_Union[Member, _Mapping]] = ...) -> None: ...

class GetMemberRequest(_message.Message):
    __slots__ = ("member_id",)
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    def __init__(self, member_id: _Optional[str] = ...) -> None: ...

class GetMemberResponse(_message.Message):
    __slots__ = ("member",)
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    member: Member
    def __init__(self, member: _Optional[_Union[Member, _Mapping]] = ...) -> None: ...

class VerifyMemberRealNameRequest(_message.Message):
    __slots__ = ("member_id",)
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    def __init__(self, member_id: _Optional[str] = ...) -> None: ...

class VerifyMemberRealNameResponse(_message.Message):
    __slots__ = ("member",)
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    member: Member
    def __init__(self, member: _Optional[_Union[Member, _Mapping]] = ...) -> None: ...

class CreateWeChatUserRequest(_message.Message):
    __slots__ = ("request_id", "display_name")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    display_name: str
    def __init__(self, request_id: _Optional[str] = ..., display_name: _Optional[str] = ...) -> None: ...

class CreateWeChatUserResponse(_message.Message):
    __slots__ = ("wechat_user",)
    WECHAT_USER_FIELD_NUMBER: _ClassVar[int]
    wechat_user: WeChatUser
    def __init__(self, wechat_user: _Optional[_Union[WeChatUser, _Mapping]] = ...) -> None: ...

class CreateTokenRequest(_message.Message):
    __slots__ = ("principal_id", "enterprise_id", "api_secret", "ttl_seconds")
    PRINCIPAL_ID_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_ID_FIELD_NUMBER: _ClassVar[int]
    API_SECRET_FIELD_NUMBER: _ClassVar[int]
    TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    principal_id: str
    enterprise_id: str
    api_secret: str
    ttl_seconds: int
    def __init__(self, principal_id: _Optional[str] = ..., enterprise_id: _Optional[str] = ..., api_secret: _Optional[str] = ..., ttl_seconds: _Optional[int] = ...) -> None: ...

class CreateTokenResponse(_message.Message):
    __slots__ = ("access_token", "expire_time")
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    access_token: str
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, access_token: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
