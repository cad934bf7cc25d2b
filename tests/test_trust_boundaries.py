"""Trust at the edges, tried as an outsider and as a careless client would: leaving a live or a
call tells an outsider nothing, group-call refusals never carry another enterprise's group id, a
share is credited only through its signed link and only to a share of that live, a service
principal may watch a live on air, an official account vouches for one enterprise, secrets cannot
be guessed at full speed, and a user cannot hold streams without limit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2

from convene.groups.v1 import groups_pb2 as gpb
from convene.identity.v1 import identity_pb2 as ipb
from convene.live.v1 import live_pb2 as lpb
from convene.notifications.v1 import notifications_pb2 as npb
from services.runtime.ids import new_id
from tests.harness import Org, StreamRecorder, System, bearer, module_system, refused, request_id

THROTTLE_WINDOW_S = 2.0
MAX_STREAMS = 3
SETTINGS: dict[str, Any] = dict(credential_failures_per_subject=3, credential_failures_per_caller=8,
                                credential_window_s=THROTTLE_WINDOW_S, max_streams_per_user=MAX_STREAMS)


@pytest.fixture(scope="module")
async def world(postgres, tmp_path_factory) -> AsyncIterator[System]:
    async with module_system(postgres, tmp_path_factory.mktemp("trust"), **SETTINGS) as system:
        yield system


def _details(error: grpc.aio.AioRpcError) -> tuple[error_details_pb2.ErrorInfo, error_details_pb2.RetryInfo | None]:
    """The refusal's ErrorInfo (there must be one) and its RetryInfo, if any."""
    info: error_details_pb2.ErrorInfo | None = None
    retry: error_details_pb2.RetryInfo | None = None
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            for detail in status_pb2.Status.FromString(value).details:
                if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                    info = error_details_pb2.ErrorInfo()
                    detail.Unpack(info)
                elif detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
                    retry = error_details_pb2.RetryInfo()
                    detail.Unpack(retry)
    assert info is not None, f"{error.code().name} without an ErrorInfo"
    return info, retry


async def _error(call: Awaitable[Any]) -> grpc.aio.AioRpcError:
    try:
        await call
    except grpc.aio.AioRpcError as error:
        return error
    raise AssertionError("the call succeeded but should have been refused")


async def _live(world: System, *, audience: int = lpb.AUDIENCE_EMPLOYEES):
    org = await world.create_org(members=2)
    host = org.member_ids[0]
    group_id = await world.create_group(org.tokens[host], [org.admin_id, org.member_ids[1]])
    started = await world.stub("live").StartLive(lpb.StartLiveRequest(
        request_id=request_id(), group_id=group_id, title="all-hands", audience=audience),
        metadata=bearer(org.tokens[host]))
    return org, group_id, started.live.id


async def test_leaving_a_live_tells_an_outsider_nothing_more_than_get_live(world: System) -> None:
    org, _, live_id = await _live(world)
    outsider = await world.create_org(members=1)
    outsider_token = outsider.tokens[outsider.member_ids[0]]
    live = world.stub("live")

    def leave(token: str, which: str = live_id) -> Awaitable[Any]:
        return live.LeaveLive(lpb.LeaveLiveRequest(live_id=which), metadata=bearer(token))

    # Another enterprise's employees-only live: refused as GetLive refuses it, not OK.
    assert await refused(leave(outsider_token)) == (grpc.StatusCode.PERMISSION_DENIED, "NOT_IN_AUDIENCE")
    assert await refused(live.GetLive(lpb.GetLiveRequest(live_id=live_id), metadata=bearer(outsider_token))) == (
        grpc.StatusCode.PERMISSION_DENIED, "NOT_IN_AUDIENCE")
    assert await refused(leave(outsider_token, new_id("live"))) == (grpc.StatusCode.NOT_FOUND, "LIVE_NOT_FOUND")
    # A colleague who never joined; one who did leaves, twice.
    colleague, viewer = org.admin_id, org.member_ids[1]
    assert await refused(leave(org.tokens[colleague])) == (grpc.StatusCode.FAILED_PRECONDITION, "NOT_JOINED")
    await live.JoinLive(lpb.JoinLiveRequest(live_id=live_id), metadata=bearer(org.tokens[viewer]))
    await leave(org.tokens[viewer])
    await leave(org.tokens[viewer])


