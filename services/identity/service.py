"""Wiring of the identity service: gRPC servicer, authorization responder."""

from __future__ import annotations

from pathlib import Path

from convene.identity.v1 import authz_pb2, identity_pb2, identity_pb2_grpc
from services.identity.domain import Identity
from services.identity.servicer import IdentityServicer
from services.runtime import bus, subjects
from services.runtime.app import Runtime, ServiceDefinition, ServiceParts

SERVICE_NAME = identity_pb2.DESCRIPTOR.services_by_name["IdentityService"].full_name


async def build(runtime: Runtime) -> ServiceParts:
    identity = Identity(runtime.pool, runtime.signer)

    async def start_responders():
        subscriptions = [
            await bus.serve(runtime.nc, subjects.IDENTITY_AUTHORIZE, authz_pb2.AuthorizeRequest,
                            identity.authorize, queue="identity"),
            await bus.serve(runtime.nc, subjects.IDENTITY_DESCRIBE_PRINCIPALS, authz_pb2.DescribePrincipalsRequest,
                            identity.describe_principals, queue="identity"),
        ]

        async def stop() -> None:
            for subscription in subscriptions:
                await subscription.unsubscribe()

        return stop

    return ServiceParts(
        registrations=[(identity_pb2_grpc.add_IdentityServiceServicer_to_server, IdentityServicer(identity))],
        service_names=[SERVICE_NAME],
        public_methods=[f"/{SERVICE_NAME}/CreateToken"],
        workers=[start_responders],
    )


DEFINITION = ServiceDefinition(name="identity", migrations=Path(__file__).parent / "migrations", build=build)
