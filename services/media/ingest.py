"""Ingest: a publish is asked of live before any media is accepted, then segmented to live HLS
by ffmpeg (stream copy) and recorded as FLV when the host allowed a replay; its life is told
on the bus as `media.v1.stream.published` / `.unpublished` and `media.v1.recording.finished`.

While it runs, the edge renews the publish with live every lease/3: a live that ended, a key
rotated away or a publisher taken over answers "no", and the stream is cut.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import re
import shutil
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import parse_qs

import asyncpg
import structlog
from nats.aio.client import Client as NATS

from convene.live.v1 import media_pb2
from convene.media.v1 import events_pb2 as media_events
from services.media import flv
from services.media.rtmp import DATA_AMF0, PublishRequest, Refusal
from services.media.settings import MediaSettings
from services.runtime import bus, subjects
from services.runtime.errors import Unavailable
from services.runtime.events import new_envelope, timestamp
from services.runtime.ids import is_id, new_id
from services.runtime.logs import get_logger
from services.runtime.outbox import add_event
from services.runtime.tasks import cancel_and_wait

log = get_logger(__name__)

# Refusals worth asking again about for a moment: the start's permission work has not run yet,
# or the publisher's own previous connection has not been released yet.
_TRANSIENT = ("GRANT_PENDING", "ALREADY_PUBLISHING")
_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{16,128}$")


@dataclass(frozen=True)
class StreamPath:
    live_id: str
    key: str
    # A guest on the mic (SPEC F-29) publishing beside the host; '' for the host.
    guest_id: str = ""


def parse_stream(app: str, name: str, expected_app: str) -> StreamPath | None:
    """`<app>/<live id>?key=<secret>`, or `<app>/<live id>.<guest id>?key=<secret>` for a guest
    on the mic (the publish name carries the query), else None."""
    if app.strip("/") != expected_app:
        return None
    stream, _, query = name.partition("?")
    live_id, _, guest_id = stream.partition(".")
    keys = parse_qs(query).get("key", [])
    if not is_id(live_id, "live") or len(keys) != 1 or not _KEY_RE.match(keys[0]):
        return None
    if guest_id and not is_id(guest_id, "member", "wechat_user"):
        return None
    return StreamPath(live_id, keys[0], guest_id)


class MediaStore:
    """Where the edge's files live, relative to the media root (the paths events carry)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def live_dir(self, live_id: str) -> Path:
        return self.root / "live" / live_id

    def guest_dir(self, live_id: str, guest_id: str) -> Path:
        return self.root / "guest" / live_id / guest_id

    def recording(self, live_id: str, publish_id: str) -> Path:
        return self.root / "rec" / live_id / f"{publish_id}.flv"

    def replay_dir(self, live_id: str) -> Path:
        return self.root / "replay" / live_id

    def relative(self, path: Path) -> str:
        return str(path.relative_to(self.root))

    def resolve(self, relative: str) -> Path | None:
        """A path an event carries, if it stays inside the media root."""
        path = (self.root / relative).resolve()
        return path if path.is_relative_to(self.root) else None


async def announce(pool: asyncpg.Pool, *envelopes: object) -> None:
    """Queue the edge's events through its outbox, in one transaction, in this order."""
    async with pool.acquire() as conn, conn.transaction():
        for envelope in envelopes:
            await add_event(conn, envelope)  # type: ignore[arg-type]


def media_info(facts: flv.MediaFacts) -> media_events.MediaInfo:
    return media_events.MediaInfo(video_codec=facts.video_codec, audio_codec=facts.audio_codec,
                                  width=facts.width, height=facts.height)


