"""Tokens (SPEC F-05): minted with an enterprise's API key and secret or a platform token,
verified locally, revoked by identity and refused within the stated bound
(services/runtime/revocations.py). Identity alone, one system for the module; the refusal by the
other services is in test_identity_across_services.py."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import grpc
import pytest

from convene.identity.v1 import identity_pb2 as pb
from services.runtime.ids import new_id
from services.runtime.revocations import REVOCATION_BOUND_S
from tests.harness import System, bearer, module_system, refused, refused_within


@pytest.fixture(scope="module")
async def system(postgres, tmp_path_factory) -> AsyncIterator[System]:
    async with module_system(postgres, tmp_path_factory.mktemp("identity-tokens"), "identity") as running:
        yield running


async def whoami(system: System, token: str, member_id: str) -> grpc.StatusCode:
    """OK when identity accepts the token, else the refusal's code."""
    try:
        await system.stub("identity").GetMember(pb.GetMemberRequest(member_id=member_id), metadata=bearer(token))
    except grpc.aio.AioRpcError as error:
        return error.code()
    return grpc.StatusCode.OK


async def test_an_enterprise_mints_tokens_for_its_own_members_only(system: System) -> None:
    identity = system.stub("identity")
    org = await system.create_org(members=1)
    other = await system.create_org(members=0)
    wechat_id, _ = await system.create_wechat_user()
    member = org.member_ids[0]

    minted = await identity.CreateToken(pb.CreateTokenRequest(
        principal_id=member, enterprise_id=org.enterprise_id, api_secret=org.api_secret, ttl_seconds=600))
    assert 590 <= minted.expire_time.seconds - time.time() <= 601
    assert await whoami(system, minted.access_token, member) == grpc.StatusCode.OK

    def mint(**fields: object):
        return identity.CreateToken(pb.CreateTokenRequest(**fields))

    assert await refused(mint(principal_id=member, enterprise_id=org.enterprise_id, api_secret="guess")) == (
        grpc.StatusCode.UNAUTHENTICATED, "CREDENTIALS_INVALID")
    assert await refused(mint(principal_id=member)) == (grpc.StatusCode.UNAUTHENTICATED, "CREDENTIALS_MISSING")
    assert await refused(mint(principal_id=member, enterprise_id=other.enterprise_id,
                              api_secret=other.api_secret)) == (grpc.StatusCode.PERMISSION_DENIED, "OTHER_ENTERPRISE")
    for outsider in (wechat_id, new_id("service")):
        assert await refused(mint(principal_id=outsider, enterprise_id=org.enterprise_id,
                                  api_secret=org.api_secret)) == (grpc.StatusCode.PERMISSION_DENIED,
                                                                  "OTHER_ENTERPRISE")
    # A member's bearer token mints nothing; the platform's mints for members and WeChat users,
    # never for a service principal (those get tokens with credentials of their own).
    assert await refused(identity.CreateToken(pb.CreateTokenRequest(principal_id=wechat_id),
                                              metadata=bearer(org.tokens[member]))) == (
        grpc.StatusCode.PERMISSION_DENIED, "SERVICE_ONLY")
    for principal in (wechat_id, member):
        assert (await identity.CreateToken(pb.CreateTokenRequest(principal_id=principal),
                                           metadata=bearer(system.operator_token))).access_token
    for principal in (new_id("service"), system.operator_id):
        assert await refused(identity.CreateToken(pb.CreateTokenRequest(principal_id=principal),
                                                  metadata=bearer(system.operator_token))) == (
            grpc.StatusCode.PERMISSION_DENIED, "SERVICE_CREDENTIALS_REQUIRED")


