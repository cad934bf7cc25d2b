"""The room fan-out on one replica (SPEC F-29): the rooms whose streams this replica holds.

A replica holding streams of a live subscribes to that live's core NATS subject
(`subjects.live_room`) and to nothing else, so it only hears the rooms it serves. Whoever commits
a room event (any replica) publishes it there after the commit. Each room on a replica keeps:

- its frontier, the last sequence it has taken in; events arrive out of order or not at all (two
  replicas publishing, a NATS reconnect, a replica killed between commit and publish), so an
  event ahead of the frontier waits, and a gap that lasts, or a sequence PostgreSQL has that the
  room has not heard of (checked every second), is read back from PostgreSQL;
- the last events (as many as a reconnect may resume across), the last comments, guests and
  raised hands, and the figures, so that opening and resuming a stream reads nothing;
- its streams' listeners. Every flush interval the events taken in since the last write, and the
  figures if they changed, become one message, serialized once and handed to every stream as the
  same bytes (streams that opened in between get theirs, serialized once per opening point).

The flush interval is `room_flush_s`, or longer when this replica holds more streams than
`room_max_writes_per_s` allows at that interval: a replica's write rate (its CPU) stays bounded
however many viewers it holds, rooms batch more instead of falling behind, and another replica
(holding half the streams) brings the interval back down. That budget is a guess about the
machine; what a room's writes cost is measured too: each write is timed until (nearly) all its
streams have sent it, and a room waits at least 1 / WRITE_SHARE times that long between writes.
Stream writes and calls share one event loop, and grpc.aio takes a new call in only once every
few turns of it: a loop kept busy by writes leaves calls waiting in gRPC's core, which cancels
them (CANCELLED) after 30 s. Writes that take their share and no more keep calls flowing on a
replica with less CPU than the budget assumed (a loaded machine), and larger batches carry the
same events.

A stream that falls behind by more than `room_stream_buffer` messages is dropped with a resync,
so a slow client never holds the room back. A room without streams lingers a few seconds (a
reconnect storm finds it loaded), then unsubscribes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence

import asyncpg
import structlog
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from convene.live.v1 import live_pb2 as pb
from convene.live.v1 import room_bus_pb2
from convene.live.v1 import room_pb2 as rpb
from services.live import room_store, store
from services.live.domain import guest_play_url, require_audience
from services.live.settings import LiveSettings
from services.runtime import subjects
from services.runtime.auth import Principal
from services.runtime.errors import DomainError, PermissionDenied
from services.runtime.logs import get_logger
from services.runtime.supervisor import Loop, Supervisor
from services.runtime.tasks import cancel_and_wait

log = get_logger(__name__)

# How long an event ahead of the frontier waits for the ones before it before they are read
# from PostgreSQL (pushes of two replicas can cross by milliseconds).
GAP_GRACE_S = 0.3
# How often a room compares its frontier with PostgreSQL's and reads the viewer count.
REFRESH_S = 1.0
# How long a room without streams stays loaded.
LINGER_S = 10.0
# Events per message when a reconnect replays what it missed.
REPLAY_CHUNK = 200
# Streams handed a message per turn of the event loop when a room writes.
WRITE_SLICE = 500
# The share of the time a room may spend writing to its streams (see the module's docstring),
# the share of its streams a write waits for when it is timed (a stalled client must not hold
# the measure up), and the longest a room waits between writes however slow they became.
WRITE_SHARE = 0.7
TIMED_SHARE = 0.9
MAX_FLUSH_S = 10.0

Announce = Callable[[str, Sequence[rpb.RoomEvent]], Awaitable[None]]


def guest_of(seat: asyncpg.Record, play_url: str) -> rpb.Guest:
    guest = rpb.Guest(viewer_id=seat["viewer_id"], play_url=play_url)
    guest.since.FromDatetime(seat["on_mic_at"])
    return guest


class WriteRound:
    """One write of a room on its way to the streams: `done(seconds)` once TIMED_SHARE of them
    have sent it (or no longer will: ended, dropped)."""

    __slots__ = ("_done", "_left", "_started")

    def __init__(self, streams: int, done: Callable[[float], None]) -> None:
        self._left = max(1, int(streams * TIMED_SHARE))
        self._started = time.monotonic()
        self._done = done

    def sent(self) -> None:
        self._left -= 1
        if self._left == 0:
            self._done(time.monotonic() - self._started)


class RoomListener:
    """One open room stream: the messages handed to it, bounded."""

    def __init__(self, principal: Principal, capacity: int) -> None:
        self.principal = principal
        # The sequence the stream has been handed up to, and the one it has written up to.
        self.last = 0
        self.written = 0
        self._capacity = capacity
        self._queue: deque[tuple[bytes, int, WriteRound | None]] = deque()
        # The write of the message `next` returned last: sent once the stream asks for the next.
        self._sending: WriteRound | None = None
        self._waiter: asyncio.Future[None] | None = None
        self.overflowed = False
        # Set when the stream is to end once what is queued is written: with `error` when it
        # ends refused, without when the live ended.
        self.ending = False
        self.error: DomainError | None = None
        self._closed = False

    def offer(self, data: bytes, up_to: int, write: WriteRound | None = None) -> None:
        if self.overflowed or self.ending or self._closed:
            if write is not None:
                write.sent()
            return
        if len(self._queue) >= self._capacity:
            self.overflowed = True
            self._drop()
            if write is not None:
                write.sent()
        else:
            self._queue.append((data, up_to, write))
            self.last = up_to
        self._wake()

    def _drop(self) -> None:
        """Forget what is queued; the writes timed through it stop waiting for this stream."""
        for _, _, write in self._queue:
            if write is not None:
                write.sent()
        self._queue.clear()

    def close(self) -> None:
        """The stream ended: nothing it holds, or is offered later (a write under way), will be sent."""
        self._closed = True
        self._settle()
        self._drop()

    def _settle(self) -> None:
        sending, self._sending = self._sending, None
        if sending is not None:
            sending.sent()

    def end(self, error: DomainError | None = None) -> None:
        if not self.ending:
            self.ending, self.error = True, error
            self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def next(self) -> tuple[bytes, int] | None:
        """The next message and the sequence it brings the stream to; None when the stream is
        to end (see `overflowed`, `ending`, `error`). Asking for the next means the stream
        sent the one before."""
        self._settle()
        while not self._queue and not self.overflowed and not self.ending:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        if self.overflowed or not self._queue:
            return None
        data, up_to, self._sending = self._queue.popleft()
        return data, up_to


class Room:
    """One live's room on this replica."""

    def __init__(self, hub: RoomHub, live_id: str) -> None:
        self._hub = hub
        self.live_id = live_id
        settings = hub.settings
        self._backlog = settings.room_backlog
        self._buffer = settings.room_stream_buffer
        self.listeners: set[RoomListener] = set()
        self._by_viewer: dict[str, set[RoomListener]] = {}
        self.frontier = 0
        self._events: deque[rpb.RoomEvent] = deque(maxlen=max(1, settings.room_resume_window))
        self._comments: deque[rpb.Comment] = deque(maxlen=2 * settings.room_backlog)
        self._guests: dict[str, rpb.Guest] = {}
        self._hands: dict[str, rpb.RaisedHand] = {}
        self.counters = rpb.RoomCounters()
        self._sent_counters = rpb.RoomCounters()
        self.live: pb.Live = pb.Live()
        # Events taken in since the last write; events ahead of the frontier; when the oldest
        # of those arrived.
        self._outgoing: list[rpb.RoomEvent] = []
        self._ahead: dict[int, rpb.RoomEvent] = {}
        self._gap_since: float | None = None
        self._check_now = False
        self._removed: set[str] = set()
        self._audience_changed = False
        self.ended = False
        self.closed = False
        self._early: list[room_bus_pb2.RoomPush] | None = []
        self._subscription: Subscription | None = None
        self._loop: Loop | None = None
        self._refreshed_at = 0.0
        self._idle_since: float | None = None
        self.loaded: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.messages_written = 0
        # How long its writes took to reach its streams, lately (smoothed).
        self.write_s = 0.0

    # ------------------------------------------------------------------ loading

    async def load(self) -> None:
        """Subscribe first, then read the room: a push that arrives meanwhile is kept and taken
        in once the frontier is known."""
        try:
            self._subscription = await self._hub.nc.subscribe(subjects.live_room(self.live_id), cb=self._on_push)
            loaded = await room_store.load(self._hub.pool, self.live_id, window=self._events.maxlen or 1,
                                           backlog=self._backlog)
            if loaded is None:
                raise LookupError(self.live_id)
            self.live = store.live_from_row(loaded.live)
            self.ended = self.live.state == pb.LIVE_STATE_ENDED
            figures = loaded.figures
            self.frontier = figures.last_sequence
            self.counters.CopyFrom(rpb.RoomCounters(viewers=figures.viewers, likes=figures.like_count,
                                                    comments=figures.comment_num))
            self._sent_counters.CopyFrom(self.counters)
            self._events.extend(loaded.events)
            self._comments.extend(e.comment for e in loaded.comments)
            for seat in loaded.seats:
                if seat["state"] == room_store.SEAT_ON_MIC:
                    self._guests[seat["viewer_id"]] = guest_of(seat, self._hub.guest_play_url(self.live_id,
                                                                                           seat["viewer_id"]))
                else:
                    hand = rpb.RaisedHand(viewer_id=seat["viewer_id"])
                    hand.raise_time.FromDatetime(seat["raised_at"])
                    self._hands[seat["viewer_id"]] = hand
            self._refreshed_at = time.monotonic()
            early, self._early = self._early or [], None
            for push in early:
                self._take(push)
            self._outgoing.clear()  # what came during the load is in the snapshot of whoever opens
            # Not in the replica's readiness: a room that fails on its own must not take the
            # replica (and, as every replica holds it, the service) out of rotation.
            self._loop = self._hub.supervisor.start(f"live room {self.live_id}", self._run, readiness=False)
            self.loaded.set_result(None)
        except Exception as exc:
            self.closed = True
            self._hub.forget(self)
            self.loaded.set_exception(exc)
            self.loaded.add_done_callback(lambda f: f.exception())  # whoever waited has heard it
            await self._unsubscribe()

    async def _unsubscribe(self) -> None:
        if self._subscription is not None:
            try:
                await self._subscription.unsubscribe()
            except Exception:
                pass
            self._subscription = None

    async def close(self) -> None:
        self.closed = True
        for listener in list(self.listeners):
            listener.end(None)
        loop, self._loop = self._loop, None
        if loop is not None:
            await self._hub.supervisor.stop(loop)
        await self._unsubscribe()

    # ------------------------------------------------------------------ taking events in

    async def _on_push(self, msg: Msg) -> None:
        try:
            push = room_bus_pb2.RoomPush.FromString(msg.data)
        except Exception:
            log.warning("unreadable room push ignored", live_id=self.live_id)
            return
        if self._early is not None:
            self._early.append(push)
        else:
            self._take(push)

    def _take(self, push: room_bus_pb2.RoomPush) -> None:
        for event in push.events:
            self.ingest(event)
        if push.like_count > self.counters.likes:
            self.counters.likes = push.like_count
        if not push.events and not push.like_count:
            self._check_now = True  # committed, not carried: read it

    def ingest(self, event: rpb.RoomEvent) -> None:
        sequence = event.sequence
        if sequence <= self.frontier or sequence in self._ahead:
            return
        if sequence != self.frontier + 1:
            self._ahead[sequence] = event
            if self._gap_since is None:
                self._gap_since = time.monotonic()
            return
        self._accept(event)
        while self.frontier + 1 in self._ahead:
            self._accept(self._ahead.pop(self.frontier + 1))
        if not self._ahead:
            self._gap_since = None

    def _accept(self, event: rpb.RoomEvent) -> None:
        self.frontier = event.sequence
        self._events.append(event)
        self._outgoing.append(event)
        kind = event.WhichOneof("kind")
        if kind == "comment":
            self._comments.append(event.comment)
            self.counters.comments += 1
        elif kind == "comment_deleted":
            self._redact(event.comment_deleted.comment_sequence)
        elif kind == "hand_raised":
            self._hands[event.hand_raised.viewer_id] = event.hand_raised
        elif kind == "hand_lowered":
            self._hands.pop(event.hand_lowered.viewer_id, None)
        elif kind == "guests_changed":
            self._guests = {g.viewer_id: g for g in event.guests_changed.guests}
            self._hands.pop(event.guests_changed.joined_id, None)  # their hand was answered
        elif kind == "viewer_removed":
            self._removed.add(event.viewer_removed.viewer_id)
        elif kind == "live_changed":
            self.live = event.live_changed.live
            self._audience_changed = True
            self.ended = self.live.state == pb.LIVE_STATE_ENDED

    def _redact(self, sequence: int) -> None:
        """A deleted comment: gone from the backlog; a reconnect that replays it gets a Redacted."""
        if self._events and self._events[0].sequence <= sequence:
            index = sequence - self._events[0].sequence
            if index < len(self._events) and self._events[index].HasField("comment"):
                old = self._events[index]
                replacement = rpb.RoomEvent(sequence=old.sequence, redacted=rpb.Redacted())
                replacement.time.CopyFrom(old.time)
                self._events[index] = replacement
        for comment in list(self._comments):
            if comment.sequence == sequence:
                self._comments.remove(comment)

    async def catch_up(self) -> None:
        """Take in whatever PostgreSQL has beyond the frontier, and read the viewer count."""
        async with self._hub.pool.acquire() as conn:
            figures = await room_store.figures(conn, self.live_id)
            if figures.last_sequence > self.frontier:
                for event in await room_store.events_after(conn, self.live_id, self.frontier, figures.last_sequence):
                    self.ingest(event)
        self.counters.viewers = figures.viewers
        self.counters.likes = max(self.counters.likes, figures.like_count)
        self._refreshed_at = time.monotonic()
        self._check_now = False

    # ------------------------------------------------------------------ streams

    def attach(self, principal: Principal, after_sequence: int,
               muted_until: dt.datetime | None = None) -> tuple[RoomListener, list[rpb.SubscribeRoomResponse]]:
        """A new stream of this room, and its first messages: a snapshot, or the events after
        `after_sequence`. Synchronous, so nothing is taken in between: the stream then gets
        everything after the frontier and nothing before it."""
        assert after_sequence <= self.frontier, "catch up first"
        listener = RoomListener(principal, self._buffer)
        oldest_kept = self._events[0].sequence if self._events else self.frontier + 1
        if after_sequence == 0 or after_sequence < oldest_kept - 1:
            first = [rpb.SubscribeRoomResponse(snapshot=self._snapshot(start_over=after_sequence != 0,
                                                                       muted_until=muted_until))]
        else:
            missed = [e for e in self._events if e.sequence > after_sequence]
            first = [rpb.SubscribeRoomResponse(events=missed[i:i + REPLAY_CHUNK])
                     for i in range(0, len(missed), REPLAY_CHUNK)] or [rpb.SubscribeRoomResponse()]
            first[0].counters.CopyFrom(self.counters)
        listener.last = listener.written = self.frontier
        self.listeners.add(listener)
        self._by_viewer.setdefault(principal.id, set()).add(listener)
        self._idle_since = None
        if self.ended or self.closed:
            listener.end(None)
        return listener, first

    def detach(self, listener: RoomListener) -> None:
        listener.close()
        self.listeners.discard(listener)
        same_viewer = self._by_viewer.get(listener.principal.id)
        if same_viewer is not None:
            same_viewer.discard(listener)
            if not same_viewer:
                del self._by_viewer[listener.principal.id]
        if not self.listeners:
            self._idle_since = time.monotonic()

    def _snapshot(self, *, start_over: bool, muted_until: dt.datetime | None) -> rpb.RoomSnapshot:
        snapshot = rpb.RoomSnapshot(
            sequence=self.frontier, start_over=start_over, recent_comments=list(self._comments)[-self._backlog:],
            guests=list(self._guests.values()), raised_hands=list(self._hands.values()), live=self.live)
        snapshot.counters.CopyFrom(self.counters)
        if muted_until is not None and muted_until > dt.datetime.now(dt.UTC):
            snapshot.muted_until.FromDatetime(muted_until)
        return snapshot

    # ------------------------------------------------------------------ writing

    def flush_interval(self) -> float:
        """The replica's interval, or longer when this room's writes take more than their share."""
        return max(self._hub.flush_interval(), min(MAX_FLUSH_S, self.write_s / WRITE_SHARE))

    def _wrote(self, seconds: float) -> None:
        self.write_s = seconds if self.write_s == 0 else (self.write_s + seconds) / 2

    async def _run(self, loop: Loop) -> None:
        """The room's loop, under the replica's supervisor: a step that fails (PostgreSQL away,
        a bug) ends this body, the room counts as a loop down (logged, `convene_loops_down`),
        and the supervisor runs the body again after its back-off (at once when the database
        is back). The room
        keeps what it holds meanwhile; its streams stay open and get what follows."""
        structlog.contextvars.bind_contextvars(live_id=self.live_id, correlation_id=self.live_id)
        while True:
            await asyncio.sleep(self.flush_interval())
            now = time.monotonic()
            if (self._check_now or now - self._refreshed_at >= REFRESH_S
                    or (self._gap_since is not None and now - self._gap_since >= GAP_GRACE_S)):
                await self.catch_up()
            await self.write()
            if self._audience_changed:
                await self._check_audience()
            loop.healthy()
            if not self.listeners and self._idle_since is not None and now - self._idle_since >= LINGER_S:
                self._hub.forget(self)
                loop.done()
                self._loop = None  # ending by itself: close() must not stop the loop it runs in
                await self.close()
                return

    async def write(self) -> None:
        """Hand what was taken in since the last write to every stream, serialized once per
        point the streams stand at (all of them but the ones opened since the last write).
        The streams are handed their message WRITE_SLICE at a time, a turn of the event loop
        apart, so the calls that arrive meanwhile (comments, likes) are not held up behind
        thousands of stream writes; what is written, and ended, is what stood at the start.
        The write is timed until its streams have sent it (see `flush_interval`)."""
        counters_changed = self.counters != self._sent_counters
        ended, removed = self.ended, list(self._removed)
        self._removed.clear()
        offers: list[tuple[bytes, list[RoomListener]]] = []
        frontier = self.frontier
        if self._outgoing or counters_changed:
            standing: dict[int, list[RoomListener]] = {}
            for listener in self.listeners:
                standing.setdefault(listener.last, []).append(listener)
            for last, listeners in standing.items():
                message = rpb.SubscribeRoomResponse(events=[e for e in self._outgoing if e.sequence > last])
                if not message.events and not counters_changed:
                    continue
                if counters_changed:
                    message.counters.CopyFrom(self.counters)
                offers.append((message.SerializeToString(), listeners))
            self._outgoing.clear()
            self._sent_counters.CopyFrom(self.counters)
        handed = 0
        write = WriteRound(sum(len(listeners) for _, listeners in offers), self._wrote) if offers else None
        for data, listeners in offers:
            for listener in listeners:
                listener.offer(data, frontier, write)
                handed += 1
                if handed % WRITE_SLICE == 0:
                    await asyncio.sleep(0)
            self.messages_written += len(listeners)
        for viewer_id in removed:
            for listener in list(self._by_viewer.get(viewer_id, ())):
                listener.end(PermissionDenied("REMOVED_FROM_LIVE", "a moderator removed you from this live",
                                              live_id=self.live_id))
        if ended:
            for listener in list(self.listeners):
                listener.end(None)

    async def _check_audience(self) -> None:
        """The audience applies while the stream runs: after a change, streams of viewers it no
        longer includes end (SPEC F-23)."""
        self._audience_changed = False
        async with self._hub.pool.acquire() as conn:
            row = await conn.fetchrow("SELECT * FROM lives WHERE id = $1", self.live_id)
        if row is None:
            return
        for listener in list(self.listeners):
            try:
                require_audience(listener.principal, row)
            except DomainError as refusal:
                listener.end(refusal)


