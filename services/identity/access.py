"""Who may do what in identity, and loading rows or refusing with NOT_FOUND.

The platform (a `svc_` token) may do anything. A member acts inside their own enterprise only;
an admin is a member whose role is admin *now* (read from the database, not from the token).
Cross-enterprise access is PERMISSION_DENIED with reason OTHER_ENTERPRISE (SPEC F-05).
"""

from __future__ import annotations

import asyncpg

from convene.identity.v1 import identity_pb2 as pb
from services.identity import store
from services.runtime.auth import Principal
from services.runtime.db import Connection
from services.runtime.errors import NotFound, PermissionDenied


def require_service(principal: Principal) -> None:
    if not principal.is_service:
        raise PermissionDenied("SERVICE_ONLY", "only the platform may do this")


def require_same_enterprise(principal: Principal, enterprise_id: str) -> None:
    if principal.is_service or (principal.is_member and principal.enterprise_id == enterprise_id):
        return
    raise PermissionDenied("OTHER_ENTERPRISE", "this belongs to another enterprise")


async def is_admin_of(conn: Connection, principal: Principal, enterprise_id: str) -> bool:
    if not (principal.is_member and principal.enterprise_id == enterprise_id):
        return False
    row = await store.get_member(conn, principal.id)
    return row is not None and row["role"] == pb.MEMBER_ROLE_ADMIN


async def require_admin_of(conn: Connection, principal: Principal, enterprise_id: str) -> None:
    if principal.is_service:
        return
    require_same_enterprise(principal, enterprise_id)
    if not await is_admin_of(conn, principal, enterprise_id):
        raise PermissionDenied("ADMIN_ONLY", "only an admin of this enterprise may do this")


async def enterprise(conn: Connection, enterprise_id: str, *, for_update: bool = False) -> asyncpg.Record:
    row = await store.get_enterprise(conn, enterprise_id, for_update=for_update)
    if row is None:
        raise NotFound("ENTERPRISE_NOT_FOUND", "no such enterprise", enterprise_id=enterprise_id)
    return row


async def member(conn: Connection, member_id: str, *, include_removed: bool = False,
                 for_update: bool = False) -> asyncpg.Record:
    row = await store.get_member(conn, member_id, include_removed=include_removed, for_update=for_update)
    if row is None:
        raise NotFound("MEMBER_NOT_FOUND", "no such member", member_id=member_id)
    return row


async def wechat_user(conn: Connection, wechat_user_id: str) -> asyncpg.Record:
    row = await store.get_wechat_user(conn, wechat_user_id)
    if row is None:
        raise NotFound("WECHAT_USER_NOT_FOUND", "no such WeChat user", wechat_user_id=wechat_user_id)
    return row
