"""Wiring of the live service: gRPC servicer and the replay-preparation consumer."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from convene.live.v1 import live_pb2, live_pb2_grpc
from services.live.domain import Lives
from services.live.servicer import LiveServicer
from services.runtime import subjects
from services.runtime.app import Runtime, ServiceDefinition, ServiceParts
from services.runtime.consumer import ConsumerSpec
from services.runtime.settings import Settings, env

SERVICE_NAME = live_pb2.DESCRIPTOR.services_by_name["LiveService"].full_name


@dataclass(frozen=True)
class LiveSettings(Settings):
    # Where hosts push media (the media server is outside Convene, SPEC F-25).
    media_base_url: str = field(default_factory=lambda: env("MEDIA_BASE_URL", "rtmp://127.0.0.1:1935/live"))
    # WeCom prepares a replay in about 5 minutes.
    replay_delay_s: int = field(default_factory=lambda: int(env("REPLAY_DELAY_S", "300")))


async def build(runtime: Runtime) -> ServiceParts:
    settings = runtime.settings
    assert isinstance(settings, LiveSettings)
    lives = Lives(runtime.pool, runtime.nc, media_base_url=settings.media_base_url,
                  replay_delay_s=settings.replay_delay_s)
    return ServiceParts(
        registrations=[(live_pb2_grpc.add_LiveServiceServicer_to_server, LiveServicer(lives))],
        service_names=[SERVICE_NAME],
        consumers=[
            ConsumerSpec(durable="live--replay-prep", source="live",
                         subjects=[subjects.LIVE_SESSION_STARTED], handler=lives.prepare_replay),
        ],
    )


DEFINITION = ServiceDefinition(name="live", migrations=Path(__file__).parent / "migrations", build=build,
                               settings_type=LiveSettings)
