"""Identity's rules for enterprises, members and WeChat users (SPEC F-01..F-03).

Every change writes its event through the outbox in the same transaction. Changes to one
enterprise's members lock the enterprise row, so the one-person and last-admin rules hold under
concurrent calls.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time

import asyncpg

from convene.identity.v1 import events_pb2
from convene.identity.v1 import identity_pb2 as pb
from services.identity import access, store
from services.runtime import subjects
from services.runtime.auth import Principal
from services.runtime.db import Connection
from services.runtime.errors import FailedPrecondition, PermissionDenied
from services.runtime.events import new_envelope
from services.runtime.idempotency import run_once
from services.runtime.ids import new_id
from services.runtime.outbox import add_event
from services.runtime.pagination import decode_page_value, encode_page_token


def hash_secret(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def require_active(row: asyncpg.Record) -> None:
    if row["removed_at"] is not None:
        raise FailedPrecondition("MEMBER_REMOVED", "this member has left the enterprise", member_id=row["id"])


def page_after(token: str) -> str:
    """Where a page starts: after this id ('' for the first page). Identity's lists are keyed by id."""
    return decode_page_value(token, "after", str, "")


def next_token(rows: list, size: int, key: str) -> str:
    """The page token after a page fetched with limit size + 1."""
    return encode_page_token({"after": rows[size - 1][key]}) if len(rows) > size else ""


