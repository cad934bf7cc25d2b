import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
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

class EndReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    END_REASON_UNSPECIFIED: _ClassVar[EndReason]
    END_REASON_HOST_ENDED: _ClassVar[EndReason]
    END_REASON_FORCE_STOPPED: _ClassVar[EndReason]
    END_REASON_HOST_GONE: _ClassVar[EndReason]
    END_REASON_CANCELLED: _ClassVar[EndReason]
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
END_REASON_UNSPECIFIED: EndReason
END_REASON_HOST_ENDED: EndReason
END_REASON_FORCE_STOPPED: EndReason
END_REASON_HOST_GONE: EndReason
END_REASON_CANCELLED: EndReason

class Live(_message.Message):
    __slots__ = ("id", "group_id", "host_id", "enterprise_id", "title", "description", "audience", "state", "allow_replay", "replay_state", "start_time", "end_time", "scheduled_start_time", "reminder_lead_seconds", "end_reason", "end_note", "stream_on_air")
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
    SCHEDULED_START_TIME_FIELD_NUMBER: _ClassVar[int]
    REMINDER_LEAD_SECONDS_FIELD_NUMBER: _ClassVar[int]
    END_REASON_FIELD_NUMBER: _ClassVar[int]
    END_NOTE_FIELD_NUMBER: _ClassVar[int]
    STREAM_ON_AIR_FIELD_NUMBER: _ClassVar[int]
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
    scheduled_start_time: _timestamp_pb2.Timestamp
    reminder_lead_seconds: int
    end_reason: EndReason
    end_note: str
    stream_on_air: bool
    def __init__(self, id: _Optional[str] = ..., group_id: _Optional[str] = ..., host_id: _Optional[str] = ..., enterprise_id: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., audience: _Optional[_Union[Audience, str]] = ..., state: _Optional[_Union[LiveState, str]] = ..., allow_replay: _Optional[bool] = ..., replay_state: _Optional[_Union[ReplayState, str]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., scheduled_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reminder_lead_seconds: _Optional[int] = ..., end_reason: _Optional[_Union[EndReason, str]] = ..., end_note: _Optional[str] = ..., stream_on_air: _Optional[bool] = ...) -> None: ...

class PlayEndpoint(_message.Message):
    __slots__ = ("url", "play_token", "expire_time")
    URL_FIELD_NUMBER: _ClassVar[int]
    PLAY_TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    url: str
    play_token: str
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, url: _Optional[str] = ..., play_token: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class LiveStats(_message.Message):
    __slots__ = ("live_id", "current_viewers", "peak_viewers", "total_viewers", "employee_viewers", "wechat_viewers", "total_watch_seconds", "duration_seconds", "comment_num", "like_count", "mic_num")
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENT_VIEWERS_FIELD_NUMBER: _ClassVar[int]
    PEAK_VIEWERS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_VIEWERS_FIELD_NUMBER: _ClassVar[int]
    EMPLOYEE_VIEWERS_FIELD_NUMBER: _ClassVar[int]
    WECHAT_VIEWERS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_WATCH_SECONDS_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    COMMENT_NUM_FIELD_NUMBER: _ClassVar[int]
    LIKE_COUNT_FIELD_NUMBER: _ClassVar[int]
    MIC_NUM_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    current_viewers: int
    peak_viewers: int
    total_viewers: int
    employee_viewers: int
    wechat_viewers: int
    total_watch_seconds: int
    duration_seconds: int
    comment_num: int
    like_count: int
    mic_num: int
    def __init__(self, live_id: _Optional[str] = ..., current_viewers: _Optional[int] = ..., peak_viewers: _Optional[int] = ..., total_viewers: _Optional[int] = ..., employee_viewers: _Optional[int] = ..., wechat_viewers: _Optional[int] = ..., total_watch_seconds: _Optional[int] = ..., duration_seconds: _Optional[int] = ..., comment_num: _Optional[int] = ..., like_count: _Optional[int] = ..., mic_num: _Optional[int] = ...) -> None: ...

class ViewerRecord(_message.Message):
    __slots__ = ("viewer_id", "employee", "watch_seconds", "first_join_time", "last_seen_time", "watching", "share_id", "is_comment", "is_mic")
    VIEWER_ID_FIELD_NUMBER: _ClassVar[int]
    EMPLOYEE_FIELD_NUMBER: _ClassVar[int]
    WATCH_SECONDS_FIELD_NUMBER: _ClassVar[int]
    FIRST_JOIN_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_TIME_FIELD_NUMBER: _ClassVar[int]
    WATCHING_FIELD_NUMBER: _ClassVar[int]
    SHARE_ID_FIELD_NUMBER: _ClassVar[int]
    IS_COMMENT_FIELD_NUMBER: _ClassVar[int]
    IS_MIC_FIELD_NUMBER: _ClassVar[int]
    viewer_id: str
    employee: bool
    watch_seconds: int
    first_join_time: _timestamp_pb2.Timestamp
    last_seen_time: _timestamp_pb2.Timestamp
    watching: bool
    share_id: str
    is_comment: bool
    is_mic: bool
    def __init__(self, viewer_id: _Optional[str] = ..., employee: _Optional[bool] = ..., watch_seconds: _Optional[int] = ..., first_join_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_seen_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., watching: _Optional[bool] = ..., share_id: _Optional[str] = ..., is_comment: _Optional[bool] = ..., is_mic: _Optional[bool] = ...) -> None: ...

class ShareRecord(_message.Message):
    __slots__ = ("share_id", "sharer_id", "viewers", "create_time")
    SHARE_ID_FIELD_NUMBER: _ClassVar[int]
    SHARER_ID_FIELD_NUMBER: _ClassVar[int]
    VIEWERS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    share_id: str
    sharer_id: str
    viewers: int
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, share_id: _Optional[str] = ..., sharer_id: _Optional[str] = ..., viewers: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Replay(_message.Message):
    __slots__ = ("live_id", "state", "url", "ready_time", "duration_ms", "failure_reason")
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    READY_TIME_FIELD_NUMBER: _ClassVar[int]
    DURATION_MS_FIELD_NUMBER: _ClassVar[int]
    FAILURE_REASON_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    state: ReplayState
    url: str
    ready_time: _timestamp_pb2.Timestamp
    duration_ms: int
    failure_reason: str
    def __init__(self, live_id: _Optional[str] = ..., state: _Optional[_Union[ReplayState, str]] = ..., url: _Optional[str] = ..., ready_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration_ms: _Optional[int] = ..., failure_reason: _Optional[str] = ...) -> None: ...

class PublishEndpoint(_message.Message):
    __slots__ = ("url", "stream_key", "push_url")
    URL_FIELD_NUMBER: _ClassVar[int]
    STREAM_KEY_FIELD_NUMBER: _ClassVar[int]
    PUSH_URL_FIELD_NUMBER: _ClassVar[int]
    url: str
    stream_key: str
    push_url: str
    def __init__(self, url: _Optional[str] = ..., stream_key: _Optional[str] = ..., push_url: _Optional[str] = ...) -> None: ...

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

class ScheduleLiveRequest(_message.Message):
    __slots__ = ("request_id", "group_id", "title", "description", "start_time", "reminder_lead_seconds", "audience", "allow_replay")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    REMINDER_LEAD_SECONDS_FIELD_NUMBER: _ClassVar[int]
    AUDIENCE_FIELD_NUMBER: _ClassVar[int]
    ALLOW_REPLAY_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    group_id: str
    title: str
    description: str
    start_time: _timestamp_pb2.Timestamp
    reminder_lead_seconds: int
    audience: Audience
    allow_replay: bool
    def __init__(self, request_id: _Optional[str] = ..., group_id: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reminder_lead_seconds: _Optional[int] = ..., audience: _Optional[_Union[Audience, str]] = ..., allow_replay: _Optional[bool] = ...) -> None: ...

class ScheduleLiveResponse(_message.Message):
    __slots__ = ("live",)
    LIVE_FIELD_NUMBER: _ClassVar[int]
    live: Live
    def __init__(self, live: _Optional[_Union[Live, _Mapping]] = ...) -> None: ...

class OpenPreviewRequest(_message.Message):
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

class OpenPreviewResponse(_message.Message):
    __slots__ = ("live", "publish")
    LIVE_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_FIELD_NUMBER: _ClassVar[int]
    live: Live
    publish: PublishEndpoint
    def __init__(self, live: _Optional[_Union[Live, _Mapping]] = ..., publish: _Optional[_Union[PublishEndpoint, _Mapping]] = ...) -> None: ...

class GoLiveRequest(_message.Message):
    __slots__ = ("live_id",)
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    def __init__(self, live_id: _Optional[str] = ...) -> None: ...

class GoLiveResponse(_message.Message):
    __slots__ = ("live", "publish")
    LIVE_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_FIELD_NUMBER: _ClassVar[int]
    live: Live
    publish: PublishEndpoint
    def __init__(self, live: _Optional[_Union[Live, _Mapping]] = ..., publish: _Optional[_Union[PublishEndpoint, _Mapping]] = ...) -> None: ...

class CancelScheduledLiveRequest(_message.Message):
    __slots__ = ("live_id",)
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    def __init__(self, live_id: _Optional[str] = ...) -> None: ...

class CancelScheduledLiveResponse(_message.Message):
    __slots__ = ("live",)
    LIVE_FIELD_NUMBER: _ClassVar[int]
    live: Live
    def __init__(self, live: _Optional[_Union[Live, _Mapping]] = ...) -> None: ...

class RemindMeRequest(_message.Message):
    __slots__ = ("live_id",)
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    def __init__(self, live_id: _Optional[str] = ...) -> None: ...

class RemindMeResponse(_message.Message):
    __slots__ = ("remind_time",)
    REMIND_TIME_FIELD_NUMBER: _ClassVar[int]
    remind_time: _timestamp_pb2.Timestamp
    def __init__(self, remind_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class UpdateAudienceRequest(_message.Message):
    __slots__ = ("live_id", "audience")
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    AUDIENCE_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    audience: Audience
    def __init__(self, live_id: _Optional[str] = ..., audience: _Optional[_Union[Audience, str]] = ...) -> None: ...

class UpdateAudienceResponse(_message.Message):
    __slots__ = ("live",)
    LIVE_FIELD_NUMBER: _ClassVar[int]
    live: Live
    def __init__(self, live: _Optional[_Union[Live, _Mapping]] = ...) -> None: ...

class RotateStreamKeyRequest(_message.Message):
    __slots__ = ("live_id",)
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    def __init__(self, live_id: _Optional[str] = ...) -> None: ...

class RotateStreamKeyResponse(_message.Message):
    __slots__ = ("publish",)
    PUBLISH_FIELD_NUMBER: _ClassVar[int]
    publish: PublishEndpoint
    def __init__(self, publish: _Optional[_Union[PublishEndpoint, _Mapping]] = ...) -> None: ...

class HostHeartbeatRequest(_message.Message):
    __slots__ = ("live_id",)
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    def __init__(self, live_id: _Optional[str] = ...) -> None: ...

class HostHeartbeatResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class JoinLiveRequest(_message.Message):
    __slots__ = ("live_id", "share_link", "forward_id")
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    SHARE_LINK_FIELD_NUMBER: _ClassVar[int]
    FORWARD_ID_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    share_link: str
    forward_id: str
    def __init__(self, live_id: _Optional[str] = ..., share_link: _Optional[str] = ..., forward_id: _Optional[str] = ...) -> None: ...

class JoinLiveResponse(_message.Message):
    __slots__ = ("live", "play", "heartbeat_interval_seconds")
    LIVE_FIELD_NUMBER: _ClassVar[int]
    PLAY_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_INTERVAL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    live: Live
    play: PlayEndpoint
    heartbeat_interval_seconds: int
    def __init__(self, live: _Optional[_Union[Live, _Mapping]] = ..., play: _Optional[_Union[PlayEndpoint, _Mapping]] = ..., heartbeat_interval_seconds: _Optional[int] = ...) -> None: ...

class ViewerHeartbeatRequest(_message.Message):
    __slots__ = ("live_id",)
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    def __init__(self, live_id: _Optional[str] = ...) -> None: ...

class ViewerHeartbeatResponse(_message.Message):
    __slots__ = ("current_viewers", "play")
    CURRENT_VIEWERS_FIELD_NUMBER: _ClassVar[int]
    PLAY_FIELD_NUMBER: _ClassVar[int]
    current_viewers: int
    play: PlayEndpoint
    def __init__(self, current_viewers: _Optional[int] = ..., play: _Optional[_Union[PlayEndpoint, _Mapping]] = ...) -> None: ...

class LeaveLiveRequest(_message.Message):
    __slots__ = ("live_id",)
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    def __init__(self, live_id: _Optional[str] = ...) -> None: ...

class LeaveLiveResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetLiveStatsRequest(_message.Message):
    __slots__ = ("live_id",)
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    def __init__(self, live_id: _Optional[str] = ...) -> None: ...

class GetLiveStatsResponse(_message.Message):
    __slots__ = ("stats",)
    STATS_FIELD_NUMBER: _ClassVar[int]
    stats: LiveStats
    def __init__(self, stats: _Optional[_Union[LiveStats, _Mapping]] = ...) -> None: ...

class ListViewersRequest(_message.Message):
    __slots__ = ("live_id", "page_size", "page_token")
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    page_size: int
    page_token: str
    def __init__(self, live_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListViewersResponse(_message.Message):
    __slots__ = ("viewers", "next_page_token")
    VIEWERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    viewers: _containers.RepeatedCompositeFieldContainer[ViewerRecord]
    next_page_token: str
    def __init__(self, viewers: _Optional[_Iterable[_Union[ViewerRecord, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CreateShareLinkRequest(_message.Message):
    __slots__ = ("live_id",)
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    def __init__(self, live_id: _Optional[str] = ...) -> None: ...

class CreateShareLinkResponse(_message.Message):
    __slots__ = ("url", "share_id", "expire_time")
    URL_FIELD_NUMBER: _ClassVar[int]
    SHARE_ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    url: str
    share_id: str
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, url: _Optional[str] = ..., share_id: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListSharesRequest(_message.Message):
    __slots__ = ("live_id", "page_size", "page_token")
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    page_size: int
    page_token: str
    def __init__(self, live_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSharesResponse(_message.Message):
    __slots__ = ("shares", "next_page_token")
    SHARES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    shares: _containers.RepeatedCompositeFieldContainer[ShareRecord]
    next_page_token: str
    def __init__(self, shares: _Optional[_Iterable[_Union[ShareRecord, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class EndLiveRequest(_message.Message):
    __slots__ = ("live_id",)
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    def __init__(self, live_id: _Optional[str] = ...) -> None: ...

class EndLiveResponse(_message.Message):
    __slots__ = ("live", "stats")
    LIVE_FIELD_NUMBER: _ClassVar[int]
    STATS_FIELD_NUMBER: _ClassVar[int]
    live: Live
    stats: LiveStats
    def __init__(self, live: _Optional[_Union[Live, _Mapping]] = ..., stats: _Optional[_Union[LiveStats, _Mapping]] = ...) -> None: ...

class ForceStopLiveRequest(_message.Message):
    __slots__ = ("live_id", "reason")
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    reason: str
    def __init__(self, live_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ForceStopLiveResponse(_message.Message):
    __slots__ = ("live",)
    LIVE_FIELD_NUMBER: _ClassVar[int]
    live: Live
    def __init__(self, live: _Optional[_Union[Live, _Mapping]] = ...) -> None: ...

class GetReplayRequest(_message.Message):
    __slots__ = ("live_id",)
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    def __init__(self, live_id: _Optional[str] = ...) -> None: ...

class GetReplayResponse(_message.Message):
    __slots__ = ("replay", "play")
    REPLAY_FIELD_NUMBER: _ClassVar[int]
    PLAY_FIELD_NUMBER: _ClassVar[int]
    replay: Replay
    play: PlayEndpoint
    def __init__(self, replay: _Optional[_Union[Replay, _Mapping]] = ..., play: _Optional[_Union[PlayEndpoint, _Mapping]] = ...) -> None: ...

class DeleteReplayRequest(_message.Message):
    __slots__ = ("live_id",)
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    def __init__(self, live_id: _Optional[str] = ...) -> None: ...

class DeleteReplayResponse(_message.Message):
    __slots__ = ("replay",)
    REPLAY_FIELD_NUMBER: _ClassVar[int]
    replay: Replay
    def __init__(self, replay: _Optional[_Union[Replay, _Mapping]] = ...) -> None: ...
