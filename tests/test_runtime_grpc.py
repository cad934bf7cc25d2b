"""The gRPC edge every service shares (DESIGN "gRPC rules"; SPEC F-05), against real services
over real NATS and PostgreSQL: authentication on every call, malformed and invalid requests
refused with INVALID_ARGUMENT and a machine-readable `google.rpc.ErrorInfo` reason, NOT_FOUND for
unknown ids, real health status, server reflection, and never UNKNOWN or a traceback."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import types
from collections.abc import AsyncIterator, Iterator
from typing import Any

import grpc
import pytest
from google.protobuf import descriptor_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from convene.groups.v1 import groups_pb2
from convene.live.v1 import live_pb2, live_pb2_grpc
from convene.notifications.v1 import notifications_pb2, notifications_pb2_grpc
from infra.embedded import EmbeddedPostgres, NatsCluster
from services.runtime import auth
from services.runtime.db import ensure_database
from services.runtime.errors import NotFound
from services.runtime.grpc_server import ERROR_DOMAIN, create_server
from services.runtime.ids import new_id
from tests.harness import LocalIssuer, System, bearer, request_id

LIVE_SERVICE = "convene.live.v1.LiveService"
GROUPS_SERVICE = "convene.groups.v1.GroupsService"
NOTIFICATIONS_SERVICE = "convene.notifications.v1.NotificationsService"


@pytest.fixture(scope="module")
def edge_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsCluster]:
    cluster = NatsCluster(tmp_path_factory.mktemp("edge-nats"), size=1)
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="module")
async def edge(postgres: EmbeddedPostgres, edge_nats: NatsCluster) -> AsyncIterator[System]:
    """All five services, shared by the module's tests that do not stop anything."""
    database = f"edge_{new_id('request')[-12:]}"
    await ensure_database(postgres.url, database)
    running = System(edge_nats.urls, postgres.dsn(database))
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
async def live_only(nats_server: NatsCluster, database_url: str) -> AsyncIterator[System]:
    """A live service of its own, for the test that stops it."""
    running = System(nats_server.urls, database_url)
    await running.start("live")
    yield running
    await running.stop()


async def member_token(system: System) -> str:
    return await system.mint_token(new_id("member"), enterprise_id=new_id("enterprise"))


def error_info(error: grpc.aio.AioRpcError) -> error_details_pb2.ErrorInfo:
    """The ErrorInfo a client decodes from the `grpc-status-details-bin` trailer (AIP-193)."""
    trailers = dict(error.trailing_metadata() or ())
    assert "grpc-status-details-bin" in trailers, f"no status details in {list(trailers)}"
    status = status_pb2.Status.FromString(trailers["grpc-status-details-bin"])
    assert status.code == error.code().value[0]
    infos = [d for d in status.details if d.Is(error_details_pb2.ErrorInfo.DESCRIPTOR)]
    assert len(infos) == 1
    info = error_details_pb2.ErrorInfo()
    infos[0].Unpack(info)
    assert info.domain == ERROR_DOMAIN
    return info


def assert_no_traceback(error: grpc.aio.AioRpcError) -> None:
    assert "Traceback" not in (error.details() or "")
    assert ".py" not in (error.details() or "")


async def get_live(system: System, live_id: str, metadata: tuple = ()) -> live_pb2.GetLiveResponse:
    return await system.stub("live").GetLive(live_pb2.GetLiveRequest(live_id=live_id), metadata=metadata)


# ------------------------------------------------------------------------- authentication (F-05)


async def _expired_token(system: System) -> str:
    """A token correctly signed by identity's key that expired an hour ago."""
    real_time = time.time
    clock = types.SimpleNamespace(time=lambda: real_time() - 2 * 3600)
    original = auth.time
    auth.time = clock  # type: ignore[assignment]
    try:
        return await system.mint_token(new_id("member"), new_id("enterprise"), ttl_s=3600)
    finally:
        auth.time = original


async def _tampered_token(system: System) -> str:
    """A real token whose claims were edited to name another principal (signature kept)."""
    header, body, signature = (await system.mint_token(new_id("member"), new_id("enterprise"))).split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["sub"] = new_id("service")
    claims["knd"] = "service"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


