from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class AuthorizePublishRequest(_message.Message):
    __slots__ = ("live_id", "stream_key", "edge_id", "publish_id", "guest_id")
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_KEY_FIELD_NUMBER: _ClassVar[int]
    EDGE_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_ID_FIELD_NUMBER: _ClassVar[int]
    GUEST_ID_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    stream_key: str
    edge_id: str
    publish_id: str
    guest_id: str
    def __init__(self, live_id: _Optional[str] = ..., stream_key: _Optional[str] = ..., edge_id: _Optional[str] = ..., publish_id: _Optional[str] = ..., guest_id: _Optional[str] = ...) -> None: ...

class AuthorizePublishResponse(_message.Message):
    __slots__ = ("allowed", "reason", "enterprise_id", "lease_seconds", "record")
    ALLOWED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_ID_FIELD_NUMBER: _ClassVar[int]
    LEASE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    allowed: bool
    reason: str
    enterprise_id: str
    lease_seconds: int
    record: bool
    def __init__(self, allowed: _Optional[bool] = ..., reason: _Optional[str] = ..., enterprise_id: _Optional[str] = ..., lease_seconds: _Optional[int] = ..., record: _Optional[bool] = ...) -> None: ...

class RenewPublishRequest(_message.Message):
    __slots__ = ("live_id", "publish_id", "guest_id")
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_ID_FIELD_NUMBER: _ClassVar[int]
    GUEST_ID_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    publish_id: str
    guest_id: str
    def __init__(self, live_id: _Optional[str] = ..., publish_id: _Optional[str] = ..., guest_id: _Optional[str] = ...) -> None: ...

class RenewPublishResponse(_message.Message):
    __slots__ = ("allowed", "reason")
    ALLOWED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    allowed: bool
    reason: str
    def __init__(self, allowed: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...
