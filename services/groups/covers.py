"""Enterprise red-packet covers (SPEC F-50): an admin of a verified enterprise applies (name,
image, quantity), the platform approves or rejects with a reason (the applicant is told through
`groups.v1.cover.reviewed`), and the enterprise's members put approved covers on red packets until
the quantity is used up.

Covers live in groups, not identity, although they belong to an enterprise: each use counts
against the quantity in the transaction of the red packet message that carries it, and that
message is groups'. Identity's enterprises reach groups as events (`groups--enterprises`), so a
cover shows its enterprise's name and only verified enterprises apply, without asking identity.
"""

from __future__ import annotations

import datetime as dt

import asyncpg
from nats.aio.client import Client as NATS

from convene.groups.v1 import covers_pb2 as pb
from convene.groups.v1 import events_pb2
from convene.identity.v1 import authz_pb2
from convene.identity.v1 import events_pb2 as identity_events
from services.groups import cover_store
from services.runtime import bus, subjects
from services.runtime.auth import Principal
from services.runtime.db import Connection
from services.runtime.errors import FailedPrecondition, NotFound, PermissionDenied
from services.runtime.events import Event, new_envelope
from services.runtime.idempotency import run_once
from services.runtime.ids import new_id
from services.runtime.outbox import add_event
from services.runtime.pagination import decode_page_value, encode_page_token


