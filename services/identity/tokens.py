"""Access tokens (SPEC F-05): minting, revoking, and recording revocations for every service.

Identity alone holds the signing keys (its runtime.keys.KeyRing; `RotateSigningKey` adds one)
and every service verifies tokens with the public keys it publishes. Minting needs either an
enterprise's API key and secret (the enterprise id and the secret shown once at creation, like
LiveKit's key/secret pair) for that enterprise's own members, a service account's own secret for
that service principal, or a platform service bearer token for members and WeChat users (never
for another service principal: those have credentials of their own). Wrong secrets are
throttled (throttle.py).

Revocation: RemoveMember and RevokeTokens commit an event through the outbox; the durable
consumer `identity--revocations` writes the revocation into the NATS KV bucket that every
service watches (services/runtime/revocations.py, which states the bound: 2 s).
"""

from __future__ import annotations

import hmac
import secrets
import time

import asyncpg

from convene.identity.v1 import events_pb2
from convene.identity.v1 import identity_pb2 as pb
from services.identity import access, store
from services.identity.domain import hash_secret, require_active
from services.identity.throttle import CredentialThrottle, caller_key
from services.runtime import subjects
from services.runtime.auth import Principal, mint_access_token
from services.runtime.consumer import ConsumerSpec
from services.runtime.db import Connection
from services.runtime.errors import PermissionDenied, Unauthenticated
from services.runtime.events import Event, PoisonEvent, new_envelope, timestamp
from services.runtime.idempotency import run_once
from services.runtime.ids import kind_of, new_id
from services.runtime.keys import KeyRing
from services.runtime.outbox import add_event
from services.runtime.revocations import CLOCK_MARGIN_S, Revocations

DEFAULT_TOKEN_TTL_S = 3600
_KINDS = {"member": pb.PRINCIPAL_KIND_MEMBER, "wechat_user": pb.PRINCIPAL_KIND_WECHAT_USER,
          "service": pb.PRINCIPAL_KIND_SERVICE}


def _same_secret(secret_hash: bytes, secret: str) -> bool:
    return hmac.compare_digest(bytes(secret_hash), hash_secret(secret))


