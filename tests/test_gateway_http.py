"""The gateway on the wire, as a browser's fetch sees it: CORS preflights for allowed and other
origins, Connect's HTTP statuses and JSON errors, gRPC-Web's trailers, the requests it refuses
itself (JSON bodies, unknown methods, streams on the unary path, bad frames), and headers that
reach the service as metadata (`accept-language`, never cookies)."""

from __future__ import annotations

import asyncio
import base64
import json
import struct
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import grpc
import pytest
from google.rpc import error_details_pb2

from convene.identity.v1 import identity_pb2
from convene.notifications.v1 import notifications_pb2 as npb
from services.runtime.ids import new_id
from tests.frontend_support import Frontend, running_gateway
from tests.harness import System, bearer, eventually

PAGE = "http://127.0.0.1:5173"
GET_MEMBER = "/convene.identity.v1.IdentityService/GetMember"


@pytest.fixture(scope="module")
async def world(frontend: Frontend) -> AsyncIterator[tuple[System, str]]:
    """A gateway of its own that lets one page origin in, over the shared system."""
    async with running_gateway(frontend.system, cors_origins=(PAGE,)) as gateway:
        yield frontend.system, gateway.url


def frame(message: bytes) -> bytes:
    return struct.pack(">BI", 0, len(message)) + message


async def test_preflight_allows_the_listed_origin_only(world: tuple[System, str]) -> None:
    _, url = world
    async with aiohttp.ClientSession() as http:
        asked = {"Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization,content-type,connect-protocol-version"}
        async with http.options(url + GET_MEMBER, headers={"Origin": PAGE, **asked}) as allowed:
            assert allowed.status == 204
            assert allowed.headers["Access-Control-Allow-Origin"] == PAGE
            assert "authorization" in allowed.headers["Access-Control-Allow-Headers"]
            assert "POST" in allowed.headers["Access-Control-Allow-Methods"]
        async with http.options(url + GET_MEMBER, headers={"Origin": "https://evil.example", **asked}) as other:
            assert other.status == 403 and "Access-Control-Allow-Origin" not in other.headers


async def test_connect_unary_answers_and_refusals(world: tuple[System, str]) -> None:
    system, url = world
    org = await system.create_org(members=1)
    member = org.member_ids[0]
    body = identity_pb2.GetMemberRequest(member_id=member).SerializeToString()
    headers = {"Origin": PAGE, "content-type": "application/proto", "connect-protocol-version": "1",
               "authorization": f"Bearer {org.tokens[member]}"}
    async with aiohttp.ClientSession() as http:
        async with http.post(url + GET_MEMBER, data=body, headers=headers) as ok:
            assert ok.status == 200 and ok.headers["Access-Control-Allow-Origin"] == PAGE
            assert identity_pb2.GetMemberResponse.FromString(await ok.read()).member.id == member
        missing = identity_pb2.GetMemberRequest(member_id=new_id("member")).SerializeToString()
        async with http.post(url + GET_MEMBER, data=missing, headers=headers) as not_found:
            assert not_found.status == 404
            error = json.loads(await not_found.read())
            assert error["code"] == "not_found"
            [detail] = error["details"]
            info = error_details_pb2.ErrorInfo.FromString(base64.b64decode(detail["value"] + "=="))
            assert (detail["type"], info.reason) == ("google.rpc.ErrorInfo", "MEMBER_NOT_FOUND")
        async with http.post(url + GET_MEMBER, data=body, headers={**headers, "authorization": ""}) as anonymous:
            assert anonymous.status == 401 and json.loads(await anonymous.read())["code"] == "unauthenticated"


async def test_grpc_web_carries_status_and_errorinfo_in_its_trailer(world: tuple[System, str]) -> None:
    _, url = world
    body = frame(identity_pb2.GetMemberRequest(member_id="nope").SerializeToString())
    headers = {"content-type": "application/grpc-web+proto", "x-grpc-web": "1", "authorization": "Bearer x.y.z"}
    async with aiohttp.ClientSession() as http, http.post(url + GET_MEMBER, data=body, headers=headers) as reply:
        assert reply.status == 200
        raw = await reply.read()
    flags, length = struct.unpack(">BI", raw[:5])
    assert flags == 0x80, "a refusal is a trailer frame alone"
    trailer = dict(line.split(": ", 1) for line in raw[5:5 + length].decode().strip().split("\r\n"))
    assert trailer["grpc-status"] == "16"  # UNAUTHENTICATED: the token is refused before the id is read
    assert "grpc-status-details-bin" in trailer


async def test_requests_the_gateway_refuses_itself(world: tuple[System, str]) -> None:
    _, url = world
    async with aiohttp.ClientSession() as http:
        async with http.post(url + GET_MEMBER, data=b"{}", headers={"content-type": "application/json"}) as as_json:
            assert as_json.status == 415  # binary messages only: the gateway never transcodes
        unknown = "/convene.identity.v1.IdentityService/NoSuchMethod"
        connect = {"content-type": "application/proto", "connect-protocol-version": "1"}
        async with http.post(url + unknown, data=b"", headers=connect) as missing:
            assert missing.status == 501 and json.loads(await missing.read())["code"] == "unimplemented"
        subscribe = "/convene.notifications.v1.NotificationsService/Subscribe"
        async with http.post(url + subscribe, data=b"", headers=connect) as wrong_kind:
            assert wrong_kind.status == 501, "a server stream is not served on the unary path"
        grpc_web = {"content-type": "application/grpc-web+proto"}
        async with http.post(url + GET_MEMBER, data=b"\x00\x00\x00\x00\x09abc", headers=grpc_web) as torn:
            raw = await torn.read()
            assert b"grpc-status: 3" in raw, "a frame shorter than its length is INVALID_ARGUMENT"


