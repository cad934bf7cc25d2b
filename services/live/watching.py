"""Watching a live (SPEC F-23..F-25): joins checked against the audience at that moment,
heartbeats, watch statistics, share links and what each share brought."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import asyncpg

from convene.live.v1 import events_pb2
from convene.live.v1 import live_pb2 as pb
from services.live import room_store, store
from services.live.domain import Lives, may_watch, require_audience
from services.live.settings import LiveSettings
from services.runtime import subjects
from services.runtime.auth import Principal
from services.runtime.db import Connection
from services.runtime.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied, Unavailable
from services.runtime.events import new_envelope, timestamp
from services.runtime.group_commit import GroupCommit
from services.runtime.ids import new_id
from services.runtime.logs import get_logger
from services.runtime.outbox import add_event
from services.runtime.pagination import decode_page_value, encode_page_token
from services.runtime.share_links import ShareLinks
from services.runtime.supervisor import Loop, Supervisor

log = get_logger(__name__)


Joiner = tuple[Principal, str]  # (the viewer, the share they came through or "")
JoinAnswer = tuple[asyncpg.Record | None, pb.Live | None, bool | None]


class JoinBatcher:
    """Group commit for joins (runtime.group_commit): while one statement for a live is running,
    the joins that arrive wait and then go in together. Alone a join runs at once; in a storm one
    round trip admits many viewers (SPEC F-25's join storm). The live process is CPU-bound in a
    storm, and a statement per one or two joins (what arrives while the previous statement runs)
    cost more CPU than the 5 ms gathering after each statement costs latency.

    Who is let in is decided here, by domain.may_watch on the live's row as the last statement
    left it, and the statement admits them only if the live's state and audience are still those
    (else the row is read again and the batch decided again): the audience rule lives in one
    place and every join is checked against the audience at that moment."""

    # Reads of a live whose state or audience keeps changing under one batch before it gives up.
    _ATTEMPTS = 5
    # Lives whose last row is kept (those joined lately); the row is only a guess, checked by
    # the statement itself.
    _ROWS_KEPT = 1000

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._commit: GroupCommit[str, Joiner, JoinAnswer] = GroupCommit(pool, self._join_many)
        self._rows: dict[str, asyncpg.Record] = {}

    async def join(self, live_id: str, joiner: Joiner) -> JoinAnswer:
        """The live's row, its message (built once per batch) and whether this was the viewer's
        first join (None: not let in)."""
        return await self._commit.submit(live_id, joiner)

    async def _join_many(self, conn: Connection, live_id: str, joiners: list[Joiner]) -> list[JoinAnswer]:
        row, firsts = await self._admit(conn, live_id, self._rows.pop(live_id, None), joiners)
        if row is not None:
            if len(self._rows) >= self._ROWS_KEPT:
                del self._rows[next(iter(self._rows))]
            self._rows[live_id] = row
        live = store.live_from_row(row) if row is not None else None
        return [(row, live, firsts.get(principal.id)) for principal, _ in joiners]

    @staticmethod
    async def _admit(conn: Connection, live_id: str, row: asyncpg.Record | None,
                     joiners: list[Joiner]) -> tuple[asyncpg.Record | None, dict[str, bool]]:
        """Let in those of `joiners` who may watch now; returns the live's current row (None:
        no such live) and {viewer_id: first join} of those let in."""
        for _ in range(JoinBatcher._ATTEMPTS):
            fresh = row is None
            if row is None:
                row = await store.get_live(conn, live_id)
                if row is None:
                    return None, {}
            allowed = [(p.id, p.is_member and p.enterprise_id == row["enterprise_id"], share_id)
                       for p, share_id in joiners if row["state"] == pb.LIVE_STATE_LIVE and may_watch(p, row)]
            if not allowed:
                if not fresh:  # refused on a remembered row: refuse only on the row as it is now
                    row = None
                    continue
                return row, {}
            admitted, firsts = await store.join_many(conn, live_id, (row["state"], row["audience"]), allowed)
            if admitted is not None:
                return admitted, firsts
            row = None  # changed since it was read: read it again and decide again
        raise Unavailable("LIVE_BUSY", "the live changed under every try; join again", live_id=live_id)


class Watching:
    def __init__(self, pool: asyncpg.Pool, settings: LiveSettings, lives: Lives, links: ShareLinks) -> None:
        self._pool = pool
        self._settings = settings
        self._lives = lives
        self._links = links
        self._joins = JoinBatcher(pool)

    async def _live(self, conn: Connection, live_id: str) -> asyncpg.Record:
        row = await store.get_live(conn, live_id)
        if row is None:
            raise NotFound("LIVE_NOT_FOUND", "no such live", live_id=live_id)
        return row

    # ------------------------------------------------------------------ viewers

    async def join(self, principal: Principal, request: pb.JoinLiveRequest) -> pb.JoinLiveResponse:
        """One statement on the hot path (check the audience now, open the watch session). A
        viewer brought by a share is also announced, on their first join only, so groups can
        count what each forward brought. A share is credited only through its signed link, and
        only a share of this live (the link names the live it opens)."""
        share_id = ""
        if request.share_link:
            share_id = (await self._links.verify(request.share_link, subject_id=request.live_id)).share_id
        if request.forward_id and request.forward_id != share_id:
            if not share_id:
                raise InvalidArgument("SHARE_LINK_REQUIRED", "a forward is credited through its signed share_link",
                                      field="forward_id")
            raise InvalidArgument("SHARE_LINK_MISMATCH", "forward_id is not the share of share_link",
                                  field="forward_id")
        row, live, first = await self._joins.join(request.live_id, (principal, share_id))
        if row is None:
            raise NotFound("LIVE_NOT_FOUND", "no such live", live_id=request.live_id)
        if first is None:
            self._refuse(principal, row)
        if first and share_id:
            async with self._pool.acquire() as conn, conn.transaction():
                await add_event(conn, new_envelope(
                    subjects.LIVE_VIEWER_JOINED, subject=row["id"], enterprise_id=row["enterprise_id"],
                    correlation_id=row["id"], payload=events_pb2.ViewerJoined(
                        live_id=row["id"], viewer_id=principal.id, share_id=share_id)))
        return pb.JoinLiveResponse(
            live=live, play=self._lives.play_endpoint(row, principal),
            # Often enough to be counted as watching, and to renew the play token in time.
            heartbeat_interval_seconds=max(1, int(min(self._settings.viewer_timeout_s,
                                                      self._settings.play_token_ttl_s) / 3)))

    @staticmethod
    def _refuse(principal: Principal, row: asyncpg.Record) -> None:
        """Why a join was not let in, most telling reason first."""
        if row["state"] == pb.LIVE_STATE_PREVIEW and principal.id != row["host_id"]:
            raise NotFound("LIVE_NOT_FOUND", "no such live", live_id=row["id"])
        require_audience(principal, row)
        if row["state"] == pb.LIVE_STATE_LIVE:  # on air and in the audience: only a removal keeps them out
            raise PermissionDenied("REMOVED_FROM_LIVE", "a moderator removed you from this live", live_id=row["id"])
        if row["state"] == pb.LIVE_STATE_SCHEDULED:
            raise FailedPrecondition("LIVE_NOT_STARTED", "this live has not started yet", live_id=row["id"])
        raise FailedPrecondition("LIVE_ENDED", "this live has ended", live_id=row["id"])

    async def heartbeat(self, principal: Principal, live_id: str) -> pb.ViewerHeartbeatResponse:
        """Still watching: counted, and handed a fresh play token (the audience checked now)."""
        async with self._pool.acquire() as conn:
            row = await self._live(conn, live_id)
            if row["state"] != pb.LIVE_STATE_LIVE:
                raise FailedPrecondition("LIVE_NOT_RUNNING", "this live is not on air", live_id=live_id)
            require_audience(principal, row)  # an audience switched back to employees drops outsiders
            if not await store.heartbeat(conn, live_id, principal.id):
                if (await room_store.participant(conn, live_id, principal.id))["removed"]:
                    raise PermissionDenied("REMOVED_FROM_LIVE", "a moderator removed you from this live",
                                           live_id=live_id)
                raise FailedPrecondition("NOT_JOINED", "join the live first", live_id=live_id)
            current = (await store.stats(conn, live_id))["current_viewers"]
        return pb.ViewerHeartbeatResponse(current_viewers=current, play=self._lives.play_endpoint(row, principal))

    async def leave(self, principal: Principal, live_id: str) -> None:
        """Permission: a viewer who joined (leaving twice is leaving once). Anyone else is refused
        as their other calls about the live would be: never told more than GetLive tells them."""
        async with self._pool.acquire() as conn:
            row = await self._live(conn, live_id)
            if await store.leave(conn, live_id, principal.id):
                return
        if row["state"] == pb.LIVE_STATE_PREVIEW and principal.id != row["host_id"]:
            raise NotFound("LIVE_NOT_FOUND", "no such live", live_id=live_id)
        require_audience(principal, row)
        raise FailedPrecondition("NOT_JOINED", "join the live first", live_id=live_id)

    async def stats(self, principal: Principal, live_id: str) -> pb.LiveStats:
        async with self._pool.acquire() as conn:
            row = await self._live(conn, live_id)
        await self._lives.require_host_or_admin(principal, row)
        async with self._pool.acquire() as conn:
            return await self.figures(conn, live_id)

    @staticmethod
    async def figures(conn: Connection, live_id: str) -> pb.LiveStats:
        row = await store.known_live(conn, live_id)
        counts = await store.stats(conn, live_id)
        duration = 0
        if row["started_at"]:
            end = row["ended_at"] or await conn.fetchval("SELECT now()")
            duration = int((end - row["started_at"]).total_seconds())
        room = await room_store.figures(conn, live_id)
        return pb.LiveStats(
            comment_num=room.comment_num, like_count=room.like_count, mic_num=room.mic_num,
            live_id=live_id, current_viewers=counts["current_viewers"],
            peak_viewers=max(row["peak_viewers"], counts["current_viewers"] if row["state"] == pb.LIVE_STATE_LIVE else 0),
            total_viewers=counts["total_viewers"], employee_viewers=counts["employee_viewers"],
            wechat_viewers=counts["wechat_viewers"], total_watch_seconds=int(counts["total_watch_seconds"]),
            duration_seconds=duration)

    async def list_viewers(self, principal: Principal, live_id: str, size: int, token: str) -> pb.ListViewersResponse:
        after = decode_page_value(token, "after", str, "")
        async with self._pool.acquire() as conn:
            row = await self._live(conn, live_id)
            await self._lives.require_host_or_admin(principal, row)
            rows = await store.viewer_page(conn, live_id, after, size + 1)
        response = pb.ListViewersResponse()
        for viewer in rows[:size]:
            response.viewers.add(
                viewer_id=viewer["viewer_id"], employee=viewer["employee"], watch_seconds=int(viewer["total_seconds"]),
                first_join_time=timestamp(viewer["first_join_at"]), last_seen_time=timestamp(viewer["last_seen_at"]),
                watching=viewer["session_start_at"] is not None, share_id=viewer["share_id"],
                is_comment=viewer["is_comment"], is_mic=viewer["is_mic"])
        if len(rows) > size:
            response.next_page_token = encode_page_token({"after": rows[size - 1]["viewer_id"]})
        return response

    # ------------------------------------------------------------------ sharing (SPEC F-24)

    async def create_share_link(self, principal: Principal, live_id: str) -> pb.CreateShareLinkResponse:
        async with self._pool.acquire() as conn:
            row = await self._live(conn, live_id)
        if row["state"] not in (pb.LIVE_STATE_LIVE, pb.LIVE_STATE_SCHEDULED):
            raise FailedPrecondition("LIVE_NOT_SHAREABLE", "only a scheduled or running live can be shared")
        if principal.id != row["host_id"]:
            # Group members share it; WeChat users in the group share it to their own friends.
            if not (await self._lives.membership(principal, row["group_id"])).is_member:
                raise PermissionDenied("NOT_GROUP_MEMBER", "only the host and members of the group can share it")
        share_id = new_id("forward")
        url, _, expires_at = self._links.mint(share_id=share_id, subject_id=live_id, sharer_id=principal.id,
                                              ttl_s=self._settings.share_link_ttl_s)
        async with self._pool.acquire() as conn:
            await store.insert_share(conn, share_id, live_id, principal.id)
        expire_time = timestamp()
        expire_time.FromSeconds(expires_at)
        return pb.CreateShareLinkResponse(url=url, share_id=share_id, expire_time=expire_time)

    async def list_shares(self, principal: Principal, live_id: str, size: int, token: str) -> pb.ListSharesResponse:
        after = decode_page_value(token, "after", str, "")
        async with self._pool.acquire() as conn:
            row = await self._live(conn, live_id)
            await self._lives.require_host_or_admin(principal, row)
            rows = await store.share_page(conn, live_id, after, size + 1)
        response = pb.ListSharesResponse()
        for share in rows[:size]:
            response.shares.add(share_id=share["share_id"], sharer_id=share["sharer_id"], viewers=share["viewers"],
                                create_time=timestamp(share["created_at"]))
        if len(rows) > size:
            response.next_page_token = encode_page_token({"after": rows[size - 1]["share_id"]})
        return response

    # ------------------------------------------------------------------ the sweeper

    async def start_sweeper(self, supervisor: Supervisor) -> Callable[[], Awaitable[None]]:
        """Every replica closes sessions whose heartbeats stopped and samples peak viewers; the
        statements are idempotent, so replicas doing it at once do no harm. A supervised loop:
        a failed sweep (PostgreSQL away) backs off and sweeps again."""

        async def sweep(loop: Loop) -> None:
            while True:
                async with self._pool.acquire() as conn:
                    await store.sample_peaks(conn)
                    await store.close_sessions(conn, None, self._settings.viewer_timeout_s)
                loop.healthy()
                await asyncio.sleep(self._settings.sweep_interval_s)

        loop = supervisor.start("live viewer sweep", sweep)
        return loop.stop
