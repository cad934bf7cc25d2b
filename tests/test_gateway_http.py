"""The gateway on the wire, as a browser's fetch sees it: CORS preflights for allowed and other
origins, Connect's HTTP statuses and JSON errors, gRPC-Web's trailers, the requests it refuses
itself (JSON bodies, unknown methods, streams on the unary path, bad frames), and headers that
reach the service as metadata (`accept-language`, never cookies)."""

from __future__ import annotations

import base64
import json
import struct
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from google.rpc import error_details_pb2

from convene.identity.v1 import identity_pb2
from services.runtime.ids import new_id
from tests.frontend_support import Frontend, running_gateway
from tests.harness import System

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
    from services.gateway.wire import request_metadata

    metadata = dict(request_metadata([
        ("Authorization", "Bearer t"), ("Accept-Language", "zh-CN"), ("Cookie", "session=1"),
        ("Content-Type", "application/proto"), ("X-Request-Id", "r-1"), ("Trace-Bin", "AAE"),
        ("Sec-Fetch-Mode", "cors")], peer="10.1.2.3"))
    assert metadata == {"authorization": "Bearer t", "accept-language": "zh-CN", "x-request-id": "r-1",
                        "trace-bin": b"\x00\x01", "x-forwarded-for": "10.1.2.3"}
