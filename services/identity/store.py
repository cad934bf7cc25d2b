"""Identity's SQL."""

from __future__ import annotations

import datetime as dt

import asyncpg

from convene.identity.v1 import identity_pb2 as pb
from services.runtime.db import Connection, fetch_one
from services.runtime.events import timestamp

# ------------------------------------------------------------------------------- row -> message


def enterprise_from_row(row: asyncpg.Record) -> pb.Enterprise:
    enterprise = pb.Enterprise(
        id=row["id"], name=row["name"], verified=row["verified"],
        verification_method=row["verification_method"], individual=row["individual"],
        create_time=timestamp(row["created_at"]), official_account_id=row["official_account_id"],
    )
    if row["verified"] and row["verified_at"] is not None:
        enterprise.verify_time.CopyFrom(timestamp(row["verified_at"]))
    return enterprise


def member_from_row(row: asyncpg.Record) -> pb.Member:
    member = pb.Member(
        id=row["id"], enterprise_id=row["enterprise_id"], display_name=row["display_name"],
        department=row["department"], role=row["role"], real_name_verified=row["real_name_verified"],
        create_time=timestamp(row["created_at"]), removed=row["removed_at"] is not None,
    )
    if row["removed_at"] is not None:
        member.remove_time.CopyFrom(timestamp(row["removed_at"]))
    return member


def wechat_user_from_row(row: asyncpg.Record) -> pb.WeChatUser:
    return pb.WeChatUser(id=row["id"], display_name=row["display_name"], create_time=timestamp(row["created_at"]))


def contact_from_row(row: asyncpg.Record) -> pb.ExternalContact:
    return pb.ExternalContact(
        member_id=row["member_id"], wechat_user_id=row["wechat_user_id"],
        wechat_user_display_name=row["wechat_user_display_name"], enterprise_id=row["enterprise_id"],
        add_time=timestamp(row["added_at"]),
    )


def menu_entry_from_row(row: asyncpg.Record) -> pb.ServiceMenuEntry:
    return pb.ServiceMenuEntry(title=row["title"], kind=row["kind"], target=row["target"])


# ---------------------------------------------------------------------------------- enterprises


async def insert_enterprise(conn: Connection, enterprise_id: str, name: str, individual: bool,
                            secret_hash: bytes) -> asyncpg.Record:
    return await fetch_one(conn,
        "INSERT INTO enterprises (id, name, individual, api_secret_hash) VALUES ($1, $2, $3, $4) RETURNING *",
        enterprise_id, name, individual, secret_hash,
    )


async def get_enterprise(conn: Connection, enterprise_id: str, *,
                         for_update: bool = False) -> asyncpg.Record | None:
    lock = " FOR UPDATE" if for_update else ""
    return await conn.fetchrow(f"SELECT * FROM enterprises WHERE id = $1{lock}", enterprise_id)


