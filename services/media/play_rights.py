"""Losses of the right to watch, which the media edge honours before a play token runs out.

A play token (runtime.play_tokens) says what live checked when it minted it; it lives up to a
minute (an hour for a replay). Whatever takes the right away meanwhile refuses the token at the
edge within about REFUSAL_BOUND_S, on every edge replica:

- a moderator removed the viewer from the live (`live.v1.viewer.removed`): the live stream and
  its guests' streams, for good (a removal is not undone; the replay obeys the audience only);
- the live ended (`live.v1.session.ended`): everything but the replay;
- the host narrowed the audience to employees (`live.v1.audience.changed`): tokens of
  viewers who are not employees of the live's enterprise (the token's `emp`), minted before
  the change (the replay too); tokens minted once it is widened again open it again;
- identity revoked the viewer's tokens, or removed the member (runtime.revocations, mirrored by
  every process already): tokens minted at or before the revocation.

The path is as for revocations: one edge's durable consumer of live's events (exactly once
through the inbox, so the write follows live's outbox) puts each loss into the JetStream KV
bucket `play-rights`, and every edge mirrors the bucket in memory (runtime.kv: loaded before
the edge reports SERVING, so a replica started a second after a removal knows it). A request
then costs a few dictionary lookups, no I/O. Memory is bounded: a loss is forgotten once every
token it covers has expired (LIVE_TTL_MAX_S, REPLAY_TTL_MAX_S, plus the clock leeway), in the
bucket by its TTL and in memory by `_forget_expired`.

Group membership is not part of the right to watch (SPEC F-23: the audience is the host's
enterprise, or everyone), so a change of a group's members takes nothing away here; a member
removed from the enterprise loses it through the revocation identity records.
"""

from __future__ import annotations

import time

from nats.aio.client import Client as NATS
from nats.js import api
from nats.js.kv import KV_DEL, KV_PURGE, KeyValue

from convene.live.v1 import events_pb2 as live_events
from convene.live.v1 import live_pb2
from services.runtime import subjects
from services.runtime.auth import LEEWAY_S
from services.runtime.db import Connection
from services.runtime.events import Event
from services.runtime.kv import Mirror, open_bucket
from services.runtime.logs import get_logger
from services.runtime.play_tokens import LIVE_TTL_MAX_S, REPLAY_TTL_MAX_S, PlayGrant, PlayRefused, PlayTokens
from services.runtime.revocations import Revocations
from services.runtime.supervisor import Supervisor

log = get_logger(__name__)

BUCKET = "play-rights"
REFUSAL_BOUND_S = 2.0
# A join let in just before the audience narrowed may mint its token a moment after the change
# was stamped; tokens of outsiders minted this soon after it are refused too (unless the
# audience was widened again since), and their next heartbeat, refused by live, says why.
NARROWING_MARGIN_MS = 2000
_KEEP_LIVE_S = LIVE_TTL_MAX_S + 2 * LEEWAY_S
_KEEP_REPLAY_S = REPLAY_TTL_MAX_S + 2 * LEEWAY_S
# Key prefixes: removed.<live id>.<viewer id>, ended.<live id>, narrowed.<live id> (and
# widened.<live id>, the last widening); each value the unix time of the change in milliseconds
# (a narrowing and a widening within one second must still tell which came last).
REMOVED, ENDED, NARROWED, WIDENED = "removed", "ended", "narrowed", "widened"
SUBJECTS = [subjects.LIVE_VIEWER_REMOVED, subjects.LIVE_SESSION_ENDED, subjects.LIVE_AUDIENCE_CHANGED]


async def ensure_bucket(nc: NATS, replicas: int, *, timeout_s: float = 30) -> KeyValue:
    return await open_bucket(nc, api.KeyValueConfig(
        bucket=BUCKET, history=1, ttl=_KEEP_REPLAY_S, replicas=replicas,
        description="losses of the right to watch a live, for the media edge"), timeout_s=timeout_s)


