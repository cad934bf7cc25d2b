"""Create calls keyed by request_id (AIP-155): the first result is stored in the same
transaction as the work, and a repeat of the request returns it instead of doing it again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg
from google.protobuf.message import Message

from services.runtime.db import Connection

R = TypeVar("R", bound=Message)


async def run_once(
    pool: asyncpg.Pool,
    *,
    principal_id: str,
    method: str,
    request_id: str,
    response_type: type[R],
    work: Callable[[Connection], Awaitable[R]],
) -> R:
    """Run `work` in a transaction unless this (principal, method, request_id) already ran."""
    for attempt in range(2):
        async with pool.acquire() as conn:
            try:
                async with conn.transaction():
                    stored = await conn.fetchval(
                        "SELECT response FROM idempotency"
                        " WHERE principal_id = $1 AND method = $2 AND request_id = $3",
                        principal_id, method, request_id,
                    )
                    if stored is not None:
                        return response_type.FromString(stored)
                    response = await work(conn)
                    await conn.execute(
                        "INSERT INTO idempotency (principal_id, method, request_id, response)"
                        " VALUES ($1, $2, $3, $4)",
                        principal_id, method, request_id, response.SerializeToString(),
                    )
                    return response
            except asyncpg.UniqueViolationError as exc:
                # The same request ran concurrently and committed first: return its result.
                if exc.constraint_name != "idempotency_pkey" or attempt:
                    raise
    raise AssertionError("unreachable")
