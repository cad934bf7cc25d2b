import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CoverState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COVER_STATE_UNSPECIFIED: _ClassVar[CoverState]
    COVER_STATE_PENDING: _ClassVar[CoverState]
    COVER_STATE_APPROVED: _ClassVar[CoverState]
    COVER_STATE_REJECTED: _ClassVar[CoverState]
COVER_STATE_UNSPECIFIED: CoverState
COVER_STATE_PENDING: CoverState
COVER_STATE_APPROVED: CoverState
COVER_STATE_REJECTED: CoverState

class Cover(_message.Message):
    __slots__ = ("id", "enterprise_id", "enterprise_name", "name", "image_ref", "quantity", "used_count", "state", "reject_reason", "applicant_id", "reviewer_id", "create_time", "review_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_ID_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_NAME_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    IMAGE_REF_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    USED_COUNT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REJECT_REASON_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_ID_FIELD_NUMBER: _ClassVar[int]
    REVIEWER_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    REVIEW_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    enterprise_id: str
    enterprise_name: str
    name: str
    image_ref: str
    quantity: int
    used_count: int
    state: CoverState
    reject_reason: str
    applicant_id: str
    reviewer_id: str
    create_time: _timestamp_pb2.Timestamp
    review_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., enterprise_id: _Optional[str] = ..., enterprise_name: _Optional[str] = ..., name: _Optional[str] = ..., image_ref: _Optional[str] = ..., quantity: _Optional[int] = ..., used_count: _Optional[int] = ..., state: _Optional[_Union[CoverState, str]] = ..., reject_reason: _Optional[str] = ..., applicant_id: _Optional[str] = ..., reviewer_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., review_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RedPacketCover(_message.Message):
    __slots__ = ("cover_id", "name", "image_ref", "enterprise_id", "enterprise_name")
    COVER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    IMAGE_REF_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_ID_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_NAME_FIELD_NUMBER: _ClassVar[int]
    cover_id: str
    name: str
    image_ref: str
    enterprise_id: str
    enterprise_name: str
    def __init__(self, cover_id: _Optional[str] = ..., name: _Optional[str] = ..., image_ref: _Optional[str] = ..., enterprise_id: _Optional[str] = ..., enterprise_name: _Optional[str] = ...) -> None: ...

class ApplyForCoverRequest(_message.Message):
    __slots__ = ("request_id", "name", "image_ref", "quantity")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    IMAGE_REF_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    name: str
    image_ref: str
    quantity: int
    def __init__(self, request_id: _Optional[str] = ..., name: _Optional[str] = ..., image_ref: _Optional[str] = ..., quantity: _Optional[int] = ...) -> None: ...

class ApplyForCoverResponse(_message.Message):
    __slots__ = ("cover",)
    COVER_FIELD_NUMBER: _ClassVar[int]
    cover: Cover
    def __init__(self, cover: _Optional[_Union[Cover, _Mapping]] = ...) -> None: ...

class ReviewCoverRequest(_message.Message):
    __slots__ = ("cover_id", "approve", "reject_reason")
    COVER_ID_FIELD_NUMBER: _ClassVar[int]
    APPROVE_FIELD_NUMBER: _ClassVar[int]
    REJECT_REASON_FIELD_NUMBER: _ClassVar[int]
    cover_id: str
    approve: bool
    reject_reason: str
    def __init__(self, cover_id: _Optional[str] = ..., approve: _Optional[bool] = ..., reject_reason: _Optional[str] = ...) -> None: ...

class ReviewCoverResponse(_message.Message):
    __slots__ = ("cover",)
    COVER_FIELD_NUMBER: _ClassVar[int]
    cover: Cover
    def __init__(self, cover: _Optional[_Union[Cover, _Mapping]] = ...) -> None: ...

class GetCoverRequest(_message.Message):
    __slots__ = ("cover_id",)
    COVER_ID_FIELD_NUMBER: _ClassVar[int]
    cover_id: str
    def __init__(self, cover_id: _Optional[str] = ...) -> None: ...

class GetCoverResponse(_message.Message):
    __slots__ = ("cover",)
    COVER_FIELD_NUMBER: _ClassVar[int]
    cover: Cover
    def __init__(self, cover: _Optional[_Union[Cover, _Mapping]] = ...) -> None: ...

class ListCoversRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "state")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    state: CoverState
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., state: _Optional[_Union[CoverState, str]] = ...) -> None: ...

class ListCoversResponse(_message.Message):
    __slots__ = ("covers", "next_page_token")
    COVERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    covers: _containers.RepeatedCompositeFieldContainer[Cover]
    next_page_token: str
    def __init__(self, covers: _Optional[_Iterable[_Union[Cover, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
