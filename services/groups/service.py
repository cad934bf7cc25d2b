"""Wiring of the groups service: gRPC servicer, membership responder, and the consumers that
keep cards current (lives, meetings) and count the viewers each forward brought."""

from __future__ import annotations

from pathlib import Path

from convene.groups.v1 import groups_pb2, groups_pb2_grpc, membership_pb2
from services.groups.calls import Calls
from services.groups.domain import Groups
from services.groups.forwarding import Forwarding
from services.groups.servicer import GroupsServicer
from services.groups.settings import GroupsSettings
from services.runtime import bus, subjects
from services.runtime.app import Runtime, ServiceDefinition, ServiceParts
from services.runtime.consumer import ConsumerSpec

SERVICE_NAME = groups_pb2.DESCRIPTOR.services_by_name["GroupsService"].full_name


async def build(runtime: Runtime) -> ServiceParts:
    settings = runtime.settings
    assert isinstance(settings, GroupsSettings)
    groups = Groups(runtime.pool, runtime.nc, settings)
    forwarding = Forwarding(runtime.pool, groups, settings)
    calls = Calls(runtime.pool, settings)

    async def start_responder():
        subscription = await bus.serve(runtime.nc, subjects.GROUPS_CHECK_MEMBERSHIP,
                                       membership_pb2.CheckMembershipRequest, groups.check_membership,
                                       queue="groups")
        return subscription.unsubscribe

    return ServiceParts(
        registrations=[(groups_pb2_grpc.add_GroupsServiceServicer_to_server,
                        GroupsServicer(groups, forwarding, calls))],
        service_names=[SERVICE_NAME],
        consumers=[
            ConsumerSpec(durable="groups--live-cards", source="live",
                         subjects=[subjects.LIVE_SESSION_SCHEDULED, subjects.LIVE_SESSION_STARTED,
                                   subjects.LIVE_SESSION_ENDED, subjects.LIVE_REPLAY_READY,
                                   subjects.LIVE_REPLAY_DELETED],
                         handler=groups.on_live_event),
            ConsumerSpec(durable="groups--meeting-cards", source="meetings",
                         subjects=[subjects.MEETINGS_MEETING_STARTED, subjects.MEETINGS_MEETING_ENDED],
                         handler=calls.on_meeting_event),
            ConsumerSpec(durable="groups--share-viewers", source="live",
                         subjects=[subjects.LIVE_VIEWER_JOINED], handler=forwarding.on_viewer_joined),
        ],
        workers=[start_responder],
    )


DEFINITION = ServiceDefinition(name="groups", migrations=Path(__file__).parent / "migrations", build=build,
                               settings_type=GroupsSettings)