async def _none(system: System) -> tuple:
    return ()


async def _basic(system: System) -> tuple:
    return (("authorization", "Basic dXNlcjpwYXNz"),)


async def _garbage(system: System) -> tuple:
    return bearer("garbage")


async def _another_key(system: System) -> tuple:
    return bearer(LocalIssuer().token(new_id("member")))  # a key named like identity's, never published


async def _expired(system: System) -> tuple:
    return bearer(await _expired_token(system))


async def _tampered(system: System) -> tuple:
    return bearer(await _tampered_token(system))


UNAUTHENTICATED_CASES = {
    "no token": (_none, "TOKEN_MISSING"),
    "not a bearer scheme": (_basic, "TOKEN_MALFORMED"),
    "garbage token": (_garbage, "TOKEN_MALFORMED"),
    "signed with another key": (_another_key, "TOKEN_KEY_UNKNOWN"),
    "claims tampered with": (_tampered, "TOKEN_SIGNATURE_INVALID"),
    "expired": (_expired, "TOKEN_EXPIRED"),
}

@pytest.mark.parametrize("case", list(UNAUTHENTICATED_CASES))
async def test_calls_without_a_valid_token_are_unauthenticated(edge: System, case: str) -> None:
    """SPEC F-05: every RPC carries a signed, unexpired bearer token, checked on every call."""
    metadata, reason = UNAUTHENTICATED_CASES[case]
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await get_live(edge, new_id("live"), await metadata(edge))
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_info(refused.value).reason == reason
    assert_no_traceback(refused.value)


async def test_a_valid_token_gets_past_authentication_to_not_found(edge: System) -> None:
    """SPEC F-05 control case, and AIP-193: a well-formed id nobody created is NOT_FOUND."""
    live_id = new_id("live")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await get_live(edge, live_id, bearer(await member_token(edge)))
    assert refused.value.code() == grpc.StatusCode.NOT_FOUND
    info = error_info(refused.value)
    assert info.reason == "LIVE_NOT_FOUND"
    assert info.metadata["live_id"] == live_id


# ---------------------------------------------------------------------- malformed and invalid


@pytest.mark.parametrize("payload", [b"\xff\xff\xff", b"\x0a\x05abc"], ids=["invalid wire type", "truncated"])
async def test_bytes_that_are_not_the_message_are_invalid_argument(edge: System, payload: bytes) -> None:
    """DESIGN error catalog: a request that does not decode is INVALID_ARGUMENT, not UNKNOWN."""
    async with grpc.aio.insecure_channel(edge.hosts["live"][0].address) as channel:
        # bytes in, bytes out
        raw: grpc.aio.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary(f"/{LIVE_SERVICE}/GetLive")
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await raw(payload, metadata=bearer(await member_token(edge)))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "not a valid message" in (refused.value.details() or "")
    assert error_info(refused.value).reason == "MALFORMED_REQUEST"


async def test_start_live_with_a_malformed_group_id_names_the_field(edge: System) -> None:
    """SPEC F-20 request validation: group_id must be a `grp_` id -> MALFORMED_ID on group_id."""
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await edge.stub("live").StartLive(
            live_pb2.StartLiveRequest(request_id=request_id(), group_id="nope", title="t"),
            metadata=bearer(await member_token(edge)))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    info = error_info(refused.value)
    assert info.reason == "MALFORMED_ID"
    assert info.metadata["field"] == "group_id"


async def test_start_live_with_an_oversized_title_is_field_too_long(edge: System) -> None:
    """SPEC F-20 request validation: a 129-character title is refused as FIELD_TOO_LONG."""
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await edge.stub("live").StartLive(
            live_pb2.StartLiveRequest(request_id=request_id(), group_id=new_id("group"), title="x" * 129),
            metadata=bearer(await member_token(edge)))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    info = error_info(refused.value)
    assert (info.reason, info.metadata["field"]) == ("FIELD_TOO_LONG", "title")


