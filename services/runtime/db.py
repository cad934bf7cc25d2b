"""PostgreSQL: one asyncpg pool per service, bound to the service's own schema, and a plain-SQL
migration runner (`NNNN_name.sql` files applied once, in order, under an advisory lock so that
replicas starting together do not race)."""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg

from services.runtime.logs import get_logger

log = get_logger(__name__)

if TYPE_CHECKING:
    from asyncpg.pool import PoolConnectionProxy

    # What store and domain functions are handed: a connection of its own or one borrowed from
    # a pool (asyncpg's stubs type the two apart; at run time they answer the same calls).
    Connection = asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]
else:
    Connection = asyncpg.Connection


async def fetch_one(conn: Connection, query: str, *args: object) -> asyncpg.Record:
    """The row of a statement that always returns one (INSERT or UPDATE ... RETURNING of a row
    known to exist, an aggregate)."""
    row = await conn.fetchrow(query, *args)
    if row is None:
        raise LookupError(f"expected a row from: {query[:80]}")
    return row

RUNTIME_MIGRATIONS = Path(__file__).parent / "migrations"
_SCHEMA_RE = re.compile(r"^[a-z][a-z0-9_]{0,40}$")


async def _keep_session(conn: asyncpg.Connection) -> None:
    """What a connection handed back to the pool needs beyond asyncpg's own cleanup (an open
    transaction rolled back, listeners dropped): nothing. Services set no session state (no SET,
    no cursor outside a transaction, no LISTEN left behind, advisory locks released by their
    holder), so the default reset query would be one more round trip on every call."""


async def create_pool(dsn: str, schema: str, *, min_size: int = 2, max_size: int = 10) -> asyncpg.Pool:
    if not _SCHEMA_RE.match(schema):
        raise ValueError(f"bad schema name {schema!r}")
    await ensure_schema(dsn, schema)
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        server_settings={"search_path": schema, "application_name": f"convene-{schema}"},
        reset=_keep_session,
    )
    assert pool is not None
    return pool


async def ensure_schema(dsn: str, schema: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    except asyncpg.UniqueViolationError:
        pass  # another replica created it at the same moment
    finally:
        await conn.close()


def _migration_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.sql") if re.match(r"^\d{4}_", p.name))


async def migrate(pool: asyncpg.Pool, schema: str, service_migrations: Path) -> list[str]:
    """Apply the runtime's and the service's pending migrations; returns the versions applied."""
    files = [("runtime", p) for p in _migration_files(RUNTIME_MIGRATIONS)]
    files += [("service", p) for p in _migration_files(service_migrations)]
    applied: list[str] = []
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock(hashtext($1))", f"migrate:{schema}")
        try:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
            for origin, path in files:
                version = f"{origin}/{path.stem}"
                if version in done:
                    continue
                async with conn.transaction():
                    await conn.execute(path.read_text())
                    await conn.execute("INSERT INTO schema_migrations (version) VALUES ($1)", version)
                applied.append(version)
        finally:
            await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", f"migrate:{schema}")
    if applied:
        log.info("migrations applied", schema=schema, versions=applied)
    return applied


async def ensure_database(server_dsn: str, database: str) -> None:
    """Create `database` on the server if missing (embedded default and tests)."""
    conn = await asyncpg.connect(server_dsn)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            try:
                await conn.execute(f'CREATE DATABASE "{database}"')
            except asyncpg.DuplicateDatabaseError:
                pass
    finally:
        await conn.close()


async def service_secret(pool: asyncpg.Pool, name: str) -> bytes:
    """The service's secret called `name` (32 random bytes), made by whichever replica asks first."""
    async with pool.acquire() as conn:
        await conn.execute("INSERT INTO service_secrets (name, secret) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                           name, secrets.token_bytes(32))
        return bytes(await conn.fetchval("SELECT secret FROM service_secrets WHERE name = $1", name))
