from convene.groups.v1 import covers_pb2 as _covers_pb2
from convene.groups.v1 import groups_pb2 as _groups_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RemovalReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REMOVAL_REASON_UNSPECIFIED: _ClassVar[RemovalReason]
    REMOVAL_REASON_LEFT: _ClassVar[RemovalReason]
    REMOVAL_REASON_REMOVED: _ClassVar[RemovalReason]
REMOVAL_REASON_UNSPECIFIED: RemovalReason
REMOVAL_REASON_LEFT: RemovalReason
REMOVAL_REASON_REMOVED: RemovalReason

class GroupCreated(_message.Message):
    __slots__ = ("group", "member_ids")
    GROUP_FIELD_NUMBER: _ClassVar[int]
    MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    group: _groups_pb2.Group
    member_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, group: _Optional[_Union[_groups_pb2.Group, _Mapping]] = ..., member_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class CardChanged(_message.Message):
    __slots__ = ("group_id", "group_name", "card", "item_id", "recipient_ids", "item")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_NAME_FIELD_NUMBER: _ClassVar[int]
    CARD_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_IDS_FIELD_NUMBER: _ClassVar[int]
    ITEM_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    group_name: str
    card: _groups_pb2.Card
    item_id: str
    recipient_ids: _containers.RepeatedScalarFieldContainer[str]
    item: _groups_pb2.TimelineItem
    def __init__(self, group_id: _Optional[str] = ..., group_name: _Optional[str] = ..., card: _Optional[_Union[_groups_pb2.Card, _Mapping]] = ..., item_id: _Optional[str] = ..., recipient_ids: _Optional[_Iterable[str]] = ..., item: _Optional[_Union[_groups_pb2.TimelineItem, _Mapping]] = ...) -> None: ...

class MembersAdded(_message.Message):
    __slots__ = ("group", "added_ids", "actor_id")
    GROUP_FIELD_NUMBER: _ClassVar[int]
    ADDED_IDS_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    group: _groups_pb2.Group
    added_ids: _containers.RepeatedScalarFieldContainer[str]
    actor_id: str
    def __init__(self, group: _Optional[_Union[_groups_pb2.Group, _Mapping]] = ..., added_ids: _Optional[_Iterable[str]] = ..., actor_id: _Optional[str] = ...) -> None: ...

class MembersRemoved(_message.Message):
    __slots__ = ("group", "removed_ids", "actor_id", "reason")
    GROUP_FIELD_NUMBER: _ClassVar[int]
    REMOVED_IDS_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    group: _groups_pb2.Group
    removed_ids: _containers.RepeatedScalarFieldContainer[str]
    actor_id: str
    reason: RemovalReason
    def __init__(self, group: _Optional[_Union[_groups_pb2.Group, _Mapping]] = ..., removed_ids: _Optional[_Iterable[str]] = ..., actor_id: _Optional[str] = ..., reason: _Optional[_Union[RemovalReason, str]] = ...) -> None: ...

class OwnershipTransferred(_message.Message):
    __slots__ = ("group", "previous_owner_id")
    GROUP_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    group: _groups_pb2.Group
    previous_owner_id: str
    def __init__(self, group: _Optional[_Union[_groups_pb2.Group, _Mapping]] = ..., previous_owner_id: _Optional[str] = ...) -> None: ...

class GroupDismissed(_message.Message):
    __slots__ = ("group", "member_ids")
    GROUP_FIELD_NUMBER: _ClassVar[int]
    MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    group: _groups_pb2.Group
    member_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, group: _Optional[_Union[_groups_pb2.Group, _Mapping]] = ..., member_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class MessagePosted(_message.Message):
    __slots__ = ("group_id", "item", "recipient_ids", "notify")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_IDS_FIELD_NUMBER: _ClassVar[int]
    NOTIFY_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    item: _groups_pb2.TimelineItem
    recipient_ids: _containers.RepeatedScalarFieldContainer[str]
    notify: _containers.RepeatedScalarFieldContainer[bool]
    def __init__(self, group_id: _Optional[str] = ..., item: _Optional[_Union[_groups_pb2.TimelineItem, _Mapping]] = ..., recipient_ids: _Optional[_Iterable[str]] = ..., notify: _Optional[_Iterable[bool]] = ...) -> None: ...

