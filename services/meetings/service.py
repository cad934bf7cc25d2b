"""Wiring of the meetings service: gRPC servicer, the consumer that makes meetings of upgraded
group calls, and the durable timers of reminders and ringing time-outs."""

from __future__ import annotations

from pathlib import Path

from convene.meetings.v1 import meetings_pb2, meetings_pb2_grpc
from services.meetings import reminders
from services.meetings.access import Access
from services.meetings.calls import RING_TIMER_KIND, Calls
from services.meetings.domain import Meetings
from services.meetings.servicer import MeetingsServicer
from services.meetings.settings import MeetingsSettings
from services.runtime import subjects
from services.runtime.app import Runtime, ServiceDefinition, ServiceParts
from services.runtime.consumer import ConsumerSpec

SERVICE_NAME = meetings_pb2.DESCRIPTOR.services_by_name["MeetingsService"].full_name


async def build(runtime: Runtime) -> ServiceParts:
    settings = runtime.settings
    assert isinstance(settings, MeetingsSettings)
    access = Access(runtime.nc)
    calls = Calls(runtime.pool, access, settings)
    meetings = Meetings(runtime.pool, access, calls, max_participants=settings.meeting_max_participants)
    return ServiceParts(
        registrations=[(meetings_pb2_grpc.add_MeetingsServiceServicer_to_server,
                        MeetingsServicer(meetings, calls, max_participants=settings.meeting_max_participants))],
        service_names=[SERVICE_NAME],
        consumers=[
            ConsumerSpec(durable="meetings--call-upgrades", source="groups",
                         subjects=[subjects.GROUPS_CALL_UPGRADED], handler=calls.on_call_upgraded),
        ],
        timers={reminders.TIMER_KIND: reminders.on_due, RING_TIMER_KIND: calls.on_ring_timeout},
    )


DEFINITION = ServiceDefinition(name="meetings", migrations=Path(__file__).parent / "migrations", build=build,
                               settings_type=MeetingsSettings)