async def test_group_call_refusals_never_name_another_enterprises_group(world: System) -> None:
    org = await world.create_org(members=2)
    starter, invited = org.member_ids
    group_id = await world.create_group(org.tokens[starter], [invited, org.admin_id])
    call = (await world.stub("groups").StartGroupCall(gpb.StartGroupCallRequest(
        request_id=request_id(), group_id=group_id, type=gpb.CALL_TYPE_VOICE, participant_ids=[invited]),
        metadata=bearer(org.tokens[starter]))).call
    outsider = await world.create_org(members=1)
    token = bearer(outsider.tokens[outsider.member_ids[0]])
    groups = world.stub("groups")
    for call_rpc in (groups.JoinGroupCall(gpb.JoinGroupCallRequest(call_id=call.id), metadata=token),
                     groups.GetGroupCall(gpb.GetGroupCallRequest(call_id=call.id), metadata=token),
                     groups.LeaveGroupCall(gpb.LeaveGroupCallRequest(call_id=call.id), metadata=token)):
        error = await _error(call_rpc)
        info, _ = _details(error)
        # LeaveGroupCall refuses the outsider rather than telling them whether they are in it.
        assert (error.code(), info.reason) == (grpc.StatusCode.PERMISSION_DENIED, "NOT_GROUP_MEMBER")
        assert group_id not in (error.details() or "") and group_id not in str(error.trailing_metadata())
        assert dict(info.metadata) == {"call_id": call.id}
    # A member of the group who is not in the call is told so.
    assert await refused(groups.LeaveGroupCall(gpb.LeaveGroupCallRequest(call_id=call.id),
                                               metadata=bearer(org.tokens[org.admin_id]))) == (
        grpc.StatusCode.FAILED_PRECONDITION, "NOT_IN_CALL")
    await groups.LeaveGroupCall(gpb.LeaveGroupCallRequest(call_id=call.id), metadata=bearer(org.tokens[invited]))
    assert await refused(groups.LeaveGroupCall(gpb.LeaveGroupCallRequest(call_id=call.id),
                                               metadata=bearer(org.tokens[invited]))) == (
        grpc.StatusCode.FAILED_PRECONDITION, "NOT_IN_CALL")


async def test_a_share_is_credited_only_through_its_signed_link_of_that_live(world: System) -> None:
    org, _, live_id = await _live(world, audience=lpb.AUDIENCE_EVERYONE)
    other_org, _, other_live = await _live(world, audience=lpb.AUDIENCE_EVERYONE)
    live = world.stub("live")
    host = bearer(org.tokens[org.member_ids[0]])
    share = await live.CreateShareLink(lpb.CreateShareLinkRequest(live_id=live_id), metadata=host)
    elsewhere = await live.CreateShareLink(lpb.CreateShareLinkRequest(live_id=other_live),
                                           metadata=bearer(other_org.tokens[other_org.member_ids[0]]))
    viewers = [await world.create_wechat_user() for _ in range(4)]

    def join(token: str, **fields: Any) -> Awaitable[Any]:
        return live.JoinLive(lpb.JoinLiveRequest(live_id=live_id, **fields), metadata=bearer(token))

    # The share id alone (as ListShares shows it) credits nothing: refused, not taken silently.
    assert await refused(join(viewers[0][1], forward_id=share.share_id)) == (
        grpc.StatusCode.INVALID_ARGUMENT, "SHARE_LINK_REQUIRED")
    # Another live's link, and a link with another share's id beside it.
    assert await refused(join(viewers[1][1], share_link=elsewhere.url)) == (
        grpc.StatusCode.PERMISSION_DENIED, "SHARE_LINK_OTHER_SUBJECT")
    assert await refused(join(viewers[1][1], share_link=share.url, forward_id=elsewhere.share_id)) == (
        grpc.StatusCode.INVALID_ARGUMENT, "SHARE_LINK_MISMATCH")
    await join(viewers[2][1], share_link=share.url)
    await join(viewers[3][1], share_link=share.url, forward_id=share.share_id)
    await join(viewers[0][1])  # joining without a share is fine
    shares = await live.ListShares(lpb.ListSharesRequest(live_id=live_id), metadata=host)
    assert {s.share_id: s.viewers for s in shares.shares} == {share.share_id: 2}


async def test_a_service_principal_may_watch_a_live_on_air(world: System) -> None:
    _, _, live_id = await _live(world)
    joined = await world.stub("live").JoinLive(lpb.JoinLiveRequest(live_id=live_id),
                                               metadata=bearer(world.operator_token))
    assert joined.live.state == lpb.LIVE_STATE_LIVE and joined.play.play_token