class Identity:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    # ------------------------------------------------------------------------------ enterprises

    async def create_enterprise(self, principal: Principal, request_id: str, name: str,
                                individual: bool) -> pb.CreateEnterpriseResponse:
        access.require_service(principal)

        async def work(conn: Connection) -> pb.CreateEnterpriseResponse:
            secret = secrets.token_urlsafe(32)
            row = await store.insert_enterprise(conn, new_id("enterprise"), name, individual, hash_secret(secret))
            enterprise = store.enterprise_from_row(row)
            await add_event(conn, new_envelope(
                subjects.IDENTITY_ENTERPRISE_CREATED, subject=enterprise.id, enterprise_id=enterprise.id,
                payload=events_pb2.EnterpriseCreated(enterprise=enterprise)))
            return pb.CreateEnterpriseResponse(enterprise=enterprise, api_secret=secret)

        return await run_once(self._pool, principal_id=principal.id, method="CreateEnterprise",
                              request_id=request_id, response_type=pb.CreateEnterpriseResponse, work=work)

    async def get_enterprise(self, principal: Principal, enterprise_id: str) -> pb.Enterprise:
        access.require_same_enterprise(principal, enterprise_id)
        async with self._pool.acquire() as conn:
            return store.enterprise_from_row(await access.enterprise(conn, enterprise_id))

    async def list_enterprises(self, principal: Principal, size: int, token: str) -> pb.ListEnterprisesResponse:
        access.require_service(principal)
        after = page_after(token)
        async with self._pool.acquire() as conn:
            rows = await store.enterprise_page(conn, after, size + 1)
        return pb.ListEnterprisesResponse(enterprises=[store.enterprise_from_row(r) for r in rows[:size]],
                                          next_page_token=next_token(rows, size, "id"))

    async def verify_enterprise(self, principal: Principal, enterprise_id: str, method: int,
                                official_account_id: str) -> pb.Enterprise:
        """Either path (direct, or a certified WeChat official account) gives the same rights.
        Verifying again the same way changes nothing and announces nothing. An official account
        vouches for one enterprise only (OFFICIAL_ACCOUNT_IN_USE)."""
        access.require_service(principal)
        async with self._pool.acquire() as conn, conn.transaction():
            row = await access.enterprise(conn, enterprise_id, for_update=True)
            if (row["verified"] and row["verification_method"] == method
                    and row["official_account_id"] == official_account_id):
                return store.enterprise_from_row(row)
            try:
                verified = await store.set_enterprise_verified(conn, enterprise_id, method, official_account_id)
            except asyncpg.UniqueViolationError:  # the transaction rolls back: nothing changed
                raise FailedPrecondition("OFFICIAL_ACCOUNT_IN_USE",
                                         "this official account already vouches for another enterprise",
                                         enterprise_id=enterprise_id) from None
            enterprise = store.enterprise_from_row(verified)
            await add_event(conn, new_envelope(
                subjects.IDENTITY_ENTERPRISE_VERIFIED, subject=enterprise_id, enterprise_id=enterprise_id,
                payload=events_pb2.EnterpriseVerified(enterprise=enterprise)))
        return enterprise

    async def unverify_enterprise(self, principal: Principal, enterprise_id: str, reason: str) -> pb.Enterprise:
        """Lives already running go on (live decides that); the next start is refused because
        identity.v1.authorize reads verification at the moment it is asked, uncached."""
        access.require_service(principal)
        async with self._pool.acquire() as conn, conn.transaction():
            row = await access.enterprise(conn, enterprise_id, for_update=True)
            if not row["verified"]:
                return store.enterprise_from_row(row)
            enterprise = store.enterprise_from_row(await store.set_enterprise_unverified(conn, enterprise_id))
            await add_event(conn, new_envelope(
                subjects.IDENTITY_ENTERPRISE_UNVERIFIED, subject=enterprise_id, enterprise_id=enterprise_id,
                payload=events_pb2.EnterpriseUnverified(enterprise=enterprise, reason=reason)))
        return enterprise

    # ---------------------------------------------------------------------------------- members

    async def add_member(self, principal: Principal, request: pb.AddMemberRequest) -> pb.AddMemberResponse:
        async def work(conn: Connection) -> pb.AddMemberResponse:
            enterprise = await access.enterprise(conn, request.enterprise_id, for_update=True)
            await access.require_admin_of(conn, principal, request.enterprise_id)
            if enterprise["individual"] and await store.count_active_members(conn, request.enterprise_id):
                raise FailedPrecondition("INDIVIDUAL_ENTERPRISE_FULL",
                                         "an individual WeCom user's enterprise has one member")
            row = await store.insert_member(conn, new_id("member"), request.enterprise_id,
                                            request.display_name, request.department, request.role)
            member = store.member_from_row(row)
            await add_event(conn, new_envelope(
                subjects.IDENTITY_MEMBER_ADDED, subject=member.id, enterprise_id=member.enterprise_id,
                payload=events_pb2.MemberAdded(member=member)))
            return pb.AddMemberResponse(member=member)

        return await run_once(self._pool, principal_id=principal.id, method="AddMember",
                              request_id=request.request_id, response_type=pb.AddMemberResponse, work=work)

    async def get_member(self, principal: Principal, member_id: str) -> pb.Member:
        """Removed members stay readable to their colleagues (removed is set)."""
        async with self._pool.acquire() as conn:
            row = await access.member(conn, member_id, include_removed=True)
        access.require_same_enterprise(principal, row["enterprise_id"])
        return store.member_from_row(row)

    async def list_members(self, principal: Principal, request: pb.ListMembersRequest,
                           size: int) -> pb.ListMembersResponse:
        access.require_same_enterprise(principal, request.enterprise_id)
        after = page_after(request.page_token)
        async with self._pool.acquire() as conn:
            await access.enterprise(conn, request.enterprise_id)
            rows = await store.member_page(conn, request.enterprise_id, request.department, request.include_removed,
                                           after, size + 1)
        return pb.ListMembersResponse(members=[store.member_from_row(r) for r in rows[:size]],
                                      next_page_token=next_token(rows, size, "id"))

    async def update_member(self, principal: Principal, member_id: str, changes: dict[str, object]) -> pb.Member:
        """Apply `changes` (column -> value, already validated); announces only real changes."""
        async with self._pool.acquire() as conn, conn.transaction():
            row = await access.member(conn, member_id, include_removed=True)
            await access.require_admin_of(conn, principal, row["enterprise_id"])
            require_active(row)
            await store.lock_enterprise_members(conn, row["enterprise_id"])
            row = await access.member(conn, member_id)  # re-read under the enterprise lock
            changed = {column: value for column, value in changes.items() if row[column] != value}
            if not changed:
                return store.member_from_row(row)
            if changed.get("role") == pb.MEMBER_ROLE_MEMBER:
                await self._keep_an_admin(conn, principal, row)
            member = store.member_from_row(await store.update_member(conn, member_id, changed))
            await add_event(conn, new_envelope(
                subjects.IDENTITY_MEMBER_UPDATED, subject=member_id, enterprise_id=member.enterprise_id,
                payload=events_pb2.MemberUpdated(member=member, changed_fields=sorted(changed))))
        return member

    async def remove_member(self, principal: Principal, member_id: str) -> pb.Member:
        """Soft removal: the name stays for history, rights and tokens go (member.removed drives
        the token revocation, see tokens.py). Removing a removed member changes nothing."""
        async with self._pool.acquire() as conn, conn.transaction():
            row = await access.member(conn, member_id, include_removed=True)
            await access.require_admin_of(conn, principal, row["enterprise_id"])
            await store.lock_enterprise_members(conn, row["enterprise_id"])
            row = await access.member(conn, member_id, include_removed=True)
            if row["removed_at"] is not None:
                return store.member_from_row(row)
            await self._keep_an_admin(conn, principal, row)
            # Whole seconds on identity's clock, the clock that stamps token issue times.
            removed_at = dt.datetime.fromtimestamp(int(time.time()), dt.UTC)
            member = store.member_from_row(await store.remove_member(conn, member_id, removed_at))
            await add_event(conn, new_envelope(
                subjects.IDENTITY_MEMBER_REMOVED, subject=member_id, enterprise_id=member.enterprise_id,
                payload=events_pb2.MemberRemoved(member=member)))
        return member

    @staticmethod
    async def _keep_an_admin(conn: Connection, principal: Principal, row: asyncpg.Record) -> None:
        """A member admin cannot remove or demote the enterprise's last admin (the platform can)."""
        if principal.is_service or row["role"] != pb.MEMBER_ROLE_ADMIN:
            return
        if await store.count_active_members(conn, row["enterprise_id"], role=pb.MEMBER_ROLE_ADMIN) <= 1:
            raise FailedPrecondition("LAST_ADMIN", "the enterprise's last admin cannot be removed or demoted")

    async def verify_member_real_name(self, principal: Principal, member_id: str) -> pb.Member:
        async with self._pool.acquire() as conn, conn.transaction():
            row = await access.member(conn, member_id, include_removed=True, for_update=True)
            await access.require_admin_of(conn, principal, row["enterprise_id"])
            require_active(row)
            if row["real_name_verified"]:
                return store.member_from_row(row)
            member = store.member_from_row(await store.set_member_verified(conn, member_id))
            await add_event(conn, new_envelope(
                subjects.IDENTITY_MEMBER_VERIFIED, subject=member_id, enterprise_id=member.enterprise_id,
                payload=events_pb2.MemberVerified(member=member)))
        return member

    # ----------------------------------------------------------------------------- WeChat users

    async def create_wechat_user(self, principal: Principal, request_id: str,
                                 display_name: str) -> pb.CreateWeChatUserResponse:
        access.require_service(principal)

        async def work(conn: Connection) -> pb.CreateWeChatUserResponse:
            user = store.wechat_user_from_row(
                await store.insert_wechat_user(conn, new_id("wechat_user"), display_name))
            await add_event(conn, new_envelope(
                subjects.IDENTITY_WECHAT_USER_CREATED, subject=user.id,
                payload=events_pb2.WeChatUserCreated(wechat_user=user)))
            return pb.CreateWeChatUserResponse(wechat_user=user)

        return await run_once(self._pool, principal_id=principal.id, method="CreateWeChatUser",
                              request_id=request_id, response_type=pb.CreateWeChatUserResponse, work=work)

    async def get_wechat_user(self, principal: Principal, wechat_user_id: str) -> pb.WeChatUser:
        async with self._pool.acquire() as conn:
            row = await access.wechat_user(conn, wechat_user_id)
            if not (principal.is_service or principal.id == wechat_user_id or (
                    principal.is_member and await store.get_contact(conn, principal.id, wechat_user_id))):
                raise PermissionDenied("NOT_A_CONTACT", "only the user and members who added them may see this")
        return store.wechat_user_from_row(row)
