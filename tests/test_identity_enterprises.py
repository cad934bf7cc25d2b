"""Enterprises (SPEC F-01): create, get, list, verification by either path, un-verification.

Identity alone, over real NATS and PostgreSQL; the module shares one system (every test makes
its own enterprises).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import nats
import pytest

from convene.identity.v1 import events_pb2
from convene.identity.v1 import identity_pb2 as pb
from services.runtime import subjects
from tests.harness import EventTap, System, bearer, eventually, module_system, refused, request_id
from tests.identity_support import may_start_live, nc


@pytest.fixture(scope="module")
async def system(postgres, tmp_path_factory) -> AsyncIterator[System]:
    async with module_system(postgres, tmp_path_factory.mktemp("identity-enterprises"), "identity") as running:
        yield running


@pytest.fixture(scope="module")
async def tap(system: System) -> AsyncIterator[EventTap]:
    events = await EventTap(system.nats_url, "identity.v1.enterprise.*").start()
    yield events
    await events.close()


def operator(system: System) -> tuple[tuple[str, str], ...]:
    return bearer(system.operator_token)


async def test_create_get_and_list_enterprises_page_by_page(system: System) -> None:
    identity = system.stub("identity")
    created = [await identity.CreateEnterprise(pb.CreateEnterpriseRequest(
        request_id=request_id(), name=f"Corp {i}"), metadata=operator(system)) for i in range(5)]
    ids = [c.enterprise.id for c in created]
    assert all(c.api_secret for c in created) and len({c.api_secret for c in created}) == 5

    listed, token = [], ""
    while True:
        page = await identity.ListEnterprises(pb.ListEnterprisesRequest(page_size=2, page_token=token),
                                              metadata=operator(system))
        assert len(page.enterprises) <= 2
        listed += [e.id for e in page.enterprises]
        token = page.next_page_token
        if not token:
            break
    assert [i for i in listed if i in ids] == ids  # every one, once, in creation order
    assert len(listed) == len(set(listed))

    org = await system.create_org(members=0)
    own = await identity.GetEnterprise(pb.GetEnterpriseRequest(enterprise_id=org.enterprise_id),
                                       metadata=bearer(org.tokens[org.admin_id]))
    assert own.enterprise.name == "Acme" and own.enterprise.verified
    # A member sees their own enterprise only; listing is for the platform.
    assert await refused(identity.GetEnterprise(pb.GetEnterpriseRequest(enterprise_id=ids[0]),
                                                metadata=bearer(org.tokens[org.admin_id]))) == (
        grpc.StatusCode.PERMISSION_DENIED, "OTHER_ENTERPRISE")
    assert await refused(identity.ListEnterprises(pb.ListEnterprisesRequest(),
                                                  metadata=bearer(org.tokens[org.admin_id]))) == (
        grpc.StatusCode.PERMISSION_DENIED, "SERVICE_ONLY")
    assert await refused(identity.CreateEnterprise(pb.CreateEnterpriseRequest(
        request_id=request_id(), name="Rogue"), metadata=bearer(org.tokens[org.admin_id]))) == (
        grpc.StatusCode.PERMISSION_DENIED, "SERVICE_ONLY")


async def test_a_repeated_request_id_returns_the_first_enterprise(system: System, tap: EventTap) -> None:
    identity = system.stub("identity")
    request = pb.CreateEnterpriseRequest(request_id=request_id(), name="Once Ltd")
    first = await identity.CreateEnterprise(request, metadata=operator(system))
    again = await identity.CreateEnterprise(request, metadata=operator(system))
    assert again == first  # same id, same (shown-once) secret

    async def announced() -> bool:
        return bool(tap.of_type(subjects.IDENTITY_ENTERPRISE_CREATED, first.enterprise.id))

    await eventually(announced, what="enterprise.created")
    assert len([e for e in tap.events if e.envelope.subject == first.enterprise.id]) == 1


async def test_either_verification_path_gives_the_same_capabilities(system: System, nc: nats.NATS,
                                                                    tap: EventTap) -> None:
    identity = system.stub("identity")
    direct = await system.create_org(members=1, verified=False)
    official = await system.create_org(members=1, verified=False)
    for org in (direct, official):
        assert (await may_start_live(nc, org.member_ids[0])).reason == "ENTERPRISE_NOT_VERIFIED"

    by_licence = await identity.VerifyEnterprise(pb.VerifyEnterpriseRequest(
        enterprise_id=direct.enterprise_id, method=pb.VERIFICATION_METHOD_DIRECT), metadata=operator(system))
    by_account = await identity.VerifyEnterprise(pb.VerifyEnterpriseRequest(
        enterprise_id=official.enterprise_id, method=pb.VERIFICATION_METHOD_OFFICIAL_ACCOUNT,
        official_account_id="gh_certified_acme"), metadata=operator(system))
    assert by_licence.enterprise.verified and by_account.enterprise.verified
    assert by_account.enterprise.official_account_id == "gh_certified_acme"
    assert by_licence.enterprise.verify_time.seconds > 0

    for org in (direct, official):
        answer = await may_start_live(nc, org.member_ids[0])
        assert answer.allowed and answer.enterprise_id == org.enterprise_id

    async def both_announced() -> bool:
        verified = {e.envelope.subject for e in tap.of_type(subjects.IDENTITY_ENTERPRISE_VERIFIED)}
        return {direct.enterprise_id, official.enterprise_id} <= verified

    await eventually(both_announced, what="enterprise.verified for both paths")


async def test_unverifying_refuses_the_next_live_at_once(system: System, nc: nats.NATS, tap: EventTap) -> None:
    identity = system.stub("identity")
    org = await system.create_org(members=1)
    host = org.member_ids[0]
    assert (await may_start_live(nc, host)).allowed

    # The enterprise's own admin cannot touch verification; nothing changes.
    assert await refused(identity.UnverifyEnterprise(pb.UnverifyEnterpriseRequest(
        enterprise_id=org.enterprise_id), metadata=bearer(org.tokens[org.admin_id]))) == (
        grpc.StatusCode.PERMISSION_DENIED, "SERVICE_ONLY")
    assert (await may_start_live(nc, host)).allowed

    unverified = await identity.UnverifyEnterprise(pb.UnverifyEnterpriseRequest(
        enterprise_id=org.enterprise_id, reason="licence expired"), metadata=operator(system))
    assert not unverified.enterprise.verified
    assert not unverified.enterprise.HasField("verify_time")
    answer = await may_start_live(nc, host)  # the very next question, no wait
    assert (answer.allowed, answer.reason, answer.cache_max_age_ms) == (False, "ENTERPRISE_NOT_VERIFIED", 0)

    async def announced() -> bool:
        return bool(tap.of_type(subjects.IDENTITY_ENTERPRISE_UNVERIFIED, org.enterprise_id))

    await eventually(announced, what="enterprise.unverified")
    event = tap.of_type(subjects.IDENTITY_ENTERPRISE_UNVERIFIED, org.enterprise_id)[0]
    assert event.payload(events_pb2.EnterpriseUnverified).reason == "licence expired"
    assert event.envelope.enterprise_id == org.enterprise_id

    # Un-verifying again changes and announces nothing; verifying again restores the right.
    await identity.UnverifyEnterprise(pb.UnverifyEnterpriseRequest(enterprise_id=org.enterprise_id),
                                      metadata=operator(system))
    await identity.VerifyEnterprise(pb.VerifyEnterpriseRequest(
        enterprise_id=org.enterprise_id, method=pb.VERIFICATION_METHOD_DIRECT), metadata=operator(system))
    assert (await may_start_live(nc, host)).allowed

    async def verified_again() -> bool:
        return len(tap.of_type(subjects.IDENTITY_ENTERPRISE_VERIFIED, org.enterprise_id)) == 2

    await eventually(verified_again, what="second enterprise.verified")
    assert len(tap.of_type(subjects.IDENTITY_ENTERPRISE_UNVERIFIED, org.enterprise_id)) == 1