async def test_create_group_with_an_unknown_kind_is_invalid_enum_value(edge: System) -> None:
    """SPEC F-10 request validation: proto3 keeps unknown enum numbers; the server refuses them."""
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await edge.stub("groups").CreateGroup(
            groups_pb2.CreateGroupRequest(request_id=request_id(), name="launch", kind=99, member_ids=[]),
            metadata=bearer(await member_token(edge)))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    info = error_info(refused.value)
    assert (info.reason, info.metadata["field"]) == ("INVALID_ENUM_VALUE", "kind")
    assert "GROUP_KIND_INTERNAL" in (refused.value.details() or "")


async def test_create_group_without_a_request_id_is_field_required(edge: System) -> None:
    """DESIGN gRPC rules (AIP-155): Create methods need a request_id to be idempotent."""
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await edge.stub("groups").CreateGroup(
            groups_pb2.CreateGroupRequest(name="launch", kind=groups_pb2.GROUP_KIND_INTERNAL),
            metadata=bearer(await member_token(edge)))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    info = error_info(refused.value)
    assert (info.reason, info.metadata["field"]) == ("FIELD_REQUIRED", "request_id")


@pytest.mark.parametrize("page_token", ["garbage", base64.urlsafe_b64encode(b"not json").decode(),
                                        base64.urlsafe_b64encode(b'{"after": 5}').decode()],
                         ids=["not base64", "not json", "wrong position"])
async def test_a_page_token_the_server_did_not_write_is_invalid_argument(edge: System, page_token: str) -> None:
    """SPEC F-12 pagination (AIP-158) and DESIGN "never UNKNOWN": a page token the server did not
    write is refused as INVALID_PAGE_TOKEN, not a crash."""
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await edge.stub("groups").ListTimeline(
            groups_pb2.ListTimelineRequest(group_id=new_id("group"), page_token=page_token),
            metadata=bearer(await member_token(edge)))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_info(refused.value).reason == "INVALID_PAGE_TOKEN"
    assert_no_traceback(refused.value)


# -------------------------------------------------------------------------- health, reflection


# Processes that serve more than their own service: groups also serves the red-packet covers.
SERVED = {"groups": ["convene.groups.v1.CoversService", "convene.groups.v1.GroupsService"],
          "live": ["convene.live.v1.LiveService", "convene.live.v1.ModerationService", "convene.live.v1.RoomService"]}


async def test_every_service_reports_serving(edge: System) -> None:
    """DESIGN gRPC rules: real health status; each running service reports SERVING overall and
    for the service it lists through reflection, and NOT_FOUND for a service it does not serve."""
    assert set(edge.hosts) == {"identity", "groups", "live", "meetings", "notifications"}
    for name, hosts in edge.hosts.items():
        async with grpc.aio.insecure_channel(hosts[0].address) as channel:
            listed = await asyncio.wait_for(_reflect(channel, reflection_pb2.ServerReflectionRequest(list_services="")), 5)
            own = [s.name for s in listed.list_services_response.service if s.name.startswith("convene.")]
            assert own == SERVED.get(name, [f"convene.{name}.v1.{name.capitalize()}Service"]), own
            health = health_pb2_grpc.HealthStub(channel)
            for target in ("", *own):
                reply = await health.Check(health_pb2.HealthCheckRequest(service=target), timeout=5)
                assert reply.status == health_pb2.HealthCheckResponse.SERVING, (name, target)
            with pytest.raises(grpc.aio.AioRpcError) as unknown:
                await health.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=5)
            assert unknown.value.code() == grpc.StatusCode.NOT_FOUND


