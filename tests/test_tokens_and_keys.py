"""Asymmetric tokens (SPEC F-05): identity alone signs, with Ed25519 keys whose ids every token
names; every service verifies with the public keys identity publishes in the key set. A token
minted with any other key is refused by every service; a rotation signs new tokens with the new
key and keeps the old ones valid until they expire; service principals have credentials of
their own; a stream ends when its token expires, and a reconnect with a new token misses
nothing."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import grpc
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from convene.groups.v1 import groups_pb2
from convene.identity.v1 import identity_pb2 as ipb
from convene.live.v1 import live_pb2
from convene.meetings.v1 import meetings_pb2
from convene.notifications.v1 import notifications_pb2 as npb
from services.runtime import jws
from services.runtime.auth import ACCESS_TOKEN_TYPE, LEEWAY_S, mint_access_token
from services.runtime.ids import new_id
from services.runtime.keys import BUCKET, PROPAGATION_S
from tests.harness import LocalIssuer, Org, StreamRecorder, System, bearer, error_reason, module_system, refused
from tests.meetings_support import schedule


@pytest.fixture(scope="module")
async def world(postgres, tmp_path_factory) -> AsyncIterator[System]:
    async with module_system(postgres, tmp_path_factory.mktemp("tokens")) as system:
        yield system


def _calls(system: System) -> dict[str, Callable[[tuple], Awaitable[Any]]]:
    """One cheap call per service, made with the given metadata."""
    return {
        "identity": lambda md: system.stub("identity").GetMember(ipb.GetMemberRequest(member_id=new_id("member")),
                                                                 metadata=md),
        "groups": lambda md: system.stub("groups").ListMyGroups(groups_pb2.ListMyGroupsRequest(), metadata=md),
        "live": lambda md: system.stub("live").GetLive(live_pb2.GetLiveRequest(live_id=new_id("live")), metadata=md),
        "meetings": lambda md: system.stub("meetings").ListMyMeetings(meetings_pb2.ListMyMeetingsRequest(),
                                                                      metadata=md),
        "notifications": lambda md: system.stub("notifications").ListNotifications(
            npb.ListNotificationsRequest(), metadata=md),
    }


async def _outcome(call: Awaitable[Any]) -> tuple[grpc.StatusCode, str]:
    try:
        await call
    except grpc.aio.AioRpcError as error:
        return error.code(), error_reason(error)
    return grpc.StatusCode.OK, ""


def _claims(token: str) -> dict[str, Any]:
    return json.loads(jws.b64decode(token.split(".")[1]))


class _KeyOf:
    """Signs with another service's real key, read from its schema: what a compromised live
    could do with its own key."""

    def __init__(self, kid: str, private: jws.PrivateKey) -> None:
        self.kid, self.private = kid, private

    def sign(self, claims: dict[str, Any], *, typ: str) -> str:
        return jws.sign(claims, self.private, kid=self.kid, typ=typ)


async def _service_key(system: System, service: str) -> _KeyOf:
    conn = await asyncpg.connect(system.database_url, server_settings={"search_path": service})
    try:
        row = await conn.fetchrow("SELECT kid, private_key FROM signing_keys ORDER BY activate_at DESC LIMIT 1")
    finally:
        await conn.close()
    assert row is not None, f"{service} has no signing key"
    private = serialization.load_der_private_key(bytes(row["private_key"]), password=None)
    assert isinstance(private, Ed25519PrivateKey | RSAPrivateKey)
    return _KeyOf(row["kid"], private)


async def test_tokens_are_standard_jwts_verifiable_with_the_published_key(world: System) -> None:
    org = await world.create_org(members=1)
    token = org.tokens[org.member_ids[0]]
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256" and header["typ"] == ACCESS_TOKEN_TYPE and header["kid"].startswith("identity.")
    await world.keyset()  # connects the harness to NATS
    published = await (await world._keyset_nc.jetstream().key_value(BUCKET)).get(header["kid"])
    key = jwt.PyJWK.from_json(published.value.decode())
    claims = jwt.decode(token, key, algorithms=["RS256"])
    assert (claims["iss"], claims["sub"], claims["ent"], claims["knd"]) == (
        "identity", org.member_ids[0], org.enterprise_id, "member")


async def test_a_token_signed_by_any_key_but_identitys_is_refused_everywhere(world: System) -> None:
    member = new_id("member")
    enterprise = new_id("enterprise")
    genuine = await world.mint_token(member, enterprise)
    identity_kid = jwt.get_unverified_header(genuine)["kid"]
    live_key = await _service_key(world, "live")  # published, but live's: it signs share links and play tokens
    impostor = Ed25519PrivateKey.generate()
    forged = {
        # A key nobody published, named like identity's.
        "unpublished key": (mint_access_token(LocalIssuer(), member, enterprise)[0], "TOKEN_KEY_UNKNOWN"),
        # Another service's real key: a compromised service still cannot mint a token.
        "live's own key": (mint_access_token(live_key, member, enterprise)[0], "TOKEN_KEY_UNKNOWN"),
        # Identity's key id, another key's signature.
        "identity's key id": (mint_access_token(_KeyOf(identity_kid, impostor), member, enterprise)[0],
                              "TOKEN_SIGNATURE_INVALID"),
        # A platform principal forged by a service holding no key of identity's.
        "a service principal": (mint_access_token(live_key, new_id("service"))[0], "TOKEN_KEY_UNKNOWN"),
    }
    for service, call in _calls(world).items():
        code, _ = await _outcome(call(bearer(genuine)))
        assert code not in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.INTERNAL), (service, code)
        for what, (token, reason) in forged.items():
            assert await _outcome(call(bearer(token))) == (grpc.StatusCode.UNAUTHENTICATED, reason), (service, what)


async def test_rotation_signs_new_tokens_with_the_new_key_and_keeps_old_ones_valid_until_they_expire(
        world: System) -> None:
    identity = world.stub("identity")
    org = await world.create_org(members=1)
    member = org.member_ids[0]

    async def mint(ttl: int = 600) -> str:
        return (await identity.CreateToken(ipb.CreateTokenRequest(
            principal_id=member, enterprise_id=org.enterprise_id, api_secret=org.api_secret,
            ttl_seconds=ttl))).access_token

    old = await mint()
    # Outlives the rotation and the calls below on a busy machine, then expires while we wait.
    short_lived_old = await mint(ttl=int(PROPAGATION_S) + 8)
    old_kid = jwt.get_unverified_header(old)["kid"]
    assert await refused(identity.RotateSigningKey(ipb.RotateSigningKeyRequest(request_id=new_id("request")),
                                                   metadata=bearer(org.tokens[member]))) == (
        grpc.StatusCode.PERMISSION_DENIED, "SERVICE_ONLY")
    once = ipb.RotateSigningKeyRequest(request_id=new_id("request"))
    rotated = await identity.RotateSigningKey(once, metadata=bearer(world.operator_token))
    assert await identity.RotateSigningKey(once, metadata=bearer(world.operator_token)) == rotated  # AIP-155
    assert rotated.key_id.startswith("identity.") and rotated.key_id != old_kid
    activates_at = rotated.activate_time.ToNanoseconds() / 1e9
    assert 0 < activates_at - time.time() <= PROPAGATION_S + 1
    # Until it activates, tokens are still signed with the old key (every service sees the new
    # one before it is used).
    assert jwt.get_unverified_header(await mint())["kid"] == old_kid
    await asyncio.sleep(max(0.0, activates_at - time.time()) + 0.3)
    new = await mint()
    assert jwt.get_unverified_header(new)["kid"] == rotated.key_id
    for service, call in _calls(world).items():
        for token in (old, new, short_lived_old):
            code, reason = await _outcome(call(bearer(token)))
            assert code != grpc.StatusCode.UNAUTHENTICATED, (service, reason)
    # The old key's tokens end as any token does: when they expire.
    expires = _claims(short_lived_old)["exp"]
    await asyncio.sleep(max(0.0, expires + LEEWAY_S + 0.5 - time.time()))
    for service, call in _calls(world).items():
        assert await _outcome(call(bearer(short_lived_old))) == (grpc.StatusCode.UNAUTHENTICATED, "TOKEN_EXPIRED")
        assert (await _outcome(call(bearer(old))))[0] != grpc.StatusCode.UNAUTHENTICATED, service


async def test_service_principals_get_tokens_with_credentials_of_their_own(world: System) -> None:
    identity = world.stub("identity")
    created = await identity.CreateServiceAccount(ipb.CreateServiceAccountRequest(
        request_id=new_id("request"), display_name="billing back end"), metadata=bearer(world.operator_token))
    account = created.service_account
    assert account.id.startswith("svc_") and len(created.secret) >= 32

    def mint(principal_id: str, secret: str) -> Awaitable[Any]:
        return identity.CreateToken(ipb.CreateTokenRequest(principal_id=principal_id, api_secret=secret))

    token = (await mint(account.id, created.secret)).access_token
    assert _claims(token)["knd"] == "service"
    await identity.ListEnterprises(ipb.ListEnterprisesRequest(), metadata=bearer(token))  # a platform-level call
    assert await refused(mint(account.id, "not the secret")) == (grpc.StatusCode.UNAUTHENTICATED,
                                                                 "CREDENTIALS_INVALID")
    assert await refused(mint(new_id("service"), created.secret)) == (grpc.StatusCode.UNAUTHENTICATED,
                                                                      "CREDENTIALS_INVALID")
    # Neither the operator nor the new account mints for another service principal.
    for caller in (world.operator_token, token):
        assert await refused(identity.CreateToken(ipb.CreateTokenRequest(principal_id=account.id),
                                                  metadata=bearer(caller))) == (
            grpc.StatusCode.PERMISSION_DENIED, "SERVICE_CREDENTIALS_REQUIRED")
    org = await world.create_org(members=0)
    assert await refused(identity.CreateServiceAccount(ipb.CreateServiceAccountRequest(
        request_id=new_id("request"), display_name="x"), metadata=bearer(org.tokens[org.admin_id]))) == (
        grpc.StatusCode.PERMISSION_DENIED, "SERVICE_ONLY")


async def test_a_stream_ends_when_its_token_expires_and_a_reconnect_misses_nothing(world: System) -> None:
    """The client of the Subscribe comment: its token (3 s) expires while invitations keep
    arriving; the stream ends with UNAUTHENTICATED / TOKEN_EXPIRED; the client reconnects with a
    fresh token after the last sequence it saw and gets every one, once, in order."""
    org: Org = await world.create_org(members=1)
    organizer, user = org.admin_id, org.member_ids[0]
    identity = world.stub("identity")
    short = (await identity.CreateToken(ipb.CreateTokenRequest(
        principal_id=user, enterprise_id=org.enterprise_id, api_secret=org.api_secret, ttl_seconds=3))).access_token
    expires = _claims(short)["exp"]
    first = StreamRecorder(world, short)
    await first.ready()
    scheduled = 0
    stop = asyncio.Event()

    async def invite_all_along() -> None:
        nonlocal scheduled
        while not stop.is_set():
            await schedule(world, org.tokens[organizer], [user], topic=f"sync {scheduled}")
            scheduled += 1
            await asyncio.sleep(0.3)

    inviting = asyncio.create_task(invite_all_along())
    try:
        async with asyncio.timeout(3 + LEEWAY_S + 10):
            while not first.ended:
                await asyncio.sleep(0.05)
        ended_at = time.time()
        assert first.error is not None and first.error.code() == grpc.StatusCode.UNAUTHENTICATED
        assert error_reason(first.error) == "TOKEN_EXPIRED"
        assert expires + LEEWAY_S - 1 <= ended_at <= expires + LEEWAY_S + 5
        seen = first.sequences
        assert seen, "the first stream received invitations before it ended"
        fresh = org.tokens[user]
        second = StreamRecorder(world, fresh, after_sequence=seen[-1])
        await second.ready()
        await asyncio.sleep(1.0)  # a few more arrive on the new stream
    finally:
        stop.set()
        await inviting

    async def latest_sequence() -> int:
        listed = await world.stub("notifications").ListNotifications(npb.ListNotificationsRequest(page_size=1),
                                                                     metadata=bearer(org.tokens[user]))
        return listed.sequence

    deadline = time.monotonic() + 15
    while await latest_sequence() < scheduled:  # the last invitations are on their way
        assert time.monotonic() < deadline, "not every invitation was delivered"
        await asyncio.sleep(0.1)
    await _until(lambda: bool(second.sequences) and second.sequences[-1] >= scheduled)
    everything = seen + second.sequences
    assert everything == list(range(1, len(everything) + 1)), "a gap or a repeat across the reconnect"
    assert len(everything) == scheduled == await latest_sequence()
    await second.close()


async def _until(check: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)
