import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Audience(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUDIENCE_UNSPECIFIED: _ClassVar[Audience]
    AUDIENCE_EMPLOYEES: _ClassVar[Audience]
    AUDIENCE_EVERYONE: _ClassVar[Audience]

class LiveState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LIVE_STATE_UNSPECIFIED: _ClassVar[LiveState]
    LIVE_STATE_SCHEDULED: _ClassVar[LiveState]
    LIVE_STATE_PREVIEW: _ClassVar[LiveState]
    LIVE_STATE_LIVE: _ClassVar[LiveState]
    LIVE_STATE_ENDED: _ClassVar[LiveState]

class ReplayState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REPLAY_STATE_UNSPECIFIED: _ClassVar[ReplayState]
    REPLAY_STATE_NONE: _ClassVar[ReplayState]
    REPLAY_STATE_PENDING: _ClassVar[ReplayState]
    REPLAY_STATE_PROCESSING: _ClassVar[ReplayState]
    REPLAY_STATE_READY: _ClassVar[ReplayState]
    REPLAY_STATE_FAILED: _ClassVar[ReplayState]
    REPLAY_STATE_DELETED: _ClassVar[ReplayState]
AUDIENCE_UNSPECIFIED: Audience
AUDIENCE_EMPLOYEES: Audience
AUDIENCE_EVERYONE: Audience
LIVE_STATE_UNSPECIFIED: LiveState
LIVE_STATE_SCHEDULED: LiveState
LIVE_STATE_PREVIEW: LiveState
LIVE_STATE_LIVE: LiveState
LIVE_STATE_ENDED: LiveState
REPLAY_STATE_UNSPECIFIED: ReplayState
REPLAY_STATE_NONE: ReplayState
REPLAY_STATE_PENDING: ReplayState
REPLAY_STATE_PROCESSING: ReplayState
REPLAY_STATE_READY: ReplayState
REPLAY_STATE_FAILED: ReplayState
REPLAY_STATE_DELETED: ReplayState

class Live(_message.Message):
    __slots__ = ("id", "group_id", "host_id", "enterprise_id", "title", "description", "audience", "state", "allow_replay", "replay_state", "start_time", "end_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    HOST_ID_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    AUDIENCE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ALLOW_REPLAY_FIELD_NUMBER: _ClassVar[int]
    REPLAY_STATE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    group_id: str
    host_id: str
    enterprise_id: str
    title: str
    description: str
    audience: Audience
    state: LiveState
    allow_replay: bool
    replay_state: ReplayState
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., group_id: _Optional[str] = ..., host_id: _Optional[str] = ..., enterprise_id: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., audience: _Optional[_Union[Audience, str]] = ..., state: _Optional[_Union[LiveState, str]] = ..., allow_replay: _Optional[bool] = ..., replay_state: _Optional[_Union[ReplayState, str]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PublishEndpoint(_message.Message):
    __slots__ = ("url", "stream_key")
    URL_FIELD_NUMBER: _ClassVar[int]
    STREAM_KEY_FIELD_NUMBER: _ClassVar[int]
    url: str
    stream_key: str
    def __init__(self, url: _Optional[str] = ..., stream_key: _Optional[str] = ...) -> None: ...

class StartLiveRequest(_message.Message):
    __slots__ = ("request_id", "group_id", "title", "description", "audience", "allow_replay")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    AUDIENCE_FIELD_NUMBER: _ClassVar[int]
    ALLOW_REPLAY_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    group_id: str
    title: str
    description: str
    audience: Audience
    allow_replay: bool
    def __init__(self, request_id: _Optional[str] = ..., group_id: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., audience: _Optional[_Union[Audience, str]] = ..., allow_replay: _Optional[bool] = ...) -> None: ...

class StartLiveResponse(_message.Message):
    __slots__ = ("live", "publish")
    LIVE_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_FIELD_NUMBER: _ClassVar[int]
    live: Live
    publish: PublishEndpoint
    def __init__(self, live: _Optional[_Union[Live, _Mapping]] = ..., publish: _Optional[_Union[PublishEndpoint, _Mapping]] = ...) -> None: ...

class GetLiveRequest(_message.Message):
    __slots__ = ("live_id",)
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    def __init__(self, live_id: _Optional[str] = ...) -> None: ...

class GetLiveResponse(_message.Message):
    __slots__ = ("live",)
    LIVE_FIELD_NUMBER: _ClassVar[int]
    live: Live
    def __init__(self, live: _Optional[_Union[Live, _Mapping]] = ...) -> None: ...