class Ingest:
    """The publish gate of the RTMP server, and the streams it let in."""

    def __init__(self, pool: asyncpg.Pool, nc: NATS, settings: MediaSettings) -> None:
        self._pool = pool
        self._nc = nc
        self._settings = settings
        self.store = MediaStore(settings.media_root)
        self.sessions: dict[str, StreamSession] = {}

    async def authorize(self, live_id: str, key: str, publish_id: str,
                        guest_id: str = "") -> media_pb2.AuthorizePublishResponse:
        """Live's answer; transient refusals are asked again until `authorize_wait_s`."""
        deadline = time.monotonic() + self._settings.authorize_wait_s
        request = media_pb2.AuthorizePublishRequest(live_id=live_id, stream_key=key, edge_id=self._settings.edge_id,
                                                    publish_id=publish_id, guest_id=guest_id)
        while True:
            try:
                answer = await bus.request(self._nc, subjects.LIVE_AUTHORIZE_PUBLISH, request,
                                           media_pb2.AuthorizePublishResponse)
            except Unavailable:
                answer = media_pb2.AuthorizePublishResponse(allowed=False, reason="LIVE_UNAVAILABLE")
            assert isinstance(answer, media_pb2.AuthorizePublishResponse)
            if answer.allowed or answer.reason not in (*_TRANSIENT, "LIVE_UNAVAILABLE") \
                    or time.monotonic() > deadline:
                return answer
            await asyncio.sleep(0.2)

    async def gate(self, request: PublishRequest) -> StreamSession | Refusal:
        """Decide a publish before any of its media is accepted."""
        path = parse_stream(request.app, request.name, self._settings.rtmp_app)
        if path is None:
            log.warning("publish refused", reason="UNKNOWN_PATH", app=request.app, peer=request.peer)
            return Refusal("UNKNOWN_PATH", f"UNKNOWN_PATH: publish to rtmp://host/{self._settings.rtmp_app}/<live id>?key=<key>"
                                           " (a guest: <live id>.<guest id>?key=<key>)")
        publish_id = new_id("publish")
        with structlog.contextvars.bound_contextvars(live_id=path.live_id, correlation_id=path.live_id,
                                                     publish_id=publish_id, guest_id=path.guest_id):
            answer = await self.authorize(path.live_id, path.key, publish_id, path.guest_id)
            if not answer.allowed:
                log.warning("publish refused", reason=answer.reason, peer=request.peer)
                return Refusal(answer.reason, f"publish refused: {answer.reason}")
            session = StreamSession(self, path.live_id, publish_id, answer, guest_id=path.guest_id)
            await session.start()
            log.info("publish accepted", peer=request.peer, record=answer.record)
            return session

    async def renew(self, live_id: str, publish_id: str, guest_id: str = "") -> media_pb2.RenewPublishResponse | None:
        """Live's answer, or None when live cannot be asked right now (the stream goes on)."""
        try:
            answer = await bus.request(self._nc, subjects.LIVE_RENEW_PUBLISH,
                                       media_pb2.RenewPublishRequest(live_id=live_id, publish_id=publish_id,
                                                                     guest_id=guest_id),
                                       media_pb2.RenewPublishResponse)
        except Unavailable:
            return None
        assert isinstance(answer, media_pb2.RenewPublishResponse)
        return answer

    async def stop(self) -> None:
        """The edge is stopping: every stream is cut and announced as gone."""
        for session in list(self.sessions.values()):
            session.cut_off(media_events.UNPUBLISH_REASON_EDGE_STOPPED, "the edge is stopping")


