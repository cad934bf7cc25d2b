"""Wiring of the identity service: gRPC servicer, authorization responders, revocations consumer."""

from __future__ import annotations

from pathlib import Path

from convene.identity.v1 import authz_pb2, identity_pb2, identity_pb2_grpc
from services.identity import store
from services.identity.authz import Authorizer
from services.identity.contacts import Contacts
from services.identity.domain import Identity, hash_secret
from services.identity.servicer import IdentityServicer
from services.identity.settings import IdentitySettings
from services.identity.throttle import CredentialThrottle
from services.identity.tokens import Tokens
from services.runtime import bus, jws, subjects
from services.runtime.app import Runtime, ServiceDefinition, ServiceParts

RESPONDERS = 4
SERVICE_NAME = identity_pb2.DESCRIPTOR.services_by_name["IdentityService"].full_name


async def build(runtime: Runtime) -> ServiceParts:
    settings = runtime.settings
    assert isinstance(settings, IdentitySettings)
    throttle = CredentialThrottle(per_subject=settings.credential_failures_per_subject,
                                  per_caller=settings.credential_failures_per_caller,
                                  window_s=settings.credential_window_s)
    tokens = Tokens(runtime.pool, runtime.keys, runtime.revocations, throttle)
    if settings.bootstrap_account is not None:
        account_id, secret = settings.bootstrap_account
        async with runtime.pool.acquire() as conn:
            await store.put_service_account(conn, account_id, "operator", hash_secret(secret))
    authorizer = Authorizer(runtime.pool, cache_s=runtime.settings.authz_cache_s)

    async def start_responders():
        # A subscription answers one request at a time; RESPONDERS of them in the queue group let
        # NATS spread requests over them, so that many database round trips overlap.
        subscriptions = []
        for _ in range(RESPONDERS):
            subscriptions += [
                await bus.serve(runtime.nc, subjects.IDENTITY_AUTHORIZE, authz_pb2.AuthorizeRequest,
                                authorizer.authorize, queue="identity"),
                await bus.serve(runtime.nc, subjects.IDENTITY_DESCRIBE_PRINCIPALS, authz_pb2.DescribePrincipalsRequest,
                                authorizer.describe_principals, queue="identity"),
            ]

        async def stop() -> None:
            for subscription in subscriptions:
                await subscription.unsubscribe()

        return stop

    servicer = IdentityServicer(Identity(runtime.pool), Contacts(runtime.pool), tokens)
    return ServiceParts(
        registrations=[(identity_pb2_grpc.add_IdentityServiceServicer_to_server, servicer)],
        service_names=[SERVICE_NAME],
        consumers=[tokens.consumer()],
        public_methods=[f"/{SERVICE_NAME}/CreateToken"],
        workers=[start_responders],
    )


# Bearer tokens are verified far more often than they are minted: RSA (runtime.jws).
DEFINITION = ServiceDefinition(name="identity", migrations=Path(__file__).parent / "migrations", build=build,
                               settings_type=IdentitySettings, signing_algorithm=jws.RS256)
