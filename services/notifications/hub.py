"""The streams one replica holds, and the core-NATS push that reaches them from any replica.

After a fan-out commits, the replica that wrote it publishes the new stream items on
`notifications.v1.push`; every replica hears it and hands each item to the local streams of its
user. A push can be missed (a NATS reconnect, a replica killed or PostgreSQL restarted between
commit and push): streams then read the gap back from PostgreSQL, because every item carries its
per-user sequence. Once a second the hub compares each open stream's user's latest sequence in
the database (one query for every stream the replica holds) with what the stream has seen, so a
missed push costs at most about a second, not the idle check's minute; the redelivered event
of a replica that died after its commit is skipped as a duplicate, and this is how the other
replicas' streams learn of it.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import defaultdict, deque
from typing import TYPE_CHECKING

import asyncpg
import nats.errors
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from convene.notifications.v1 import delivery_pb2
from convene.notifications.v1 import notifications_pb2 as pb
from services.notifications import store, wire
from services.notifications.store import Delivered
from services.runtime import subjects, tracing
from services.runtime.dependencies import unavailable_dependency
from services.runtime.errors import ResourceExhausted
from services.runtime.events import timestamp
from services.runtime.logs import get_logger
from services.runtime.supervisor import Loop, Supervisor

if TYPE_CHECKING:
    from services.notifications.chats import ChatItem

log = get_logger(__name__)

# Users per push message: keeps each message well under NATS's default 1 MB payload limit.
PUSH_USERS = 2000
# How often the hub looks for streams that may have missed pushes.
WATCH_EVERY_S = 1.0
# A push waits this long for NATS before it is given up (the streams catch up by themselves).
PUSH_FLUSH_TIMEOUT_S = 1

# (the user's sequence, the item as the bytes a stream writes); chat items are outside the user's
# sequence, carry CHAT and come as a chats.ChatItem (each stream orders its chats' entries).
StreamItem = tuple[int, "bytes | ChatItem"]
CHAT = 0


class Listener:
    """One open stream: a bounded buffer, so a slow client never slows anyone else."""

    def __init__(self, user_id: str, capacity: int, idle_check_s: float) -> None:
        self.user_id = user_id
        self._capacity = capacity
        self._items: deque[StreamItem] = deque()
        self._waiter: asyncio.Future[None] | None = None
        # The buffer overflowed: what it held was dropped (the database still has it).
        self.overflowed = False
        # Pushes may have been missed (NATS reconnected, or nothing heard for long): the stream
        # should look in the database.
        self.stale = False
        # Spread over 20%, so that thousands of idle streams do not all look at once.
        self._idle_check_s = idle_check_s * random.uniform(1.0, 1.2)
        self._heard_at = time.monotonic()
        # The highest sequence this stream has sent or been offered: the database being ahead of
        # it means a push was missed.
        self.seen_sequence = 0

    def offer(self, item: StreamItem) -> None:
        self.seen_sequence = max(self.seen_sequence, item[0])
        if self.overflowed:
            return
        if len(self._items) >= self._capacity:
            self.overflowed = True
            self._items.clear()
        else:
            self._items.append(item)
        self._heard_at = time.monotonic()
        self._wake()

    def sent(self, sequence: int) -> None:
        """The stream sent the item with `sequence` (from the database or a push)."""
        self.seen_sequence = max(self.seen_sequence, sequence)

    def mark_stale(self) -> None:
        self.stale = True
        self._wake()

    def checked(self) -> None:
        """The stream has just read the database."""
        self.stale = False
        self._heard_at = time.monotonic()

    def idle(self, now: float) -> bool:
        return now - self._heard_at > self._idle_check_s

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def next(self, timeout_s: float | None = None) -> StreamItem | None:
        """The next pushed item; None once the buffer overflowed or the listener went stale
        (the caller tells which by the flags), or after `timeout_s` without one."""
        if not self._items and not self.overflowed and not self.stale:
            self._waiter = waiter = asyncio.get_running_loop().create_future()
            try:
                if timeout_s is None:  # most waits: no chat gap pending (no timer, no extra coroutine)
                    await waiter
                else:
                    await asyncio.wait_for(waiter, timeout_s)
            except TimeoutError:
                return None
            finally:
                self._waiter = None
        if self.overflowed or self.stale or not self._items:
            return None
        return self._items.popleft()


class Hub:
    def __init__(self, nc: NATS, pool: asyncpg.Pool, buffer_capacity: int, idle_check_s: float,
                 max_per_user: int = 10, *, supervisor: Supervisor | None = None) -> None:
        self._nc = nc
        self._pool = pool
        self._capacity = buffer_capacity
        self._idle_check_s = idle_check_s
        self._max_per_user = max_per_user
        self._supervisor = supervisor or Supervisor()
        self._listeners: dict[str, set[Listener]] = defaultdict(set)
        self._subscription: Subscription | None = None
        self._watcher: Loop | None = None
        # Streams told to read the database because it was ahead of them (missed pushes), and
        # pushes that could not be sent (NATS away).
        self.caught_missed = 0
        self.pushes_dropped = 0

    async def start(self) -> None:
        # nats-py subscribes again by itself after a reconnect; _watch covers what was missed.
        self._subscription = await self._nc.subscribe(subjects.NOTIFICATIONS_PUSH, cb=self._on_push)
        self._watcher = self._supervisor.start("notifications push watch", self._watch)

    async def stop(self) -> None:
        if self._watcher is not None:
            await self._supervisor.stop(self._watcher)
        if self._subscription is not None:
            try:
                await self._subscription.unsubscribe()
            except Exception:
                pass

    def register(self, user_id: str) -> Listener:
        """A new stream of the user's; refused past the user's limit on this replica (each one
        holds a buffer and a task, so one user's clients cannot take the replica's memory)."""
        if len(self._listeners.get(user_id, ())) >= self._max_per_user:
            raise ResourceExhausted("TOO_MANY_STREAMS", f"at most {self._max_per_user} open streams per user; "
                                    "close one first", limit=self._max_per_user, retry_after_s=1.0)
        listener = Listener(user_id, self._capacity, self._idle_check_s)
        self._listeners[user_id].add(listener)
        return listener

    def unregister(self, listener: Listener) -> None:
        listeners = self._listeners.get(listener.user_id)
        if listeners is not None:
            listeners.discard(listener)
            if not listeners:
                del self._listeners[listener.user_id]

    @property
    def open_streams(self) -> int:
        return sum(len(s) for s in self._listeners.values())

    async def _watch(self, loop: Loop) -> None:
        """Supervised, once a second: after a NATS reconnect every stream looks in the database
        (pushes sent meanwhile are lost), so does each stream whose user's latest sequence in the
        database is ahead of it, and each stream that heard nothing for long."""
        reconnects = self._nc.stats["reconnects"]
        while True:
            await asyncio.sleep(WATCH_EVERY_S)
            everyone = self._nc.stats["reconnects"] != reconnects
            if everyone:
                reconnects = self._nc.stats["reconnects"]
                log.info("nats reconnected; open streams look for missed pushes", streams=self.open_streams)
            try:
                behind = await self._behind_the_database()
            except Exception as exc:
                if unavailable_dependency(exc) is None:
                    raise
                loop.failing(exc)  # streams cannot read the database either; look again soon
                continue
            now = time.monotonic()
            for listeners in list(self._listeners.values()):
                for listener in listeners:
                    if everyone or listener.idle(now) or listener in behind:
                        listener.mark_stale()
            self.caught_missed += len(behind)
            loop.healthy()

    async def _behind_the_database(self) -> set[Listener]:
        if not self._listeners:
            return set()
        async with self._pool.acquire() as conn:
            latest = await store.latest_sequences(conn, list(self._listeners))
        return {listener for user_id, sequence in latest.items()
                for listener in self._listeners.get(user_id, ()) if listener.seen_sequence < sequence}

    # ------------------------------------------------------------------------------ receiving

    async def _on_push(self, msg: Msg) -> None:
        with tracing.span("notifications.v1.push deliver", kind=tracing.SpanKind.CONSUMER,
                          traceparent=tracing.from_headers(msg.headers)):
            self._deliver(delivery_pb2.DeliveryCommitted.FromString(msg.data))

    def _deliver(self, batch: delivery_pb2.DeliveryCommitted) -> None:
        for item in batch.items:
            listeners = self._listeners.get(item.user_id)
            if not listeners:
                continue
            if item.HasField("read_marked"):
                entry: StreamItem = (item.read_marked.sequence,
                                     wire.encode(pb.SubscribeResponse(read_marked=item.read_marked)))
            else:
                entry = (item.notification.sequence, wire.encode(pb.SubscribeResponse(notification=item.notification)))
            for listener in listeners:
                listener.offer(entry)
        if batch.HasField("shared"):
            self._offer_shared(batch.shared)

    def _offer_shared(self, shared: delivery_pb2.SharedNotification) -> None:
        """The shared part serialized once; each stream gets it as bytes with its user's own part."""
        common = shared.notification.SerializeToString()
        held = self._listeners
        for index, user_id in enumerate(shared.user_ids):
            listeners = held.get(user_id)
            if not listeners:
                continue
            sequence = shared.sequences[index]
            entry = (sequence, wire.notification(common, shared.notification_ids[index], sequence,
                                                 shared.unread_counts[index]))
            for listener in listeners:
                listener.offer(entry)

    # ----------------------------------------------------------------------------------- chats

    def offer_chat(self, user_id: str, item: ChatItem) -> None:
        """A chat item (outside the user's sequence) for the user's streams on this replica."""
        for listener in self._listeners.get(user_id, ()):
            listener.offer((CHAT, item))

    def holds(self, user_id: str) -> bool:
        return user_id in self._listeners

    # ------------------------------------------------------------------------------ publishing

    async def publish_fanout(self, template: pb.Notification, delivered: Delivered) -> None:
        """One notification to many users: sent once, with only what differs per user."""
        template.create_time.CopyFrom(timestamp(delivered.created_at))
        batches = []
        for start in range(0, len(delivered.user_ids), PUSH_USERS):
            end = start + PUSH_USERS
            batches.append(delivery_pb2.DeliveryCommitted(shared=delivery_pb2.SharedNotification(
                notification=template, user_ids=delivered.user_ids[start:end],
                sequences=delivered.sequences[start:end], notification_ids=delivered.notification_ids[start:end],
                unread_counts=delivered.unread_counts[start:end])))
        await self._push(batches)

    async def publish_read_mark(self, user_id: str, mark: pb.ReadMarked) -> None:
        batch = delivery_pb2.DeliveryCommitted()
        batch.items.add(user_id=user_id, read_marked=mark)
        await self._push([batch])

    async def _push(self, batches: list[delivery_pb2.DeliveryCommitted]) -> None:
        """Best effort, after the commit: with NATS away the push is dropped (counted), not the
        call or the event that made it; streams read what they missed (see _watch)."""
        try:
            for batch in batches:
                await self._nc.publish(subjects.NOTIFICATIONS_PUSH, batch.SerializeToString(),
                                       headers=tracing.headers())
            await self._nc.flush(timeout=PUSH_FLUSH_TIMEOUT_S)
        except nats.errors.Error as exc:
            self.pushes_dropped += 1
            log.debug("push not sent; open streams will read it from the database", error=str(exc))
