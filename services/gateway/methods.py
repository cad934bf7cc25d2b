"""Which upstream serves each path, and whether the method is a server stream: read from the
generated descriptors, so a new RPC in a .proto reaches browsers with no gateway change."""

from __future__ import annotations

from dataclasses import dataclass

from google.protobuf.descriptor import ServiceDescriptor

from convene.groups.v1 import groups_pb2
from convene.identity.v1 import identity_pb2
from convene.live.v1 import live_pb2
from convene.meetings.v1 import meetings_pb2
from convene.notifications.v1 import notifications_pb2

# Service name (as in GATEWAY_<NAME>_ADDRESS) -> the public gRPC services it serves.
UPSTREAM_SERVICES: dict[str, list[ServiceDescriptor]] = {
    "identity": [identity_pb2.DESCRIPTOR.services_by_name["IdentityService"]],
    "groups": [groups_pb2.DESCRIPTOR.services_by_name["GroupsService"]],
    "live": [live_pb2.DESCRIPTOR.services_by_name["LiveService"]],
    "meetings": [meetings_pb2.DESCRIPTOR.services_by_name["MeetingsService"]],
    "notifications": [notifications_pb2.DESCRIPTOR.services_by_name["NotificationsService"]],
}


@dataclass(frozen=True)
class Method:
    path: str  # "/convene.live.v1.LiveService/StartLive"
    upstream: str  # "live"
    server_streaming: bool


def method_table() -> dict[str, Method]:
    table: dict[str, Method] = {}
    for upstream, services in UPSTREAM_SERVICES.items():
        for service in services:
            for method in service.methods:
                if method.client_streaming:
                    continue  # browsers cannot stream requests over HTTP/1.1; Convene has none
                path = f"/{service.full_name}/{method.name}"
                table[path] = Method(path, upstream, method.server_streaming)
    return table
