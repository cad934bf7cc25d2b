import datetime

from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
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

class ServiceMenuEntryKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SERVICE_MENU_ENTRY_KIND_UNSPECIFIED: _ClassVar[ServiceMenuEntryKind]
    SERVICE_MENU_ENTRY_KIND_URL: _ClassVar[ServiceMenuEntryKind]
    SERVICE_MENU_ENTRY_KIND_MINI_PROGRAM: _ClassVar[ServiceMenuEntryKind]
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
SERVICE_MENU_ENTRY_KIND_UNSPECIFIED: ServiceMenuEntryKind
SERVICE_MENU_ENTRY_KIND_URL: ServiceMenuEntryKind
SERVICE_MENU_ENTRY_KIND_MINI_PROGRAM: ServiceMenuEntryKind

class Enterprise(_message.Message):
    __slots__ = ("id", "name", "verified", "verification_method", "individual", "create_time", "official_account_id", "verify_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERIFIED_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_METHOD_FIELD_NUMBER: _ClassVar[int]
    INDIVIDUAL_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    OFFICIAL_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    VERIFY_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    verified: bool
    verification_method: VerificationMethod
    individual: bool
    create_time: _timestamp_pb2.Timestamp
    official_account_id: str
    verify_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., verified: _Optional[bool] = ..., verification_method: _Optional[_Union[VerificationMethod, str]] = ..., individual: _Optional[bool] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., official_account_id: _Optional[str] = ..., verify_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Member(_message.Message):
    __slots__ = ("id", "enterprise_id", "display_name", "department", "role", "real_name_verified", "create_time", "removed", "remove_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    REAL_NAME_VERIFIED_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    REMOVED_FIELD_NUMBER: _ClassVar[int]
    REMOVE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    enterprise_id: str
    display_name: str
    department: str
    role: MemberRole
    real_name_verified: bool
    create_time: _timestamp_pb2.Timestamp
    removed: bool
    remove_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., enterprise_id: _Optional[str] = ..., display_name: _Optional[str] = ..., department: _Optional[str] = ..., role: _Optional[_Union[MemberRole, str]] = ..., real_name_verified: _Optional[bool] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., removed: _Optional[bool] = ..., remove_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class WeChatUser(_message.Message):
    __slots__ = ("id", "display_name", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    display_name: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., display_name: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ServiceMenuEntry(_message.Message):
    __slots__ = ("title", "kind", "target")
    TITLE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    title: str
    kind: ServiceMenuEntryKind
    target: str
    def __init__(self, title: _Optional[str] = ..., kind: _Optional[_Union[ServiceMenuEntryKind, str]] = ..., target: _Optional[str] = ...) -> None: ...

class ExternalContact(_message.Message):
    __slots__ = ("member_id", "wechat_user_id", "wechat_user_display_name", "enterprise_id", "add_time")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    WECHAT_USER_ID_FIELD_NUMBER: _ClassVar[int]
    WECHAT_USER_DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_ID_FIELD_NUMBER: _ClassVar[int]
    ADD_TIME_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    wechat_user_id: str
    wechat_user_display_name: str
    enterprise_id: str
    add_time: _timestamp_pb2.Timestamp
    def __init__(self, member_id: _Optional[str] = ..., wechat_user_id: _Optional[str] = ..., wechat_user_display_name: _Optional[str] = ..., enterprise_id: _Optional[str] = ..., add_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ContactMember(_message.Message):
    __slots__ = ("member_id", "display_name", "enterprise_id", "enterprise_name", "enterprise_verified", "add_time")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_ID_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_NAME_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_VERIFIED_FIELD_NUMBER: _ClassVar[int]
    ADD_TIME_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    display_name: str
    enterprise_id: str
    enterprise_name: str
    enterprise_verified: bool
    add_time: _timestamp_pb2.Timestamp
    def __init__(self, member_id: _Optional[str] = ..., display_name: _Optional[str] = ..., enterprise_id: _Optional[str] = ..., enterprise_name: _Optional[str] = ..., enterprise_verified: _Optional[bool] = ..., add_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ContactCard(_message.Message):
    __slots__ = ("member_id", "display_name", "department", "real_name_verified", "enterprise_id", "enterprise_name", "enterprise_verified", "enterprise_individual", "service_menu")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    REAL_NAME_VERIFIED_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_ID_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_NAME_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_VERIFIED_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_INDIVIDUAL_FIELD_NUMBER: _ClassVar[int]
    SERVICE_MENU_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    display_name: str
    department: str
    real_name_verified: bool
    enterprise_id: str
    enterprise_name: str
    enterprise_verified: bool
    enterprise_individual: bool
    service_menu: _containers.RepeatedCompositeFieldContainer[ServiceMenuEntry]
    def __init__(self, member_id: _Optional[str] = ..., display_name: _Optional[str] = ..., department: _Optional[str] = ..., real_name_verified: _Optional[bool] = ..., enterprise_id: _Optional[str] = ..., enterprise_name: _Optional[str] = ..., enterprise_verified: _Optional[bool] = ..., enterprise_individual: _Optional[bool] = ..., service_menu: _Optional[_Iterable[_Union[ServiceMenuEntry, _Mapping]]] = ...) -> None: ...

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
    __slots__ = ("enterprise_id", "method", "official_account_id")
    ENTERPRISE_ID_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    OFFICIAL_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    enterprise_id: str
    method: VerificationMethod
    official_account_id: str
    def __init__(self, enterprise_id: _Optional[str] = ..., method: _Optional[_Union[VerificationMethod, str]] = ..., official_account_id: _Optional[str] = ...) -> None: ...

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

class ServiceAccount(_message.Message):
    __slots__ = ("id", "display_name", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    display_name: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., display_name: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateServiceAccountRequest(_message.Message):
    __slots__ = ("request_id", "display_name")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    display_name: str
    def __init__(self, request_id: _Optional[str] = ..., display_name: _Optional[str] = ...) -> None: ...

class CreateServiceAccountResponse(_message.Message):
    __slots__ = ("service_account", "secret")
    SERVICE_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    service_account: ServiceAccount
    secret: str
    def __init__(self, service_account: _Optional[_Union[ServiceAccount, _Mapping]] = ..., secret: _Optional[str] = ...) -> None: ...

class RotateSigningKeyRequest(_message.Message):
    __slots__ = ("request_id",)
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    def __init__(self, request_id: _Optional[str] = ...) -> None: ...

class RotateSigningKeyResponse(_message.Message):
    __slots__ = ("key_id", "activate_time")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    ACTIVATE_TIME_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    activate_time: _timestamp_pb2.Timestamp
    def __init__(self, key_id: _Optional[str] = ..., activate_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListEnterprisesRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListEnterprisesResponse(_message.Message):
    __slots__ = ("enterprises", "next_page_token")
    ENTERPRISES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    enterprises: _containers.RepeatedCompositeFieldContainer[Enterprise]
    next_page_token: str
    def __init__(self, enterprises: _Optional[_Iterable[_Union[Enterprise, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UnverifyEnterpriseRequest(_message.Message):
    __slots__ = ("enterprise_id", "reason")
    ENTERPRISE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    enterprise_id: str
    reason: str
    def __init__(self, enterprise_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class UnverifyEnterpriseResponse(_message.Message):
    __slots__ = ("enterprise",)
    ENTERPRISE_FIELD_NUMBER: _ClassVar[int]
    enterprise: Enterprise
    def __init__(self, enterprise: _Optional[_Union[Enterprise, _Mapping]] = ...) -> None: ...

class UpdateMemberRequest(_message.Message):
    __slots__ = ("member", "update_mask")
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    member: Member
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, member: _Optional[_Union[Member, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateMemberResponse(_message.Message):
    __slots__ = ("member",)
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    member: Member
    def __init__(self, member: _Optional[_Union[Member, _Mapping]] = ...) -> None: ...

class RemoveMemberRequest(_message.Message):
    __slots__ = ("member_id",)
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    def __init__(self, member_id: _Optional[str] = ...) -> None: ...

class RemoveMemberResponse(_message.Message):
    __slots__ = ("member",)
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    member: Member
    def __init__(self, member: _Optional[_Union[Member, _Mapping]] = ...) -> None: ...

class ListMembersRequest(_message.Message):
    __slots__ = ("enterprise_id", "department", "include_removed", "page_size", "page_token")
    ENTERPRISE_ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_REMOVED_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    enterprise_id: str
    department: str
    include_removed: bool
    page_size: int
    page_token: str
    def __init__(self, enterprise_id: _Optional[str] = ..., department: _Optional[str] = ..., include_removed: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListMembersResponse(_message.Message):
    __slots__ = ("members", "next_page_token")
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    members: _containers.RepeatedCompositeFieldContainer[Member]
    next_page_token: str
    def __init__(self, members: _Optional[_Iterable[_Union[Member, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetWeChatUserRequest(_message.Message):
    __slots__ = ("wechat_user_id",)
    WECHAT_USER_ID_FIELD_NUMBER: _ClassVar[int]
    wechat_user_id: str
    def __init__(self, wechat_user_id: _Optional[str] = ...) -> None: ...

class GetWeChatUserResponse(_message.Message):
    __slots__ = ("wechat_user",)
    WECHAT_USER_FIELD_NUMBER: _ClassVar[int]
    wechat_user: WeChatUser
    def __init__(self, wechat_user: _Optional[_Union[WeChatUser, _Mapping]] = ...) -> None: ...

class AddExternalContactRequest(_message.Message):
    __slots__ = ("request_id", "member_id", "wechat_user_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    WECHAT_USER_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    member_id: str
    wechat_user_id: str
    def __init__(self, request_id: _Optional[str] = ..., member_id: _Optional[str] = ..., wechat_user_id: _Optional[str] = ...) -> None: ...

class AddExternalContactResponse(_message.Message):
    __slots__ = ("contact",)
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    contact: ExternalContact
    def __init__(self, contact: _Optional[_Union[ExternalContact, _Mapping]] = ...) -> None: ...

class RemoveExternalContactRequest(_message.Message):
    __slots__ = ("member_id", "wechat_user_id")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    WECHAT_USER_ID_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    wechat_user_id: str
    def __init__(self, member_id: _Optional[str] = ..., wechat_user_id: _Optional[str] = ...) -> None: ...

class RemoveExternalContactResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListExternalContactsRequest(_message.Message):
    __slots__ = ("member_id", "page_size", "page_token")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    page_size: int
    page_token: str
    def __init__(self, member_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListExternalContactsResponse(_message.Message):
    __slots__ = ("contacts", "next_page_token")
    CONTACTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    contacts: _containers.RepeatedCompositeFieldContainer[ExternalContact]
    next_page_token: str
    def __init__(self, contacts: _Optional[_Iterable[_Union[ExternalContact, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListWeChatUserContactsRequest(_message.Message):
    __slots__ = ("wechat_user_id", "page_size", "page_token")
    WECHAT_USER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    wechat_user_id: str
    page_size: int
    page_token: str
    def __init__(self, wechat_user_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListWeChatUserContactsResponse(_message.Message):
    __slots__ = ("members", "next_page_token")
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    members: _containers.RepeatedCompositeFieldContainer[ContactMember]
    next_page_token: str
    def __init__(self, members: _Optional[_Iterable[_Union[ContactMember, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetContactCardRequest(_message.Message):
    __slots__ = ("member_id",)
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    def __init__(self, member_id: _Optional[str] = ...) -> None: ...

class GetContactCardResponse(_message.Message):
    __slots__ = ("card",)
    CARD_FIELD_NUMBER: _ClassVar[int]
    card: ContactCard
    def __init__(self, card: _Optional[_Union[ContactCard, _Mapping]] = ...) -> None: ...

class GetServiceMenuRequest(_message.Message):
    __slots__ = ("enterprise_id",)
    ENTERPRISE_ID_FIELD_NUMBER: _ClassVar[int]
    enterprise_id: str
    def __init__(self, enterprise_id: _Optional[str] = ...) -> None: ...

class GetServiceMenuResponse(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[ServiceMenuEntry]
    def __init__(self, entries: _Optional[_Iterable[_Union[ServiceMenuEntry, _Mapping]]] = ...) -> None: ...

class UpdateServiceMenuRequest(_message.Message):
    __slots__ = ("enterprise_id", "entries")
    ENTERPRISE_ID_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    enterprise_id: str
    entries: _containers.RepeatedCompositeFieldContainer[ServiceMenuEntry]
    def __init__(self, enterprise_id: _Optional[str] = ..., entries: _Optional[_Iterable[_Union[ServiceMenuEntry, _Mapping]]] = ...) -> None: ...

class UpdateServiceMenuResponse(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[ServiceMenuEntry]
    def __init__(self, entries: _Optional[_Iterable[_Union[ServiceMenuEntry, _Mapping]]] = ...) -> None: ...

class HandOverContactsRequest(_message.Message):
    __slots__ = ("request_id", "from_member_id", "to_member_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    TO_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    from_member_id: str
    to_member_id: str
    def __init__(self, request_id: _Optional[str] = ..., from_member_id: _Optional[str] = ..., to_member_id: _Optional[str] = ...) -> None: ...

class HandOverContactsResponse(_message.Message):
    __slots__ = ("handed_over_count", "handover_id")
    HANDED_OVER_COUNT_FIELD_NUMBER: _ClassVar[int]
    HANDOVER_ID_FIELD_NUMBER: _ClassVar[int]
    handed_over_count: int
    handover_id: str
    def __init__(self, handed_over_count: _Optional[int] = ..., handover_id: _Optional[str] = ...) -> None: ...

class RevokeTokensRequest(_message.Message):
    __slots__ = ("principal_id",)
    PRINCIPAL_ID_FIELD_NUMBER: _ClassVar[int]
    principal_id: str
    def __init__(self, principal_id: _Optional[str] = ...) -> None: ...

class RevokeTokensResponse(_message.Message):
    __slots__ = ("revoke_time",)
    REVOKE_TIME_FIELD_NUMBER: _ClassVar[int]
    revoke_time: _timestamp_pb2.Timestamp
    def __init__(self, revoke_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
