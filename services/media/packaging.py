"""Replay packaging (SPEC F-27, F-52): live's replay job asks (`live.v1.replay.requested`, every
piece of the recording in order); the media plane makes one HLS VOD of them and answers
`media.v1.replay.packaged` (with its real duration) or `media.v1.replay.failed` (with a reason).

The consumer only queues a job row (exactly once, through the inbox); a packager on any edge
takes a job under a lease, runs ffmpeg (stream copy, so minutes of media take seconds) into a
scratch folder, moves the result into place and, in one transaction, deletes the job and queues
the answer. A packager killed midway leaves the job to be taken again when its lease ends;
packaging twice only writes the same files again. `live.v1.replay.deleted` deletes the files.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg

from convene.live.v1 import events_pb2 as live_events
from convene.media.v1 import events_pb2 as media_events
from services.media.ingest import MediaStore, remove_tree
from services.media.settings import MediaSettings
from services.runtime import subjects
from services.runtime.db import Connection
from services.runtime.events import Event, new_envelope
from services.runtime.logs import get_logger
from services.runtime.outbox import add_event
from services.runtime.supervisor import Loop, Supervisor
from services.runtime.wakeup import Wakeup, channel

log = get_logger(__name__)

LEASE_S = 600
_EXTINF_RE = re.compile(r"^#EXTINF:([0-9.]+)", re.MULTILINE)


class PackagingFailed(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def vod_duration_ms(playlist: str) -> int:
    return round(sum(float(s) for s in _EXTINF_RE.findall(playlist)) * 1000)


class Packaging:
    def __init__(self, pool: asyncpg.Pool, settings: MediaSettings, store: MediaStore) -> None:
        self._pool = pool
        self._settings = settings
        self._store = store
        self._wake = Wakeup(pool, channel("media", "replay_jobs"))
        self.packaged = 0

    # ------------------------------------------------------------------ consumers

    async def on_requested(self, event: Event, conn: Connection) -> None:
        """Consumer `media--replay-jobs`: queue the job (the packager does the work)."""
        request = event.payload(live_events.ReplayRequested)
        await conn.execute(
            "WITH queued AS (INSERT INTO replay_jobs (live_id, request, enterprise_id) VALUES ($1, $2, $3)"
            " ON CONFLICT (live_id) DO UPDATE SET request = $2, attempts = 0, lease_until = NULL RETURNING 1)"
            " SELECT pg_notify('media_replay_jobs', '') FROM queued",
            request.live_id, request.SerializeToString(), event.envelope.enterprise_id)

    async def on_live_ended(self, event: Event, conn: Connection) -> None:
        """Consumer `media--live-ended`: the live's HLS goes (the replay is made from the
        recording). A stream still being cut off here removes it again when it closes."""
        live_id = event.envelope.subject
        await asyncio.to_thread(remove_tree, self._store.live_dir(live_id))
        log.info("live segments deleted", live_id=live_id, correlation_id=live_id)

    async def on_deleted(self, event: Event, conn: Connection) -> None:
        """Consumer `media--replay-deletions`: a deleted replay's files go, and its recording's."""
        live_id = event.envelope.subject
        await conn.execute("DELETE FROM replay_jobs WHERE live_id = $1", live_id)
        # The edge records into rec/<live>/; a media server's recorder names files rec/<live>-*.flv.
        recordings = [self._store.root / "rec" / live_id, *(self._store.root / "rec").glob(f"{live_id}-*.flv")]
        for path in (self._store.replay_dir(live_id), *recordings):
            if path.is_dir():
                await asyncio.to_thread(remove_tree, path)
            else:
                path.unlink(missing_ok=True)
        log.info("replay files deleted", live_id=live_id, correlation_id=live_id)

    # ------------------------------------------------------------------ the packager

    async def start(self, supervisor: Supervisor) -> Callable[[], Awaitable[None]]:
        await self._wake.start(supervisor)
        loop = supervisor.start("replay packager", self._run)

        async def stop() -> None:
            await supervisor.stop(loop)
            await self._wake.stop()

        return stop

    async def _run(self, loop: Loop) -> None:
        """Supervised: a database error ends this body; the supervisor backs off and runs it again."""
        while True:
            self._wake.clear()
            worked = await self.package_next()
            loop.healthy()
            if not worked:
                await self._wake.wait(1.0)

    async def package_next(self) -> bool:
        async with self._pool.acquire() as conn:
            job = await conn.fetchrow(
                "UPDATE replay_jobs SET lease_until = now() + make_interval(secs => $1), attempts = attempts + 1"
                " WHERE live_id = (SELECT live_id FROM replay_jobs WHERE lease_until IS NULL OR lease_until < now()"
                " ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING *", LEASE_S)
        if job is None:
            return False
        request = live_events.ReplayRequested.FromString(job["request"])
        live_id = request.live_id
        bound = log.bind(live_id=live_id, correlation_id=live_id)
        try:
            try:
                result = await self._package(request)
            except OSError as exc:  # the media store itself failed (disk full, permissions)
                raise PackagingFailed("MEDIA_STORE_FAILED", str(exc)) from exc
            payload: object = result
            event_type = subjects.MEDIA_REPLAY_PACKAGED
            bound.info("replay packaged", duration_ms=result.duration_ms, pieces=result.pieces,
                       segments=result.segments)
        except PackagingFailed as failure:
            payload = media_events.ReplayPackagingFailed(live_id=live_id, reason=failure.reason, detail=failure.detail)
            event_type = subjects.MEDIA_REPLAY_FAILED
            bound.warning("replay packaging failed", reason=failure.reason, detail=failure.detail)
        async with self._pool.acquire() as conn, conn.transaction():
            still_ours = await conn.fetchval(
                "DELETE FROM replay_jobs WHERE live_id = $1 AND lease_until = $2 RETURNING true",
                live_id, job["lease_until"])
            if still_ours:
                await add_event(conn, new_envelope(event_type, subject=live_id, enterprise_id=job["enterprise_id"],
                                                   correlation_id=live_id, payload=payload))  # type: ignore[arg-type]
        self.packaged += 1
        return True

    async def _package(self, request: live_events.ReplayRequested) -> media_events.ReplayPackaged:
        live_id = request.live_id
        pieces: list[Path] = []
        for piece in request.pieces:
            path = self._store.resolve(piece.path)
            if path is None or not path.is_file():
                raise PackagingFailed("RECORDING_MISSING", f"no recording at {piece.path}")
            pieces.append(path)
        if not pieces:
            raise PackagingFailed("RECORDING_MISSING", "the request names no recording")
        final = self._store.replay_dir(live_id)
        scratch = final.with_name(f".{live_id}.packaging")
        await asyncio.to_thread(remove_tree, scratch)
        scratch.mkdir(parents=True)
        listing = scratch / "pieces.txt"
        listing.write_text("".join(f"file '{p}'\n" for p in pieces))
        process = await asyncio.create_subprocess_exec(
            self._settings.ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error",
            "-f", "concat", "-safe", "0", "-i", str(listing), "-map", "0", "-c", "copy",
            "-f", "hls", "-hls_time", str(self._settings.vod_segment_s), "-hls_playlist_type", "vod",
            "-hls_flags", "independent_segments", "-hls_segment_filename", str(scratch / "seg-%05d.ts"),
            str(scratch / "index.m3u8"),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        _, errors = await process.communicate()
        playlist_path = scratch / "index.m3u8"
        if process.returncode != 0 or not playlist_path.is_file():
            await asyncio.to_thread(remove_tree, scratch)
            raise PackagingFailed("RECORDING_UNREADABLE", errors.decode(errors="replace").strip()[-500:])
        playlist = playlist_path.read_text()
        duration_ms = vod_duration_ms(playlist)
        if duration_ms <= 0:
            await asyncio.to_thread(remove_tree, scratch)
            raise PackagingFailed("RECORDING_UNREADABLE", "the recording holds no media")
        listing.unlink()
        segments = [s.stat().st_size for s in scratch.glob("seg-*.ts")]
        await asyncio.to_thread(remove_tree, final)
        scratch.rename(final)
        return media_events.ReplayPackaged(
            live_id=live_id, playlist_path=self._store.relative(final / "index.m3u8"), duration_ms=duration_ms,
            bytes=sum(segments), segments=len(segments), pieces=len(pieces))
