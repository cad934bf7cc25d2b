"""Chats on the users' streams (SPEC F-15), with no row per member per message.

Groups stores each chat entry once, with the chat's sequence, and announces it once with the
members at that moment (`groups.v1.message.posted`; a card's entry in its `groups.v1.card.posted`,
which also makes its notification); a member's read position or mute is a
`groups.v1.chat_state.changed`, a sender's read receipts a `groups.v1.receipts.changed`.

`ChatFeed`: every notifications replica reads those events with an ordered consumer of its own
(in stream order, from the moment it starts; after a NATS failure it resumes after the last
event it saw) and hands each to the streams it holds. Nothing is written: the push path is the
event, a lookup of the recipients' local streams and one shared response per alert flag.

`ChatOrder`: per stream, each chat's entries go out in order and once. An entry ahead of the next
one expected waits up to `gap_wait_s` for the ones in between (usually in flight: relays may
publish a chat's events out of order), then the gap is read from groups
(`groups.v1.list_chat_items`). States and receipts go out when newer (by version) than what the
stream sent. A device that (re)connects catches up from the conversations list, as the stream's
proto says.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js import api

from convene.groups.v1 import events_pb2 as group_events
from convene.groups.v1 import membership_pb2
from convene.notifications.v1 import notifications_pb2 as pb
from services.notifications.hub import Hub
from services.runtime import bus, subjects
from services.runtime.events import Event, PoisonEvent
from services.runtime.logs import get_logger

log = get_logger(__name__)

# A card's chat entry travels in its card.posted (CardChanged.item), not in a message.posted.
CHAT_SUBJECTS = [subjects.GROUPS_MESSAGE_POSTED, subjects.GROUPS_CARD_POSTED, subjects.GROUPS_CHAT_STATE_CHANGED,
                 subjects.GROUPS_RECEIPTS_CHANGED]
# Entries asked of groups per gap fill.
FILL_LIMIT = 200

Fill = Callable[[str, str, int], Awaitable[membership_pb2.ListChatItemsResponse]]


class ChatItem:
    """A chat item for streams, shared by every stream that gets it: serialized at most once."""

    __slots__ = ("_data", "response")

    def __init__(self, response: pb.SubscribeResponse) -> None:
        self.response = response
        self._data: bytes | None = None

    @property
    def data(self) -> bytes:
        if self._data is None:
            self._data = self.response.SerializeToString()
        return self._data


def message(group_id: str, item: object, notify: bool) -> ChatItem:
    response = pb.SubscribeResponse()
    response.chat_message.group_id = group_id
    response.chat_message.item.CopyFrom(item)  # type: ignore[arg-type]
    response.chat_message.notify = notify
    return ChatItem(response)


class ChatFeed:
    """Groups' chat events, in order, to the streams this replica holds."""

    def __init__(self, nc: NATS, hub: Hub, replicas: int) -> None:
        self._nc = nc
        self._hub = hub
        self._replicas = replicas
        self._subscription: object = None
        self.handed = 0

    async def start(self, timeout_s: float = 30.0) -> None:
        await bus.ensure_stream(self._nc, bus.StreamSpec.for_service("groups"), self._replicas)
        deadline = asyncio.get_running_loop().time() + timeout_s
        while True:
            try:
                # Only what happens from now on: a stream opened here catches up from groups first.
                self._subscription = await self._nc.jetstream().subscribe(
                    CHAT_SUBJECTS[0], stream=bus.StreamSpec.for_service("groups").name, cb=self._on_message,
                    ordered_consumer=True, idle_heartbeat=1.0, deliver_policy=api.DeliverPolicy.NEW,
                    config=api.ConsumerConfig(filter_subjects=CHAT_SUBJECTS))
                return
            except Exception as exc:  # the stream's leader not elected yet (a cluster starting)
                if asyncio.get_running_loop().time() > deadline:
                    raise
                log.info("waiting to read groups' chat events", error=str(exc))
                await asyncio.sleep(0.5)

    async def stop(self) -> None:
        if self._subscription is not None:
            try:
                await self._subscription.unsubscribe()  # type: ignore[attr-defined]
            except Exception:
                pass

    async def _on_message(self, msg: Msg) -> None:
        try:
            event = Event.parse(msg.data)
            self._hand_over(event)
        except PoisonEvent as exc:
            log.error("chat event dropped", reason=str(exc), subject=msg.subject)

    def _hand_over(self, event: Event) -> None:
        self.handed += 1
        hub = self._hub
        if event.type == subjects.GROUPS_MESSAGE_POSTED:
            posted = event.payload(group_events.MessagePosted)
            self._offer_entry(posted.group_id, posted.item, zip(posted.recipient_ids, posted.notify))
        elif event.type == subjects.GROUPS_CARD_POSTED:
            card = event.payload(group_events.CardChanged)
            if card.HasField("item"):  # a card's entry never alerts: its notification does
                self._offer_entry(card.group_id, card.item, ((user_id, False) for user_id in card.recipient_ids))
        elif event.type == subjects.GROUPS_CHAT_STATE_CHANGED:
            for member in event.payload(group_events.ChatStateChanged).members:
                if hub.holds(member.user_id):
                    hub.offer_chat(member.user_id, ChatItem(pb.SubscribeResponse(chat_state=member.state)))
        elif event.type == subjects.GROUPS_RECEIPTS_CHANGED:
            receipts = event.payload(group_events.ReceiptsChanged)
            for sender in receipts.senders:
                if hub.holds(sender.sender_id):
                    response = pb.SubscribeResponse()
                    counts = response.chat_receipts
                    counts.group_id, counts.version = receipts.group_id, receipts.version
                    counts.counts.extend(sender.counts)
                    hub.offer_chat(sender.sender_id, ChatItem(response))

    def _offer_entry(self, group_id: str, item: object, recipients: Iterable[tuple[str, bool]]) -> None:
        """A chat entry to the streams held of its recipients (user id, whether to alert): one
        response per alert flag, shared by every stream that gets it."""
        hub = self._hub
        shared: dict[bool, ChatItem] = {}
        for user_id, notify in recipients:
            if hub.holds(user_id):
                if notify not in shared:
                    shared[notify] = message(group_id, item, notify)
                hub.offer_chat(user_id, shared[notify])


