"""Which upstream serves each path, and whether the method is a server stream: read from the
generated descriptors, so a new RPC in a .proto reaches browsers with no gateway change."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass

from google.protobuf.descriptor import ServiceDescriptor

# The services behind the gateway: each serves every gRPC service of its `convene.<name>.v1`
# package (a room stream added to live's protos reaches browsers with no change here).
UPSTREAMS = ("identity", "groups", "live", "meetings", "notifications")


def _services_of(upstream: str) -> list[ServiceDescriptor]:
    package = importlib.import_module(f"convene.{upstream}.v1")
    found: list[ServiceDescriptor] = []
    for module in pkgutil.iter_modules(package.__path__):
        if module.name.endswith("_pb2"):
            generated = importlib.import_module(f"{package.__name__}.{module.name}")
            found += list(generated.DESCRIPTOR.services_by_name.values())
    return found


# Service name (as in GATEWAY_<NAME>_ADDRESS) -> the public gRPC services it serves.
UPSTREAM_SERVICES: dict[str, list[ServiceDescriptor]] = {name: _services_of(name) for name in UPSTREAMS}


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
