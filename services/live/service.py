"""Wiring of the live service: gRPC servicer, the three consumers of session.started's fan-out
that live owns (replay preparation, media grants; groups posts the card), durable timers for
host heartbeats and replays, and the viewer sweeper."""

from __future__ import annotations

from pathlib import Path

from convene.live.v1 import live_pb2, live_pb2_grpc
from services.live import domain
from services.live.domain import Lives
from services.live.servicer import LiveServicer
from services.live.settings import LiveSettings
from services.live.watching import Watching
from services.runtime import subjects
from services.runtime.app import Runtime, ServiceDefinition, ServiceParts
from services.runtime.consumer import ConsumerSpec

SERVICE_NAME = live_pb2.DESCRIPTOR.services_by_name["LiveService"].full_name


async def build(runtime: Runtime) -> ServiceParts:
    settings = runtime.settings
    assert isinstance(settings, LiveSettings)
    lives = Lives(runtime.pool, runtime.nc, settings)
    watching = Watching(runtime.pool, settings, lives)
    return ServiceParts(
        registrations=[(live_pb2_grpc.add_LiveServiceServicer_to_server, LiveServicer(lives, watching))],
        service_names=[SERVICE_NAME],
        consumers=[
            ConsumerSpec(durable="live--replay-prep", source="live",
                         subjects=[subjects.LIVE_SESSION_STARTED], handler=lives.prepare_replay),
            ConsumerSpec(durable="live--media-grants", source="live",
                         subjects=[subjects.LIVE_SESSION_STARTED], handler=lives.grant_publish),
        ],
        timers={
            domain.HOST_GONE: lives.on_host_gone,
            domain.REPLAY_DUE: lives.on_replay_due,
            domain.REPLAY_DONE: lives.on_replay_done,
        },
        workers=[watching.start_sweeper],
    )


DEFINITION = ServiceDefinition(name="live", migrations=Path(__file__).parent / "migrations", build=build,
                               settings_type=LiveSettings)
