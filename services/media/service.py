"""Wiring of the media edge: the RTMP server and its publish gate, the HTTP server (HLS
playback, nginx-rtmp / SRS callbacks, health), the replay packager and its two consumers of
live's events. gRPC carries only health and reflection: the edge has no API of its own; its
clients are RTMP publishers, HLS players and media servers."""

from __future__ import annotations

import functools
from pathlib import Path

from aiohttp import web

from services.media.callbacks import Callbacks
from services.media.ingest import Ingest
from services.media.packaging import Packaging
from services.media.play_rights import SUBJECTS as PLAY_RIGHT_SUBJECTS
from services.media.play_rights import PlayRights
from services.media.playback import Playback
from services.media.rtmp import RtmpServer
from services.media.settings import MediaSettings
from services.runtime import subjects
from services.runtime.app import Runtime, ServiceDefinition, ServiceParts
from services.runtime.consumer import ConsumerSpec
from services.runtime.logs import get_logger
from services.runtime.play_tokens import PlayTokens

log = get_logger(__name__)


async def build(runtime: Runtime) -> ServiceParts:
    settings = runtime.settings
    assert isinstance(settings, MediaSettings)
    settings.media_root.mkdir(parents=True, exist_ok=True)
    ingest = Ingest(runtime.pool, runtime.nc, settings)
    packaging = Packaging(runtime.pool, settings, ingest.store)
    play_tokens = PlayTokens(runtime.keyset)  # live's public key: the edge verifies, never mints
    # Loaded before the edge serves: a replica started just after a removal refuses at once.
    play_rights = PlayRights(play_tokens, runtime.revocations)
    await play_rights.start(runtime.nc, settings.stream_replicas, supervisor=runtime.supervisor)
    playback = Playback(ingest.store, play_rights, cors_origin=settings.cors_origin)
    callbacks = Callbacks(ingest, settings, play_rights)

    async def start_rtmp():
        server = RtmpServer(ingest.gate, host=settings.rtmp_host, port=settings.rtmp_port)
        await server.start()
        log.info("rtmp ingest listening", address=f"rtmp://{settings.rtmp_host}:{server.port}/{settings.rtmp_app}")

        async def stop() -> None:
            await ingest.stop()
            await server.stop()

        return stop

    async def healthz(_: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def start_http():
        app = web.Application(client_max_size=64 * 1024)
        app.add_routes([web.get("/healthz", healthz),
                        *callbacks.routes(), *playback.routes()])
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, settings.http_host, settings.http_port, reuse_address=True)
        await site.start()
        log.info("hls playback listening", address=f"http://{settings.http_host}:{settings.http_port}/hls")

        async def stop() -> None:
            await runner.cleanup()
            await play_rights.stop()

        return stop

    return ServiceParts(
        registrations=[],
        service_names=[],
        consumers=[
            ConsumerSpec(durable="media--replay-jobs", source="live",
                         subjects=[subjects.LIVE_REPLAY_REQUESTED], handler=packaging.on_requested),
            ConsumerSpec(durable="media--replay-deletions", source="live",
                         subjects=[subjects.LIVE_REPLAY_DELETED], handler=packaging.on_deleted),
            ConsumerSpec(durable="media--live-ended", source="live",
                         subjects=[subjects.LIVE_SESSION_ENDED], handler=packaging.on_live_ended),
            ConsumerSpec(durable="media--play-rights", source="live",
                         subjects=PLAY_RIGHT_SUBJECTS, handler=play_rights.on_live_event),
        ],
        workers=[start_http, start_rtmp, functools.partial(packaging.start, runtime.supervisor)],
    )


DEFINITION = ServiceDefinition(name="media", migrations=Path(__file__).parent / "migrations", build=build,
                               settings_type=MediaSettings)
