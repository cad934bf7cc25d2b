import datetime

from convene.groups.v1 import covers_pb2 as _covers_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GroupKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GROUP_KIND_UNSPECIFIED: _ClassVar[GroupKind]
    GROUP_KIND_INTERNAL: _ClassVar[GroupKind]
    GROUP_KIND_EXTERNAL: _ClassVar[GroupKind]
    GROUP_KIND_DIRECT: _ClassVar[GroupKind]

class CardKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CARD_KIND_UNSPECIFIED: _ClassVar[CardKind]
    CARD_KIND_LIVE: _ClassVar[CardKind]
    CARD_KIND_MEETING: _ClassVar[CardKind]
    CARD_KIND_REPLAY: _ClassVar[CardKind]

class CardState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CARD_STATE_UNSPECIFIED: _ClassVar[CardState]
    CARD_STATE_SCHEDULED: _ClassVar[CardState]
    CARD_STATE_LIVE: _ClassVar[CardState]
    CARD_STATE_ENDED: _ClassVar[CardState]
    CARD_STATE_REPLAY_READY: _ClassVar[CardState]
    CARD_STATE_REPLAY_DELETED: _ClassVar[CardState]

class CallType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CALL_TYPE_UNSPECIFIED: _ClassVar[CallType]
    CALL_TYPE_VOICE: _ClassVar[CallType]
    CALL_TYPE_VIDEO: _ClassVar[CallType]

class CallState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CALL_STATE_UNSPECIFIED: _ClassVar[CallState]
    CALL_STATE_ACTIVE: _ClassVar[CallState]
    CALL_STATE_UPGRADING: _ClassVar[CallState]
    CALL_STATE_UPGRADED: _ClassVar[CallState]
    CALL_STATE_ENDED: _ClassVar[CallState]

class ParticipantState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PARTICIPANT_STATE_UNSPECIFIED: _ClassVar[ParticipantState]
    PARTICIPANT_STATE_INVITED: _ClassVar[ParticipantState]
    PARTICIPANT_STATE_JOINED: _ClassVar[ParticipantState]
    PARTICIPANT_STATE_LEFT: _ClassVar[ParticipantState]

class ForwardTarget(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FORWARD_TARGET_UNSPECIFIED: _ClassVar[ForwardTarget]
    FORWARD_TARGET_GROUP: _ClassVar[ForwardTarget]
    FORWARD_TARGET_DIRECT_CHAT: _ClassVar[ForwardTarget]
    FORWARD_TARGET_WECHAT: _ClassVar[ForwardTarget]
GROUP_KIND_UNSPECIFIED: GroupKind
GROUP_KIND_INTERNAL: GroupKind
GROUP_KIND_EXTERNAL: GroupKind
GROUP_KIND_DIRECT: GroupKind
CARD_KIND_UNSPECIFIED: CardKind
CARD_KIND_LIVE: CardKind
CARD_KIND_MEETING: CardKind
CARD_KIND_REPLAY: CardKind
CARD_STATE_UNSPECIFIED: CardState
CARD_STATE_SCHEDULED: CardState
CARD_STATE_LIVE: CardState
CARD_STATE_ENDED: CardState
CARD_STATE_REPLAY_READY: CardState
CARD_STATE_REPLAY_DELETED: CardState
CALL_TYPE_UNSPECIFIED: CallType
CALL_TYPE_VOICE: CallType
CALL_TYPE_VIDEO: CallType
CALL_STATE_UNSPECIFIED: CallState
CALL_STATE_ACTIVE: CallState
CALL_STATE_UPGRADING: CallState
CALL_STATE_UPGRADED: CallState
CALL_STATE_ENDED: CallState
PARTICIPANT_STATE_UNSPECIFIED: ParticipantState
PARTICIPANT_STATE_INVITED: ParticipantState
PARTICIPANT_STATE_JOINED: ParticipantState
PARTICIPANT_STATE_LEFT: ParticipantState
FORWARD_TARGET_UNSPECIFIED: ForwardTarget
FORWARD_TARGET_GROUP: ForwardTarget
FORWARD_TARGET_DIRECT_CHAT: ForwardTarget
FORWARD_TARGET_WECHAT: ForwardTarget

class Group(_message.Message):
    __slots__ = ("id", "name", "kind", "enterprise_id", "owner_id", "member_count", "create_time", "admin_ids")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_COUNT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ADMIN_IDS_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    kind: GroupKind
    enterprise_id: str
    owner_id: str
    member_count: int
    create_time: _timestamp_pb2.Timestamp
    admin_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[_Union[GroupKind, str]] = ..., enterprise_id: _Optional[str] = ..., owner_id: _Optional[str] = ..., member_count: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., admin_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class Card(_message.Message):
    __slots__ = ("id", "kind", "subject_id", "state", "title", "author_id", "version", "update_time", "details")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: CardKind
    subject_id: str
    state: CardState
    title: str
    author_id: str
    version: int
    update_time: _timestamp_pb2.Timestamp
    details: CardDetails
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[_Union[CardKind, str]] = ..., subject_id: _Optional[str] = ..., state: _Optional[_Union[CardState, str]] = ..., title: _Optional[str] = ..., author_id: _Optional[str] = ..., version: _Optional[int] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., details: _Optional[_Union[CardDetails, _Mapping]] = ...) -> None: ...