class Covers:
    def __init__(self, pool: asyncpg.Pool, nc: NATS) -> None:
        self._pool = pool
        self._nc = nc

    async def apply(self, principal: Principal, request: pb.ApplyForCoverRequest) -> pb.ApplyForCoverResponse:
        if not principal.is_member:
            raise PermissionDenied("MEMBERS_ONLY", "covers are applied for by an enterprise's admins")
        answer = await self._admin_answer(principal)
        if not answer.allowed:
            raise PermissionDenied(answer.reason or "ADMIN_ONLY", answer.message or "only admins apply for covers")

        async def work(conn: Connection) -> pb.ApplyForCoverResponse:
            enterprise = await cover_store.enterprise(conn, principal.enterprise_id)
            if enterprise is None or not enterprise["verified"]:
                raise FailedPrecondition("ENTERPRISE_NOT_VERIFIED", "only verified enterprises apply for covers",
                                         enterprise_id=principal.enterprise_id)
            row = await cover_store.insert(
                conn, new_id("cover"), enterprise_id=principal.enterprise_id, enterprise_name=enterprise["name"],
                name=request.name.strip(), image_ref=request.image_ref.strip(), quantity=request.quantity,
                applicant_id=principal.id)
            return pb.ApplyForCoverResponse(cover=cover_store.cover_from_row(row))

        return await run_once(self._pool, principal_id=principal.id, method="ApplyForCover",
                              request_id=request.request_id, response_type=pb.ApplyForCoverResponse, work=work)

    async def review(self, principal: Principal, request: pb.ReviewCoverRequest) -> pb.Cover:
        if not principal.is_service:
            raise PermissionDenied("PLATFORM_ONLY", "covers are reviewed by the platform")
        async with self._pool.acquire() as conn, conn.transaction():
            row = await cover_store.get(conn, request.cover_id, lock=True)
            if row is None:
                raise NotFound("COVER_NOT_FOUND", "no such cover", cover_id=request.cover_id)
            if row["state"] != "pending":
                raise FailedPrecondition("COVER_ALREADY_REVIEWED", f"the cover was {row['state']} already",
                                         cover_id=request.cover_id)
            row = await cover_store.review(conn, request.cover_id, approve=request.approve,
                                           reason="" if request.approve else request.reject_reason.strip(),
                                           reviewer_id=principal.id)
            cover = cover_store.cover_from_row(row)
            await add_event(conn, new_envelope(subjects.GROUPS_COVER_REVIEWED, subject=cover.id,
                                               enterprise_id=cover.enterprise_id,
                                               payload=events_pb2.CoverReviewed(cover=cover)))
            return cover

    async def get(self, principal: Principal, cover_id: str) -> pb.Cover:
        async with self._pool.acquire() as conn:
            row = await cover_store.get(conn, cover_id)
        if row is None:
            raise NotFound("COVER_NOT_FOUND", "no such cover", cover_id=cover_id)
        if not principal.is_service and row["enterprise_id"] != principal.enterprise_id:
            raise PermissionDenied("COVER_OTHER_ENTERPRISE", "the cover belongs to another enterprise",
                                   cover_id=cover_id)
        return cover_store.cover_from_row(row)

    async def list_covers(self, principal: Principal, size: int, token: str, state: int) -> pb.ListCoversResponse:
        before = decode_page_value(token, "before", str, "")
        wanted = cover_store.STATE_NAMES.get(state)
        enterprise_id = None
        if not principal.is_service:
            if not principal.is_member:
                raise PermissionDenied("MEMBERS_ONLY", "covers belong to enterprises and their members")
            enterprise_id = principal.enterprise_id
            if wanted != "approved" and not await self._is_admin(principal):
                wanted = "approved"  # members choose among the approved ones; admins see every state
        async with self._pool.acquire() as conn:
            rows = await cover_store.page(conn, enterprise_id=enterprise_id, state=wanted, before=before,
                                          limit=size + 1)
        response = pb.ListCoversResponse(covers=[cover_store.cover_from_row(r) for r in rows[:size]])
        if len(rows) > size:
            response.next_page_token = encode_page_token({"before": rows[size - 1]["id"]})
        return response

    async def _is_admin(self, principal: Principal) -> bool:
        return (await self._admin_answer(principal)).allowed

    async def _admin_answer(self, principal: Principal) -> authz_pb2.AuthorizeResponse:
        """Identity's word: is the member an admin of their enterprise, now."""
        return await bus.request(
            self._nc, subjects.IDENTITY_AUTHORIZE,
            authz_pb2.AuthorizeRequest(principal_id=principal.id, action=authz_pb2.ACTION_ACT_AS_ADMIN,
                                       enterprise_id=principal.enterprise_id),
            authz_pb2.AuthorizeResponse)

    async def use(self, conn: Connection, principal: Principal, cover_id: str) -> None:
        """One use of the cover, in the red packet's transaction (it rolls back with it)."""
        if not principal.is_member:
            raise PermissionDenied("COVER_MEMBERS_ONLY", "only members of an enterprise use its covers",
                                   cover_id=cover_id)
        if await cover_store.use(conn, cover_id, principal.enterprise_id):
            return
        row = await cover_store.get(conn, cover_id)
        if row is None:
            raise NotFound("COVER_NOT_FOUND", "no such cover", cover_id=cover_id)
        if row["enterprise_id"] != principal.enterprise_id:
            raise PermissionDenied("COVER_OTHER_ENTERPRISE", "the cover belongs to another enterprise",
                                   cover_id=cover_id)
        if row["state"] != "approved":
            raise FailedPrecondition("COVER_NOT_APPROVED", f"the cover is {row['state']}", cover_id=cover_id)
        raise FailedPrecondition("COVER_USED_UP", f"all {row['quantity']} uses of the cover are gone",
                                 cover_id=cover_id)

    async def on_identity_event(self, event: Event, conn: Connection) -> None:
        """Consumer `groups--enterprises`: what identity says of each enterprise (name, verified)."""
        if event.type == subjects.IDENTITY_ENTERPRISE_CREATED:
            enterprise = event.payload(identity_events.EnterpriseCreated).enterprise
        elif event.type == subjects.IDENTITY_ENTERPRISE_VERIFIED:
            enterprise = event.payload(identity_events.EnterpriseVerified).enterprise
        elif event.type == subjects.IDENTITY_ENTERPRISE_UNVERIFIED:
            enterprise = event.payload(identity_events.EnterpriseUnverified).enterprise
            enterprise.verified = False
        else:
            return
        await cover_store.record_enterprise(conn, enterprise.id, enterprise.name, enterprise.verified,
                                            event.envelope.occur_time.ToDatetime(tzinfo=dt.UTC))
