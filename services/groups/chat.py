"""Chat in real time (SPEC F-15): messages, replies and mentions, read positions shared by a
member's devices, unread counts and mention markers, do not disturb, recalls, read receipts.

Every entry of a chat is stored once with the chat's sequence and announced once
(`groups.v1.message.posted`, with the members at that moment; a card's entry in its card.posted);
each notifications replica reads those events in order and pushes them to the open streams it
holds. A member's read position is one row; reading moves it and sets the chat's reads timer,
which at most every GROUPS_READ_PUSH_INTERVAL_S tells the readers' devices their new ChatState
(`groups.v1.chat_state.changed`) and the senders the new counts of their messages
(`groups.v1.receipts.changed`): however many read meanwhile, one update per chat.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import asyncpg

from convene.events.v1.envelope_pb2 import Envelope
from convene.groups.v1 import events_pb2, membership_pb2
from convene.groups.v1 import groups_pb2 as pb
from services.groups import chat_store, store
from services.groups.access import member_group
from services.groups.chat_store import MESSAGE_KINDS, RECALL, TEXT, NewEntry
from services.groups.red_packets import RedPackets
from services.groups.settings import GroupsSettings
from services.runtime import subjects, timers
from services.runtime.auth import Principal
from services.runtime.db import Connection
from services.runtime.errors import FailedPrecondition, NotFound, OutOfRange, PermissionDenied
from services.runtime.events import new_envelope
from services.runtime.group_commit import GroupCommit
from services.runtime.idempotency import run_once
from services.runtime.ids import new_id
from services.runtime.outbox import add_event, add_events
from services.runtime.pagination import decode_page_value, decode_typed_page_token, encode_page_token

READS_TIMER = "chat-reads"
# Receipts pushed per update: the latest messages read since the last one (older ones' counts
# are there for the asking, GetReadReceipts).
RECEIPTS_MAX_MESSAGES = 100


def notifies(item: pb.TimelineItem, user_id: str, muted: bool) -> bool:
    """Whether the user's devices alert for the entry: messages of others, unless the chat is
    muted and the entry does not mention them. Cards alert through their notification."""
    if item.sender_id == user_id or item.WhichOneof("content") not in ("text", "red_packet"):
        return False
    return not muted or item.mention_all or user_id in item.mention_ids


async def announce(conn: Connection, group_id: str, enterprise_id: str, appended: asyncpg.Record,
                   sender_id: str) -> pb.TimelineItem:
    """After `chat_store.append`: the entry as readers see it, announced to every member's devices;
    the sender has read the chat up to it (their devices hear that too). A card's entry is
    announced by its card.posted instead (cards.post_entry)."""
    item = await chat_store.item(conn, group_id, appended["sequence"])
    members = await chat_store.recipients(conn, group_id)
    events = [new_envelope(
        subjects.GROUPS_MESSAGE_POSTED, subject=group_id, enterprise_id=enterprise_id,
        payload=events_pb2.MessagePosted(
            group_id=group_id, item=item, recipient_ids=[m["member_id"] for m in members],
            notify=[notifies(item, m["member_id"], m["muted"]) for m in members]))]
    await add_events(conn, [*events, *await read_own_entry(conn, group_id, sender_id, appended)])
    return item


async def read_own_entry(conn: Connection, group_id: str, sender_id: str,
                         appended: asyncpg.Record) -> list[Envelope]:
    """The sender has read the chat up to their entry just appended: the event that tells their
    devices (none when they had read further, or are no longer a member)."""
    own = await chat_store.read_own_entry(conn, group_id, sender_id, appended["sequence"], appended["chat_count"])
    return [] if own is None else [states_changed([own])[1]]


def states_changed(rows: list[asyncpg.Record]) -> tuple[list[pb.ChatState], Envelope]:
    """Members' new states in one chat (chat_store state rows, at least one) and the event that
    tells every device of theirs."""
    states = [chat_store.state_from_row(row) for row in rows]
    return states, new_envelope(
        subjects.GROUPS_CHAT_STATE_CHANGED, subject=states[0].group_id, enterprise_id=rows[0]["enterprise_id"],
        payload=events_pb2.ChatStateChanged(members=[
            events_pb2.ChatStateChanged.Member(user_id=row["member_id"], state=state)
            for row, state in zip(rows, states)]))


async def announce_states(conn: Connection, rows: list[asyncpg.Record]) -> list[pb.ChatState]:
    """Members' new states in one chat (chat_store state rows) to every device of theirs."""
    if not rows:
        return []
    states, event = states_changed(rows)
    await add_event(conn, event)
    return states