class CardDetails(_message.Message):
    __slots__ = ("start_time", "duration_seconds", "total_viewers", "peak_viewers", "replay_url", "replay_duration_seconds")
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_VIEWERS_FIELD_NUMBER: _ClassVar[int]
    PEAK_VIEWERS_FIELD_NUMBER: _ClassVar[int]
    REPLAY_URL_FIELD_NUMBER: _ClassVar[int]
    REPLAY_DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    start_time: _timestamp_pb2.Timestamp
    duration_seconds: int
    total_viewers: int
    peak_viewers: int
    replay_url: str
    replay_duration_seconds: int
    def __init__(self, start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration_seconds: _Optional[int] = ..., total_viewers: _Optional[int] = ..., peak_viewers: _Optional[int] = ..., replay_url: _Optional[str] = ..., replay_duration_seconds: _Optional[int] = ...) -> None: ...

class TimelineItem(_message.Message):
    __slots__ = ("id", "sequence", "sender_id", "create_time", "text", "card", "red_packet", "recall", "forward_id", "reply_to", "mention_ids", "mention_all", "recalled")
    ID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    SENDER_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    CARD_FIELD_NUMBER: _ClassVar[int]
    RED_PACKET_FIELD_NUMBER: _ClassVar[int]
    RECALL_FIELD_NUMBER: _ClassVar[int]
    FORWARD_ID_FIELD_NUMBER: _ClassVar[int]
    REPLY_TO_FIELD_NUMBER: _ClassVar[int]
    MENTION_IDS_FIELD_NUMBER: _ClassVar[int]
    MENTION_ALL_FIELD_NUMBER: _ClassVar[int]
    RECALLED_FIELD_NUMBER: _ClassVar[int]
    id: str
    sequence: int
    sender_id: str
    create_time: _timestamp_pb2.Timestamp
    text: str
    card: Card
    red_packet: RedPacket
    recall: Recall
    forward_id: str
    reply_to: Quote
    mention_ids: _containers.RepeatedScalarFieldContainer[str]
    mention_all: bool
    recalled: Recall
    def __init__(self, id: _Optional[str] = ..., sequence: _Optional[int] = ..., sender_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., text: _Optional[str] = ..., card: _Optional[_Union[Card, _Mapping]] = ..., red_packet: _Optional[_Union[RedPacket, _Mapping]] = ..., recall: _Optional[_Union[Recall, _Mapping]] = ..., forward_id: _Optional[str] = ..., reply_to: _Optional[_Union[Quote, _Mapping]] = ..., mention_ids: _Optional[_Iterable[str]] = ..., mention_all: _Optional[bool] = ..., recalled: _Optional[_Union[Recall, _Mapping]] = ...) -> None: ...

class Quote(_message.Message):
    __slots__ = ("sequence", "item_id", "sender_id", "text", "recalled")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    SENDER_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    RECALLED_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    item_id: str
    sender_id: str
    text: str
    recalled: bool
    def __init__(self, sequence: _Optional[int] = ..., item_id: _Optional[str] = ..., sender_id: _Optional[str] = ..., text: _Optional[str] = ..., recalled: _Optional[bool] = ...) -> None: ...

