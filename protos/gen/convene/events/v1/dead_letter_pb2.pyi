import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DeadLetter(_message.Message):
    __slots__ = ("consumer", "stream", "stream_sequence", "subject", "headers", "data", "reason", "error", "refusals", "deliveries", "event_id", "event_type", "dead_time")
    class HeadersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CONSUMER_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    STREAM_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    REFUSALS_FIELD_NUMBER: _ClassVar[int]
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DEAD_TIME_FIELD_NUMBER: _ClassVar[int]
    consumer: str
    stream: str
    stream_sequence: int
    subject: str
    headers: _containers.ScalarMap[str, str]
    data: bytes
    reason: str
    error: str
    refusals: int
    deliveries: int
    event_id: str
    event_type: str
    dead_time: _timestamp_pb2.Timestamp
    def __init__(self, consumer: _Optional[str] = ..., stream: _Optional[str] = ..., stream_sequence: _Optional[int] = ..., subject: _Optional[str] = ..., headers: _Optional[_Mapping[str, str]] = ..., data: _Optional[bytes] = ..., reason: _Optional[str] = ..., error: _Optional[str] = ..., refusals: _Optional[int] = ..., deliveries: _Optional[int] = ..., event_id: _Optional[str] = ..., event_type: _Optional[str] = ..., dead_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