class Tokens:
    def __init__(self, pool: asyncpg.Pool, keys: KeyRing, revocations: Revocations,
                 throttle: CredentialThrottle) -> None:
        self._pool = pool
        self._keys = keys
        self._revocations = revocations
        self._throttle = throttle

    async def create_token(self, principal: Principal | None, request: pb.CreateTokenRequest,
                           peer: str) -> pb.CreateTokenResponse:
        ttl = request.ttl_seconds or DEFAULT_TOKEN_TTL_S
        subject = request.principal_id
        async with self._pool.acquire() as conn:
            if principal is None:
                await self._check_secret(conn, request, peer)
            elif not principal.is_service:
                raise PermissionDenied("SERVICE_ONLY", "only the platform may mint tokens with a bearer token")
            elif kind_of(subject) == "service":
                raise PermissionDenied("SERVICE_CREDENTIALS_REQUIRED",
                                       "a service principal's token is minted with its own secret")
            enterprise_id = await self._principal_enterprise(conn, subject)
            if principal is None and request.enterprise_id and enterprise_id != request.enterprise_id:
                raise PermissionDenied("OTHER_ENTERPRISE", "an enterprise mints tokens for its own members only")
        token, expires_at = mint_access_token(self._keys, subject, enterprise_id=enterprise_id, ttl_s=ttl)
        expire_time = timestamp()
        expire_time.FromSeconds(expires_at)
        return pb.CreateTokenResponse(access_token=token, expire_time=expire_time)

    async def _check_secret(self, conn: Connection, request: pb.CreateTokenRequest, peer: str) -> None:
        """The caller proved who it speaks for: the enterprise's secret, or the service account's
        own. Each wrong secret counts against the account named and the calling address."""
        own_account = kind_of(request.principal_id) == "service" and not request.enterprise_id
        if not request.api_secret or not (request.enterprise_id or own_account):
            raise Unauthenticated("CREDENTIALS_MISSING", "give enterprise_id and api_secret, a service account's "
                                  "secret, or a platform bearer token")
        if own_account:
            row = await store.get_service_account(conn, request.principal_id)
            subject_key = f"service:{request.principal_id}"
        else:
            row = await store.get_enterprise(conn, request.enterprise_id)
            subject_key = f"enterprise:{request.enterprise_id}"
        keys = [caller_key(peer)] + ([subject_key] if row is not None else [])
        await self._throttle.check(conn, keys)
        secret_hash = row["secret_hash" if own_account else "api_secret_hash"] if row is not None else b""
        if row is None or not _same_secret(secret_hash, request.api_secret):
            await self._throttle.failed(conn, keys)
            raise Unauthenticated("CREDENTIALS_INVALID", "the account id or its secret is wrong")

    async def create_service_account(self, principal: Principal, request_id: str,
                                     display_name: str) -> pb.CreateServiceAccountResponse:
        access.require_service(principal)

        async def work(conn: Connection) -> pb.CreateServiceAccountResponse:
            secret = secrets.token_urlsafe(32)
            row = await store.insert_service_account(conn, new_id("service"), display_name, hash_secret(secret))
            return pb.CreateServiceAccountResponse(service_account=store.service_account_from_row(row), secret=secret)

        return await run_once(self._pool, principal_id=principal.id, method="CreateServiceAccount",
                              request_id=request_id, response_type=pb.CreateServiceAccountResponse, work=work)

    async def rotate_signing_key(self, principal: Principal, request_id: str) -> pb.RotateSigningKeyResponse:
        access.require_service(principal)

        async def work(conn: Connection) -> pb.RotateSigningKeyResponse:
            kid, activate_at = await self._keys.add_key(conn)
            return pb.RotateSigningKeyResponse(key_id=kid, activate_time=timestamp(activate_at))

        rotated = await run_once(self._pool, principal_id=principal.id, method="RotateSigningKey",
                                 request_id=request_id, response_type=pb.RotateSigningKeyResponse, work=work)
        await self._keys.reload()  # published now; every replica also finds it within its reload
        return rotated

    @staticmethod
    async def _principal_enterprise(conn: Connection, principal_id: str) -> str:
        """The enterprise a token for principal_id carries; refuses removed and unknown principals."""
        kind = kind_of(principal_id)
        if kind == "member":
            row = await access.member(conn, principal_id, include_removed=True)
            require_active(row)
            return row["enterprise_id"]
        if kind == "wechat_user":
            await access.wechat_user(conn, principal_id)
        return ""  # WeChat users and services belong to no enterprise

    async def revoke_tokens(self, principal: Principal, principal_id: str) -> pb.RevokeTokensResponse:
        """Tokens of principal_id issued up to this second stop working in every service."""
        revoked_at = int(time.time())  # identity's clock, the one that stamps issue times
        async with self._pool.acquire() as conn, conn.transaction():
            enterprise_id = await self._may_revoke(conn, principal, principal_id)
            revoke_time = timestamp()
            revoke_time.FromSeconds(revoked_at)
            await add_event(conn, new_envelope(
                subjects.IDENTITY_TOKENS_REVOKED, subject=principal_id, enterprise_id=enterprise_id,
                payload=events_pb2.TokensRevoked(principal_id=principal_id, kind=_KINDS[kind_of(principal_id) or ""],
                                                 enterprise_id=enterprise_id, revoke_time=revoke_time)))
        return pb.RevokeTokensResponse(revoke_time=revoke_time)

    @staticmethod
    async def _may_revoke(conn: Connection, principal: Principal, principal_id: str) -> str:
        """Checks the caller may revoke principal_id's tokens; returns the principal's enterprise."""
        kind = kind_of(principal_id)
        enterprise_id = ""
        if kind == "member":
            enterprise_id = (await access.member(conn, principal_id, include_removed=True))["enterprise_id"]
        elif kind == "wechat_user":
            await access.wechat_user(conn, principal_id)
        if principal.is_service or principal.id == principal_id:
            return enterprise_id
        if kind == "member":
            await access.require_admin_of(conn, principal, enterprise_id)
            return enterprise_id
        raise PermissionDenied("NOT_ALLOWED", "only the principal itself or the platform may revoke these tokens")

    # ------------------------------------------------------------------ the revocations consumer

    def consumer(self) -> ConsumerSpec:
        return ConsumerSpec(
            durable="identity--revocations", source="identity",
            subjects=[subjects.IDENTITY_MEMBER_REMOVED, subjects.IDENTITY_TOKENS_REVOKED],
            handler=self._record_revocation)

    async def _record_revocation(self, event: Event, conn: Connection) -> None:
        # The KV write is idempotent and never moves back in time: a redelivery rewrites the same.
        if event.type == subjects.IDENTITY_MEMBER_REMOVED:
            member = event.payload(events_pb2.MemberRemoved).member
            if not member.id or not member.removed:
                raise PoisonEvent("member.removed without a removed member")
            # They never get a token again: also cover tokens from a host whose clock runs fast.
            await self._revocations.revoke(member.id, member.remove_time.seconds + CLOCK_MARGIN_S)
        else:
            revoked = event.payload(events_pb2.TokensRevoked)
            if kind_of(revoked.principal_id) not in _KINDS:
                raise PoisonEvent("tokens.revoked without a principal id")
            await self._revocations.revoke(revoked.principal_id, revoked.revoke_time.seconds)