class Recall(_message.Message):
    __slots__ = ("sequence", "item_id", "sender_id", "recalled_by_id", "recall_time")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    SENDER_ID_FIELD_NUMBER: _ClassVar[int]
    RECALLED_BY_ID_FIELD_NUMBER: _ClassVar[int]
    RECALL_TIME_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    item_id: str
    sender_id: str
    recalled_by_id: str
    recall_time: _timestamp_pb2.Timestamp
    def __init__(self, sequence: _Optional[int] = ..., item_id: _Optional[str] = ..., sender_id: _Optional[str] = ..., recalled_by_id: _Optional[str] = ..., recall_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RedPacket(_message.Message):
    __slots__ = ("amount_fen", "shares", "greeting", "cover", "claimed_shares", "claimed_amount_fen")
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    SHARES_FIELD_NUMBER: _ClassVar[int]
    GREETING_FIELD_NUMBER: _ClassVar[int]
    COVER_FIELD_NUMBER: _ClassVar[int]
    CLAIMED_SHARES_FIELD_NUMBER: _ClassVar[int]
    CLAIMED_AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    amount_fen: int
    shares: int
    greeting: str
    cover: _covers_pb2.RedPacketCover
    claimed_shares: int
    claimed_amount_fen: int
    def __init__(self, amount_fen: _Optional[int] = ..., shares: _Optional[int] = ..., greeting: _Optional[str] = ..., cover: _Optional[_Union[_covers_pb2.RedPacketCover, _Mapping]] = ..., claimed_shares: _Optional[int] = ..., claimed_amount_fen: _Optional[int] = ...) -> None: ...

class RedPacketClaim(_message.Message):
    __slots__ = ("claimer_id", "amount_fen", "claim_time")
    CLAIMER_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    CLAIM_TIME_FIELD_NUMBER: _ClassVar[int]
    claimer_id: str
    amount_fen: int
    claim_time: _timestamp_pb2.Timestamp
    def __init__(self, claimer_id: _Optional[str] = ..., amount_fen: _Optional[int] = ..., claim_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ChatState(_message.Message):
    __slots__ = ("group_id", "read_sequence", "unread_count", "as_of_sequence", "mentioned", "muted", "version")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    READ_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    AS_OF_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    MENTIONED_FIELD_NUMBER: _ClassVar[int]
    MUTED_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    read_sequence: int
    unread_count: int
    as_of_sequence: int
    mentioned: bool
    muted: bool
    version: int
    def __init__(self, group_id: _Optional[str] = ..., read_sequence: _Optional[int] = ..., unread_count: _Optional[int] = ..., as_of_sequence: _Optional[int] = ..., mentioned: _Optional[bool] = ..., muted: _Optional[bool] = ..., version: _Optional[int] = ...) -> None: ...

class Conversation(_message.Message):
    __slots__ = ("group", "last_item", "state", "last_activity_time")
    GROUP_FIELD_NUMBER: _ClassVar[int]
    LAST_ITEM_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    LAST_ACTIVITY_TIME_FIELD_NUMBER: _ClassVar[int]
    group: Group
    last_item: TimelineItem
    state: ChatState
    last_activity_time: _timestamp_pb2.Timestamp
    def __init__(self, group: _Optional[_Union[Group, _Mapping]] = ..., last_item: _Optional[_Union[TimelineItem, _Mapping]] = ..., state: _Optional[_Union[ChatState, _Mapping]] = ..., last_activity_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ReceiptCount(_message.Message):
    __slots__ = ("sequence", "read_count", "unread_count")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    READ_COUNT_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    read_count: int
    unread_count: int
    def __init__(self, sequence: _Optional[int] = ..., read_count: _Optional[int] = ..., unread_count: _Optional[int] = ...) -> None: ...

class ReceiptCounts(_message.Message):
    __slots__ = ("group_id", "version", "counts")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    version: int
    counts: _containers.RepeatedCompositeFieldContainer[ReceiptCount]
    def __init__(self, group_id: _Optional[str] = ..., version: _Optional[int] = ..., counts: _Optional[_Iterable[_Union[ReceiptCount, _Mapping]]] = ...) -> None: ...

class Forward(_message.Message):
    __slots__ = ("id", "card_id", "subject_id", "sharer_id", "from_group_id", "target", "target_group_id", "parent_forward_id", "viewer_count", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    CARD_ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    SHARER_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    TARGET_GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    PARENT_FORWARD_ID_FIELD_NUMBER: _ClassVar[int]
    VIEWER_COUNT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    card_id: str
    subject_id: str
    sharer_id: str
    from_group_id: str
    target: ForwardTarget
    target_group_id: str
    parent_forward_id: str
    viewer_count: int
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., card_id: _Optional[str] = ..., subject_id: _Optional[str] = ..., sharer_id: _Optional[str] = ..., from_group_id: _Optional[str] = ..., target: _Optional[_Union[ForwardTarget, str]] = ..., target_group_id: _Optional[str] = ..., parent_forward_id: _Optional[str] = ..., viewer_count: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CallParticipant(_message.Message):
    __slots__ = ("participant_id", "state")
    PARTICIPANT_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    participant_id: str
    state: ParticipantState
    def __init__(self, participant_id: _Optional[str] = ..., state: _Optional[_Union[ParticipantState, str]] = ...) -> None: ...

class GroupCall(_message.Message):
    __slots__ = ("id", "group_id", "type", "state", "starter_id", "participants", "meeting_id", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    STARTER_ID_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    group_id: str
    type: CallType
    state: CallState
    starter_id: str
    participants: _containers.RepeatedCompositeFieldContainer[CallParticipant]
    meeting_id: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., group_id: _Optional[str] = ..., type: _Optional[_Union[CallType, str]] = ..., state: _Optional[_Union[CallState, str]] = ..., starter_id: _Optional[str] = ..., participants: _Optional[_Iterable[_Union[CallParticipant, _Mapping]]] = ..., meeting_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateGroupRequest(_message.Message):
    __slots__ = ("request_id", "name", "kind", "member_ids")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    name: str
    kind: GroupKind
    member_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, request_id: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[_Union[GroupKind, str]] = ..., member_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class CreateGroupResponse(_message.Message):
    __slots__ = ("group",)
    GROUP_FIELD_NUMBER: _ClassVar[int]
    group: Group
    def __init__(self, group: _Optional[_Union[Group, _Mapping]] = ...) -> None: ...

class GetGroupRequest(_message.Message):
    __slots__ = ("group_id",)
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    def __init__(self, group_id: _Optional[str] = ...) -> None: ...

class GetGroupResponse(_message.Message):
    __slots__ = ("group",)
    GROUP_FIELD_NUMBER: _ClassVar[int]
    group: Group
    def __init__(self, group: _Optional[_Union[Group, _Mapping]] = ...) -> None: ...

class ListGroupMembersRequest(_message.Message):
    __slots__ = ("group_id", "page_size", "page_token")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    page_size: int
    page_token: str
    def __init__(self, group_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListGroupMembersResponse(_message.Message):
    __slots__ = ("member_ids", "next_page_token")
    MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    member_ids: _containers.RepeatedScalarFieldContainer[str]
    next_page_token: str
    def __init__(self, member_ids: _Optional[_Iterable[str]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListTimelineRequest(_message.Message):
    __slots__ = ("group_id", "page_size", "page_token", "after_sequence")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    page_size: int
    page_token: str
    after_sequence: int
    def __init__(self, group_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., after_sequence: _Optional[int] = ...) -> None: ...

class ListTimelineResponse(_message.Message):
    __slots__ = ("items", "next_page_token")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[TimelineItem]
    next_page_token: str
    def __init__(self, items: _Optional[_Iterable[_Union[TimelineItem, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListMyGroupsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListMyGroupsResponse(_message.Message):
    __slots__ = ("groups", "next_page_token")
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    groups: _containers.RepeatedCompositeFieldContainer[Group]
    next_page_token: str
    def __init__(self, groups: _Optional[_Iterable[_Union[Group, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class AddGroupMembersRequest(_message.Message):
    __slots__ = ("group_id", "member_ids")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    member_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, group_id: _Optional[str] = ..., member_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class AddGroupMembersResponse(_message.Message):
    __slots__ = ("group", "added_ids")
    GROUP_FIELD_NUMBER: _ClassVar[int]
    ADDED_IDS_FIELD_NUMBER: _ClassVar[int]
    group: Group
    added_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, group: _Optional[_Union[Group, _Mapping]] = ..., added_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class RemoveGroupMemberRequest(_message.Message):
    __slots__ = ("group_id", "member_id")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    member_id: str
    def __init__(self, group_id: _Optional[str] = ..., member_id: _Optional[str] = ...) -> None: ...

class RemoveGroupMemberResponse(_message.Message):
    __slots__ = ("group",)
    GROUP_FIELD_NUMBER: _ClassVar[int]
    group: Group
    def __init__(self, group: _Optional[_Union[Group, _Mapping]] = ...) -> None: ...

class LeaveGroupRequest(_message.Message):
    __slots__ = ("group_id",)
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    def __init__(self, group_id: _Optional[str] = ...) -> None: ...

class LeaveGroupResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class TransferGroupOwnershipRequest(_message.Message):
    __slots__ = ("group_id", "new_owner_id")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    NEW_OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    new_owner_id: str
    def __init__(self, group_id: _Optional[str] = ..., new_owner_id: _Optional[str] = ...) -> None: ...

class TransferGroupOwnershipResponse(_message.Message):
    __slots__ = ("group",)
    GROUP_FIELD_NUMBER: _ClassVar[int]
    group: Group
    def __init__(self, group: _Optional[_Union[Group, _Mapping]] = ...) -> None: ...

class DismissGroupRequest(_message.Message):
    __slots__ = ("group_id",)
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    def __init__(self, group_id: _Optional[str] = ...) -> None: ...

class DismissGroupResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CreateGroupInviteRequest(_message.Message):
    __slots__ = ("group_id",)
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    def __init__(self, group_id: _Optional[str] = ...) -> None: ...

class CreateGroupInviteResponse(_message.Message):
    __slots__ = ("invite_token", "expire_time")
    INVITE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    invite_token: str
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, invite_token: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class JoinGroupRequest(_message.Message):
    __slots__ = ("invite_token",)
    INVITE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    invite_token: str
    def __init__(self, invite_token: _Optional[str] = ...) -> None: ...

class JoinGroupResponse(_message.Message):
    __slots__ = ("group",)
    GROUP_FIELD_NUMBER: _ClassVar[int]
    group: Group
    def __init__(self, group: _Optional[_Union[Group, _Mapping]] = ...) -> None: ...

class OpenDirectChatRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class OpenDirectChatResponse(_message.Message):
    __slots__ = ("group",)
    GROUP_FIELD_NUMBER: _ClassVar[int]
    group: Group
    def __init__(self, group: _Optional[_Union[Group, _Mapping]] = ...) -> None: ...

class PostMessageRequest(_message.Message):
    __slots__ = ("request_id", "group_id", "text", "reply_to_sequence", "mention_ids", "mention_all", "red_packet")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    REPLY_TO_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    MENTION_IDS_FIELD_NUMBER: _ClassVar[int]
    MENTION_ALL_FIELD_NUMBER: _ClassVar[int]
    RED_PACKET_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    group_id: str
    text: str
    reply_to_sequence: int
    mention_ids: _containers.RepeatedScalarFieldContainer[str]
    mention_all: bool
    red_packet: RedPacketDraft
    def __init__(self, request_id: _Optional[str] = ..., group_id: _Optional[str] = ..., text: _Optional[str] = ..., reply_to_sequence: _Optional[int] = ..., mention_ids: _Optional[_Iterable[str]] = ..., mention_all: _Optional[bool] = ..., red_packet: _Optional[_Union[RedPacketDraft, _Mapping]] = ...) -> None: ...

class RedPacketDraft(_message.Message):
    __slots__ = ("amount_fen", "shares", "greeting", "cover_id")
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    SHARES_FIELD_NUMBER: _ClassVar[int]
    GREETING_FIELD_NUMBER: _ClassVar[int]
    COVER_ID_FIELD_NUMBER: _ClassVar[int]
    amount_fen: int
    shares: int
    greeting: str
    cover_id: str
    def __init__(self, amount_fen: _Optional[int] = ..., shares: _Optional[int] = ..., greeting: _Optional[str] = ..., cover_id: _Optional[str] = ...) -> None: ...

class PostMessageResponse(_message.Message):
    __slots__ = ("item",)
    ITEM_FIELD_NUMBER: _ClassVar[int]
    item: TimelineItem
    def __init__(self, item: _Optional[_Union[TimelineItem, _Mapping]] = ...) -> None: ...

class ForwardCardRequest(_message.Message):
    __slots__ = ("request_id", "card_id", "target_group_id", "target_user_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CARD_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_USER_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    card_id: str
    target_group_id: str
    target_user_id: str
    def __init__(self, request_id: _Optional[str] = ..., card_id: _Optional[str] = ..., target_group_id: _Optional[str] = ..., target_user_id: _Optional[str] = ...) -> None: ...

class ForwardCardResponse(_message.Message):
    __slots__ = ("forward", "item")
    FORWARD_FIELD_NUMBER: _ClassVar[int]
    ITEM_FIELD_NUMBER: _ClassVar[int]
    forward: Forward
    item: TimelineItem
    def __init__(self, forward: _Optional[_Union[Forward, _Mapping]] = ..., item: _Optional[_Union[TimelineItem, _Mapping]] = ...) -> None: ...

class CreateShareLinkRequest(_message.Message):
    __slots__ = ("request_id", "card_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CARD_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    card_id: str
    def __init__(self, request_id: _Optional[str] = ..., card_id: _Optional[str] = ...) -> None: ...

class CreateShareLinkResponse(_message.Message):
    __slots__ = ("forward", "url", "token", "expire_time")
    FORWARD_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    forward: Forward
    url: str
    token: str
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, forward: _Optional[_Union[Forward, _Mapping]] = ..., url: _Optional[str] = ..., token: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListCardForwardsRequest(_message.Message):
    __slots__ = ("card_id", "page_size", "page_token")
    CARD_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    card_id: str
    page_size: int
    page_token: str
    def __init__(self, card_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListCardForwardsResponse(_message.Message):
    __slots__ = ("forwards", "next_page_token")
    FORWARDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    forwards: _containers.RepeatedCompositeFieldContainer[Forward]
    next_page_token: str
    def __init__(self, forwards: _Optional[_Iterable[_Union[Forward, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class StartGroupCallRequest(_message.Message):
    __slots__ = ("request_id", "group_id", "type", "participant_ids")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_IDS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    group_id: str
    type: CallType
    participant_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, request_id: _Optional[str] = ..., group_id: _Optional[str] = ..., type: _Optional[_Union[CallType, str]] = ..., participant_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class StartGroupCallResponse(_message.Message):
    __slots__ = ("call",)
    CALL_FIELD_NUMBER: _ClassVar[int]
    call: GroupCall
    def __init__(self, call: _Optional[_Union[GroupCall, _Mapping]] = ...) -> None: ...

class JoinGroupCallRequest(_message.Message):
    __slots__ = ("call_id",)
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    def __init__(self, call_id: _Optional[str] = ...) -> None: ...

class JoinGroupCallResponse(_message.Message):
    __slots__ = ("call",)
    CALL_FIELD_NUMBER: _ClassVar[int]
    call: GroupCall
    def __init__(self, call: _Optional[_Union[GroupCall, _Mapping]] = ...) -> None: ...

class LeaveGroupCallRequest(_message.Message):
    __slots__ = ("call_id",)
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    def __init__(self, call_id: _Optional[str] = ...) -> None: ...

class LeaveGroupCallResponse(_message.Message):
    __slots__ = ("call",)
    CALL_FIELD_NUMBER: _ClassVar[int]
    call: GroupCall
    def __init__(self, call: _Optional[_Union[GroupCall, _Mapping]] = ...) -> None: ...

class GetGroupCallRequest(_message.Message):
    __slots__ = ("call_id",)
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    def __init__(self, call_id: _Optional[str] = ...) -> None: ...

class GetGroupCallResponse(_message.Message):
    __slots__ = ("call",)
    CALL_FIELD_NUMBER: _ClassVar[int]
    call: GroupCall
    def __init__(self, call: _Optional[_Union[GroupCall, _Mapping]] = ...) -> None: ...

class ListConversationsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListConversationsResponse(_message.Message):
    __slots__ = ("conversations", "next_page_token", "total_unread_count")
    CONVERSATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    conversations: _containers.RepeatedCompositeFieldContainer[Conversation]
    next_page_token: str
    total_unread_count: int
    def __init__(self, conversations: _Optional[_Iterable[_Union[Conversation, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_unread_count: _Optional[int] = ...) -> None: ...

class MarkChatReadRequest(_message.Message):
    __slots__ = ("group_id", "read_sequence")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    READ_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    read_sequence: int
    def __init__(self, group_id: _Optional[str] = ..., read_sequence: _Optional[int] = ...) -> None: ...

class MarkChatReadResponse(_message.Message):
    __slots__ = ("state",)
    STATE_FIELD_NUMBER: _ClassVar[int]
    state: ChatState
    def __init__(self, state: _Optional[_Union[ChatState, _Mapping]] = ...) -> None: ...

class SetChatMutedRequest(_message.Message):
    __slots__ = ("group_id", "muted")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    MUTED_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    muted: bool
    def __init__(self, group_id: _Optional[str] = ..., muted: _Optional[bool] = ...) -> None: ...

class SetChatMutedResponse(_message.Message):
    __slots__ = ("state",)
    STATE_FIELD_NUMBER: _ClassVar[int]
    state: ChatState
    def __init__(self, state: _Optional[_Union[ChatState, _Mapping]] = ...) -> None: ...

class RecallMessageRequest(_message.Message):
    __slots__ = ("message_id",)
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    def __init__(self, message_id: _Optional[str] = ...) -> None: ...

class RecallMessageResponse(_message.Message):
    __slots__ = ("item",)
    ITEM_FIELD_NUMBER: _ClassVar[int]
    item: TimelineItem
    def __init__(self, item: _Optional[_Union[TimelineItem, _Mapping]] = ...) -> None: ...

class GetReadReceiptsRequest(_message.Message):
    __slots__ = ("message_id",)
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    def __init__(self, message_id: _Optional[str] = ...) -> None: ...

class GetReadReceiptsResponse(_message.Message):
    __slots__ = ("count", "read_ids", "unread_ids")
    COUNT_FIELD_NUMBER: _ClassVar[int]
    READ_IDS_FIELD_NUMBER: _ClassVar[int]
    UNREAD_IDS_FIELD_NUMBER: _ClassVar[int]
    count: ReceiptCount
    read_ids: _containers.RepeatedScalarFieldContainer[str]
    unread_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, count: _Optional[_Union[ReceiptCount, _Mapping]] = ..., read_ids: _Optional[_Iterable[str]] = ..., unread_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class SetGroupAdminRequest(_message.Message):
    __slots__ = ("group_id", "member_id", "admin")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    ADMIN_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    member_id: str
    admin: bool
    def __init__(self, group_id: _Optional[str] = ..., member_id: _Optional[str] = ..., admin: _Optional[bool] = ...) -> None: ...

class SetGroupAdminResponse(_message.Message):
    __slots__ = ("group",)
    GROUP_FIELD_NUMBER: _ClassVar[int]
    group: Group
    def __init__(self, group: _Optional[_Union[Group, _Mapping]] = ...) -> None: ...

class ClaimRedPacketRequest(_message.Message):
    __slots__ = ("message_id",)
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    def __init__(self, message_id: _Optional[str] = ...) -> None: ...

class ClaimRedPacketResponse(_message.Message):
    __slots__ = ("claim", "red_packet")
    CLAIM_FIELD_NUMBER: _ClassVar[int]
    RED_PACKET_FIELD_NUMBER: _ClassVar[int]
    claim: RedPacketClaim
    red_packet: RedPacket
    def __init__(self, claim: _Optional[_Union[RedPacketClaim, _Mapping]] = ..., red_packet: _Optional[_Union[RedPacket, _Mapping]] = ...) -> None: ...

class GetRedPacketRequest(_message.Message):
    __slots__ = ("message_id",)
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    def __init__(self, message_id: _Optional[str] = ...) -> None: ...

class GetRedPacketResponse(_message.Message):
    __slots__ = ("red_packet", "claims")
    RED_PACKET_FIELD_NUMBER: _ClassVar[int]
    CLAIMS_FIELD_NUMBER: _ClassVar[int]
    red_packet: RedPacket
    claims: _containers.RepeatedCompositeFieldContainer[RedPacketClaim]
    def __init__(self, red_packet: _Optional[_Union[RedPacket, _Mapping]] = ..., claims: _Optional[_Iterable[_Union[RedPacketClaim, _Mapping]]] = ...) -> None: ...