async def test_a_forged_token_is_refused(system: System) -> None:
    org = await system.create_org(members=0)
    token = org.tokens[org.admin_id]
    version, body, signature = token.split(".")
    forged = f"{version}.{body}.{signature[:-2]}{'AA' if not signature.endswith('AA') else 'BB'}"
    assert await refused(system.stub("identity").GetMember(
        pb.GetMemberRequest(member_id=org.admin_id), metadata=bearer(forged))) == (
        grpc.StatusCode.UNAUTHENTICATED, "TOKEN_SIGNATURE_INVALID")
    assert await refused(system.stub("identity").GetMember(pb.GetMemberRequest(member_id=org.admin_id))) == (
        grpc.StatusCode.UNAUTHENTICATED, "TOKEN_MISSING")


async def test_a_removed_members_token_stops_working_within_the_bound(system: System) -> None:
    identity = system.stub("identity")
    org = await system.create_org(members=2)
    leaver, stayer = org.member_ids
    assert await whoami(system, org.tokens[leaver], leaver) == grpc.StatusCode.OK

    await identity.RemoveMember(pb.RemoveMemberRequest(member_id=leaver), metadata=bearer(org.tokens[org.admin_id]))
    assert await refused_within(REVOCATION_BOUND_S, lambda: identity.GetMember(
        pb.GetMemberRequest(member_id=stayer), metadata=bearer(org.tokens[leaver]))) == (
        grpc.StatusCode.UNAUTHENTICATED, "TOKEN_REVOKED")
    assert await whoami(system, org.tokens[stayer], stayer) == grpc.StatusCode.OK  # only theirs


async def test_a_principal_signs_out_everywhere_and_signs_in_again(system: System) -> None:
    identity = system.stub("identity")
    org = await system.create_org(members=1)
    wechat_id, wechat_token = await system.create_wechat_user()
    other_wechat, other_token = await system.create_wechat_user()

    # Nobody else revokes a WeChat user's tokens; a WeChat user revokes no member's.
    assert await refused(identity.RevokeTokens(pb.RevokeTokensRequest(principal_id=wechat_id),
                                               metadata=bearer(other_token))) == (
        grpc.StatusCode.PERMISSION_DENIED, "NOT_ALLOWED")
    assert await refused(identity.RevokeTokens(pb.RevokeTokensRequest(principal_id=org.admin_id),
                                               metadata=bearer(wechat_token))) == (
        grpc.StatusCode.PERMISSION_DENIED, "OTHER_ENTERPRISE")

    def get_self(token: str):
        return identity.GetWeChatUser(pb.GetWeChatUserRequest(wechat_user_id=wechat_id), metadata=bearer(token))

    revoked = await identity.RevokeTokens(pb.RevokeTokensRequest(principal_id=wechat_id),
                                          metadata=bearer(wechat_token))
    assert abs(revoked.revoke_time.seconds - time.time()) < 5
    assert await refused_within(REVOCATION_BOUND_S, lambda: get_self(wechat_token)) == (
        grpc.StatusCode.UNAUTHENTICATED, "TOKEN_REVOKED")
    await identity.GetWeChatUser(pb.GetWeChatUserRequest(wechat_user_id=other_wechat),
                                 metadata=bearer(other_token))  # others are untouched

    # Tokens issued after the revocation second work.
    await asyncio.sleep(max(0.0, revoked.revoke_time.seconds + 1 - time.time()))
    fresh = await system.token_for(wechat_id)
    assert (await get_self(fresh)).wechat_user.id == wechat_id


async def test_an_admin_revokes_a_members_tokens(system: System) -> None:
    identity = system.stub("identity")
    org = await system.create_org(members=2)
    target, bystander = org.member_ids
    assert await refused(identity.RevokeTokens(pb.RevokeTokensRequest(principal_id=target),
                                               metadata=bearer(org.tokens[bystander]))) == (
        grpc.StatusCode.PERMISSION_DENIED, "ADMIN_ONLY")
    await identity.RevokeTokens(pb.RevokeTokensRequest(principal_id=target), metadata=bearer(org.tokens[org.admin_id]))
    assert await refused_within(REVOCATION_BOUND_S, lambda: identity.GetMember(
        pb.GetMemberRequest(member_id=target), metadata=bearer(org.tokens[target]))) == (
        grpc.StatusCode.UNAUTHENTICATED, "TOKEN_REVOKED")
