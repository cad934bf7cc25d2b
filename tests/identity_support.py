"""Shared by the identity tests: a NATS client on the module's system and the authorization
question other services ask identity over NATS."""

from __future__ import annotations

from collections.abc import AsyncIterator

import nats
import pytest

from convene.identity.v1 import authz_pb2
from services.runtime import bus, subjects
from tests.harness import System


@pytest.fixture(scope="module")
async def nc(system: System) -> AsyncIterator[nats.NATS]:
    client = await nats.connect(system.nats_url.split(","))
    yield client
    await client.close()


async def authorize(nc: nats.NATS, principal_id: str, action: int = authz_pb2.ACTION_START_LIVE,
                    enterprise_id: str = "") -> authz_pb2.AuthorizeResponse:
    """`identity.v1.authorize`, as live and the other services ask it."""
    return await bus.request(nc, subjects.IDENTITY_AUTHORIZE, authz_pb2.AuthorizeRequest(
        principal_id=principal_id, action=action, enterprise_id=enterprise_id), authz_pb2.AuthorizeResponse)


async def may_start_live(nc: nats.NATS, principal_id: str) -> authz_pb2.AuthorizeResponse:
    return await authorize(nc, principal_id)
