"""Shared set-up for the room tests (SPEC F-29, F-51): a system with two live replicas and short
timings, a recorder for room streams, and the calls viewers, hosts and admins make."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

import grpc
import pytest

from convene.live.v1 import live_pb2, moderation_pb2, moderation_pb2_grpc, room_pb2, room_pb2_grpc
from tests.harness import System, bearer, eventually, module_system, request_id
from tests.live_support import FAST, Scene

# Short flushes; a slow comment rate (one per 20 s after a burst of 3), so that a test of the
# limit cannot pass by waiting; a small resume window, so that starting over is reachable.
COMMENT_BURST = 3
COMMENT_RATE_PER_S = 0.05
RESUME_WINDOW = 12
BACKLOG = 5
MAX_GUESTS = 2
BLOCKED_WORDS_CACHE_S = 0.5
ROOM = dict(FAST, room_flush_s=0.05, like_flush_s=0.05, comment_rate_per_s=COMMENT_RATE_PER_S,
            comment_burst=COMMENT_BURST, room_resume_window=RESUME_WINDOW, room_backlog=BACKLOG,
            blocked_words_cache_s=BLOCKED_WORDS_CACHE_S, max_guests=MAX_GUESTS)


@pytest.fixture(scope="module")
async def room_system(postgres, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    """Every service, and a second live replica: streams and calls are spread over both."""
    async with module_system(postgres, Path(tmp_path_factory.mktemp("room")), **ROOM) as system:
        await system.add_replica("live")
        yield system


def room_stub(system: System, replica: int = 0) -> room_pb2_grpc.RoomServiceStub:
    return room_pb2_grpc.RoomServiceStub(system.channel(system.address_of("live", replica)))


def moderation_stub(system: System, replica: int = 0) -> moderation_pb2_grpc.ModerationServiceStub:
    return moderation_pb2_grpc.ModerationServiceStub(system.channel(system.address_of("live", replica)))


class RoomRecorder:
    """One viewer's room stream, recording every message."""

    def __init__(self, system: System, token: str, live_id: str, *, replica: int = 0, after_sequence: int = 0) -> None:
        self._call = room_stub(system, replica).SubscribeRoom(
            room_pb2.SubscribeRoomRequest(live_id=live_id, after_sequence=after_sequence), metadata=bearer(token))
        self.messages: list[room_pb2.SubscribeRoomResponse] = []
        self.events: list[room_pb2.RoomEvent] = []
        self.first_snapshot: room_pb2.RoomSnapshot | None = None
        self.counters = room_pb2.RoomCounters()
        self.error: grpc.aio.AioRpcError | None = None
        self.opened = asyncio.Event()
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for message in self._call:
                self.messages.append(message)
                if message.HasField("snapshot"):
                    self.first_snapshot = message.snapshot
                    self.counters.CopyFrom(message.snapshot.counters)
                if message.HasField("counters"):
                    self.counters.CopyFrom(message.counters)
                self.events.extend(message.events)
                self.opened.set()
        except grpc.aio.AioRpcError as exc:
            if exc.code() != grpc.StatusCode.CANCELLED:
                self.error = exc
        finally:
            self.opened.set()

    async def ready(self, timeout: float = 10.0) -> RoomRecorder:
        await asyncio.wait_for(self.opened.wait(), timeout)
        if self.error is not None:
            raise self.error
        return self

    @property
    def snapshot(self) -> room_pb2.RoomSnapshot:
        """The snapshot the stream opened with (the test fails if it opened without one)."""
        assert self.first_snapshot is not None, "the stream opened without a snapshot"
        return self.first_snapshot

    @property
    def sequences(self) -> list[int]:
        return [e.sequence for e in self.events]

    @property
    def last_sequence(self) -> int:
        if self.events:
            return self.events[-1].sequence
        return self.first_snapshot.sequence if self.first_snapshot else 0

    def of_kind(self, kind: str) -> list[room_pb2.RoomEvent]:
        return [e for e in self.events if e.WhichOneof("kind") == kind]

    @property
    def comments(self) -> list[tuple[int, str]]:
        """What the viewer sees: the snapshot's comments and those that came, minus deleted ones."""
        shown = [(c.sequence, c.text) for c in (self.first_snapshot.recent_comments if self.first_snapshot else ())]
        shown += [(e.sequence, e.comment.text) for e in self.of_kind("comment")]
        deleted = {e.comment_deleted.comment_sequence for e in self.of_kind("comment_deleted")}
        return [c for c in shown if c[0] not in deleted]

    @property
    def ended(self) -> bool:
        return self._task.done()

    async def wait(self, check: Callable[[RoomRecorder], bool], what: str, timeout: float = 15.0) -> None:
        async def holds() -> bool:
            return check(self)

        await eventually(holds, timeout=timeout, what=what)

    async def until_ended(self, timeout: float = 15.0) -> None:
        await asyncio.wait_for(asyncio.shield(self._task), timeout)

    async def close(self) -> None:
        self._call.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


class Room:
    """A scene's live and the room calls made in it."""

    def __init__(self, scene: Scene, live_id: str) -> None:
        self.scene = scene
        self.system = scene.system
        self.live_id = live_id

    @classmethod
    async def open(cls, system: System, members: int = 4, *, wechat_ids: Sequence[str] = (),
                   **start: object) -> Room:
        scene = await Scene.create(system, members=members, wechat_ids=list(wechat_ids))
        return cls(scene, (await scene.start(**start)).live.id)

    def token(self, principal_id: str) -> str:
        return self.scene.org.tokens[principal_id]

    @property
    def host(self) -> str:
        return self.scene.host

    @property
    def viewers(self) -> list[str]:
        return self.scene.org.member_ids[1:]

    async def join(self, token: str) -> live_pb2.JoinLiveResponse:
        return await self.scene.join(self.live_id, token)

    def record(self, token: str, *, replica: int = 0, after_sequence: int = 0) -> RoomRecorder:
        return RoomRecorder(self.system, token, self.live_id, replica=replica, after_sequence=after_sequence)

    async def comment(self, token: str, text: str, *, replica: int = 0, request: str = "") -> room_pb2.Comment:
        reply = await room_stub(self.system, replica).PostComment(room_pb2.PostCommentRequest(
            request_id=request or request_id(), live_id=self.live_id, text=text), metadata=bearer(token))
        return reply.comment

    async def like(self, token: str, count: int = 1, *, replica: int = 0) -> int:
        reply = await room_stub(self.system, replica).SendLikes(
            room_pb2.SendLikesRequest(live_id=self.live_id, count=count), metadata=bearer(token))
        return reply.like_count

    def rooms(self, replica: int = 0) -> room_pb2_grpc.RoomServiceStub:
        return room_stub(self.system, replica)

    def moderation(self, replica: int = 0) -> moderation_pb2_grpc.ModerationServiceStub:
        return moderation_stub(self.system, replica)

    async def remove(self, moderator_token: str, viewer_id: str) -> moderation_pb2.ModerationAction:
        return (await self.moderation().RemoveViewer(moderation_pb2.RemoveViewerRequest(
            live_id=self.live_id, viewer_id=viewer_id, reason="spam"), metadata=bearer(moderator_token))).action

    async def stats(self) -> live_pb2.LiveStats:
        return await self.scene.stats(self.live_id)
