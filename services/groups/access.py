"""Who may see a group: its members (and back-end services, for reads)."""

from __future__ import annotations

import asyncpg

from services.groups import store
from services.runtime.auth import Principal
from services.runtime.db import Connection
from services.runtime.errors import NotFound, PermissionDenied


async def member_group(conn: Connection, principal: Principal, group_id: str, *, lock: bool = False,
                       services_may_read: bool = False) -> asyncpg.Record:
    """The group, if the principal is in it; `lock` holds the group row for the transaction."""
    if lock:
        row = await store.get_group(conn, group_id, for_update=True)
        member = row is not None and await store.is_member(conn, group_id, principal.id)
    else:
        row = await store.group_for(conn, group_id, principal.id)
        member = row is not None and row["is_member"]
    if row is None:
        raise NotFound("GROUP_NOT_FOUND", "no such group", group_id=group_id)
    if not member and not (services_may_read and principal.is_service):
        raise PermissionDenied("NOT_GROUP_MEMBER", "only members of the group may do this", group_id=group_id)
    return row
