"""Browsers' protocols answer as native gRPC does: the generated TypeScript client, running in
Node over Connect and over gRPC-Web, through the gateway and through each service's own browser
edge, gets the same responses, the same statuses and the same ErrorInfo (reason, domain,
metadata) as a native gRPC client putting the same requests, for unary calls and for the
`Subscribe` server stream (backlog, live items and refusals). The whole system over real NATS
and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from google.protobuf import json_format, message_factory
from google.rpc import error_details_pb2, status_pb2

from convene.live.v1 import room_pb2, room_pb2_grpc
from convene.notifications.v1 import notifications_pb2 as npb
from services.gateway.methods import UPSTREAM_SERVICES
from services.runtime.ids import new_id
from tests.frontend_support import Frontend, NodeBridge, typescript_build
from tests.harness import StreamRecorder, System, bearer, eventually, request_id

# Each protocol through the gateway, and through the services' own browser edges (in-process).
ROUTES = [("connect", "gateway"), ("grpc-web", "gateway"), ("connect", "in-process"), ("grpc-web", "in-process")]


@pytest.fixture(scope="module")
def world(frontend: Frontend) -> tuple[System, str]:
    typescript_build()
    return frontend.system, frontend.gateway_url


@pytest.fixture(scope="module", params=ROUTES, ids=["-".join(route) for route in ROUTES])
async def bridge(world: tuple[System, str], frontend: Frontend,
                 request: pytest.FixtureRequest) -> AsyncIterator[NodeBridge]:
    protocol, route = request.param
    node = await NodeBridge(world[1], protocol, frontend.service_urls if route == "in-process" else None).start()
    yield node
    await node.stop()


def refusal_of(error: grpc.aio.AioRpcError) -> dict:
    """A native refusal in the bridge's shape."""
    found: dict[str, Any] = {"reason": "", "domain": "", "metadata": {}}
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            for detail in status_pb2.Status.FromString(value).details:
                info = error_details_pb2.ErrorInfo()
                if detail.Unpack(info):
                    found = {"reason": info.reason, "domain": info.domain, "metadata": dict(info.metadata)}
    return {"code": error.code().name, "message": error.details() or "", **found}


async def native_call(system: System, service: str, method: str, request: dict, token: str) -> dict:
    descriptor = next(s.methods_by_name[method] for s in UPSTREAM_SERVICES[service] if method in s.methods_by_name)
    message = json_format.ParseDict(request, message_factory.GetMessageClass(descriptor.input_type)())
    try:
        reply = await getattr(system.stub(service), method)(message, metadata=bearer(token) if token else ())
    except grpc.aio.AioRpcError as error:
        return {"error": refusal_of(error)}
    return {"response": json_format.MessageToDict(reply)}


async def native_subscribe_refusal(system: System, request: dict, token: str) -> dict:
    call = system.stub("notifications").Subscribe(json_format.ParseDict(request, npb.SubscribeRequest()),
                                                  metadata=bearer(token))
    try:
        async for _ in call:
            raise AssertionError("the stream should have been refused")
    except grpc.aio.AioRpcError as error:
        return {"error": refusal_of(error)}
    raise AssertionError("the stream ended without a status")