def _may_moderate(principal: Principal, group: asyncpg.Record, is_admin: bool) -> bool:
    """The owner and group admins may @all and recall any message."""
    return group["owner_id"] == principal.id or is_admin


class Chat:
    def __init__(self, pool: asyncpg.Pool, settings: GroupsSettings, red_packets: RedPackets) -> None:
        self._pool = pool
        self._settings = settings
        self._red_packets = red_packets
        # Reads of one chat that arrive together go in one transaction (500 members reading as
        # they receive are hundreds of reads a second).
        self._reads: GroupCommit[str, tuple[str, int], asyncpg.Record | None] = GroupCommit(pool, self._take_reads)

    # ------------------------------------------------------------------------------ posting

    async def post(self, principal: Principal, request: pb.PostMessageRequest) -> pb.PostMessageResponse:
        mention_ids = list(dict.fromkeys(request.mention_ids))
        red_packet = request.red_packet if request.HasField("red_packet") else None

        async def work(conn: Connection) -> pb.PostMessageResponse:
            group = await member_group(conn, principal, request.group_id)
            if request.mention_all and not _may_moderate(
                    principal, group, await store.is_admin(conn, group["id"], principal.id)):
                raise PermissionDenied("MENTION_ALL_NOT_ALLOWED", "only the owner and group admins may @all",
                                       group_id=group["id"])
            if mention_ids:
                absent = set(mention_ids) - await chat_store.members_among(conn, group["id"], mention_ids)
                if absent:
                    missing = sorted(absent)[0]
                    raise FailedPrecondition("MENTION_NOT_IN_GROUP", f"{missing} is not in the group", member_id=missing)
            if request.reply_to_sequence:
                await self._check_quotable(conn, group["id"], request.reply_to_sequence)
            entry = NewEntry(
                item_id=new_id("message"), sender_id=principal.id,
                kind=chat_store.RED_PACKET if red_packet is not None else TEXT,
                text=None if red_packet is not None else request.text.strip(),
                reply_to_sequence=request.reply_to_sequence or None, mention_ids=mention_ids,
                mention_all=request.mention_all)
            appended = await chat_store.append(conn, group["id"], entry)
            if red_packet is not None:
                await self._red_packets.attach(conn, principal, group, entry.item_id, red_packet)
            item = await announce(conn, group["id"], group["enterprise_id"], appended, principal.id)
            return pb.PostMessageResponse(item=item)

        return await run_once(self._pool, principal_id=principal.id, method="PostMessage",
                              request_id=request.request_id, response_type=pb.PostMessageResponse, work=work)

    @staticmethod
    async def _check_quotable(conn: Connection, group_id: str, sequence: int) -> None:
        quoted = await conn.fetchrow(
            "SELECT kind, recalled_at FROM timeline_items WHERE group_id = $1 AND sequence = $2", group_id, sequence)
        if quoted is None:
            raise NotFound("REPLY_TO_NOT_FOUND", "the chat has no entry at reply_to_sequence",
                           reply_to_sequence=sequence)
        if quoted["kind"] == RECALL or quoted["recalled_at"] is not None:
            raise FailedPrecondition("REPLY_TO_RECALLED", "a recalled message cannot be quoted",
                                     reply_to_sequence=sequence)

    # ------------------------------------------------------------------------------ reading

    async def list_timeline(self, principal: Principal, group_id: str, size: int, token: str,
                            after_sequence: int | None) -> pb.ListTimelineResponse:
        """Newest first, or oldest first after `after_sequence`; the access check travels in the
        page's own query (one round trip)."""
        before: int | None = None
        after: int | None = None
        if after_sequence is not None:
            after = decode_page_value(token, "after", int, after_sequence)
        else:
            before = decode_page_value(token, "before", int, 2**62)
        async with self._pool.acquire() as conn:
            rows = await chat_store.timeline_page(conn, group_id, principal.id, any_reader=principal.is_service,
                                                  before=before, after=after, limit=size + 1)
        if not rows:
            raise NotFound("GROUP_NOT_FOUND", "no such group", group_id=group_id)
        if not rows[0]["is_member"] and not principal.is_service:
            raise PermissionDenied("NOT_GROUP_MEMBER", "only members of the group may see it", group_id=group_id)
        if rows[0]["item_id"] is None:  # an empty page is one row of the access check alone
            rows = []
        response = pb.ListTimelineResponse()
        for row in rows[:size]:
            chat_store.fill_item(response.items.add(), row)
        if len(rows) > size:
            key = "after" if after is not None else "before"
            response.next_page_token = encode_page_token({key: rows[size - 1]["sequence"]})
        return response

    async def list_chat_items(self, request: membership_pb2.ListChatItemsRequest) -> membership_pb2.ListChatItemsResponse:
        """Answer `groups.v1.list_chat_items`: what a member's stream missed, with the alert rule."""
        async with self._pool.acquire() as conn:
            rows = await chat_store.timeline_page(conn, request.group_id, request.user_id, any_reader=False,
                                                  before=None, after=request.after_sequence,
                                                  limit=max(1, min(request.limit or 200, 200)))
        if not rows or not rows[0]["is_member"]:
            return membership_pb2.ListChatItemsResponse(is_member=False)
        muted = bool(rows[0]["muted"])
        response = membership_pb2.ListChatItemsResponse(is_member=True)
        for row in rows:
            if row["item_id"] is not None:
                item = chat_store.fill_item(response.items.add(), row)
                response.notify.append(notifies(item, request.user_id, muted))
        return response

    async def conversations(self, principal: Principal, size: int, token: str) -> pb.ListConversationsResponse:
        position = decode_typed_page_token(token, activity_us=int, group_id=str)
        before = None
        if position is not None:
            before = (dt.datetime.fromtimestamp(position["activity_us"] / 1e6, dt.UTC), position["group_id"])
        # One snapshot: the page, its last entries and the badge agree.
        async with self._pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            rows = await chat_store.conversations_page(conn, principal.id, before, size + 1)
            lasts = await chat_store.last_items(conn, [(r["id"], r["last_sequence"]) for r in rows[:size]
                                                       if r["last_sequence"]])
            total = await chat_store.total_unread(conn, principal.id)
        response = pb.ListConversationsResponse(total_unread_count=total)
        for row in rows[:size]:
            conversation = response.conversations.add(
                group=store.group_from_row(row, row["member_count"]), state=chat_store.state_from_row(row))
            conversation.last_activity_time.FromDatetime(row["last_activity_at"])
            if row["id"] in lasts:
                conversation.last_item.CopyFrom(lasts[row["id"]])
        if len(rows) > size:
            last = rows[size - 1]
            activity_us = round(last["last_activity_at"].timestamp() * 1e6)
            response.next_page_token = encode_page_token({"activity_us": activity_us, "group_id": last["id"]})
        return response

    # -------------------------------------------------------------------------- member state

    async def mark_read(self, principal: Principal, group_id: str, sequence: int) -> pb.ChatState:
        """The new state goes back to the caller; their other devices and the senders hear of the
        read from the chat's next read update (on_reads_due)."""
        row = await self._reads.submit(group_id, (principal.id, sequence))
        if row is not None:
            return chat_store.state_from_row(row)
        async with self._pool.acquire() as conn:
            current = await self._state(conn, principal, group_id)
        if sequence > current.as_of_sequence:
            raise OutOfRange("READ_POSITION_PAST_END",
                             f"read_sequence {sequence} is past the chat's last entry ({current.as_of_sequence})",
                             last_sequence=current.as_of_sequence)
        return current  # already read that far: positions never move back

    async def _take_reads(self, conn: Connection, group_id: str,
                          reads: list[tuple[str, int]]) -> list[asyncpg.Record | None]:
        """One transaction for the reads of a chat that came together (two devices of one member:
        the further read counts, both get the state it leaves)."""
        furthest: dict[str, int] = {}
        for member_id, sequence in reads:
            furthest[member_id] = max(sequence, furthest.get(member_id, 0))
        async with conn.transaction():
            # The reads timer before the read positions: the update it fires takes them in that
            # order too (chat_store.take_read_moves).
            due = await chat_store.reads_due(conn, group_id, self._settings.read_push_interval_s)
            if due is not None:
                await timers.schedule(conn, f"reads:{group_id}", READS_TIMER, due["due"],
                                      due["enterprise_id"].encode(), keep_existing=True)
            moved = await chat_store.advance_reads(conn, group_id, furthest)
        return [moved.get(member_id) for member_id, _ in reads]

    async def set_muted(self, principal: Principal, group_id: str, muted: bool) -> pb.ChatState:
        async with self._pool.acquire() as conn, conn.transaction():
            row = await chat_store.set_muted(conn, group_id, principal.id, muted)
            if row is None:
                return await self._state(conn, principal, group_id)
            return (await announce_states(conn, [row]))[0]

    @staticmethod
    async def _state(conn: Connection, principal: Principal, group_id: str) -> pb.ChatState:
        row = await chat_store.state(conn, group_id, principal.id)
        if row is None:
            await member_group(conn, principal, group_id)  # says why: no such group, or not a member
            raise NotFound("GROUP_NOT_FOUND", "no such group", group_id=group_id)
        return chat_store.state_from_row(row)

    # -------------------------------------------------------------------------------- recall

    async def recall(self, principal: Principal, message_id: str) -> pb.TimelineItem:
        async with self._pool.acquire() as conn, conn.transaction():
            entry = await chat_store.entry(conn, message_id, lock=True)
            if entry is None:
                raise NotFound("MESSAGE_NOT_FOUND", "no such message", message_id=message_id)
            group = await member_group(conn, principal, entry["group_id"])
            if entry["recalled_at"] is not None:
                raise FailedPrecondition("ALREADY_RECALLED", "the message was recalled already", message_id=message_id)
            if entry["kind"] != TEXT:
                raise FailedPrecondition("NOT_RECALLABLE", "only text messages can be recalled (not red packets,"
                                         " cards or recall entries)", message_id=message_id)
            moderator = _may_moderate(principal, group, await store.is_admin(conn, group["id"], principal.id))
            if not moderator:
                if entry["sender_id"] != principal.id:
                    raise PermissionDenied("RECALL_NOT_ALLOWED", "only the sender, the owner or a group admin may"
                                           " recall a message", message_id=message_id)
                window = self._settings.recall_window_s
                if (entry["now"] - entry["created_at"]).total_seconds() > window:
                    raise FailedPrecondition("RECALL_WINDOW_PASSED", f"messages can be recalled for {window:g} s"
                                             " after they are sent", message_id=message_id, window_s=window)
            await chat_store.recall(conn, message_id, principal.id)
            appended = await chat_store.append(conn, group["id"], NewEntry(
                item_id=new_id("message"), sender_id=principal.id, kind=RECALL, recall_of=entry["sequence"]))
            return await announce(conn, group["id"], group["enterprise_id"], appended, principal.id)

    # ------------------------------------------------------------------------------ receipts

    async def read_receipts(self, principal: Principal, message_id: str) -> pb.GetReadReceiptsResponse:
        async with self._pool.acquire() as conn:
            entry = await chat_store.entry(conn, message_id)
            if entry is None:
                raise NotFound("MESSAGE_NOT_FOUND", "no such message", message_id=message_id)
            await member_group(conn, principal, entry["group_id"])
            if entry["sender_id"] != principal.id:
                raise PermissionDenied("RECEIPTS_SENDER_ONLY", "only the sender sees who read a message",
                                       message_id=message_id)
            if entry["kind"] not in MESSAGE_KINDS or entry["recalled_at"] is not None:
                raise FailedPrecondition("NO_RECEIPTS", "only messages that are not recalled have read receipts",
                                         message_id=message_id)
            lists = await chat_store.receipt_lists(conn, entry["group_id"], entry["sequence"])
        return pb.GetReadReceiptsResponse(
            count=pb.ReceiptCount(sequence=entry["sequence"], read_count=len(lists["read_ids"]),
                                  unread_count=len(lists["unread_ids"])),
            read_ids=lists["read_ids"], unread_ids=lists["unread_ids"])

    async def on_reads_due(self, timer: timers.Timer, conn: Connection) -> None:
        """Timer `reads:<group>`: the chat's members read further since the last update. Their
        devices get their new states and the senders the new counts of their messages, one event
        each, however many read."""
        group_id = timer.key.split(":", 1)[1]
        moves = await chat_store.take_read_moves(conn, group_id)
        if not moves:
            return
        await announce_states(conn, await chat_store.states(conn, group_id, [m["member_id"] for m in moves]))
        version = await chat_store.bump_receipts_version(conn, group_id)
        by_sender: dict[str, list[pb.ReceiptCount]] = defaultdict(list)
        after, up_to = min(m["before"] for m in moves), max(m["read_sequence"] for m in moves)
        for row in await chat_store.receipt_counts(conn, group_id, after, up_to, RECEIPTS_MAX_MESSAGES):
            by_sender[row["sender_id"]].append(pb.ReceiptCount(
                sequence=row["sequence"], read_count=row["read_count"], unread_count=row["unread_count"]))
        if by_sender:
            await add_event(conn, new_envelope(
                subjects.GROUPS_RECEIPTS_CHANGED, subject=group_id, enterprise_id=timer.payload.decode(),
                payload=events_pb2.ReceiptsChanged(group_id=group_id, version=version, senders=[
                    events_pb2.SenderReceipts(sender_id=sender, counts=counts) for sender, counts in by_sender.items()])))
