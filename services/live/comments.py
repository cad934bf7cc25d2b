"""Comments in a live's room (SPEC F-29): checked, rate-limited per author, persisted once with
the room's sequence, then announced to every replica holding the room."""

from __future__ import annotations

import datetime as dt

import asyncpg

from convene.live.v1 import room_pb2 as rpb
from services.live import room_store
from services.live.moderation import BlockedWords
from services.live.room import require_in_room, require_on_air, require_visible
from services.live.room_fanout import RoomHub
from services.live.settings import LiveSettings
from services.runtime.auth import Principal
from services.runtime.errors import FailedPrecondition, InvalidArgument, PermissionDenied, ResourceExhausted


class Comments:
    def __init__(self, pool: asyncpg.Pool, hub: RoomHub, blocked: BlockedWords, settings: LiveSettings) -> None:
        self._pool = pool
        self._hub = hub
        self._blocked = blocked
        self._rate_per_s = settings.comment_rate_per_s
        self._burst = settings.comment_burst

    async def post(self, principal: Principal, live_id: str, text: str, request_id: str) -> rpb.Comment:
        """Two statements: what the author may do (and whether this request was posted already),
        then the rate limit, the sequence number and the comment together."""
        async with self._pool.acquire() as conn:
            context = await room_store.comment_context(conn, live_id, principal.id, request_id)
            if context is not None and context.existing is not None:
                return context.existing.comment  # a retry of a posted comment
            row = require_visible(principal, context.live if context else None, live_id)
            assert context is not None
            require_in_room(principal, row, joined=context.joined, removed=context.removed)
            require_on_air(row)
            if context.muted_until is not None and context.muted_until > dt.datetime.now(dt.UTC):
                raise PermissionDenied("VIEWER_MUTED", "a moderator muted you in this live", live_id=live_id,
                                       until=context.muted_until.isoformat())
            if await self._blocked.found_in(conn, row["enterprise_id"], text):
                raise InvalidArgument("COMMENT_HAS_BLOCKED_WORD", "the comment contains a word this enterprise blocks",
                                      field="text")
            body = rpb.RoomEvent(comment=rpb.Comment(author_id=principal.id, text=text,
                                                     by_host=principal.id == row["host_id"]))
            try:
                posted = await room_store.append_comment(conn, live_id, principal.id, request_id, body,
                                                         rate_per_s=self._rate_per_s, burst=self._burst)
            except asyncpg.UniqueViolationError:
                # The same request ran at the same moment and committed first.
                context = await room_store.comment_context(conn, live_id, principal.id, request_id)
                assert context is not None and context.existing is not None
                return context.existing.comment
        if not posted.allowed:
            raise ResourceExhausted("COMMENT_RATE_LIMITED", "you are commenting too fast; wait a moment",
                                    retry_after_s=max(0.0, (1 - posted.tokens) / self._rate_per_s), live_id=live_id)
        if posted.event is None:  # the live ended between the two statements
            raise FailedPrecondition("LIVE_ENDED", "this live has ended", live_id=live_id)
        await self._hub.announce(live_id, [posted.event])
        return posted.event.comment