class StreamSession:
    """One accepted publish: FLV in, live HLS and the recording out, events on the bus."""

    def __init__(self, ingest: Ingest, live_id: str, publish_id: str,
                 answer: media_pb2.AuthorizePublishResponse, *, guest_id: str = "") -> None:
        self.ingest = ingest
        self.live_id = live_id
        self.publish_id = publish_id
        self.guest_id = guest_id
        self.enterprise_id = answer.enterprise_id
        self.record = answer.record
        self.lease_s = max(1, answer.lease_seconds or 10)
        self.cut = asyncio.Event()
        self.facts = flv.MediaFacts()
        self.started_at = dt.datetime.now(dt.UTC)
        self._reason: media_events.UnpublishReason = media_events.UNPUBLISH_REASON_PUBLISHER_STOPPED
        self._detail = ""
        self._segmenter: asyncio.subprocess.Process | None = None
        self._segmenter_errors: deque[str] = deque(maxlen=20)
        self._stderr_task: asyncio.Task | None = None
        self._recording: IO[bytes] | None = None
        self._renewal: asyncio.Task | None = None
        self._announcing: asyncio.Task | None = None
        self._announced = False
        self._log = log.bind(live_id=live_id, correlation_id=live_id, publish_id=publish_id)

    @property
    def _settings(self) -> MediaSettings:
        return self.ingest._settings

    @property
    def _hls_dir(self) -> Path:
        store = self.ingest.store
        return store.guest_dir(self.live_id, self.guest_id) if self.guest_id else store.live_dir(self.live_id)

    async def start(self) -> None:
        store, settings = self.ingest.store, self._settings
        live_dir = self._hls_dir
        live_dir.mkdir(parents=True, exist_ok=True)
        self._segmenter = await asyncio.create_subprocess_exec(
            settings.ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error",
            # Start at once: the FLV header says which streams come; no long probing.
            "-probesize", "65536", "-analyzeduration", "500000", "-fflags", "+nobuffer",
            "-f", "flv", "-i", "pipe:0", "-map", "0", "-c", "copy",
            "-f", "hls", "-hls_time", str(settings.hls_segment_s), "-hls_list_size", str(settings.hls_list_size),
            # Media sequence from the clock: a reconnect continues the numbering, after a discontinuity.
            "-hls_start_number_source", "epoch",
            "-hls_flags", "delete_segments+omit_endlist+discont_start+independent_segments+temp_file",
            "-hls_segment_filename", str(live_dir / f"{self.publish_id}-%d.ts"),
            str(live_dir / "index.m3u8"),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )
        self._stderr_task = asyncio.create_task(self._collect_errors())
        if self.record:
            path = store.recording(self.live_id, self.publish_id)
            path.parent.mkdir(parents=True, exist_ok=True)
            self._recording = open(path, "wb")  # noqa: ASYNC230 (local disk, buffered: no wait worth a thread)
        await self._write(flv.HEADER)
        self.ingest.sessions[self.publish_id] = self
        self._renewal = asyncio.create_task(self._renew(), name=f"renew-{self.publish_id}")

    async def _collect_errors(self) -> None:
        assert self._segmenter is not None and self._segmenter.stderr is not None
        async for line in self._segmenter.stderr:
            self._segmenter_errors.append(line.decode(errors="replace").rstrip())

    def cut_off(self, reason: media_events.UnpublishReason, detail: str) -> None:
        if not self.cut.is_set():
            self._reason, self._detail = reason, detail
            self.cut.set()

    async def _renew(self) -> None:
        while not self.cut.is_set():
            await asyncio.sleep(max(0.5, self.lease_s / 3))
            answer = await self.ingest.renew(self.live_id, self.publish_id, self.guest_id)
            if answer is not None and not answer.allowed:
                self._log.info("publish cut off by live", reason=answer.reason)
                self.cut_off(media_events.UNPUBLISH_REASON_CUT_OFF, answer.reason)

    async def _write(self, data: bytes) -> None:
        if self._recording is not None:
            self._recording.write(data)
        segmenter = self._segmenter
        if segmenter is None or segmenter.stdin is None or segmenter.returncode is not None:
            return
        try:
            segmenter.stdin.write(data)
            await segmenter.stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            self._log.error("segmenter stopped taking media", errors=list(self._segmenter_errors))
            self.cut_off(media_events.UNPUBLISH_REASON_FAILED, "the segmenter stopped")

    async def metadata(self, payload: bytes) -> None:
        self.facts.add_metadata(payload)
        await self._write(flv.tag(DATA_AMF0, 0, payload))

    async def media(self, tag_type: int, timestamp_ms: int, payload: bytes) -> None:
        self.facts.add(tag_type, timestamp_ms, payload)
        await self._write(flv.tag(tag_type, timestamp_ms, payload))
        if not self._announced and (
                (self.facts.video_codec and self.facts.audio_codec)
                or self.facts.last_ms - (self.facts.first_ms or 0) >= 1000):
            self._announced = True
            self._announcing = asyncio.create_task(self._announce_published())

    def _envelope(self, event_type: str, payload: object) -> object:
        return new_envelope(event_type, subject=self.live_id, enterprise_id=self.enterprise_id,
                            correlation_id=self.live_id, payload=payload)  # type: ignore[arg-type]

    async def _announce_published(self) -> None:
        event = self._envelope(subjects.MEDIA_STREAM_PUBLISHED, media_events.StreamPublished(
            live_id=self.live_id, publish_id=self.publish_id, edge_id=self._settings.edge_id,
            media=media_info(self.facts), guest_id=self.guest_id))
        try:
            await announce(self.ingest._pool, event)
            self._log.info("stream published", video=self.facts.video_codec, audio=self.facts.audio_codec)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            self._log.error("stream published but not announced", error=str(exc))

    async def close(self, why: str) -> None:
        """The connection ended: flush the segmenter, finish the recording, tell the bus."""
        if why == "the edge is stopping":
            self._reason, self._detail = media_events.UNPUBLISH_REASON_EDGE_STOPPED, why
        self.cut.set()
        await cancel_and_wait(self._renewal)
        if self._announcing is not None:
            await asyncio.gather(self._announcing, return_exceptions=True)
        await self._stop_segmenter()
        events = []
        store = self.ingest.store
        if self._recording is not None:
            self._recording.close()
            path = store.recording(self.live_id, self.publish_id)
            if self.facts.has_media:
                start = timestamp(self.started_at)
                events.append(self._envelope(subjects.MEDIA_RECORDING_FINISHED, media_events.RecordingFinished(
                    live_id=self.live_id, publish_id=self.publish_id, edge_id=self._settings.edge_id,
                    path=store.relative(path), duration_ms=self.facts.duration_ms, bytes=path.stat().st_size,
                    media=media_info(self.facts), start_time=start)))
            else:
                path.unlink(missing_ok=True)
        events.append(self._envelope(subjects.MEDIA_STREAM_UNPUBLISHED, media_events.StreamUnpublished(
            live_id=self.live_id, publish_id=self.publish_id, edge_id=self._settings.edge_id,
            reason=self._reason, duration_ms=self.facts.duration_ms, bytes=self.facts.media_bytes,
            detail=self._detail or why, guest_id=self.guest_id)))
        self.ingest.sessions.pop(self.publish_id, None)
        if self._detail == "LIVE_ENDED" or self.guest_id:
            remove_tree(self._hls_dir)  # nobody plays an ended live, nor a guest who left the mic
        try:
            await announce(self.ingest._pool, *events)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            # Live's lease on the publish runs out by itself; the recording stays on disk.
            self._log.error("stream gone but not announced", error=str(exc))
        self._log.info("stream unpublished", why=why, duration_ms=self.facts.duration_ms, bytes=self.facts.media_bytes,
                       recorded=self._recording is not None and self.facts.has_media)

    async def _stop_segmenter(self) -> None:
        segmenter = self._segmenter
        if segmenter is None:
            return
        if segmenter.stdin is not None and not segmenter.stdin.is_closing():
            segmenter.stdin.close()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                await segmenter.stdin.wait_closed()
        try:
            await asyncio.wait_for(segmenter.wait(), 10)
        except TimeoutError:
            segmenter.kill()
            await segmenter.wait()
        if self._stderr_task is not None:
            await asyncio.gather(self._stderr_task, return_exceptions=True)
        if segmenter.returncode not in (0, None) and self.facts.has_media:
            self._log.warning("segmenter ended with an error", code=segmenter.returncode,
                              errors=list(self._segmenter_errors))


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