async def test_headers_reach_the_service_as_metadata_but_cookies_do_not() -> None:
    from services.gateway.server import _forwarded
    from services.runtime.browser_wire import request_metadata

    metadata = dict(_forwarded(request_metadata([
        ("Authorization", "Bearer t"), ("Accept-Language", "zh-CN"), ("Cookie", "session=1"),
        ("Content-Type", "application/proto"), ("X-Request-Id", "r-1"), ("Trace-Bin", "AAE"),
        ("Sec-Fetch-Mode", "cors"), ("X-Forwarded-For", "6.6.6.6")]), "ipv4:10.1.2.3:5042"))
    assert metadata == {"authorization": "Bearer t", "accept-language": "zh-CN", "x-request-id": "r-1",
                        "trace-bin": b"\x00\x01", "x-forwarded-for": "10.1.2.3"}


# ------------------------------------------------------------- each service's own browser edge

SUBSCRIBE = "/convene.notifications.v1.NotificationsService/Subscribe"
CONNECT_STREAM = {"content-type": "application/connect+proto", "connect-protocol-version": "1"}


async def end_of_stream(reply: aiohttp.ClientResponse) -> dict:
    """The JSON of a Connect stream's end frame, past every message before it."""
    raw = await reply.read()
    while raw:
        flags, length = struct.unpack(">BI", raw[:5])
        if flags & 0x02:
            return json.loads(raw[5:5 + length])
        raw = raw[5 + length:]
    raise AssertionError("the stream ended without its end frame")


async def test_each_service_serves_browsers_its_own_methods(frontend: Frontend) -> None:
    system, identity = frontend.system, frontend.service_urls["identity"]
    org = await system.create_org(members=1)
    member = org.member_ids[0]
    headers = {"Origin": PAGE, "content-type": "application/proto", "connect-protocol-version": "1",
               "authorization": f"Bearer {org.tokens[member]}"}
    body = identity_pb2.GetMemberRequest(member_id=member).SerializeToString()
    async with aiohttp.ClientSession() as http:
        async with http.post(identity + GET_MEMBER, data=body, headers=headers) as ok:
            assert ok.status == 200 and ok.headers["Access-Control-Allow-Origin"] == PAGE
            assert identity_pb2.GetMemberResponse.FromString(await ok.read()).member.id == member
            assert ok.headers["trailer-x-request-id"], "the guard ran: its request id comes back"
        elsewhere = "/convene.groups.v1.GroupsService/GetGroup"
        async with http.post(identity + elsewhere, data=b"", headers=headers) as not_here:
            assert not_here.status == 501, "identity's edge serves identity's methods only"


@pytest.mark.parametrize("route", ["gateway", "in-process"])
async def test_a_deadline_ends_a_stream_as_native_grpc_does(frontend: Frontend, route: str) -> None:
    system = frontend.system
    org = await system.create_org(members=1)
    token = org.tokens[org.member_ids[0]]
    with pytest.raises(grpc.aio.AioRpcError) as native:
        async for _ in system.stub("notifications").Subscribe(npb.SubscribeRequest(), metadata=bearer(token),
                                                              timeout=0.3):
            pass
    assert native.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    url = frontend.gateway_url if route == "gateway" else frontend.service_urls["notifications"]
    headers = {**CONNECT_STREAM, "connect-timeout-ms": "300", "authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession() as http, \
            http.post(url + SUBSCRIBE, data=frame(npb.SubscribeRequest().SerializeToString()), headers=headers,
                      timeout=aiohttp.ClientTimeout(total=20)) as reply:
        assert reply.status == 200
        end = await end_of_stream(reply)
    assert end["error"]["code"] == "deadline_exceeded"


async def stream_state(reply: aiohttp.ClientResponse) -> str:
    """"open" once the stream says it caught up, "refused" when it ends first."""
    while True:
        flags, length = struct.unpack(">BI", await reply.content.readexactly(5))
        message = await reply.content.readexactly(length)
        if flags & 0x02:
            return "refused"
        if npb.SubscribeResponse.FromString(message).HasField("caught_up"):
            return "open"


async def test_a_browser_that_leaves_gives_its_stream_back(frontend: Frontend) -> None:
    """A user holds at most 10 streams: ten opened through notifications' own edge and dropped by
    the page free their places, so ten more open (none left behind on the server)."""
    system, url = frontend.system, frontend.service_urls["notifications"]
    org = await system.create_org(members=1)
    token = org.tokens[org.member_ids[0]]
    headers = {**CONNECT_STREAM, "authorization": f"Bearer {token}"}
    body = frame(npb.SubscribeRequest().SerializeToString())

    async def open_streams(http: aiohttp.ClientSession, count: int) -> list[tuple[aiohttp.ClientResponse, str]]:
        replies = []
        for _ in range(count):
            reply = await http.post(url + SUBSCRIBE, data=body, headers=headers)
            assert reply.status == 200
            replies.append((reply, await asyncio.wait_for(stream_state(reply), 10)))
        return replies

    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout) as first:
        held = await open_streams(first, 11)
        assert [state for _, state in held] == ["open"] * 10 + ["refused"]
        for reply, _ in held:
            reply.close()  # the page goes away: its connection closes mid-stream

    async def ten_open_again() -> bool:
        async with aiohttp.ClientSession(timeout=timeout) as again:
            replies = await open_streams(again, 10)
            for reply, _ in replies:
                reply.close()
            return all(state == "open" for _, state in replies)

    await eventually(ten_open_again, timeout=20, every=0.5, what="the dropped streams' places given back")