async def enterprise_page(conn: Connection, after: str, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM enterprises WHERE id > $1 ORDER BY id LIMIT $2", after, limit)


async def set_enterprise_verified(conn: Connection, enterprise_id: str, method: int,
                                  official_account_id: str) -> asyncpg.Record:
    return await fetch_one(conn,
        "UPDATE enterprises SET verified = true, verification_method = $2, official_account_id = $3,"
        " verified_at = now() WHERE id = $1 RETURNING *",
        enterprise_id, method, official_account_id,
    )


async def set_enterprise_unverified(conn: Connection, enterprise_id: str) -> asyncpg.Record:
    return await fetch_one(conn,
        "UPDATE enterprises SET verified = false, verification_method = 0, official_account_id = '',"
        " verified_at = NULL WHERE id = $1 RETURNING *",
        enterprise_id,
    )


# -------------------------------------------------------------------------------------- members


async def insert_member(conn: Connection, member_id: str, enterprise_id: str, display_name: str,
                        department: str, role: int) -> asyncpg.Record:
    return await fetch_one(conn,
        "INSERT INTO members (id, enterprise_id, display_name, department, role)"
        " VALUES ($1, $2, $3, $4, $5) RETURNING *",
        member_id, enterprise_id, display_name, department, role,
    )


async def get_member(conn: Connection, member_id: str, *, include_removed: bool = False,
                     for_update: bool = False) -> asyncpg.Record | None:
    removed = "" if include_removed else " AND removed_at IS NULL"
    lock = " FOR UPDATE" if for_update else ""
    return await conn.fetchrow(f"SELECT * FROM members WHERE id = $1{removed}{lock}", member_id)


async def count_active_members(conn: Connection, enterprise_id: str, *, role: int | None = None) -> int:
    return await conn.fetchval(
        "SELECT count(*) FROM members WHERE enterprise_id = $1 AND removed_at IS NULL"
        " AND ($2::smallint IS NULL OR role = $2)",
        enterprise_id, role,
    )


async def lock_enterprise_members(conn: Connection, enterprise_id: str) -> None:
    """Serialize member changes of one enterprise (last-admin and one-person checks)."""
    await conn.execute("SELECT 1 FROM enterprises WHERE id = $1 FOR UPDATE", enterprise_id)


async def update_member(conn: Connection, member_id: str, changes: dict[str, object]) -> asyncpg.Record:
    columns = ", ".join(f"{column} = ${i + 2}" for i, column in enumerate(changes))
    return await fetch_one(conn,
        f"UPDATE members SET {columns} WHERE id = $1 RETURNING *", member_id, *changes.values()
    )


async def remove_member(conn: Connection, member_id: str, removed_at: dt.datetime) -> asyncpg.Record:
    return await fetch_one(conn,
        "UPDATE members SET removed_at = $2 WHERE id = $1 RETURNING *", member_id, removed_at
    )


async def member_page(conn: Connection, enterprise_id: str, department: str, include_removed: bool,
                      after: str, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM members WHERE enterprise_id = $1 AND ($2 = '' OR department = $2)"
        " AND ($3 OR removed_at IS NULL) AND id > $4 ORDER BY id LIMIT $5",
        enterprise_id, department, include_removed, after, limit,
    )


async def set_member_verified(conn: Connection, member_id: str) -> asyncpg.Record:
    return await fetch_one(conn,
        "UPDATE members SET real_name_verified = true WHERE id = $1 RETURNING *", member_id
    )


# ---------------------------------------------------------------------------------- WeChat users


async def insert_wechat_user(conn: Connection, user_id: str, display_name: str) -> asyncpg.Record:
    return await fetch_one(conn,
        "INSERT INTO wechat_users (id, display_name) VALUES ($1, $2) RETURNING *", user_id, display_name
    )


async def get_wechat_user(conn: Connection, user_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM wechat_users WHERE id = $1", user_id)


# ----------------------------------------------------------------------------- external contacts

_CONTACT_COLUMNS = (
    "c.member_id, c.wechat_user_id, c.enterprise_id, c.added_at, w.display_name AS wechat_user_display_name"
)


async def insert_contact(conn: Connection, member_id: str, wechat_user_id: str,
                         enterprise_id: str) -> asyncpg.Record | None:
    """The new contact, or None when the member already has this WeChat user."""
    inserted = await conn.fetchval(
        "INSERT INTO external_contacts (member_id, wechat_user_id, enterprise_id) VALUES ($1, $2, $3)"
        " ON CONFLICT DO NOTHING RETURNING true",
        member_id, wechat_user_id, enterprise_id,
    )
    return await get_contact(conn, member_id, wechat_user_id) if inserted else None


async def get_contact(conn: Connection, member_id: str, wechat_user_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_CONTACT_COLUMNS} FROM external_contacts c JOIN wechat_users w ON w.id = c.wechat_user_id"
        " WHERE c.member_id = $1 AND c.wechat_user_id = $2",
        member_id, wechat_user_id,
    )


async def delete_contact(conn: Connection, member_id: str, wechat_user_id: str) -> bool:
    return await conn.fetchval(
        "DELETE FROM external_contacts WHERE member_id = $1 AND wechat_user_id = $2 RETURNING true",
        member_id, wechat_user_id,
    ) or False


async def contact_page(conn: Connection, member_id: str, after: str, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"SELECT {_CONTACT_COLUMNS} FROM external_contacts c JOIN wechat_users w ON w.id = c.wechat_user_id"
        " WHERE c.member_id = $1 AND c.wechat_user_id > $2 ORDER BY c.wechat_user_id LIMIT $3",
        member_id, after, limit,
    )


async def contact_member_page(conn: Connection, wechat_user_id: str, after: str,
                              limit: int) -> list[asyncpg.Record]:
    """The active members who have this WeChat user as contact, with their enterprise."""
    return await conn.fetch(
        "SELECT c.member_id, c.added_at, m.display_name, m.enterprise_id, e.name AS enterprise_name,"
        " e.verified AS enterprise_verified FROM external_contacts c"
        " JOIN members m ON m.id = c.member_id AND m.removed_at IS NULL"
        " JOIN enterprises e ON e.id = m.enterprise_id"
        " WHERE c.wechat_user_id = $1 AND c.member_id > $2 ORDER BY c.member_id LIMIT $3",
        wechat_user_id, after, limit,
    )


async def hand_over_contacts(conn: Connection, from_member_id: str, to_member_id: str) -> list[str]:
    """Move every contact of from_member to to_member (keeping the older relationship where
    to_member already had the WeChat user). Returns the WeChat user ids handed over."""
    moved = await conn.fetch(
        "DELETE FROM external_contacts WHERE member_id = $1 RETURNING wechat_user_id, enterprise_id, added_at",
        from_member_id,
    )
    if not moved:
        return []
    await conn.execute(
        "INSERT INTO external_contacts (member_id, wechat_user_id, enterprise_id, added_at)"
        " SELECT $1, u.wechat_user_id, u.enterprise_id, now()"
        " FROM unnest($2::text[], $3::text[]) AS u (wechat_user_id, enterprise_id)"
        " ON CONFLICT DO NOTHING",
        to_member_id, [r["wechat_user_id"] for r in moved], [r["enterprise_id"] for r in moved],
    )
    return sorted(r["wechat_user_id"] for r in moved)


# --------------------------------------------------------------------------------- service menu


async def menu_entries(conn: Connection, enterprise_id: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT title, kind, target FROM service_menu_entries WHERE enterprise_id = $1 ORDER BY position",
        enterprise_id,
    )


async def replace_menu(conn: Connection, enterprise_id: str, entries: list[pb.ServiceMenuEntry]) -> None:
    await conn.execute("DELETE FROM service_menu_entries WHERE enterprise_id = $1", enterprise_id)
    await conn.executemany(
        "INSERT INTO service_menu_entries (enterprise_id, position, title, kind, target) VALUES ($1, $2, $3, $4, $5)",
        [(enterprise_id, position, e.title, e.kind, e.target) for position, e in enumerate(entries)],
    )


# ----------------------------------------------------------------------------- service accounts


def service_account_from_row(row: asyncpg.Record) -> pb.ServiceAccount:
    return pb.ServiceAccount(id=row["id"], display_name=row["display_name"], create_time=timestamp(row["created_at"]))


async def get_service_account(conn: Connection, account_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM service_accounts WHERE id = $1", account_id)


async def insert_service_account(conn: Connection, account_id: str, display_name: str,
                                 secret_hash: bytes) -> asyncpg.Record:
    row = await conn.fetchrow(
        "INSERT INTO service_accounts (id, display_name, secret_hash) VALUES ($1, $2, $3) RETURNING *",
        account_id, display_name, secret_hash)
    assert row is not None
    return row


async def put_service_account(conn: Connection, account_id: str, display_name: str, secret_hash: bytes) -> None:
    """Create the account, or give it this secret (the bootstrap account from configuration)."""
    await conn.execute(
        "INSERT INTO service_accounts (id, display_name, secret_hash) VALUES ($1, $2, $3)"
        " ON CONFLICT (id) DO UPDATE SET secret_hash = excluded.secret_hash", account_id, display_name, secret_hash)


# -------------------------------------------------------------------------------- authorization


async def member_with_enterprise(conn: Connection, member_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT m.id, m.enterprise_id, m.display_name, m.department, m.role, m.real_name_verified,"
        " m.removed_at, e.name AS enterprise_name, e.verified AS enterprise_verified, e.individual"
        " FROM members m JOIN enterprises e ON e.id = m.enterprise_id WHERE m.id = $1",
        member_id,
    )


async def describe(conn: Connection, ids: list[str]) -> dict[str, asyncpg.Record]:
    rows = await conn.fetch(
        "SELECT id, enterprise_id, display_name, 1 AS kind, role, removed_at IS NOT NULL AS removed"
        " FROM members WHERE id = ANY($1::text[])"
        " UNION ALL SELECT id, '' AS enterprise_id, display_name, 2 AS kind, 0 AS role, false AS removed"
        " FROM wechat_users WHERE id = ANY($1::text[])",
        ids,
    )
    return {row["id"]: row for row in rows}