class PlayRights(Mirror):
    """The losses of the last few minutes (an hour for narrowed audiences), in memory."""

    def __init__(self, tokens: PlayTokens, revocations: Revocations) -> None:
        super().__init__()
        self._tokens = tokens
        self._revocations = revocations
        self._removed: dict[str, dict[str, int]] = {}  # live id -> {viewer id: removed at}
        self._ended: dict[str, int] = {}
        self._narrowed: dict[str, int] = {}
        self._widened: dict[str, int] = {}
        self._applied = 0

    # ------------------------------------------------------------------ every request

    def check(self, token: str, *, live_id: str, replay: bool) -> PlayGrant:
        """What the edge asks of every request (HLS, an RTMP play callback): the grant `token`
        gives for `live_id` now, or PlayRefused with the reason."""
        grant = self._tokens.check(token, live_id=live_id, replay=replay)
        lost = self.refusal(grant)
        if lost is not None:
            raise PlayRefused(lost, viewer_id=grant.viewer_id)
        return grant

    def refusal(self, grant: PlayGrant) -> str | None:
        """Why `grant` no longer opens what it names (a 403 reason), or None."""
        live_id = grant.live_id
        if not grant.replay:
            if live_id in self._ended:
                return "LIVE_ENDED"
            removed = self._removed.get(live_id)
            if removed is not None and grant.viewer_id in removed:
                return "REMOVED_FROM_LIVE"
        if not grant.employee:
            narrowed_ms = self._narrowed.get(live_id)
            if narrowed_ms is not None and grant.issued_at * 1000 <= narrowed_ms + NARROWING_MARGIN_MS:
                widened_ms = self._widened.get(live_id, 0)
                if widened_ms <= narrowed_ms or grant.issued_at < widened_ms // 1000:
                    return "NOT_IN_AUDIENCE"
        if self._revocations.revoked(grant.viewer_id, grant.issued_at):
            return "TOKEN_REVOKED"
        return None

    # ------------------------------------------------------------------ the mirror

    async def start(self, nc: NATS, replicas: int, *, supervisor: Supervisor | None = None,
                    timeout_s: float = 30) -> None:
        await self.follow(await ensure_bucket(nc, replicas, timeout_s=timeout_s), nc, name="play rights watch",
                          supervisor=supervisor, timeout_s=timeout_s)

    def _apply(self, entry: KeyValue.Entry) -> None:
        kind, _, rest = entry.key.partition(".")
        removing = entry.operation in (KV_DEL, KV_PURGE)
        try:
            at = 0 if removing else int(entry.value or b"")
        except ValueError:
            log.error("unreadable play right entry ignored", key=entry.key)
            return
        if kind == REMOVED:
            live_id, _, viewer_id = rest.partition(".")
            if removing:
                self._removed.get(live_id, {}).pop(viewer_id, None)
            else:
                self._removed.setdefault(live_id, {})[viewer_id] = at
        elif kind in (ENDED, NARROWED, WIDENED):
            table = {ENDED: self._ended, NARROWED: self._narrowed, WIDENED: self._widened}[kind]
            if removing:
                table.pop(rest, None)
            else:
                table[rest] = max(at, table.get(rest, 0))
        self._applied += 1
        if self._applied % 256 == 0:
            self._forget_expired()

    def _forget_expired(self, now: float | None = None) -> None:
        now_ms = int(1000 * (time.time() if now is None else now))
        for live_id, viewers in list(self._removed.items()):
            for viewer_id in [v for v, at in viewers.items() if at < now_ms - 1000 * _KEEP_LIVE_S]:
                del viewers[viewer_id]
            if not viewers:
                del self._removed[live_id]
        for table, keep in ((self._ended, _KEEP_LIVE_S), (self._narrowed, _KEEP_REPLAY_S),
                            (self._widened, _KEEP_REPLAY_S)):
            for live_id in [k for k, at in table.items() if at < now_ms - 1000 * keep]:
                del table[live_id]

    @property
    def entries(self) -> int:
        return sum(len(v) for v in self._removed.values()) + len(self._ended) + len(self._narrowed) \
            + len(self._widened)

    # ------------------------------------------------------------------ the consumer (one edge)

    async def on_live_event(self, event: Event, conn: Connection) -> None:
        """Consumer `media--play-rights`: the loss into the bucket every edge mirrors. A put
        again on redelivery writes the same entry."""
        assert self._kv is not None, "start() first"
        live_id = event.envelope.subject
        at_ms = event.envelope.occur_time.ToMilliseconds()
        if event.type == subjects.LIVE_VIEWER_REMOVED:
            removed = event.payload(live_events.ViewerRemovedFromLive)
            live_id, at_ms = removed.live_id, removed.remove_time.ToMilliseconds() or at_ms
            key = f"{REMOVED}.{live_id}.{removed.viewer_id}"
        elif event.type == subjects.LIVE_SESSION_ENDED:
            key = f"{ENDED}.{live_id}"
        else:
            changed = event.payload(live_events.AudienceChanged)
            widened = changed.live.audience == live_pb2.AUDIENCE_EVERYONE
            key = f"{WIDENED if widened else NARROWED}.{live_id}"
        await self._kv.put(key, str(at_ms).encode())
        log.info("play right changed", key=key, live_id=live_id, correlation_id=live_id)
