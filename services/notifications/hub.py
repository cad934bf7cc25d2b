"""The streams one replica holds, and the core-NATS push that reaches them from any replica.

After a fan-out commits, the replica that wrote it publishes the new notifications on
`notifications.v1.push`; every replica hears it and hands each item to the local streams of its
user. A push can be missed (a reconnect, a full buffer): streams then read the gap back from
PostgreSQL, because every notification carries its per-user sequence.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from convene.notifications.v1 import delivery_pb2
from convene.notifications.v1 import notifications_pb2 as pb
from services.runtime import subjects
from services.runtime.logs import get_logger

log = get_logger(__name__)

# Items per push message: keeps each message well under NATS's default 1 MB payload limit.
PUSH_CHUNK = 500


class Listener:
    """One open stream: a bounded buffer, so a slow client never slows anyone else."""

    def __init__(self, user_id: str, capacity: int) -> None:
        self.user_id = user_id
        self.queue: asyncio.Queue[pb.Notification] = asyncio.Queue(capacity)
        # Set when the buffer overflowed: the stream drops what it holds and reads from the database.
        self.overflowed = False

    def offer(self, notification: pb.Notification) -> None:
        try:
            self.queue.put_nowait(notification)
        except asyncio.QueueFull:
            self.overflowed = True


class Hub:
    def __init__(self, nc: NATS, buffer_capacity: int = 256) -> None:
        self._nc = nc
        self._capacity = buffer_capacity
        self._listeners: dict[str, set[Listener]] = defaultdict(set)
        self._subscription: Subscription | None = None

    async def start(self) -> None:
        self._subscription = await self._nc.subscribe(subjects.NOTIFICATIONS_PUSH, cb=self._on_push)

    async def stop(self) -> None:
        if self._subscription is not None:
            await self._subscription.unsubscribe()

    def register(self, user_id: str) -> Listener:
        listener = Listener(user_id, self._capacity)
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

    async def _on_push(self, msg: Msg) -> None:
        batch = delivery_pb2.DeliveryCommitted.FromString(msg.data)
        for item in batch.items:
            for listener in self._listeners.get(item.user_id, ()):
                listener.offer(item.notification)

    async def publish(self, items: list[tuple[str, pb.Notification]]) -> None:
        for start in range(0, len(items), PUSH_CHUNK):
            batch = delivery_pb2.DeliveryCommitted()
            for user_id, notification in items[start:start + PUSH_CHUNK]:
                batch.items.add(user_id=user_id, notification=notification)
            await self._nc.publish(subjects.NOTIFICATIONS_PUSH, batch.SerializeToString())
        await self._nc.flush()
