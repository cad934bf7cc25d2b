"""Identity's decisions as the other services see them (SPEC F-05, F-22, F-01): a removed
member's token is refused by every service within the stated bound (streams opened before
included), a replica started later knows earlier revocations, and un-verifying an enterprise
lets running lives go on but refuses new ones. Identity, groups, live and notifications over
real NATS and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import grpc
import pytest

from convene.groups.v1 import groups_pb2
from convene.identity.v1 import identity_pb2
from convene.live.v1 import live_pb2
from convene.notifications.v1 import notifications_pb2
from services.runtime.revocations import REVOCATION_BOUND_S
from tests.harness import (
    StreamRecorder,
    System,
    bearer,
    error_reason,
    eventually,
    module_system,
    refused,
    refused_within,
    request_id,
)


@pytest.fixture(scope="module")
async def system(postgres, tmp_path_factory) -> AsyncIterator[System]:
    async with module_system(postgres, tmp_path_factory.mktemp("identity-across"),
                             "identity", "groups", "live", "notifications") as running:
        yield running


def calls_as(system: System, token: str, *, groups_replica: int = 0) -> dict[str, Callable[[], Awaitable[object]]]:
    """One call per service. Their requests are empty on purpose: a token the service accepts
    gets INVALID_ARGUMENT from validation, a refused one UNAUTHENTICATED before it."""
    auth = bearer(token)
    return {
        "identity": lambda: system.stub("identity").GetEnterprise(identity_pb2.GetEnterpriseRequest(), metadata=auth),
        "groups": lambda: system.stub("groups", groups_replica).GetGroup(groups_pb2.GetGroupRequest(), metadata=auth),
        "live": lambda: system.stub("live").GetLive(live_pb2.GetLiveRequest(), metadata=auth),
        "notifications": lambda: system.stub("notifications").MarkRead(
            notifications_pb2.MarkReadRequest(), metadata=auth),
    }


async def test_a_removed_members_token_is_refused_by_every_service_within_the_bound(system: System) -> None:
    org = await system.create_org(members=2)
    leaver, stayer = org.member_ids
    for service, call in calls_as(system, org.tokens[leaver]).items():
        code, _ = await refused(call())
        assert code == grpc.StatusCode.INVALID_ARGUMENT, service  # the token is accepted

    await system.stub("identity").RemoveMember(identity_pb2.RemoveMemberRequest(member_id=leaver),
                                               metadata=bearer(org.tokens[org.admin_id]))
    for service, call in calls_as(system, org.tokens[leaver]).items():
        assert await refused_within(REVOCATION_BOUND_S, call) == (
            grpc.StatusCode.UNAUTHENTICATED, "TOKEN_REVOKED"), service
    for service, call in calls_as(system, org.tokens[stayer]).items():
        assert (await refused(call()))[0] == grpc.StatusCode.INVALID_ARGUMENT, service  # colleagues untouched

    # A replica that starts afterwards loads the revocation before it serves.
    await system.add_replica("groups")
    late_replica = len(system.hosts["groups"]) - 1
    late_call = calls_as(system, org.tokens[leaver], groups_replica=late_replica)["groups"]
    assert await refused(late_call()) == (grpc.StatusCode.UNAUTHENTICATED, "TOKEN_REVOKED")


async def test_unverifying_lets_running_lives_go_on_and_refuses_new_ones(system: System) -> None:
    org = await system.create_org(members=2)
    first_host, second_host = org.member_ids
    group_id = await system.create_group(org.tokens[first_host], [org.admin_id, second_host])
    live = system.stub("live")
    started = await live.StartLive(live_pb2.StartLiveRequest(
        request_id=request_id(), group_id=group_id, title="Before"), metadata=bearer(org.tokens[first_host]))

    await system.stub("identity").UnverifyEnterprise(identity_pb2.UnverifyEnterpriseRequest(
        enterprise_id=org.enterprise_id, reason="licence expired"), metadata=bearer(system.operator_token))

    running = await live.GetLive(live_pb2.GetLiveRequest(live_id=started.live.id),
                                 metadata=bearer(org.tokens[second_host]))
    assert running.live.state == live_pb2.LIVE_STATE_LIVE
    assert await refused(live.StartLive(live_pb2.StartLiveRequest(
        request_id=request_id(), group_id=group_id, title="After"), metadata=bearer(org.tokens[second_host]))) == (
        grpc.StatusCode.PERMISSION_DENIED, "ENTERPRISE_NOT_VERIFIED")


async def test_a_wechat_user_can_never_start_a_live(system: System) -> None:
    org = await system.create_org(members=1)
    wechat_id, wechat_token = await system.create_wechat_user()
    group_id = await system.create_group(org.tokens[org.admin_id], [org.member_ids[0], wechat_id],
                                         kind=groups_pb2.GROUP_KIND_EXTERNAL)
    assert await refused(system.stub("live").StartLive(live_pb2.StartLiveRequest(
        request_id=request_id(), group_id=group_id, title="Mine"), metadata=bearer(wechat_token))) == (
        grpc.StatusCode.PERMISSION_DENIED, "WECHAT_USER_CANNOT_START_LIVE")


async def test_a_stream_opened_before_removal_delivers_nothing_after_it(system: System) -> None:
    org = await system.create_org(members=2)
    host, leaver = org.member_ids
    group_id = await system.create_group(org.tokens[host], [leaver])
    streams = {member: StreamRecorder(system, org.tokens[member]) for member in (host, leaver)}
    for stream in streams.values():
        await stream.ready()

    await system.stub("identity").RemoveMember(identity_pb2.RemoveMemberRequest(member_id=leaver),
                                               metadata=bearer(org.tokens[org.admin_id]))
    # Once the revocation has reached the services, a card addressed to them ends their stream.
    await refused_within(REVOCATION_BOUND_S, calls_as(system, org.tokens[leaver])["notifications"])
    started = await system.stub("live").StartLive(live_pb2.StartLiveRequest(
        request_id=request_id(), group_id=group_id, title="After the removal"), metadata=bearer(org.tokens[host]))

    async def host_has_the_card() -> bool:
        return bool(streams[host].cards_for(started.live.id))

    await eventually(host_has_the_card, what="the live card on the host's stream")
    # Whether or not groups still addressed the card to them, the removed member's stream
    # carries nothing more: a message for them ends it with TOKEN_REVOKED.
    assert streams[leaver].cards_for(started.live.id) == []
    if (error := streams[leaver].error) is not None:
        assert (error.code(), error_reason(error)) == (
            grpc.StatusCode.UNAUTHENTICATED, "TOKEN_REVOKED")
    for stream in streams.values():
        await stream.close()
