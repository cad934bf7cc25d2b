"""What the chat tests share: a device that keeps its chats exactly as the notifications stream's
proto tells a client to (SubscribeResponse), so tests assert on what a user would see; and one
system per test module (identity, groups, two notifications replicas)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import grpc
import pytest

from convene.groups.v1 import groups_pb2 as gpb
from convene.notifications.v1 import notifications_pb2 as npb
from convene.notifications.v1 import notifications_pb2_grpc as npb_grpc
from tests.harness import Org, System, bearer, module_system, request_id

COUNTING = ("text", "card", "red_packet")


@pytest.fixture(scope="module")
async def chat_world(postgres: object, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    """Identity, groups and two notifications replicas; a short recall window, so that "too late"
    is reachable, and a short gap wait."""
    async with module_system(postgres, tmp_path_factory.mktemp("chat"), "identity", "groups", "notifications",
                             recall_window_s=2.0, chat_gap_wait_s=0.3) as system:
        await system.add_replica("notifications")
        yield system


def groups(system: System):
    return system.stub("groups")


@dataclass
class Chat:
    """One chat as a device holds it."""

    entries: dict[int, gpb.TimelineItem] = field(default_factory=dict)
    state: gpb.ChatState | None = None
    # Receipt counts of the user's own messages by sequence, with the version they came with.
    receipts: dict[int, tuple[int, gpb.ReceiptCount]] = field(default_factory=dict)

    @property
    def held(self) -> int:
        """The highest sequence held with nothing missing below it."""
        sequence = 0
        while sequence + 1 in self.entries:
            sequence += 1
        return sequence


class ChatDevice:
    """A signed-in device: its notifications stream, and its chats kept by the proto's rules."""

    def __init__(self, system: System, user_id: str, token: str, *, replica: int = 0, address: str = "") -> None:
        self.system = system
        self.user_id = user_id
        self.token = token
        self.replica = replica
        # A notifications replica outside the system's own (a process), when set.
        self.address = address
        self.chats: dict[str, Chat] = {}
        # Every stream item in arrival order, over every connection (what the server sent).
        self.items: list[npb.SubscribeResponse] = []
        self.alerts: list[gpb.TimelineItem] = []
        self._after_sequence = 0
        self._call: grpc.aio.UnaryStreamCall | None = None
        self._task: asyncio.Task | None = None
        self._caught_up = asyncio.Event()
        self.error: grpc.aio.AioRpcError | None = None
        self._lock = asyncio.Lock()

    def chat(self, group_id: str) -> Chat:
        return self.chats.setdefault(group_id, Chat())

    # ------------------------------------------------------------------------- connection

    async def connect(self, timeout: float = 20.0) -> ChatDevice:
        """Subscribe after the last sequence seen; after CaughtUp, catch up from the
        conversations list (the proto's rule)."""
        self._caught_up.clear()
        self.error = None
        stub = (npb_grpc.NotificationsServiceStub(self.system.channel(self.address)) if self.address
                else self.system.stub("notifications", self.replica))
        self._call = stub.Subscribe(
            npb.SubscribeRequest(after_sequence=self._after_sequence), metadata=bearer(self.token))
        self._task = asyncio.create_task(self._read(self._call))
        await asyncio.wait_for(self._caught_up.wait(), timeout)
        if self.error is not None:
            raise self.error
        await self.catch_up()
        return self

    async def disconnect(self) -> None:
        if self._call is not None:
            self._call.cancel()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        self._call = self._task = None

    async def _read(self, call: grpc.aio.UnaryStreamCall) -> None:
        try:
            async for response in call:
                self.items.append(response)
                await self._take(response)
        except grpc.aio.AioRpcError as exc:
            if exc.code() != grpc.StatusCode.CANCELLED:
                self.error = exc
        finally:
            self._caught_up.set()

    async def _take(self, response: npb.SubscribeResponse) -> None:
        which = response.WhichOneof("event")
        if which == "caught_up":
            self._after_sequence = max(self._after_sequence, response.caught_up.sequence)
            self._caught_up.set()
        elif which in ("notification", "read_marked"):
            self._after_sequence = max(self._after_sequence, getattr(response, which).sequence)
        elif which == "chat_message":
            message = response.chat_message
            if message.notify:
                self.alerts.append(message.item)
            await self._take_entry(message.group_id, message.item)
        elif which == "chat_state":
            chat = self.chat(response.chat_state.group_id)
            if chat.state is None or response.chat_state.version > chat.state.version:
                chat.state = response.chat_state
        elif which == "chat_receipts":
            receipts = response.chat_receipts
            chat = self.chat(receipts.group_id)
            for count in receipts.counts:
                if receipts.version > chat.receipts.get(count.sequence, (0, None))[0]:
                    chat.receipts[count.sequence] = (receipts.version, count)

    async def _take_entry(self, group_id: str, item: gpb.TimelineItem) -> None:
        chat = self.chat(group_id)
        if item.sequence <= chat.held:
            return  # held already (it came another way)
        if item.sequence > chat.held + 1:
            await self.fetch_after(group_id)  # a gap: read what is missing first
        self._add(chat, item)

    def _add(self, chat: Chat, item: gpb.TimelineItem) -> None:
        chat.entries.setdefault(item.sequence, item)
        if item.WhichOneof("content") == "recall" and item.recall.sequence in chat.entries:
            recalled = chat.entries[item.recall.sequence]
            recalled.ClearField("content")
            recalled.recalled.CopyFrom(item.recall)

    async def fetch_after(self, group_id: str) -> None:
        chat = self.chat(group_id)
        async with self._lock:
            token = ""
            while True:
                page = await groups(self.system).ListTimeline(gpb.ListTimelineRequest(
                    group_id=group_id, after_sequence=chat.held, page_token=token, page_size=200),
                    metadata=bearer(self.token))
                for item in page.items:
                    self._add(chat, item)
                token = page.next_page_token
                if not token:
                    return

    async def catch_up(self) -> None:
        """ListConversations, then the timeline after what is held of each chat that is ahead."""
        token = ""
        while True:
            page = await groups(self.system).ListConversations(
                gpb.ListConversationsRequest(page_token=token), metadata=bearer(self.token))
            for conversation in page.conversations:
                chat = self.chat(conversation.group.id)
                if chat.state is None or conversation.state.version >= chat.state.version:
                    chat.state = conversation.state
                if conversation.last_item.sequence > chat.held:
                    await self.fetch_after(conversation.group.id)
            token = page.next_page_token
            if not token:
                return

    # --------------------------------------------------------------------------- what it shows

    def state(self, group_id: str) -> gpb.ChatState:
        state = self.chat(group_id).state
        assert state is not None, "no state of the chat yet"
        return state

    def timeline(self, group_id: str) -> list[gpb.TimelineItem]:
        return [item for _, item in sorted(self.chat(group_id).entries.items())]

    def unread(self, group_id: str) -> int:
        """The proto's rule: the state's count as of its sequence, plus the counting entries held
        above it, less the entries it counted that recall entries above it recalled."""
        chat = self.chat(group_id)
        state = self.state(group_id)
        count = state.unread_count
        for sequence, item in chat.entries.items():
            if sequence <= state.as_of_sequence:
                continue
            kind = item.WhichOneof("content")
            if kind in COUNTING and item.sender_id != self.user_id:
                count += 1
            elif (kind == "recall" and item.recall.sender_id != self.user_id
                  and state.read_sequence < item.recall.sequence <= state.as_of_sequence):
                count -= 1
        return count

    def pushed_entries(self, group_id: str) -> list[int]:
        """Sequences of the chat's entries the server pushed, in arrival order (repeats kept)."""
        return [r.chat_message.item.sequence for r in self.items
                if r.WhichOneof("event") == "chat_message" and r.chat_message.group_id == group_id]

    def receipt(self, group_id: str, sequence: int) -> gpb.ReceiptCount | None:
        held = self.chat(group_id).receipts.get(sequence)
        return held[1] if held else None


