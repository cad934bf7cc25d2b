"""Identity's rules: who may create and verify what, token minting, and live-start authorization."""

from __future__ import annotations

import hashlib
import hmac
import secrets

import asyncpg

from convene.identity.v1 import authz_pb2, events_pb2
from convene.identity.v1 import identity_pb2 as pb
from services.identity import store
from services.runtime.auth import Principal, TokenSigner
from services.runtime.errors import NotFound, PermissionDenied, Unauthenticated
from services.runtime.events import new_envelope, timestamp
from services.runtime.idempotency import run_once
from services.runtime.ids import kind_of, new_id
from services.runtime.outbox import add_event

DEFAULT_TOKEN_TTL_S = 3600


def _hash_secret(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def _require_service(principal: Principal) -> None:
    if not principal.is_service:
        raise PermissionDenied("SERVICE_ONLY", "only the platform may do this")


async def _require_admin_of(conn: asyncpg.Connection, principal: Principal, enterprise_id: str) -> None:
    if principal.is_service:
        return
    if principal.is_member and principal.enterprise_id == enterprise_id:
        row = await store.get_member(conn, principal.id)
        if row is not None and row["role"] == pb.MEMBER_ROLE_ADMIN:
            return
    raise PermissionDenied("ADMIN_ONLY", "only an admin of this enterprise may do this")


def _require_same_enterprise(principal: Principal, enterprise_id: str) -> None:
    if principal.is_service or (principal.is_member and principal.enterprise_id == enterprise_id):
        return
    raise PermissionDenied("OTHER_ENTERPRISE", "this belongs to another enterprise")


class Identity:
    def __init__(self, pool: asyncpg.Pool, signer: TokenSigner) -> None:
        self._pool = pool
        self._signer = signer

    async def create_enterprise(self, principal: Principal, request_id: str, name: str,
                                individual: bool) -> pb.CreateEnterpriseResponse:
        _require_service(principal)

        async def work(conn: asyncpg.Connection) -> pb.CreateEnterpriseResponse:
            secret = secrets.token_urlsafe(32)
            row = await store.insert_enterprise(conn, new_id("enterprise"), name, individual, _hash_secret(secret))
            enterprise = store.enterprise_from_row(row)
            await add_event(conn, new_envelope(
                "identity.v1.enterprise.created", subject=enterprise.id, enterprise_id=enterprise.id,
                payload=events_pb2.EnterpriseCreated(enterprise=enterprise)))
            return pb.CreateEnterpriseResponse(enterprise=enterprise, api_secret=secret)

        return await run_once(self._pool, principal_id=principal.id, method="CreateEnterprise",
                              request_id=request_id, response_type=pb.CreateEnterpriseResponse, work=work)

    async def get_enterprise(self, principal: Principal, enterprise_id: str) -> pb.Enterprise:
        _require_same_enterprise(principal, enterprise_id)
        async with self._pool.acquire() as conn:
            row = await store.get_enterprise(conn, enterprise_id)
        if row is None:
            raise NotFound("ENTERPRISE_NOT_FOUND", "no such enterprise", enterprise_id=enterprise_id)
        return store.enterprise_from_row(row)

    async def verify_enterprise(self, principal: Principal, enterprise_id: str, method: int) -> pb.Enterprise:
        _require_service(principal)
        async with self._pool.acquire() as conn, conn.transaction():
            if await store.get_enterprise(conn, enterprise_id, for_update=True) is None:
                raise NotFound("ENTERPRISE_NOT_FOUND", "no such enterprise", enterprise_id=enterprise_id)
            enterprise = store.enterprise_from_row(await store.set_enterprise_verified(conn, enterprise_id, method))
            await add_event(conn, new_envelope(
                "identity.v1.enterprise.verified", subject=enterprise_id, enterprise_id=enterprise_id,
                payload=events_pb2.EnterpriseVerified(enterprise=enterprise)))
        return enterprise

    async def add_member(self, principal: Principal, request: pb.AddMemberRequest) -> pb.AddMemberResponse:
        async def work(conn: asyncpg.Connection) -> pb.AddMemberResponse:
            if await store.get_enterprise(conn, request.enterprise_id) is None:
                raise NotFound("ENTERPRISE_NOT_FOUND", "no such enterprise", enterprise_id=request.enterprise_id)
            await _require_admin_of(conn, principal, request.enterprise_id)
            row = await store.insert_member(conn, new_id("member"), request.enterprise_id,
                                            request.display_name, request.department, request.role)
            member = store.member_from_row(row)
            await add_event(conn, new_envelope(
                "identity.v1.member.added", subject=member.id, enterprise_id=member.enterprise_id,
                payload=events_pb2.MemberAdded(member=member)))
            return pb.AddMemberResponse(member=member)

        return await run_once(self._pool, principal_id=principal.id, method="AddMember",
                              request_id=request.request_id, response_type=pb.AddMemberResponse, work=work)

    async def get_member(self, principal: Principal, member_id: str) -> pb.Member:
        async with self._pool.acquire() as conn:
            row = await store.get_member(conn, member_id)
        if row is None:
            raise NotFound("MEMBER_NOT_FOUND", "no such member", member_id=member_id)
        _require_same_enterprise(principal, row["enterprise_id"])
        return store.member_from_row(row)

    async def verify_member_real_name(self, principal: Principal, member_id: str) -> pb.Member:
        async with self._pool.acquire() as conn, conn.transaction():
            row = await store.get_member(conn, member_id)
            if row is None:
                raise NotFound("MEMBER_NOT_FOUND", "no such member", member_id=member_id)
            await _require_admin_of(conn, principal, row["enterprise_id"])
            member = store.member_from_row(await store.set_member_verified(conn, member_id))
            await add_event(conn, new_envelope(
                "identity.v1.member.verified", subject=member_id, enterprise_id=member.enterprise_id,
                payload=events_pb2.MemberVerified(member=member)))
        return member

    async def create_wechat_user(self, principal: Principal, request_id: str,
                                 display_name: str) -> pb.CreateWeChatUserResponse:
        _require_service(principal)

        async def work(conn: asyncpg.Connection) -> pb.CreateWeChatUserResponse:
            user = store.wechat_user_from_row(
                await store.insert_wechat_user(conn, new_id("wechat_user"), display_name))
            await add_event(conn, new_envelope(
                "identity.v1.wechat_user.created", subject=user.id,
                payload=events_pb2.WeChatUserCreated(wechat_user=user)))
            return pb.CreateWeChatUserResponse(wechat_user=user)

        return await run_once(self._pool, principal_id=principal.id, method="CreateWeChatUser",
                              request_id=request_id, response_type=pb.CreateWeChatUserResponse, work=work)

    async def create_token(self, principal: Principal | None, request: pb.CreateTokenRequest) -> pb.CreateTokenResponse:
        """Mint a token: with a platform bearer token for anyone, or with an enterprise's API
        secret for that enterprise's own members."""
        ttl = request.ttl_seconds or DEFAULT_TOKEN_TTL_S
        subject = request.principal_id
        async with self._pool.acquire() as conn:
            if principal is None:
                if not request.enterprise_id or not request.api_secret:
                    raise Unauthenticated("CREDENTIALS_MISSING",
                                          "give enterprise_id and api_secret, or a platform bearer token")
                enterprise = await store.get_enterprise(conn, request.enterprise_id)
                if enterprise is None or not hmac.compare_digest(
                        bytes(enterprise["api_secret_hash"]), _hash_secret(request.api_secret)):
                    raise Unauthenticated("CREDENTIALS_INVALID", "enterprise id or API secret is wrong")
            elif not principal.is_service:
                raise PermissionDenied("SERVICE_ONLY", "only the platform may mint tokens with a bearer token")
            enterprise_id = await self._principal_enterprise(conn, subject)
            if principal is None and enterprise_id != request.enterprise_id:
                raise PermissionDenied("OTHER_ENTERPRISE", "an enterprise mints tokens for its own members only")
        token, expires_at = self._signer.mint(subject, enterprise_id=enterprise_id, ttl_s=ttl)
        expire_time = timestamp()
        expire_time.FromSeconds(expires_at)
        return pb.CreateTokenResponse(access_token=token, expire_time=expire_time)

    @staticmethod
    async def _principal_enterprise(conn: asyncpg.Connection, principal_id: str) -> str:
        kind = kind_of(principal_id)
        if kind == "member":
            row = await store.get_member(conn, principal_id)
            if row is None:
                raise NotFound("MEMBER_NOT_FOUND", "no such member", member_id=principal_id)
            return row["enterprise_id"]
        if kind == "wechat_user":
            if await store.get_wechat_user(conn, principal_id) is None:
                raise NotFound("WECHAT_USER_NOT_FOUND", "no such WeChat user", wechat_user_id=principal_id)
            return ""
        return ""  # services are platform-level

    async def authorize(self, request: authz_pb2.AuthorizeRequest) -> authz_pb2.AuthorizeResponse:
        """Answer `identity.v1.authorize` (SPEC F-22): may this principal start a live?"""
        kind = kind_of(request.principal_id)
        if kind == "wechat_user":
            return authz_pb2.AuthorizeResponse(
                allowed=False, reason="WECHAT_USER_CANNOT_START_LIVE",
                message="WeChat users cannot start lives", kind=pb.PRINCIPAL_KIND_WECHAT_USER)
        if kind != "member":
            return authz_pb2.AuthorizeResponse(allowed=False, reason="NOT_A_MEMBER",
                                               message="only members can start lives")
        async with self._pool.acquire() as conn:
            row = await store.member_with_enterprise(conn, request.principal_id)
        if row is None:
            return authz_pb2.AuthorizeResponse(allowed=False, reason="MEMBER_NOT_FOUND", message="no such member")
        answer = authz_pb2.AuthorizeResponse(kind=pb.PRINCIPAL_KIND_MEMBER, enterprise_id=row["enterprise_id"])
        if not row["enterprise_verified"]:
            answer.reason, answer.message = "ENTERPRISE_NOT_VERIFIED", "the enterprise is not verified"
        elif not row["real_name_verified"]:
            answer.reason, answer.message = "MEMBER_NOT_VERIFIED", "the member has no real-name verification"
        else:
            answer.allowed = True
        return answer

    async def describe_principals(self, request: authz_pb2.DescribePrincipalsRequest) -> authz_pb2.DescribePrincipalsResponse:
        """Answer `identity.v1.describe_principals`."""
        ids = list(request.principal_ids)[:5000]
        async with self._pool.acquire() as conn:
            found = await store.describe(conn, ids)
        answer = authz_pb2.DescribePrincipalsResponse()
        for principal_id in ids:
            row = found.get(principal_id)
            info = answer.principals.add(id=principal_id, exists=row is not None)
            if row is not None:
                info.kind, info.enterprise_id, info.display_name = row["kind"], row["enterprise_id"], row["display_name"]
        return answer