async def test_unary_calls_answer_as_native_grpc_errorinfo_included(world: tuple[System, str],
                                                                    bridge: NodeBridge) -> None:
    system, _ = world
    org, other = await system.create_org(members=2), await system.create_org(members=1)
    member, token = org.member_ids[0], org.tokens[org.member_ids[0]]
    cases = [
        ("identity", "GetMember", {"memberId": member}, token),
        ("identity", "GetEnterprise", {"enterpriseId": org.enterprise_id}, token),
        ("groups", "GetGroup", {"groupId": "not-an-id"}, token),  # INVALID_ARGUMENT, metadata field
        ("groups", "GetGroup", {"groupId": new_id("group")}, token),  # NOT_FOUND
        ("identity", "GetMember", {"memberId": member}, ""),  # UNAUTHENTICATED, TOKEN_MISSING
        ("identity", "GetMember", {"memberId": member}, "cv1.forged.token"),  # TOKEN_SIGNATURE_INVALID
        ("identity", "ListMembers", {"enterpriseId": other.enterprise_id}, token),  # across enterprises
        ("notifications", "MarkAllRead", {"upToSequence": "99"}, token),  # OUT_OF_RANGE, metadata latest
        ("live", "StartLive", {"requestId": request_id(), "groupId": new_id("group"), "title": "x" * 500}, token),
    ]
    outcomes = []
    for service, method, request, caller in cases:
        through_gateway = await bridge.call(service, method, request, caller)
        assert through_gateway == await native_call(system, service, method, request, caller), (service, method)
        outcomes.append(through_gateway)
    codes = [o["error"]["code"] if "error" in o else "OK" for o in outcomes]
    assert codes[:2] == ["OK", "OK"] and {"INVALID_ARGUMENT", "NOT_FOUND", "UNAUTHENTICATED", "OUT_OF_RANGE"} <= set(codes)
    malformed = outcomes[2]["error"]
    assert (malformed["reason"], malformed["domain"], malformed["metadata"]) == (
        "MALFORMED_ID", "convene.dev", {"field": "group_id"})
    assert outcomes[7]["error"]["metadata"] == {"latest": "0"}

    # A write through the gateway is the same write: the group it made reads the same both ways.
    created = await bridge.call("groups", "CreateGroup", {
        "requestId": request_id(), "name": "浏览器群", "kind": "GROUP_KIND_INTERNAL", "memberIds": [org.admin_id]}, token)
    group_id = created["response"]["group"]["id"]
    read = {"groupId": group_id}
    assert await bridge.call("groups", "GetGroup", read, token) == await native_call(system, "groups", "GetGroup", read, token)


async def test_subscribe_streams_what_native_grpc_streams(world: tuple[System, str], bridge: NodeBridge) -> None:
    system, _ = world
    org = await system.create_org(members=2)
    host, viewer = org.member_ids
    group_id = await system.create_group(org.tokens[host], [viewer])
    # Something in the backlog: a live started natively, its card in the viewer's inbox.
    started = await native_call(system, "live", "StartLive", {"requestId": request_id(), "groupId": group_id,
                                                              "title": "早会"}, org.tokens[host])
    live_id = started["response"]["live"]["id"]

    async def in_inbox() -> bool:
        listed = await native_call(system, "notifications", "ListNotifications", {}, org.tokens[viewer])
        return bool(listed["response"].get("notifications"))

    await eventually(in_inbox, what="the first card in the viewer's inbox")
    native = StreamRecorder(system, org.tokens[viewer])
    await native.ready()
    node = bridge.subscribe({}, org.tokens[viewer])
    backlog = [(await node.next())["item"]]
    while "caughtUp" not in backlog[-1]:
        backlog.append((await node.next())["item"])
    assert backlog == [json_format.MessageToDict(i) for i in native.items]
    assert len(backlog) == 2 and backlog[0]["notification"]["card"]["title"] == "早会"

    # The live ended through the gateway: the card's change reaches both streams as one item.
    ended = await bridge.call("live", "EndLive", {"liveId": live_id}, org.tokens[host])
    assert ended["response"]["live"]["state"] == "LIVE_STATE_ENDED"
    pushed = await node.next()
    await eventually(lambda: _true(len(native.cards_for(live_id)) == 2), what="the card's change natively")
    assert pushed["item"] == json_format.MessageToDict(native.items[-1])
    assert pushed["item"]["notification"]["card"]["state"] == "CARD_STATE_ENDED"
    await node.close()
    await native.close()