async def on_every(check: Callable[[ChatDevice], bool], *made: ChatDevice) -> bool:
    """Whether `check` holds on every device (not yet, while a device has no state of the chat)."""
    await asyncio.sleep(0)
    try:
        return all(check(d) for d in made)
    except (AssertionError, AttributeError):
        return False


async def post(system: System, token: str, group_id: str, text: str = "hello", **fields: object) -> gpb.TimelineItem:
    reply = await groups(system).PostMessage(gpb.PostMessageRequest(
        request_id=request_id(), group_id=group_id, text=text, **fields), metadata=bearer(token))
    return reply.item


async def mark_read(system: System, token: str, group_id: str, sequence: int) -> gpb.ChatState:
    reply = await groups(system).MarkChatRead(gpb.MarkChatReadRequest(group_id=group_id, read_sequence=sequence),
                                              metadata=bearer(token))
    return reply.state


async def conversation(system: System, token: str, group_id: str) -> gpb.Conversation:
    page = await groups(system).ListConversations(gpb.ListConversationsRequest(page_size=200), metadata=bearer(token))
    for found in page.conversations:
        if found.group.id == group_id:
            return found
    raise AssertionError(f"{group_id} is not in the conversations list")


async def new_chat(system: System, org: Org, owner: str, members: list[str], *,
                   kind: int = gpb.GROUP_KIND_INTERNAL) -> str:
    created = await groups(system).CreateGroup(gpb.CreateGroupRequest(
        request_id=request_id(), name="launch team", kind=kind, member_ids=members), metadata=bearer(org.tokens[owner]))
    return created.group.id


async def devices(system: System, org: Org, people: list[str], replicas: tuple[int, ...] = (0,)) -> dict[str, list[ChatDevice]]:
    """A device per person per replica, connected."""
    made = {p: [ChatDevice(system, p, org.tokens[p], replica=r) for r in replicas] for p in people}
    await asyncio.gather(*(d.connect() for ds in made.values() for d in ds))
    return made


async def disconnect_all(made: dict[str, list[ChatDevice]]) -> None:
    await asyncio.gather(*(d.disconnect() for ds in made.values() for d in ds))
