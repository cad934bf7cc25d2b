"""Wiring of the live service: gRPC servicers (lives, their rooms, moderation), the consumers of
session.started's fan-out that live owns (replay preparation, media grants; groups posts the
card), the media plane's publish decisions and its stream and replay events, durable timers
for the host-gone rule and replays, the viewer sweeper, and the room fan-out of this replica."""

from __future__ import annotations

import functools
from pathlib import Path

from convene.live.v1 import live_pb2, live_pb2_grpc, moderation_pb2, moderation_pb2_grpc, room_pb2, room_pb2_grpc
from services.live import domain
from services.live.comments import Comments
from services.live.domain import Lives
from services.live.guests import Guests
from services.live.likes import Likes
from services.live.media import MediaPlane
from services.live.moderation import BlockedWords, Moderation
from services.live.room import RoomStreams
from services.live.room_fanout import RoomHub
from services.live.room_servicer import ModerationServicer, RoomServicer
from services.live.servicer import LiveServicer
from services.live.settings import LiveSettings
from services.live.watching import Watching
from services.runtime import metrics, subjects
from services.runtime.app import Runtime, ServiceDefinition, ServiceParts
from services.runtime.consumer import ConsumerSpec
from services.runtime.play_tokens import PlayTokens
from services.runtime.share_links import ShareLinks

SERVICE_NAME = live_pb2.DESCRIPTOR.services_by_name["LiveService"].full_name
ROOM_SERVICE_NAME = room_pb2.DESCRIPTOR.services_by_name["RoomService"].full_name
MODERATION_SERVICE_NAME = moderation_pb2.DESCRIPTOR.services_by_name["ModerationService"].full_name


async def build(runtime: Runtime) -> ServiceParts:
    settings = runtime.settings
    assert isinstance(settings, LiveSettings)
    hub = RoomHub(runtime.pool, runtime.nc, settings, runtime.supervisor)
    lives = Lives(runtime.pool, runtime.nc, settings, PlayTokens(runtime.keyset, runtime.keys),
                  announce_room=hub.announce)
    watching = Watching(runtime.pool, settings, lives, ShareLinks(runtime.keyset, runtime.keys, settings.share_base_url))
    media = MediaPlane(runtime.pool, runtime.nc, settings, lives)
    blocked = BlockedWords(settings.blocked_words_cache_s)
    likes = Likes(runtime.pool, hub, settings)
    room = RoomServicer(RoomStreams(runtime.pool, hub), Comments(runtime.pool, hub, blocked, settings), likes,
                        Guests(runtime.pool, hub, lives, settings))
    moderation = ModerationServicer(Moderation(runtime.pool, lives, hub, blocked))

    if (recorded := metrics.current.get()) is not None:
        recorded.streams_open.set_function(lambda: hub.open_streams)

    async def start_room():
        async def stop() -> None:
            await likes.stop()
            await hub.stop()

        return stop

    return ServiceParts(
        registrations=[(live_pb2_grpc.add_LiveServiceServicer_to_server, LiveServicer(lives, watching)),
                       (room_pb2_grpc.add_RoomServiceServicer_to_server, room),
                       (moderation_pb2_grpc.add_ModerationServiceServicer_to_server, moderation)],
        service_names=[SERVICE_NAME, ROOM_SERVICE_NAME, MODERATION_SERVICE_NAME],
        consumers=[
            ConsumerSpec(durable="live--replay-prep", source="live",
                         subjects=[subjects.LIVE_SESSION_STARTED], handler=lives.prepare_replay),
            ConsumerSpec(durable="live--media-grants", source="live",
                         subjects=[subjects.LIVE_SESSION_STARTED, subjects.LIVE_PREVIEW_OPENED],
                         handler=lives.grant_publish),
            ConsumerSpec(durable="live--media-streams", source="media",
                         subjects=[subjects.MEDIA_STREAM_PUBLISHED, subjects.MEDIA_STREAM_UNPUBLISHED,
                                   subjects.MEDIA_RECORDING_FINISHED], handler=media.on_stream_event),
            ConsumerSpec(durable="live--replay-results", source="media",
                         subjects=[subjects.MEDIA_REPLAY_PACKAGED, subjects.MEDIA_REPLAY_FAILED],
                         handler=media.on_replay_result),
        ],
        timers={
            domain.HOST_GONE: lives.on_host_gone,
            domain.REPLAY_DUE: lives.on_replay_due,
            domain.REPLAY_TIMED_OUT: lives.on_replay_timed_out,
        },
        workers=[functools.partial(watching.start_sweeper, runtime.supervisor), media.start_responders, start_room],
    )


DEFINITION = ServiceDefinition(name="live", migrations=Path(__file__).parent / "migrations", build=build,
                               settings_type=LiveSettings)
