"""Groups' rules: who may create and read groups, and cards that only ever move forward."""

from __future__ import annotations

import asyncpg
from nats.aio.client import Client as NATS

from convene.groups.v1 import events_pb2, membership_pb2
from convene.groups.v1 import groups_pb2 as pb
from convene.identity.v1 import authz_pb2, identity_pb2
from convene.live.v1 import events_pb2 as live_events
from services.groups import store
from services.runtime import bus, subjects
from services.runtime.auth import Principal
from services.runtime.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from services.runtime.events import Event, new_envelope
from services.runtime.idempotency import run_once
from services.runtime.ids import new_id
from services.runtime.outbox import add_event
from services.runtime.pagination import decode_page_token, encode_page_token

# WeCom's sizes (SPEC F-10).
MAX_INTERNAL_MEMBERS = 2000
MAX_EXTERNAL_MEMBERS = 500

# A card's state only moves forward along this order.
CARD_RANK = {
    pb.CARD_STATE_SCHEDULED: 1,
    pb.CARD_STATE_LIVE: 2,
    pb.CARD_STATE_ENDED: 3,
    pb.CARD_STATE_REPLAY_READY: 4,
    pb.CARD_STATE_REPLAY_DELETED: 5,
}


class Groups:
    def __init__(self, pool: asyncpg.Pool, nc: NATS) -> None:
        self._pool = pool
        self._nc = nc

    # ---------------------------------------------------------------- groups

    async def create_group(self, principal: Principal, request: pb.CreateGroupRequest) -> pb.CreateGroupResponse:
        if not principal.is_member:
            raise PermissionDenied("MEMBERS_ONLY", "only members of an enterprise can create groups")
        member_ids = list(dict.fromkeys([principal.id, *request.member_ids]))
        limit = MAX_INTERNAL_MEMBERS if request.kind == pb.GROUP_KIND_INTERNAL else MAX_EXTERNAL_MEMBERS
        if len(member_ids) > limit:
            raise FailedPrecondition("GROUP_TOO_LARGE", f"a group of this kind holds at most {limit} members",
                                     limit=limit)
        await self._check_new_members(principal, request.kind, member_ids)

        async def work(conn: asyncpg.Connection) -> pb.CreateGroupResponse:
            row = await store.insert_group(conn, new_id("group"), request.name, request.kind,
                                           principal.enterprise_id, principal.id, member_ids)
            group = store.group_from_row(row, len(member_ids))
            await add_event(conn, new_envelope(
                subjects.GROUPS_GROUP_CREATED, subject=group.id, enterprise_id=group.enterprise_id,
                payload=events_pb2.GroupCreated(group=group, member_ids=member_ids)))
            return pb.CreateGroupResponse(group=group)

        return await run_once(self._pool, principal_id=principal.id, method="CreateGroup",
                              request_id=request.request_id, response_type=pb.CreateGroupResponse, work=work)

    async def _check_new_members(self, principal: Principal, kind: int, member_ids: list[str]) -> None:
        """Every id must exist; internal groups hold only the creator's colleagues."""
        answer = await bus.request(
            self._nc, subjects.IDENTITY_DESCRIBE_PRINCIPALS,
            authz_pb2.DescribePrincipalsRequest(principal_ids=member_ids), authz_pb2.DescribePrincipalsResponse)
        for info in answer.principals:
            if not info.exists:
                raise NotFound("PRINCIPAL_NOT_FOUND", f"{info.id} does not exist", principal_id=info.id)
            if info.kind == identity_pb2.PRINCIPAL_KIND_WECHAT_USER:
                if kind == pb.GROUP_KIND_INTERNAL:
                    raise InvalidArgument("WECHAT_USER_IN_INTERNAL_GROUP",
                                          "internal groups hold members of one enterprise only", principal_id=info.id)
            elif kind == pb.GROUP_KIND_INTERNAL and info.enterprise_id != principal.enterprise_id:
                raise PermissionDenied("OTHER_ENTERPRISE", "internal groups hold members of one enterprise only",
                                       principal_id=info.id)

    async def _readable_group(self, conn: asyncpg.Connection, principal: Principal, group_id: str) -> asyncpg.Record:
        row = await store.get_group(conn, group_id)
        if row is None:
            raise NotFound("GROUP_NOT_FOUND", "no such group", group_id=group_id)
        if not principal.is_service and not await store.is_member(conn, group_id, principal.id):
            raise PermissionDenied("NOT_GROUP_MEMBER", "only members of the group may see it", group_id=group_id)
        return row

    async def get_group(self, principal: Principal, group_id: str) -> pb.Group:
        async with self._pool.acquire() as conn:
            row = await self._readable_group(conn, principal, group_id)
            return store.group_from_row(row, await store.member_count(conn, group_id))

    async def list_members(self, principal: Principal, group_id: str, size: int, token: str) -> pb.ListGroupMembersResponse:
        position = decode_page_token(token, "after")
        async with self._pool.acquire() as conn:
            await self._readable_group(conn, principal, group_id)
            ids = await store.member_page(conn, group_id, position["after"] if position else "", size + 1)
        next_token = encode_page_token({"after": ids[size - 1]}) if len(ids) > size else ""
        return pb.ListGroupMembersResponse(member_ids=ids[:size], next_page_token=next_token)

    async def list_timeline(self, principal: Principal, group_id: str, size: int, token: str) -> pb.ListTimelineResponse:
        position = decode_page_token(token, "before")
        before = int(position["before"]) if position else 2**62
        async with self._pool.acquire() as conn:
            await self._readable_group(conn, principal, group_id)
            rows = await store.timeline_page(conn, group_id, before, size + 1)
        response = pb.ListTimelineResponse()
        for row in rows[:size]:
            item = response.items.add(id=row["item_id"], sequence=row["sequence"], sender_id=row["sender_id"])
            item.create_time.FromDatetime(row["created_at"])
            if row["id"] is not None:
                item.card.CopyFrom(store.card_from_row(row))
            else:
                item.text = row["text"] or ""
        if len(rows) > size:
            response.next_page_token = encode_page_token({"before": rows[size - 1]["sequence"]})
        return response

    async def check_membership(self, request: membership_pb2.CheckMembershipRequest) -> membership_pb2.CheckMembershipResponse:
        """Answer `groups.v1.check_membership`."""
        async with self._pool.acquire() as conn:
            row = await store.get_group(conn, request.group_id)
            if row is None:
                return membership_pb2.CheckMembershipResponse(group_exists=False)
            return membership_pb2.CheckMembershipResponse(
                group_exists=True, is_member=await store.is_member(conn, request.group_id, request.principal_id),
                kind=row["kind"], enterprise_id=row["enterprise_id"])

    # ------------------------------------------------------------------ cards

    async def on_live_event(self, event: Event, conn: asyncpg.Connection) -> None:
        """Consumer `groups--live-cards`: post the live card, or move it forward in place."""
        if event.type == subjects.LIVE_SESSION_STARTED:
            live = event.payload(live_events.SessionStarted).live
            state = pb.CARD_STATE_LIVE
        elif event.type == subjects.LIVE_SESSION_ENDED:
            live = event.payload(live_events.SessionEnded).live
            state = pb.CARD_STATE_ENDED
        else:
            return
        await self.show_card(conn, event, group_id=live.group_id, subject_id=live.id, kind=pb.CARD_KIND_LIVE,
                             state=state, title=live.title, author_id=live.host_id)

    async def show_card(self, conn: asyncpg.Connection, event: Event, *, group_id: str, subject_id: str,
                        kind: int, state: int, title: str, author_id: str) -> None:
        """Post a card for `subject_id` into the group, or advance it; events may come late or
        out of order: a card never moves backwards, and a card first seen as "ended" stays ended."""
        group = await store.get_group(conn, group_id, for_update=True)
        if group is None:
            return  # dismissed or unknown group: nothing to show
        rank = CARD_RANK[state]
        existing = await store.get_card(conn, group_id, subject_id)
        if existing is None:
            row = await store.insert_card(conn, new_id("card"), group_id, subject_id, kind, state, rank,
                                          title, author_id)
            item_id = new_id("message")
            await store.insert_timeline_card(conn, item_id, group_id, await store.next_sequence(conn, group_id),
                                             author_id, row["id"])
            change = subjects.GROUPS_CARD_POSTED
        else:
            row = await store.advance_card(conn, existing["id"], state, rank)
            if row is None:
                return  # stale: the card already shows a later state
            item_id = await store.timeline_item_of_card(conn, row["id"])
            change = subjects.GROUPS_CARD_UPDATED
        await add_event(conn, new_envelope(
            change, subject=row["id"], enterprise_id=group["enterprise_id"],
            correlation_id=event.envelope.correlation_id,
            payload=events_pb2.CardChanged(group_id=group_id, group_name=group["name"],
                                           card=store.card_from_row(row), item_id=item_id,
                                           recipient_ids=await store.member_ids(conn, group_id))))
