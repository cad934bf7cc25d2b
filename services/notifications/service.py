"""Wiring of the notifications service: gRPC servicer, the push hub, one durable consumer per
source service, the shared fan-out consumer, the timer that delivers timed notices, and the chat
feed that hands groups' chat entries to the streams this replica holds."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from convene.notifications.v1 import notifications_pb2, notifications_pb2_grpc
from services.notifications import retention
from services.notifications.chats import ChatFeed, groups_fill
from services.notifications.delivery import TIMER_KIND, Delivery
from services.notifications.domain import Notifications
from services.notifications.hub import Hub
from services.notifications.principals import Principals
from services.notifications.servicer import NotificationsServicer
from services.notifications.settings import NotificationsSettings
from services.notifications.sources import all_sources
from services.notifications.streams import Streams
from services.runtime import metrics, subjects
from services.runtime.app import Runtime, ServiceDefinition, ServiceParts
from services.runtime.consumer import ConsumerSpec

SERVICE_NAME = notifications_pb2.DESCRIPTOR.services_by_name["NotificationsService"].full_name


async def build(runtime: Runtime) -> ServiceParts:
    settings = runtime.settings
    assert isinstance(settings, NotificationsSettings)
    hub = Hub(runtime.nc, runtime.pool, settings.stream_buffer, settings.idle_check_s,
              settings.max_streams_per_user, supervisor=runtime.supervisor)
    delivery = Delivery(hub, chunk_size=settings.fanout_chunk)
    notifications = Notifications(
        runtime.pool, hub, Streams(runtime.pool, hub, groups_fill(runtime.nc), gap_wait_s=settings.chat_gap_wait_s),
        Principals(runtime.nc, settings.principal_cache_s))
    chat_feed = ChatFeed(runtime.nc, hub, settings.stream_replicas)

    async def start_hub():
        await hub.start()
        return hub.stop

    async def start_chat_feed():
        await chat_feed.start()
        return chat_feed.stop

    if (recorded := metrics.current.get()) is not None:
        recorded.streams_open.set_function(lambda: hub.open_streams)

    # Small fetches, so a replica never takes more chunks than it is working on and the others
    # get theirs; several workers per replica overlap one chunk's database time with another's.
    fanout = ConsumerSpec(durable="notifications--fanout", source="notifications",
                          subjects=[subjects.NOTIFICATIONS_CHUNK_QUEUED], handler=delivery.on_chunk,
                          batch=1, ack_wait_s=settings.fanout_ack_wait_s)
    return ServiceParts(
        registrations=[(notifications_pb2_grpc.add_NotificationsServiceServicer_to_server,
                        NotificationsServicer(notifications))],
        service_names=[SERVICE_NAME],
        consumers=[*(source.consumer(delivery) for source in all_sources()),
                   *(dataclasses.replace(fanout) for _ in range(settings.fanout_workers))],
        timers={TIMER_KIND: delivery.on_due},
        workers=[start_hub, start_chat_feed],
    )


DEFINITION = ServiceDefinition(name="notifications", migrations=Path(__file__).parent / "migrations",
                               build=build, settings_type=NotificationsSettings, retention=retention.rules)