async def test_refused_streams_carry_the_same_status_and_errorinfo(world: tuple[System, str],
                                                                  bridge: NodeBridge) -> None:
    system, _ = world
    org = await system.create_org(members=2)
    token = org.tokens[org.member_ids[0]]
    for request in ({"afterSequence": "1000"}, {"userId": org.member_ids[1]}, {"userId": "usr_nope"}):
        node = bridge.subscribe(request, token)
        through_gateway = await node.next()
        assert through_gateway["error"] == (await native_subscribe_refusal(system, request, token))["error"]
    node = bridge.subscribe({"afterSequence": "1000"}, token)
    assert (await node.next())["error"]["reason"] == "SEQUENCE_FROM_THE_FUTURE"


async def _true(value: object) -> bool:
    return bool(value)


async def test_the_live_room_stream_reaches_browsers(world: tuple[System, str], bridge: NodeBridge) -> None:
    """SubscribeRoom, the other server stream: a viewer's room through the browser protocol opens
    with its snapshot and carries a comment posted natively; one who may not open it is refused
    with the same status and ErrorInfo as natively."""
    system, _ = world
    org, other = await system.create_org(members=2), await system.create_org(members=1)
    host, viewer = org.member_ids
    group_id = await system.create_group(org.tokens[host], [viewer])
    started = await native_call(system, "live", "StartLive", {"requestId": request_id(), "groupId": group_id,
                                                              "title": "房间"}, org.tokens[host])
    live_id = started["response"]["live"]["id"]
    joined = await bridge.call("live", "JoinLive", {"liveId": live_id}, org.tokens[viewer])
    assert "response" in joined, joined
    room = bridge.subscribe({"liveId": live_id}, org.tokens[viewer], service="room", method="SubscribeRoom")
    first = (await room.next())["item"]
    assert "snapshot" in first, first
    rooms = room_pb2_grpc.RoomServiceStub(system.channel(system.address_of("live")))
    await rooms.PostComment(room_pb2.PostCommentRequest(request_id=request_id(), live_id=live_id, text="大家好"),
                            metadata=bearer(org.tokens[host]))
    texts: list[str] = []
    while "大家好" not in texts:
        item = (await room.next())["item"]
        texts += [event["comment"]["text"] for event in item.get("events", []) if "comment" in event]
    await room.close()

    outsider = other.tokens[other.member_ids[0]]
    refused = await bridge.subscribe({"liveId": live_id}, outsider, service="room", method="SubscribeRoom").next()
    stream = rooms.SubscribeRoom(room_pb2.SubscribeRoomRequest(live_id=live_id), metadata=bearer(outsider))
    try:
        async for _ in stream:
            raise AssertionError("the outsider's room should have been refused")
    except grpc.aio.AioRpcError as error:
        assert refused == {"error": refusal_of(error)}
    assert refused["error"]["code"] in {"PERMISSION_DENIED", "NOT_FOUND"}


async def test_the_typescript_client_renders_every_template_as_the_server_does(bridge: NodeBridge) -> None:
    """Clients that render texts themselves (clients/typescript/src/texts.ts) say exactly what the
    server says, for every template of every catalog, times in their zone, terms and recurrences."""
    import string

    from convene.notifications.v1 import notifications_pb2
    from services.notifications import texts

    samples = {"time": "2027-03-15T01:30:00Z", "term": "video", "repeats": "week/2/until=2027-06-30",
               "repeats_tail": "day/1/count=5", "": "周会 weekly"}
    for locale in texts.CATALOGS:
        for key, template in texts.CATALOGS[texts.DEFAULT_LOCALE].templates.items():
            args = {"time_zone": "Asia/Shanghai", "before_zone": "Europe/Berlin", "after_zone": "America/New_York"}
            for _, name, spec, _ in string.Formatter().parse(template.title + template.body):
                if name and name not in args:
                    args[name] = samples[(spec or "").split("/")[0]]
            text = notifications_pb2.NotificationText(template=key, args=args, lines=[
                notifications_pb2.NotificationText(template="meetings.change.duration", args={"before": "30", "after": "90"})])
            title, body = texts.render(text, locale)
            assert await bridge.render(json_format.MessageToDict(text), locale) == {"title": title, "body": body}, \
                (locale, key)
