"""Wiring of the notifications service: gRPC servicer, the push hub, the card fan-out consumer."""

from __future__ import annotations

from pathlib import Path

from convene.notifications.v1 import notifications_pb2, notifications_pb2_grpc
from services.notifications.domain import Notifications
from services.notifications.hub import Hub
from services.notifications.servicer import NotificationsServicer
from services.runtime import subjects
from services.runtime.app import Runtime, ServiceDefinition, ServiceParts
from services.runtime.consumer import ConsumerSpec

SERVICE_NAME = notifications_pb2.DESCRIPTOR.services_by_name["NotificationsService"].full_name


async def build(runtime: Runtime) -> ServiceParts:
    hub = Hub(runtime.nc)
    notifications = Notifications(runtime.pool, hub)

    async def start_hub():
        await hub.start()
        return hub.stop

    return ServiceParts(
        registrations=[(notifications_pb2_grpc.add_NotificationsServiceServicer_to_server,
                        NotificationsServicer(notifications))],
        service_names=[SERVICE_NAME],
        consumers=[
            ConsumerSpec(durable="notifications--cards", source="groups",
                         subjects=[subjects.GROUPS_CARD_POSTED, subjects.GROUPS_CARD_UPDATED],
                         handler=notifications.on_card_changed),
        ],
        workers=[start_hub],
    )


DEFINITION = ServiceDefinition(name="notifications", migrations=Path(__file__).parent / "migrations",
                               build=build)
