import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ModerationActionKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MODERATION_ACTION_KIND_UNSPECIFIED: _ClassVar[ModerationActionKind]
    MODERATION_ACTION_KIND_COMMENT_DELETED: _ClassVar[ModerationActionKind]
    MODERATION_ACTION_KIND_VIEWER_MUTED: _ClassVar[ModerationActionKind]
    MODERATION_ACTION_KIND_VIEWER_UNMUTED: _ClassVar[ModerationActionKind]
    MODERATION_ACTION_KIND_VIEWER_REMOVED: _ClassVar[ModerationActionKind]
    MODERATION_ACTION_KIND_REPORT_DISMISSED: _ClassVar[ModerationActionKind]
    MODERATION_ACTION_KIND_LIVE_FORCE_STOPPED: _ClassVar[ModerationActionKind]
    MODERATION_ACTION_KIND_BLOCKED_WORDS_ADDED: _ClassVar[ModerationActionKind]
    MODERATION_ACTION_KIND_BLOCKED_WORDS_REMOVED: _ClassVar[ModerationActionKind]

class ReportReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REPORT_REASON_UNSPECIFIED: _ClassVar[ReportReason]
    REPORT_REASON_SPAM: _ClassVar[ReportReason]
    REPORT_REASON_ABUSE: _ClassVar[ReportReason]
    REPORT_REASON_SEXUAL_CONTENT: _ClassVar[ReportReason]
    REPORT_REASON_ILLEGAL: _ClassVar[ReportReason]
    REPORT_REASON_OTHER: _ClassVar[ReportReason]

class ReportState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REPORT_STATE_UNSPECIFIED: _ClassVar[ReportState]
    REPORT_STATE_OPEN: _ClassVar[ReportState]
    REPORT_STATE_DISMISSED: _ClassVar[ReportState]
    REPORT_STATE_FORCE_STOPPED: _ClassVar[ReportState]