async def test_an_official_account_vouches_for_one_enterprise(world: System) -> None:
    identity = world.stub("identity")
    operator = bearer(world.operator_token)
    first, second = await world.create_org(members=0, verified=False), await world.create_org(members=0, verified=False)

    def verify(enterprise_id: str) -> Awaitable[Any]:
        return identity.VerifyEnterprise(ipb.VerifyEnterpriseRequest(
            enterprise_id=enterprise_id, method=ipb.VERIFICATION_METHOD_OFFICIAL_ACCOUNT,
            official_account_id="gh_acme_official"), metadata=operator)

    assert (await verify(first.enterprise_id)).enterprise.verified
    assert await refused(verify(second.enterprise_id)) == (grpc.StatusCode.FAILED_PRECONDITION,
                                                           "OFFICIAL_ACCOUNT_IN_USE")
    unchanged = await identity.GetEnterprise(ipb.GetEnterpriseRequest(enterprise_id=second.enterprise_id),
                                             metadata=operator)
    assert not unchanged.enterprise.verified and not unchanged.enterprise.official_account_id
    # Verified again the same way, the first keeps it; once it lets go, the second may use it.
    assert (await verify(first.enterprise_id)).enterprise.verified
    await identity.UnverifyEnterprise(ipb.UnverifyEnterpriseRequest(enterprise_id=first.enterprise_id),
                                      metadata=operator)
    assert (await verify(second.enterprise_id)).enterprise.official_account_id == "gh_acme_official"


async def test_a_user_holds_a_bounded_number_of_streams(world: System) -> None:
    org = await world.create_org(members=1)
    token = org.tokens[org.member_ids[0]]
    streams = [StreamRecorder(world, token) for _ in range(MAX_STREAMS)]
    for stream in streams:
        await stream.ready()
    error = await _error(_first_item(world, token))
    info, retry = _details(error)
    assert (error.code(), info.reason, info.metadata["limit"]) == (grpc.StatusCode.RESOURCE_EXHAUSTED,
                                                                   "TOO_MANY_STREAMS", "3")
    assert retry is not None and retry.retry_delay.ToTimedelta().total_seconds() > 0
    # Another user is not held back; and once one closes, the user may open another.
    other = org.tokens[org.admin_id]
    await _first_item(world, other)
    await streams[0].close()
    for _ in range(50):
        try:
            await _first_item(world, token)
            break
        except grpc.aio.AioRpcError:
            await asyncio.sleep(0.05)  # the closed stream is let go a moment after the cancel
    else:
        raise AssertionError("no stream could be opened after one closed")
    for stream in streams[1:]:
        await stream.close()


async def _first_item(world: System, token: str) -> npb.SubscribeResponse:
    call = world.stub("notifications").Subscribe(npb.SubscribeRequest(), metadata=bearer(token))
    try:
        async for item in call:
            return item
    finally:
        call.cancel()
    raise AssertionError("the stream ended without an item")


async def test_secrets_cannot_be_guessed_at_full_speed(world: System) -> None:
    """Per enterprise: after 3 wrong secrets in the window, even the right one waits (so guesses
    go no faster than the limit). Per caller: 8 wrong secrets spread over enterprises stop the
    address for every enterprise. Each refusal says when to try again (RetryInfo)."""
    identity = world.stub("identity")
    orgs = [await world.create_org(members=1) for _ in range(5)]

    def mint(org: Org, secret: str) -> Awaitable[Any]:
        return identity.CreateToken(ipb.CreateTokenRequest(principal_id=org.member_ids[0],
                                                           enterprise_id=org.enterprise_id, api_secret=secret))

    target = orgs[0]
    for _ in range(3):
        assert await refused(mint(target, "guess")) == (grpc.StatusCode.UNAUTHENTICATED, "CREDENTIALS_INVALID")
    for secret in ("guess", target.api_secret):
        error = await _error(mint(target, secret))
        info, retry = _details(error)
        assert (error.code(), info.reason) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "CREDENTIALS_THROTTLED")
        assert retry is not None and 0 < retry.retry_delay.ToTimedelta().total_seconds() <= THROTTLE_WINDOW_S
    await mint(orgs[1], orgs[1].api_secret)  # another enterprise is not held back by this one
    await asyncio.sleep(THROTTLE_WINDOW_S + 0.2)
    await mint(target, target.api_secret)

    for org in orgs[1:]:  # 8 wrong, no more than 2 per enterprise
        for _ in range(2):
            await refused(mint(org, "guess"))
    error = await _error(mint(orgs[0], orgs[0].api_secret))
    assert (error.code(), _details(error)[0].reason) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "CREDENTIALS_THROTTLED")
    await asyncio.sleep(THROTTLE_WINDOW_S + 0.2)  # leave the module's other tests a clean window
    await mint(orgs[0], orgs[0].api_secret)
