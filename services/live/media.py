"""Live's side of the media plane (SPEC F-26, F-27, F-52).

- Publish decisions, asked by the media edge over NATS before it accepts any media
  (`live.v1.authorize_publish`) and while it ingests (`live.v1.renew_publish`). They read the
  media grant that the `live--media-grants` consumer of the start's fan-out writes: no grant,
  no publish. One publish holds a live at a time, under a lease the edge renews; a second
  publisher is refused, a rotated key or an ended live cuts the one there. A guest on the mic
  (SPEC F-29) publishes beside the host with a key of their own, holding their seat, not the
  live; taken off the mic, their publish is cut at its next renewal.
- The edge's stream events (consumer `live--media-streams`, in order): published -> the live is
  on air and the host-gone timer waits a lease past each renewal; unpublished -> the grant is free and the timer starts,
  so a live whose stream stays gone for `host_timeout_s` ends (a reconnect in time resumes it;
  an edge that dies without a word: its renewals stop, and the live ends a lease later);
  recording finished -> a piece of the replay job's input.
- The replay job's answer (consumer `live--replay-results`): the VOD is ready with its duration,
  or the replay failed with a reason.
"""

from __future__ import annotations

import datetime as dt
import hmac

import asyncpg
from nats.aio.client import Client as NATS

from convene.live.v1 import live_pb2 as pb
from convene.live.v1 import media_pb2
from convene.media.v1 import events_pb2 as media_events
from services.live import room_store, store
from services.live.domain import RUNNING, Lives
from services.live.settings import LiveSettings
from services.runtime import bus, subjects
from services.runtime.db import Connection
from services.runtime.events import Event
from services.runtime.logs import get_logger

log = get_logger(__name__)