class RoomHub:
    """The rooms this replica holds streams of."""

    def __init__(self, pool: asyncpg.Pool, nc: NATS, settings: LiveSettings, supervisor: Supervisor) -> None:
        self.pool = pool
        self.nc = nc
        self.settings = settings
        # Each room's loop runs under it (restarted when it fails; counted, not in readiness).
        self.supervisor = supervisor
        self._rooms: dict[str, Room] = {}
        self._loading: set[asyncio.Task] = set()  # the loop keeps only weak references

    def guest_play_url(self, live_id: str, viewer_id: str) -> str:
        return guest_play_url(self.settings, live_id, viewer_id)

    async def room(self, live_id: str) -> Room:
        """The live's room, loaded (LookupError when there is no such live)."""
        room = self._rooms.get(live_id)
        if room is None or room.closed:
            room = Room(self, live_id)
            self._rooms[live_id] = room
            # Its own task: a caller that goes away does not cancel the load the others wait for.
            task = asyncio.create_task(room.load(), name=f"room-load-{live_id}")
            self._loading.add(task)
            task.add_done_callback(self._loading.discard)
        await asyncio.shield(room.loaded)
        return room

    def forget(self, room: Room) -> None:
        if self._rooms.get(room.live_id) is room:
            del self._rooms[room.live_id]

    @property
    def open_streams(self) -> int:
        return sum(len(r.listeners) for r in self._rooms.values())

    def flush_interval(self) -> float:
        """How long rooms gather before a write: within this replica's write budget."""
        return max(self.settings.room_flush_s, self.open_streams / self.settings.room_max_writes_per_s)

    async def announce(self, live_id: str, events: Sequence[rpb.RoomEvent] = ()) -> None:
        """After a commit: the events to every replica holding the room (this one at once). With
        no events, the replicas read what was committed from PostgreSQL."""
        room = self._rooms.get(live_id)
        if room is not None and room.loaded.done() and not room.closed:
            for event in events:
                room.ingest(event)
        await self._publish(room_bus_pb2.RoomPush(live_id=live_id, events=events))

    async def announce_likes(self, live_id: str, like_count: int) -> None:
        room = self._rooms.get(live_id)
        if room is not None and like_count > room.counters.likes:
            room.counters.likes = like_count
        await self._publish(room_bus_pb2.RoomPush(live_id=live_id, like_count=like_count))

    async def _publish(self, push: room_bus_pb2.RoomPush) -> None:
        # Best effort: a replica that misses it reads PostgreSQL within a second.
        try:
            await self.nc.publish(subjects.live_room(push.live_id), push.SerializeToString())
        except Exception as exc:
            log.warning("room push not sent; replicas will read it from the database", live_id=push.live_id,
                        error=str(exc))

    async def stop(self) -> None:
        for task in list(self._loading):
            await cancel_and_wait(task)
        for room in list(self._rooms.values()):
            await room.close()
        self._rooms.clear()