class ChatStateChanged(_message.Message):
    __slots__ = ("members",)
    class Member(_message.Message):
        __slots__ = ("user_id", "state")
        USER_ID_FIELD_NUMBER: _ClassVar[int]
        STATE_FIELD_NUMBER: _ClassVar[int]
        user_id: str
        state: _groups_pb2.ChatState
        def __init__(self, user_id: _Optional[str] = ..., state: _Optional[_Union[_groups_pb2.ChatState, _Mapping]] = ...) -> None: ...
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    members: _containers.RepeatedCompositeFieldContainer[ChatStateChanged.Member]
    def __init__(self, members: _Optional[_Iterable[_Union[ChatStateChanged.Member, _Mapping]]] = ...) -> None: ...

class SenderReceipts(_message.Message):
    __slots__ = ("sender_id", "counts")
    SENDER_ID_FIELD_NUMBER: _ClassVar[int]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    sender_id: str
    counts: _containers.RepeatedCompositeFieldContainer[_groups_pb2.ReceiptCount]
    def __init__(self, sender_id: _Optional[str] = ..., counts: _Optional[_Iterable[_Union[_groups_pb2.ReceiptCount, _Mapping]]] = ...) -> None: ...

class ReceiptsChanged(_message.Message):
    __slots__ = ("group_id", "version", "senders")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    SENDERS_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    version: int
    senders: _containers.RepeatedCompositeFieldContainer[SenderReceipts]
    def __init__(self, group_id: _Optional[str] = ..., version: _Optional[int] = ..., senders: _Optional[_Iterable[_Union[SenderReceipts, _Mapping]]] = ...) -> None: ...

class CoverReviewed(_message.Message):
    __slots__ = ("cover",)
    COVER_FIELD_NUMBER: _ClassVar[int]
    cover: _covers_pb2.Cover
    def __init__(self, cover: _Optional[_Union[_covers_pb2.Cover, _Mapping]] = ...) -> None: ...

class CardForwarded(_message.Message):
    __slots__ = ("forward",)
    FORWARD_FIELD_NUMBER: _ClassVar[int]
    forward: _groups_pb2.Forward
    def __init__(self, forward: _Optional[_Union[_groups_pb2.Forward, _Mapping]] = ...) -> None: ...

class CallStarted(_message.Message):
    __slots__ = ("call", "group_name", "ring_ids")
    CALL_FIELD_NUMBER: _ClassVar[int]
    GROUP_NAME_FIELD_NUMBER: _ClassVar[int]
    RING_IDS_FIELD_NUMBER: _ClassVar[int]
    call: _groups_pb2.GroupCall
    group_name: str
    ring_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, call: _Optional[_Union[_groups_pb2.GroupCall, _Mapping]] = ..., group_name: _Optional[str] = ..., ring_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class CallRingingStopped(_message.Message):
    __slots__ = ("call_id", "group_id", "group_name", "participant_id", "answered")
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_NAME_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_ID_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    group_id: str
    group_name: str
    participant_id: str
    answered: bool
    def __init__(self, call_id: _Optional[str] = ..., group_id: _Optional[str] = ..., group_name: _Optional[str] = ..., participant_id: _Optional[str] = ..., answered: _Optional[bool] = ...) -> None: ...

class CallUpgraded(_message.Message):
    __slots__ = ("call_id", "group_id", "type", "participant_ids", "enterprise_id", "starter_id", "topic")
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_IDS_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_ID_FIELD_NUMBER: _ClassVar[int]
    STARTER_ID_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    group_id: str
    type: _groups_pb2.CallType
    participant_ids: _containers.RepeatedScalarFieldContainer[str]
    enterprise_id: str
    starter_id: str
    topic: str
    def __init__(self, call_id: _Optional[str] = ..., group_id: _Optional[str] = ..., type: _Optional[_Union[_groups_pb2.CallType, str]] = ..., participant_ids: _Optional[_Iterable[str]] = ..., enterprise_id: _Optional[str] = ..., starter_id: _Optional[str] = ..., topic: _Optional[str] = ...) -> None: ...

class CallEnded(_message.Message):
    __slots__ = ("call",)
    CALL_FIELD_NUMBER: _ClassVar[int]
    call: _groups_pb2.GroupCall
    def __init__(self, call: _Optional[_Union[_groups_pb2.GroupCall, _Mapping]] = ...) -> None: ...
