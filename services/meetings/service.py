"""Wiring of the meetings service."""

from __future__ import annotations

from pathlib import Path

from convene.meetings.v1 import meetings_pb2, meetings_pb2_grpc
from services.meetings.domain import Meetings
from services.meetings.servicer import MeetingsServicer
from services.runtime.app import Runtime, ServiceDefinition, ServiceParts

SERVICE_NAME = meetings_pb2.DESCRIPTOR.services_by_name["MeetingsService"].full_name


async def build(runtime: Runtime) -> ServiceParts:
    return ServiceParts(
        registrations=[(meetings_pb2_grpc.add_MeetingsServiceServicer_to_server, MeetingsServicer(Meetings(runtime.pool)))],
        service_names=[SERVICE_NAME],
    )


DEFINITION = ServiceDefinition(name="meetings", migrations=Path(__file__).parent / "migrations", build=build)
