"""`python -m services NAME`: run one service; the container image's entry point, so one image
runs any of them (`docker run convene live`).

    python -m services identity|groups|live|meetings|notifications|media
    python -m services convene ARGS...       the operator's command (same as `convene ARGS...`)
    python -m services health [HOST:PORT]    exit 0 when the gRPC health check says SERVING
                                             (for compose healthchecks; default 127.0.0.1:$GRPC_PORT)
"""

from __future__ import annotations

import importlib
import os
import sys

from services import SERVICES


def health(address: str) -> int:
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    with grpc.insecure_channel(address) as channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=3)
        except grpc.RpcError as error:
            print(f"{address}: {error.code().name}", file=sys.stderr)
            return 1
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
    print(f"{address}: {status}")
    return 0 if reply.status == health_pb2.HealthCheckResponse.SERVING else 1


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    if name == "convene":
        from services.ops.cli import main as cli

        return cli(rest)
    if name == "health":
        return health(rest[0] if rest else f"127.0.0.1:{os.environ.get('GRPC_PORT', '50051')}")
    if name not in SERVICES:
        print(f"unknown service {name!r}; one of {', '.join(SERVICES)}, convene or health", file=sys.stderr)
        return 2
    from services.runtime.app import main as run

    run(importlib.import_module(f"services.{name}.service").DEFINITION)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