class ChatOrder:
    """What one stream sent of each chat."""

    def __init__(self, user_id: str, fill: Fill, gap_wait_s: float) -> None:
        self._user_id = user_id
        self._fill = fill
        self._gap_wait_s = gap_wait_s
        self._sent: dict[str, int] = {}  # chat -> last entry sequence sent
        self._held: dict[str, dict[int, ChatItem]] = {}  # entries ahead of a gap
        self._gap_since: dict[str, float] = {}
        self._versions: dict[tuple[str, str], int] = {}  # (what, chat) -> version sent

    def admit(self, item: ChatItem) -> list[ChatItem]:
        """What to send now for a pushed chat item (nothing for a repeat or an entry past a gap)."""
        response = item.response
        which = response.WhichOneof("event")
        if which == "chat_message":
            return self._admit_entry(item)
        if which == "chat_state":
            key, version = ("state", response.chat_state.group_id), response.chat_state.version
        else:
            key, version = ("receipts", response.chat_receipts.group_id), response.chat_receipts.version
        if version <= self._versions.get(key, 0):
            return []
        self._versions[key] = version
        return [item]

    def _admit_entry(self, item: ChatItem) -> list[ChatItem]:
        entry = item.response.chat_message
        chat, sequence = entry.group_id, entry.item.sequence
        sent = self._sent.get(chat)
        if sent is not None and sequence <= sent:
            return []
        if sent is not None and sequence > sent + 1:
            self._held.setdefault(chat, {})[sequence] = item
            self._gap_since.setdefault(chat, time.monotonic())
            return []
        self._sent[chat] = sequence
        return [item, *self._release(chat)]

    def _release(self, chat: str) -> list[ChatItem]:
        """Held entries that follow on from what was sent."""
        held = self._held.get(chat)
        released = []
        while held and self._sent[chat] + 1 in held:
            self._sent[chat] += 1
            released.append(held.pop(self._sent[chat]))
        if not held:
            self._held.pop(chat, None)
            self._gap_since.pop(chat, None)
        return released

    def wait_s(self) -> float | None:
        """How long until the oldest gap is filled from groups (None: no gap)."""
        if not self._gap_since:
            return None
        return max(0.0, min(self._gap_since.values()) + self._gap_wait_s - time.monotonic())

    async def fill_overdue(self) -> list[ChatItem]:
        """Read the gaps that waited long enough from groups and send them with what they held
        back. Raises Unavailable when groups does not answer (the stream then ends with Resync)."""
        now = time.monotonic()
        out: list[ChatItem] = []
        for chat, since in list(self._gap_since.items()):
            if since + self._gap_wait_s > now:
                continue
            while chat in self._held:
                answer = await self._fill(chat, self._user_id, self._sent[chat])
                if not answer.is_member:  # left the chat meanwhile: nothing more of it
                    self._held.pop(chat, None)
                    self._gap_since.pop(chat, None)
                    break
                for entry, notify in zip(answer.items, answer.notify):
                    if entry.sequence == self._sent[chat] + 1:
                        self._sent[chat] = entry.sequence
                        self._held.get(chat, {}).pop(entry.sequence, None)
                        out.append(message(chat, entry, notify))
                out += self._release(chat)
                if len(answer.items) < FILL_LIMIT and chat in self._held:
                    # Groups has nothing more up to what was held: the held ones follow on.
                    self._sent[chat] = min(self._held[chat]) - 1
                    out += self._release(chat)
        return out


def groups_fill(nc: NATS) -> Fill:
    """Gaps are read from groups, which holds every entry (as the member sees it)."""

    async def fill(group_id: str, user_id: str, after_sequence: int) -> membership_pb2.ListChatItemsResponse:
        return await bus.request(
            nc, subjects.GROUPS_LIST_CHAT_ITEMS,
            membership_pb2.ListChatItemsRequest(group_id=group_id, user_id=user_id, after_sequence=after_sequence,
                                                limit=FILL_LIMIT),
            membership_pb2.ListChatItemsResponse)

    return fill
