from convene.identity.v1 import identity_pb2 as _identity_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
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
