"""Moderation of lives (SPEC F-51): deleting comments, muting and removing viewers, blocked
words, reports and their resolution, and the record of every action (who, when, why).

Moderators are the host and the admins of the live's enterprise (asked of identity, never
cached). Each action and its record commit in one transaction; what the room shows (a deleted
comment, a mute, a removal) is a room event in that same transaction, announced after it.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import unicodedata
from dataclasses import dataclass

import asyncpg

from convene.live.v1 import events_pb2
from convene.live.v1 import moderation_pb2 as mpb
from convene.live.v1 import room_pb2 as rpb
from services.live import moderation_store, room_store, store
from services.live.domain import Lives
from services.live.guests import guests_changed
from services.live.room import require_moderatable, require_visible
from services.live.room_fanout import RoomHub
from services.runtime import subjects
from services.runtime.auth import Principal
from services.runtime.db import Connection
from services.runtime.errors import FailedPrecondition, NotFound, ResourceExhausted
from services.runtime.events import new_envelope
from services.runtime.idempotency import run_once
from services.runtime.outbox import add_event
from services.runtime.pagination import decode_page_value, encode_page_token

MAX_BLOCKED_WORDS = 1000


def normalize(text: str) -> str:
    """How comments and blocked words are compared: compatibility forms folded (full-width
    letters, ligatures), case folded."""
    return unicodedata.normalize("NFKC", text).casefold()


@dataclass
class _Matcher:
    pattern: re.Pattern[str] | None
    read_at: float


class BlockedWords:
    """Each enterprise's blocked words, as one pattern per enterprise. A replica reads them again
    after `cache_s` (at once after a change it made itself): a word added takes effect on every
    replica within that time. Words match anywhere in a comment (Chinese has no spaces)."""

    def __init__(self, cache_s: float) -> None:
        self._cache_s = cache_s
        self._matchers: dict[str, _Matcher] = {}
        self._reading: set[str] = set()

    async def found_in(self, conn: Connection, enterprise_id: str, text: str) -> bool:
        """Through the caller's connection (a second one from the pool, while callers hold
        theirs, could wait for ever). While one call reads the words again, others use the
        pattern they replace."""
        matcher = self._matchers.get(enterprise_id)
        stale = matcher is None or time.monotonic() - matcher.read_at > self._cache_s
        if stale and (matcher is None or enterprise_id not in self._reading):
            self._reading.add(enterprise_id)
            try:
                words = await moderation_store.blocked_words(conn, enterprise_id)
            finally:
                self._reading.discard(enterprise_id)
            # Longest first, so the alternation prefers the longer of two overlapping words.
            ordered = sorted(words, key=len, reverse=True)
            matcher = _Matcher(re.compile("|".join(map(re.escape, ordered))) if ordered else None, time.monotonic())
            self._matchers[enterprise_id] = matcher
        assert matcher is not None
        return matcher.pattern is not None and matcher.pattern.search(normalize(text)) is not None

    def forget(self, enterprise_id: str) -> None:
        self._matchers.pop(enterprise_id, None)


class Moderation:
    def __init__(self, pool: asyncpg.Pool, lives: Lives, hub: RoomHub, blocked: BlockedWords) -> None:
        self._pool = pool
        self._lives = lives
        self._hub = hub
        self._blocked = blocked

    async def _moderated_live(self, principal: Principal, live_id: str) -> asyncpg.Record:
        async with self._pool.acquire() as conn:
            row = await store.get_live(conn, live_id)
        if row is None:
            raise NotFound("LIVE_NOT_FOUND", "no such live", live_id=live_id)
        await self._lives.require_host_or_admin(principal, row)
        return row

    async def _append(self, conn: Connection, live_id: str, body: rpb.RoomEvent,
                      announced: list[rpb.RoomEvent]) -> None:
        event = await room_store.append(conn, live_id, body)
        if event is not None:  # None: the live ended, its room shows nothing more
            announced.append(event)

    # ------------------------------------------------------------------ in the room

    async def delete_comment(self, principal: Principal, live_id: str, sequence: int,
                             reason: str) -> mpb.ModerationAction:
        row = await self._moderated_live(principal, live_id)
        announced: list[rpb.RoomEvent] = []
        async with self._pool.acquire() as conn, conn.transaction():
            found = await room_store.redact_comment(conn, live_id, sequence)
            if found is None:
                raise NotFound("COMMENT_NOT_FOUND", "no such comment in this live", live_id=live_id,
                               comment_sequence=sequence)
            newly, author_id = found
            if not newly:
                raise FailedPrecondition("COMMENT_ALREADY_DELETED", "this comment was deleted already",
                                         comment_sequence=sequence)
            await self._append(conn, live_id, rpb.RoomEvent(
                comment_deleted=rpb.CommentDeleted(comment_sequence=sequence)), announced)
            action = await moderation_store.record(
                conn, kind=mpb.MODERATION_ACTION_KIND_COMMENT_DELETED, enterprise_id=row["enterprise_id"],
                actor_id=principal.id, live_id=live_id, target_id=author_id, comment_sequence=sequence, reason=reason)
        await self._hub.announce(live_id, announced)
        return action

    async def mute(self, principal: Principal, live_id: str, viewer_id: str, duration_s: int,
                   reason: str) -> mpb.ModerationAction:
        row = await self._moderated_live(principal, live_id)
        require_moderatable(row, viewer_id)
        until = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=duration_s)
        muted = rpb.ViewerMuted(viewer_id=viewer_id)
        muted.until.FromDatetime(until)
        announced: list[rpb.RoomEvent] = []
        async with self._pool.acquire() as conn, conn.transaction():
            await room_store.set_muted(conn, live_id, viewer_id, until)
            await self._append(conn, live_id, rpb.RoomEvent(viewer_muted=muted), announced)
            action = await moderation_store.record(
                conn, kind=mpb.MODERATION_ACTION_KIND_VIEWER_MUTED, enterprise_id=row["enterprise_id"],
                actor_id=principal.id, live_id=live_id, target_id=viewer_id, reason=reason, until=until)
        await self._hub.announce(live_id, announced)
        return action

    async def unmute(self, principal: Principal, live_id: str, viewer_id: str, reason: str) -> mpb.ModerationAction:
        row = await self._moderated_live(principal, live_id)
        announced: list[rpb.RoomEvent] = []
        async with self._pool.acquire() as conn, conn.transaction():
            if not await room_store.unmute(conn, live_id, viewer_id):
                raise FailedPrecondition("NOT_MUTED", "this viewer is not muted", live_id=live_id)
            await self._append(conn, live_id, rpb.RoomEvent(viewer_unmuted=rpb.ViewerUnmuted(viewer_id=viewer_id)),
                               announced)
            action = await moderation_store.record(
                conn, kind=mpb.MODERATION_ACTION_KIND_VIEWER_UNMUTED, enterprise_id=row["enterprise_id"],
                actor_id=principal.id, live_id=live_id, target_id=viewer_id, reason=reason)
        await self._hub.announce(live_id, announced)
        return action

    async def remove(self, principal: Principal, live_id: str, viewer_id: str, reason: str) -> mpb.ModerationAction:
        """The viewer's room streams end, their watch session closes, heartbeats, joins, likes
        and comments are refused from now on, a raised hand or a seat on the mic goes, and the
        media edge refuses their playback (media.play_rights)."""
        row = await self._moderated_live(principal, live_id)
        require_moderatable(row, viewer_id)
        announced: list[rpb.RoomEvent] = []
        async with self._pool.acquire() as conn, conn.transaction():
            seat = await room_store.seat(conn, live_id, viewer_id)  # lock order: seat, participant, room
            if not await room_store.set_removed(conn, live_id, viewer_id):
                raise FailedPrecondition("ALREADY_REMOVED", "this viewer was removed already", live_id=live_id)
            await store.leave(conn, live_id, viewer_id)
            if seat is not None and seat["state"] == room_store.SEAT_RAISED:
                await room_store.set_seat(conn, live_id, viewer_id, room_store.SEAT_WITHDRAWN)
                await self._append(conn, live_id, rpb.RoomEvent(hand_lowered=rpb.HandLowered(
                    viewer_id=viewer_id, reason=rpb.HAND_LOWERED_REASON_REMOVED)), announced)
            elif seat is not None and seat["state"] == room_store.SEAT_ON_MIC:
                await room_store.set_seat(conn, live_id, viewer_id, room_store.SEAT_OFF)
                await self._append(conn, live_id, await guests_changed(conn, self._hub, live_id, left_id=viewer_id),
                                   announced)
            await self._append(conn, live_id, rpb.RoomEvent(viewer_removed=rpb.ViewerRemoved(viewer_id=viewer_id)),
                               announced)
            action = await moderation_store.record(
                conn, kind=mpb.MODERATION_ACTION_KIND_VIEWER_REMOVED, enterprise_id=row["enterprise_id"],
                actor_id=principal.id, live_id=live_id, target_id=viewer_id, reason=reason)
            # The media edge stops their playback now, not when their play token runs out.
            await add_event(conn, new_envelope(
                subjects.LIVE_VIEWER_REMOVED, subject=live_id, enterprise_id=row["enterprise_id"],
                correlation_id=live_id, payload=events_pb2.ViewerRemovedFromLive(
                    live_id=live_id, viewer_id=viewer_id, remove_time=action.create_time)))
        await self._hub.announce(live_id, announced)
        return action

    async def list_actions(self, principal: Principal, live_id: str, size: int,
                           token: str) -> mpb.ListModerationActionsResponse:
        before = str(decode_page_value(token, "before", str, ""))
        enterprise_id = await self._admin_scope(principal, live_id)
        async with self._pool.acquire() as conn:
            rows = await moderation_store.action_page(conn, enterprise_id, live_id, before, size + 1)
        response = mpb.ListModerationActionsResponse(actions=[moderation_store.action_from_row(r) for r in rows[:size]])
        if len(rows) > size:
            response.next_page_token = encode_page_token({"before": rows[size - 1]["id"]})
        return response

    async def _admin_scope(self, principal: Principal, live_id: str) -> str:
        """The enterprise an admin's list covers: theirs, and with `live_id` that live's, which
        must be theirs."""
        if live_id:
            async with self._pool.acquire() as conn:
                row = await store.get_live(conn, live_id)
            if row is None:
                raise NotFound("LIVE_NOT_FOUND", "no such live", live_id=live_id)
            await self._lives.require_admin(principal, row)
            return row["enterprise_id"]
        await self._lives.require_admin_of(principal, principal.enterprise_id)
        return principal.enterprise_id

    # ------------------------------------------------------------------ reports

    async def report(self, principal: Principal, request: mpb.ReportLiveRequest) -> mpb.ReportLiveResponse:
        async with self._pool.acquire() as conn:
            row = require_visible(principal, await store.get_live(conn, request.live_id), request.live_id)

        async def work(conn: Connection) -> mpb.ReportLiveResponse:
            report = await moderation_store.open_report(
                conn, live_id=row["id"], enterprise_id=row["enterprise_id"], reporter_id=principal.id,
                reason=request.reason, note=request.note)
            return mpb.ReportLiveResponse(report=moderation_store.report_from_row(report))

        return await run_once(self._pool, principal_id=principal.id, method="ReportLive",
                              request_id=request.request_id, response_type=mpb.ReportLiveResponse, work=work)

    async def list_reports(self, principal: Principal, state: int, live_id: str, size: int,
                           token: str) -> mpb.ListReportsResponse:
        before = str(decode_page_value(token, "before", str, ""))
        enterprise_id = await self._admin_scope(principal, live_id)
        async with self._pool.acquire() as conn:
            rows = await moderation_store.report_page(conn, enterprise_id, state or mpb.REPORT_STATE_OPEN, live_id,
                                                      before, size + 1)
        response = mpb.ListReportsResponse(reports=[moderation_store.report_from_row(r) for r in rows[:size]])
        if len(rows) > size:
            response.next_page_token = encode_page_token({"before": rows[size - 1]["id"]})
        return response

    async def resolve(self, principal: Principal, report_id: str, resolution: int, note: str) -> mpb.Report:
        async with self._pool.acquire() as conn:
            report = await moderation_store.get_report(conn, report_id)
            if report is None:
                raise NotFound("REPORT_NOT_FOUND", "no such report", report_id=report_id)
        await self._lives.require_admin_of(principal, report["enterprise_id"], report_id=report_id)
        live_id = report["live_id"]
        async with self._pool.acquire() as conn, conn.transaction():
            report = await moderation_store.get_report(conn, report_id, for_update=True)
            assert report is not None
            if report["state"] != moderation_store.OPEN:
                raise FailedPrecondition("REPORT_ALREADY_RESOLVED", "this report was resolved already",
                                         report_id=report_id)
            if resolution == mpb.REPORT_RESOLUTION_FORCE_STOP:
                await self._lives.stop_by_admin(conn, principal, live_id, note, report_id=report_id)
            else:
                await moderation_store.resolve_reports(conn, report_ids=[report_id], state=mpb.REPORT_STATE_DISMISSED,
                                                       by=principal.id, note=note)
                await moderation_store.record(
                    conn, kind=mpb.MODERATION_ACTION_KIND_REPORT_DISMISSED, enterprise_id=report["enterprise_id"],
                    actor_id=principal.id, live_id=live_id, report_id=report_id, reason=note)
            report = await moderation_store.get_report(conn, report_id)
        if resolution == mpb.REPORT_RESOLUTION_FORCE_STOP:
            await self._hub.announce(live_id)
        assert report is not None
        return moderation_store.report_from_row(report)

    # ------------------------------------------------------------------ blocked words

    async def update_blocked_words(self, principal: Principal, add: list[str],
                                   remove: list[str]) -> mpb.UpdateBlockedWordsResponse:
        enterprise_id = principal.enterprise_id
        await self._lives.require_admin_of(principal, enterprise_id)
        add, remove = sorted({normalize(w).strip() for w in add}), sorted({normalize(w).strip() for w in remove})
        async with self._pool.acquire() as conn, conn.transaction():
            # One enterprise's updates one at a time, so the limit holds under concurrent calls.
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"blocked-words:{enterprise_id}")
            added, removed, count = await moderation_store.update_blocked_words(
                conn, enterprise_id, principal.id, add, remove)
            if count > MAX_BLOCKED_WORDS:
                raise ResourceExhausted("TOO_MANY_BLOCKED_WORDS",
                                        f"an enterprise blocks at most {MAX_BLOCKED_WORDS} words", limit=MAX_BLOCKED_WORDS)
            for kind, words in ((mpb.MODERATION_ACTION_KIND_BLOCKED_WORDS_ADDED, added),
                                (mpb.MODERATION_ACTION_KIND_BLOCKED_WORDS_REMOVED, removed)):
                if words:
                    await moderation_store.record(conn, kind=kind, enterprise_id=enterprise_id, actor_id=principal.id,
                                                  words=words)
        self._blocked.forget(enterprise_id)
        return mpb.UpdateBlockedWordsResponse(word_count=count)

    async def list_blocked_words(self, principal: Principal, size: int, token: str) -> mpb.ListBlockedWordsResponse:
        after = str(decode_page_value(token, "after", str, ""))
        await self._lives.require_admin_of(principal, principal.enterprise_id)
        async with self._pool.acquire() as conn:
            rows = await moderation_store.blocked_word_page(conn, principal.enterprise_id, after, size + 1)
        response = mpb.ListBlockedWordsResponse()
        for row in rows[:size]:
            word = response.words.add(word=row["word"], added_by=row["added_by"])
            word.create_time.FromDatetime(row["created_at"])
        if len(rows) > size:
            response.next_page_token = encode_page_token({"after": rows[size - 1]["word"]})
        return response