class ReportResolution(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REPORT_RESOLUTION_UNSPECIFIED: _ClassVar[ReportResolution]
    REPORT_RESOLUTION_DISMISS: _ClassVar[ReportResolution]
    REPORT_RESOLUTION_FORCE_STOP: _ClassVar[ReportResolution]
MODERATION_ACTION_KIND_UNSPECIFIED: ModerationActionKind
MODERATION_ACTION_KIND_COMMENT_DELETED: ModerationActionKind
MODERATION_ACTION_KIND_VIEWER_MUTED: ModerationActionKind
MODERATION_ACTION_KIND_VIEWER_UNMUTED: ModerationActionKind
MODERATION_ACTION_KIND_VIEWER_REMOVED: ModerationActionKind
MODERATION_ACTION_KIND_REPORT_DISMISSED: ModerationActionKind
MODERATION_ACTION_KIND_LIVE_FORCE_STOPPED: ModerationActionKind
MODERATION_ACTION_KIND_BLOCKED_WORDS_ADDED: ModerationActionKind
MODERATION_ACTION_KIND_BLOCKED_WORDS_REMOVED: ModerationActionKind
REPORT_REASON_UNSPECIFIED: ReportReason
REPORT_REASON_SPAM: ReportReason
REPORT_REASON_ABUSE: ReportReason
REPORT_REASON_SEXUAL_CONTENT: ReportReason
REPORT_REASON_ILLEGAL: ReportReason
REPORT_REASON_OTHER: ReportReason
REPORT_STATE_UNSPECIFIED: ReportState
REPORT_STATE_OPEN: ReportState
REPORT_STATE_DISMISSED: ReportState
REPORT_STATE_FORCE_STOPPED: ReportState
REPORT_RESOLUTION_UNSPECIFIED: ReportResolution
REPORT_RESOLUTION_DISMISS: ReportResolution
REPORT_RESOLUTION_FORCE_STOP: ReportResolution

class ModerationAction(_message.Message):
    __slots__ = ("id", "kind", "enterprise_id", "live_id", "actor_id", "target_id", "comment_sequence", "report_id", "reason", "until", "words", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_ID_FIELD_NUMBER: _ClassVar[int]
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_ID_FIELD_NUMBER: _ClassVar[int]
    COMMENT_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    REPORT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    WORDS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: ModerationActionKind
    enterprise_id: str
    live_id: str
    actor_id: str
    target_id: str
    comment_sequence: int
    report_id: str
    reason: str
    until: _timestamp_pb2.Timestamp
    words: _containers.RepeatedScalarFieldContainer[str]
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[_Union[ModerationActionKind, str]] = ..., enterprise_id: _Optional[str] = ..., live_id: _Optional[str] = ..., actor_id: _Optional[str] = ..., target_id: _Optional[str] = ..., comment_sequence: _Optional[int] = ..., report_id: _Optional[str] = ..., reason: _Optional[str] = ..., until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., words: _Optional[_Iterable[str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Report(_message.Message):
    __slots__ = ("id", "live_id", "enterprise_id", "reporter_id", "reason", "note", "state", "create_time", "resolved_by", "resolve_time", "resolution_note")
    ID_FIELD_NUMBER: _ClassVar[int]
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_ID_FIELD_NUMBER: _ClassVar[int]
    REPORTER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_BY_FIELD_NUMBER: _ClassVar[int]
    RESOLVE_TIME_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_NOTE_FIELD_NUMBER: _ClassVar[int]
    id: str
    live_id: str
    enterprise_id: str
    reporter_id: str
    reason: ReportReason
    note: str
    state: ReportState
    create_time: _timestamp_pb2.Timestamp
    resolved_by: str
    resolve_time: _timestamp_pb2.Timestamp
    resolution_note: str
    def __init__(self, id: _Optional[str] = ..., live_id: _Optional[str] = ..., enterprise_id: _Optional[str] = ..., reporter_id: _Optional[str] = ..., reason: _Optional[_Union[ReportReason, str]] = ..., note: _Optional[str] = ..., state: _Optional[_Union[ReportState, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resolved_by: _Optional[str] = ..., resolve_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resolution_note: _Optional[str] = ...) -> None: ...

class BlockedWord(_message.Message):
    __slots__ = ("word", "added_by", "create_time")
    WORD_FIELD_NUMBER: _ClassVar[int]
    ADDED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    word: str
    added_by: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, word: _Optional[str] = ..., added_by: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DeleteCommentRequest(_message.Message):
    __slots__ = ("live_id", "comment_sequence", "reason")
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    COMMENT_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    comment_sequence: int
    reason: str
    def __init__(self, live_id: _Optional[str] = ..., comment_sequence: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class DeleteCommentResponse(_message.Message):
    __slots__ = ("action",)
    ACTION_FIELD_NUMBER: _ClassVar[int]
    action: ModerationAction
    def __init__(self, action: _Optional[_Union[ModerationAction, _Mapping]] = ...) -> None: ...

class MuteViewerRequest(_message.Message):
    __slots__ = ("live_id", "viewer_id", "duration_seconds", "reason")
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    VIEWER_ID_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    viewer_id: str
    duration_seconds: int
    reason: str
    def __init__(self, live_id: _Optional[str] = ..., viewer_id: _Optional[str] = ..., duration_seconds: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class MuteViewerResponse(_message.Message):
    __slots__ = ("action",)
    ACTION_FIELD_NUMBER: _ClassVar[int]
    action: ModerationAction
    def __init__(self, action: _Optional[_Union[ModerationAction, _Mapping]] = ...) -> None: ...

class UnmuteViewerRequest(_message.Message):
    __slots__ = ("live_id", "viewer_id", "reason")
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    VIEWER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    viewer_id: str
    reason: str
    def __init__(self, live_id: _Optional[str] = ..., viewer_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class UnmuteViewerResponse(_message.Message):
    __slots__ = ("action",)
    ACTION_FIELD_NUMBER: _ClassVar[int]
    action: ModerationAction
    def __init__(self, action: _Optional[_Union[ModerationAction, _Mapping]] = ...) -> None: ...

class RemoveViewerRequest(_message.Message):
    __slots__ = ("live_id", "viewer_id", "reason")
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    VIEWER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    viewer_id: str
    reason: str
    def __init__(self, live_id: _Optional[str] = ..., viewer_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RemoveViewerResponse(_message.Message):
    __slots__ = ("action",)
    ACTION_FIELD_NUMBER: _ClassVar[int]
    action: ModerationAction
    def __init__(self, action: _Optional[_Union[ModerationAction, _Mapping]] = ...) -> None: ...

class ListModerationActionsRequest(_message.Message):
    __slots__ = ("live_id", "page_size", "page_token")
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    live_id: str
    page_size: int
    page_token: str
    def __init__(self, live_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListModerationActionsResponse(_message.Message):
    __slots__ = ("actions", "next_page_token")
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    actions: _containers.RepeatedCompositeFieldContainer[ModerationAction]
    next_page_token: str
    def __init__(self, actions: _Optional[_Iterable[_Union[ModerationAction, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ReportLiveRequest(_message.Message):
    __slots__ = ("request_id", "live_id", "reason", "note")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    live_id: str
    reason: ReportReason
    note: str
    def __init__(self, request_id: _Optional[str] = ..., live_id: _Optional[str] = ..., reason: _Optional[_Union[ReportReason, str]] = ..., note: _Optional[str] = ...) -> None: ...

class ReportLiveResponse(_message.Message):
    __slots__ = ("report",)
    REPORT_FIELD_NUMBER: _ClassVar[int]
    report: Report
    def __init__(self, report: _Optional[_Union[Report, _Mapping]] = ...) -> None: ...

class ListReportsRequest(_message.Message):
    __slots__ = ("state", "live_id", "page_size", "page_token")
    STATE_FIELD_NUMBER: _ClassVar[int]
    LIVE_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    state: ReportState
    live_id: str
    page_size: int
    page_token: str
    def __init__(self, state: _Optional[_Union[ReportState, str]] = ..., live_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListReportsResponse(_message.Message):
    __slots__ = ("reports", "next_page_token")
    REPORTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    reports: _containers.RepeatedCompositeFieldContainer[Report]
    next_page_token: str
    def __init__(self, reports: _Optional[_Iterable[_Union[Report, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ResolveReportRequest(_message.Message):
    __slots__ = ("report_id", "resolution", "note")
    REPORT_ID_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    report_id: str
    resolution: ReportResolution
    note: str
    def __init__(self, report_id: _Optional[str] = ..., resolution: _Optional[_Union[ReportResolution, str]] = ..., note: _Optional[str] = ...) -> None: ...

class ResolveReportResponse(_message.Message):
    __slots__ = ("report",)
    REPORT_FIELD_NUMBER: _ClassVar[int]
    report: Report
    def __init__(self, report: _Optional[_Union[Report, _Mapping]] = ...) -> None: ...

class UpdateBlockedWordsRequest(_message.Message):
    __slots__ = ("add", "remove")
    ADD_FIELD_NUMBER: _ClassVar[int]
    REMOVE_FIELD_NUMBER: _ClassVar[int]
    add: _containers.RepeatedScalarFieldContainer[str]
    remove: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, add: _Optional[_Iterable[str]] = ..., remove: _Optional[_Iterable[str]] = ...) -> None: ...

class UpdateBlockedWordsResponse(_message.Message):
    __slots__ = ("word_count",)
    WORD_COUNT_FIELD_NUMBER: _ClassVar[int]
    word_count: int
    def __init__(self, word_count: _Optional[int] = ...) -> None: ...

class ListBlockedWordsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListBlockedWordsResponse(_message.Message):
    __slots__ = ("words", "next_page_token")
    WORDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    words: _containers.RepeatedCompositeFieldContainer[BlockedWord]
    next_page_token: str
    def __init__(self, words: _Optional[_Iterable[_Union[BlockedWord, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