async def test_health_turns_not_serving_when_stop_begins(live_only: System) -> None:
    """DESIGN shutdown order: health NOT_SERVING first, then server.stop(grace). A watcher (a load
    balancer) sees NOT_SERVING, and new checks no longer answer SERVING."""
    host = live_only.hosts["live"][0]
    async with grpc.aio.insecure_channel(host.address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        watch = health.Watch(health_pb2.HealthCheckRequest(service=""))
        first = await asyncio.wait_for(watch.read(), 5)
        assert first.status == health_pb2.HealthCheckResponse.SERVING

        stopping = asyncio.create_task(live_only.stop_replica(host))
        try:
            update = await asyncio.wait_for(watch.read(), 5)
            assert update is not grpc.aio.EOF, "the watch ended without saying NOT_SERVING"
            assert update.status == health_pb2.HealthCheckResponse.NOT_SERVING
            try:
                reply = await health.Check(health_pb2.HealthCheckRequest(service=""), timeout=2)
                assert reply.status != health_pb2.HealthCheckResponse.SERVING
            except grpc.aio.AioRpcError as refused:
                assert refused.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
        finally:
            await asyncio.wait_for(stopping, 15)
            watch.cancel()


async def _reflect(channel: grpc.aio.Channel,
                   request: reflection_pb2.ServerReflectionRequest) -> reflection_pb2.ServerReflectionResponse:
    stub: Any = reflection_pb2_grpc.ServerReflectionStub(channel)  # typeshed leaves its methods untyped
    call = stub.ServerReflectionInfo(iter([request]))
    replies = [reply async for reply in call]
    assert len(replies) == 1
    return replies[0]


async def test_reflection_lists_and_describes_the_service(edge: System) -> None:
    """DESIGN gRPC rules: server reflection, so grpcurl works out of the box (list, describe)."""
    async with grpc.aio.insecure_channel(edge.hosts["live"][0].address) as channel:
        listed = await asyncio.wait_for(_reflect(channel, reflection_pb2.ServerReflectionRequest(list_services="")), 5)
        described = await asyncio.wait_for(
            _reflect(channel, reflection_pb2.ServerReflectionRequest(file_containing_symbol=LIVE_SERVICE)), 5)
    names = {s.name for s in listed.list_services_response.service}
    assert {LIVE_SERVICE, "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"} <= names
    assert GROUPS_SERVICE not in names  # each server lists only what it serves
    files = [descriptor_pb2.FileDescriptorProto.FromString(f)
             for f in described.file_descriptor_response.file_descriptor_proto]
    live = [svc for f in files for svc in f.service if svc.name == "LiveService"]
    assert live and {"StartLive", "GetLive"} <= {m.name for m in live[0].method}


# ------------------------------------------------- the RPC guard with handlers that misbehave


class _BrokenLive(live_pb2_grpc.LiveServiceServicer):
    async def GetLive(self, request: live_pb2.GetLiveRequest, context: grpc.aio.ServicerContext) -> live_pb2.GetLiveResponse:
        raise KeyError("a bug in the handler: /srv/convene/services/live/domain.py line 42")


class _BrokenNotifications(notifications_pb2_grpc.NotificationsServiceServicer):
    async def Subscribe(self, request: notifications_pb2.SubscribeRequest,
                        context: grpc.aio.ServicerContext) -> AsyncIterator[notifications_pb2.SubscribeResponse]:
        yield notifications_pb2.SubscribeResponse(caught_up=notifications_pb2.CaughtUp())
        if request.after_sequence == 1:
            raise NotFound("THREAD_NOT_FOUND", "no such thread", thread_id="x")
        raise RuntimeError("a bug in the stream: Traceback (most recent call last)")


ISSUER = LocalIssuer()


@pytest.fixture
async def broken() -> AsyncIterator[str]:
    """A bare gRPC server (no database, no NATS) whose handlers fail in unexpected ways."""
    server, port, _health, _handlers = create_server(
        [(live_pb2_grpc.add_LiveServiceServicer_to_server, _BrokenLive()),
         (notifications_pb2_grpc.add_NotificationsServiceServicer_to_server, _BrokenNotifications())],
        [LIVE_SERVICE, NOTIFICATIONS_SERVICE], verifier=ISSUER.verifier)
    await server.start()
    yield f"127.0.0.1:{port}"
    await server.stop(None)


async def test_an_unexpected_handler_failure_is_internal_without_a_traceback(broken: str) -> None:
    """DESIGN error catalog: anything that is not a domain error becomes INTERNAL, never UNKNOWN,
    and the client is not shown the exception."""
    token = ISSUER.token(new_id("member"))
    async with grpc.aio.insecure_channel(broken) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await live_pb2_grpc.LiveServiceStub(channel).GetLive(
                live_pb2.GetLiveRequest(live_id=new_id("live")), metadata=bearer(token), timeout=5)
    assert refused.value.code() == grpc.StatusCode.INTERNAL
    assert "KeyError" not in (refused.value.details() or "")
    assert_no_traceback(refused.value)


async def test_a_failing_server_stream_ends_with_a_real_status(broken: str) -> None:
    """DESIGN error catalog, for server streams (SPEC F-41's Subscribe): a domain error after the
    first message ends the stream with its status and ErrorInfo; a bug ends it with INTERNAL;
    undecodable request bytes are INVALID_ARGUMENT. Never UNKNOWN."""
    token = ISSUER.token(new_id("member"))
    async with grpc.aio.insecure_channel(broken) as channel:
        stub = notifications_pb2_grpc.NotificationsServiceStub(channel)
        outcomes = {}
        for after in (1, 2):
            call = stub.Subscribe(notifications_pb2.SubscribeRequest(after_sequence=after),
                                  metadata=bearer(token), timeout=5)
            received = []
            with pytest.raises(grpc.aio.AioRpcError) as ended:
                async for response in call:
                    received.append(response)
            assert [r.HasField("caught_up") for r in received] == [True]
            outcomes[after] = ended.value
        raw: grpc.aio.UnaryStreamMultiCallable[bytes, bytes] = channel.unary_stream(
            f"/{NOTIFICATIONS_SERVICE}/Subscribe")
        with pytest.raises(grpc.aio.AioRpcError) as malformed:
            async for _ in raw(b"\xff\xff\xff", metadata=bearer(token), timeout=5):
                pass
    assert outcomes[1].code() == grpc.StatusCode.NOT_FOUND
    assert error_info(outcomes[1]).reason == "THREAD_NOT_FOUND"
    assert outcomes[2].code() == grpc.StatusCode.INTERNAL
    assert_no_traceback(outcomes[2])
    assert malformed.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_info(malformed.value).reason == "MALFORMED_REQUEST"


def _position_token(position: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode()


@pytest.mark.parametrize("position", [{"before": "x"}, {"before": 1e400}], ids=["text", "huge"])
async def test_a_forged_page_position_is_never_unknown(edge: System, position: dict) -> None:
    """DESIGN "never UNKNOWN, never a traceback": a page token with the right key but a position
    the server never wrote fails cleanly."""
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await edge.stub("groups").ListTimeline(
            groups_pb2.ListTimelineRequest(group_id=new_id("group"), page_token=_position_token(position)),
            metadata=bearer(await member_token(edge)))
    assert refused.value.code() in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.INTERNAL)
    assert_no_traceback(refused.value)


async def test_a_forged_page_position_is_invalid_argument(edge: System) -> None:
    """SPEC F-12 pagination (AIP-158): a token the server did not write is the client's error."""
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await edge.stub("groups").ListTimeline(
            groups_pb2.ListTimelineRequest(group_id=new_id("group"), page_token=_position_token({"before": "x"})),
            metadata=bearer(await member_token(edge)))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_a_service_registered_around_the_guard_is_refused_at_startup() -> None:
    """The guard wraps what generated add_*_to_server functions register; a service handed to
    the server some other way would answer without a token check, so the server will not start."""

    def add_unguarded(servicer: object, server: grpc.aio.Server) -> None:
        handler = grpc.unary_unary_rpc_method_handler(
            servicer.GetLive, request_deserializer=live_pb2.GetLiveRequest.FromString,  # type: ignore[attr-defined]
            response_serializer=live_pb2.GetLiveResponse.SerializeToString)
        server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(LIVE_SERVICE, {"GetLive": handler}),))

    with pytest.raises(TypeError, match="without a guard"):
        create_server([(add_unguarded, _BrokenLive())], [LIVE_SERVICE], verifier=ISSUER.verifier)