class MediaPlane:
    def __init__(self, pool: asyncpg.Pool, nc: NATS, settings: LiveSettings, lives: Lives) -> None:
        self._pool = pool
        self._nc = nc
        self._settings = settings
        self._lives = lives

    # ------------------------------------------------------------------ publish decisions

    async def start_responders(self):
        subscriptions = [
            await bus.serve(self._nc, subjects.LIVE_AUTHORIZE_PUBLISH, media_pb2.AuthorizePublishRequest,
                            self.authorize_publish, queue="live"),
            await bus.serve(self._nc, subjects.LIVE_RENEW_PUBLISH, media_pb2.RenewPublishRequest,
                            self.renew_publish, queue="live"),
        ]

        async def stop() -> None:
            for subscription in subscriptions:
                await subscription.unsubscribe()

        return stop

    async def authorize_publish(self, request: media_pb2.AuthorizePublishRequest) -> media_pb2.AuthorizePublishResponse:
        lease = self._settings.publish_lease_s
        if request.guest_id:
            return await self._authorize_guest(request)
        async with self._pool.acquire() as conn, conn.transaction():
            row = await store.publish_grant(conn, request.live_id, lease)
            reason = self._refusal(row, request)
            if reason:
                log.info("publish refused", live_id=request.live_id, correlation_id=request.live_id,
                         publish_id=request.publish_id, reason=reason)
                return media_pb2.AuthorizePublishResponse(allowed=False, reason=reason)
            assert row is not None
            await store.claim_publish(conn, request.live_id, request.publish_id, request.edge_id)
        log.info("publish allowed", live_id=request.live_id, correlation_id=request.live_id,
                 publish_id=request.publish_id, edge_id=request.edge_id)
        return media_pb2.AuthorizePublishResponse(
            allowed=True, enterprise_id=row["enterprise_id"], lease_seconds=int(lease), record=row["allow_replay"])

    @staticmethod
    def _refusal(row: asyncpg.Record | None, request: media_pb2.AuthorizePublishRequest) -> str:
        """Why this publish may not go ahead ('' when it may), most telling reason first."""
        if row is None:
            return "LIVE_NOT_FOUND"
        if row["state"] == pb.LIVE_STATE_ENDED:
            return "LIVE_ENDED"
        if row["state"] not in RUNNING:
            return "LIVE_NOT_STARTED"
        if row["key_hash"] is None:
            return "GRANT_PENDING"
        if not hmac.compare_digest(bytes(row["key_hash"]), store.key_hash(request.stream_key)):
            return "STREAM_KEY_INVALID"
        if row["publish_id"] and row["publish_id"] != request.publish_id and row["held"]:
            return "ALREADY_PUBLISHING"
        return ""

    async def _authorize_guest(self, request: media_pb2.AuthorizePublishRequest) -> media_pb2.AuthorizePublishResponse:
        """A guest on the mic (SPEC F-29) publishes their own stream with their own key; it
        holds their seat, not the live, is not recorded, and leaves the host-gone rule alone."""
        lease = self._settings.publish_lease_s
        async with self._pool.acquire() as conn, conn.transaction():
            live_state, seat = await room_store.guest_publish_seat(conn, request.live_id, request.guest_id,
                                                                   request.publish_id, lease)
            reason = self._guest_refusal(live_state, seat, request.stream_key)
            if not reason:
                await room_store.hold_guest_publish(conn, request.live_id, request.guest_id, request.publish_id)
                row = await store.get_live(conn, request.live_id)
        log.info("guest publish " + ("refused" if reason else "allowed"), live_id=request.live_id,
                 correlation_id=request.live_id, guest_id=request.guest_id, publish_id=request.publish_id,
                 reason=reason)
        if reason:
            return media_pb2.AuthorizePublishResponse(allowed=False, reason=reason)
        assert row is not None
        return media_pb2.AuthorizePublishResponse(allowed=True, enterprise_id=row["enterprise_id"],
                                                  lease_seconds=int(lease), record=False)

    @staticmethod
    def _guest_refusal(live_state: int | None, seat: asyncpg.Record | None, stream_key: str) -> str:
        """The one check of a guest's key: theirs while they are on the mic of a live on air."""
        if live_state is None:
            return "LIVE_NOT_FOUND"
        if live_state == pb.LIVE_STATE_ENDED:
            return "LIVE_ENDED"
        if live_state != pb.LIVE_STATE_LIVE:
            return "LIVE_NOT_STARTED"
        if seat is None or seat["state"] != room_store.SEAT_ON_MIC or seat["key_hash"] is None \
                or not hmac.compare_digest(bytes(seat["key_hash"]), store.key_hash(stream_key)):
            return "STREAM_KEY_INVALID"
        if seat["held"]:
            return "ALREADY_PUBLISHING"
        return ""

    async def renew_publish(self, request: media_pb2.RenewPublishRequest) -> media_pb2.RenewPublishResponse:
        if request.guest_id:
            async with self._pool.acquire() as conn:
                if await room_store.renew_guest_publish(conn, request.live_id, request.guest_id, request.publish_id):
                    return media_pb2.RenewPublishResponse(allowed=True)
                row = await store.get_live(conn, request.live_id)
            reason = "LIVE_ENDED" if row is None or row["state"] not in RUNNING else "PUBLISH_REVOKED"
            return media_pb2.RenewPublishResponse(allowed=False, reason=reason)
        async with self._pool.acquire() as conn, conn.transaction():
            if await store.renew_publish(conn, request.live_id, request.publish_id):
                await self._lives.watch_host(conn, request.live_id, streaming=True)
                return media_pb2.RenewPublishResponse(allowed=True)
            row = await store.get_live(conn, request.live_id)
        reason = "LIVE_ENDED" if row is None or row["state"] not in RUNNING else "PUBLISH_REVOKED"
        return media_pb2.RenewPublishResponse(allowed=False, reason=reason)

    # ------------------------------------------------------------------ stream events

    async def on_stream_event(self, event: Event, conn: Connection) -> None:
        """Consumer `live--media-streams` (published, recording finished, unpublished, in order)."""
        if event.type == subjects.MEDIA_STREAM_PUBLISHED:
            published = event.payload(media_events.StreamPublished)
            if published.guest_id:  # a guest's stream: the live's own stream and timers are the host's
                log.info("guest stream on air", live_id=published.live_id, guest_id=published.guest_id,
                         publish_id=published.publish_id)
                return
            row = await store.get_live(conn, published.live_id, for_update=True)
            if row is None or row["state"] not in RUNNING:
                return
            await store.set_stream(conn, published.live_id, published.publish_id, on_air=True)
            await self._lives.watch_host(conn, published.live_id, streaming=True)
            log.info("stream on air", live_id=published.live_id, publish_id=published.publish_id,
                     video=published.media.video_codec, audio=published.media.audio_codec)
        elif event.type == subjects.MEDIA_STREAM_UNPUBLISHED:
            gone = event.payload(media_events.StreamUnpublished)
            if gone.guest_id:
                await room_store.release_guest_publish(conn, gone.live_id, gone.guest_id, gone.publish_id)
                log.info("guest stream gone", live_id=gone.live_id, guest_id=gone.guest_id, publish_id=gone.publish_id)
                return
            row = await store.get_live(conn, gone.live_id, for_update=True)
            if row is None:
                return
            await store.release_publish(conn, gone.live_id, gone.publish_id)
            await store.set_stream(conn, gone.live_id, gone.publish_id, on_air=False)
            if row["state"] in RUNNING and not await store.publish_held(
                    conn, gone.live_id, self._settings.publish_lease_s):
                # The host-gone rule, from the stream itself (SPEC F-26).
                await self._lives.watch_host(conn, gone.live_id)
            log.info("stream gone", live_id=gone.live_id, publish_id=gone.publish_id,
                     reason=media_events.UnpublishReason.Name(gone.reason), duration_ms=gone.duration_ms)
        elif event.type == subjects.MEDIA_RECORDING_FINISHED:
            piece = event.payload(media_events.RecordingFinished)
            await store.add_recording(conn, piece.live_id, piece.publish_id, piece.path, piece.duration_ms,
                                      piece.bytes, piece.media.video_codec, piece.media.audio_codec,
                                      piece.start_time.ToDatetime(dt.UTC))
            log.info("recording piece", live_id=piece.live_id, publish_id=piece.publish_id,
                     duration_ms=piece.duration_ms, bytes=piece.bytes)

    # ------------------------------------------------------------------ replay results

    async def on_replay_result(self, event: Event, conn: Connection) -> None:
        """Consumer `live--replay-results`: the VOD is ready, or the replay failed (SPEC F-27)."""
        if event.type == subjects.MEDIA_REPLAY_PACKAGED:
            packaged = event.payload(media_events.ReplayPackaged)
            await self._lives.replay_packaged(conn, packaged.live_id, packaged.duration_ms)
        elif event.type == subjects.MEDIA_REPLAY_FAILED:
            failed = event.payload(media_events.ReplayPackagingFailed)
            await self._lives.replay_failed(conn, failed.live_id, failed.reason)

