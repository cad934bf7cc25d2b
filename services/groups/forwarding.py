"""Forwarding cards (SPEC F-13, F-24): to another group, to a one-to-one chat, out to WeChat as a
signed share link; each forward is recorded (who, from which group, to where, through which
earlier forward) and counts the viewers it brought from live's join events."""

from __future__ import annotations

import asyncpg

from convene.groups.v1 import events_pb2
from convene.groups.v1 import groups_pb2 as pb
from convene.live.v1 import events_pb2 as live_events
from services.groups import card_store, cards, store
from services.groups.domain import Groups
from services.groups.settings import GroupsSettings
from services.runtime import subjects
from services.runtime.auth import Principal
from services.runtime.db import Connection
from services.runtime.errors import InvalidArgument, NotFound, PermissionDenied
from services.runtime.events import Event, new_envelope
from services.runtime.idempotency import run_once
from services.runtime.ids import new_id
from services.runtime.logs import get_logger
from services.runtime.outbox import add_event
from services.runtime.pagination import decode_page_value, encode_page_token
from services.runtime.share_links import ShareLinks

log = get_logger(__name__)


async def _visible_card(conn: Connection, principal: Principal, card_id: str) -> asyncpg.Record:
    """The card with its subject, if the principal can see it (is in the card's group)."""
    row = await card_store.readable_card(conn, card_id, principal.id)
    if row is None:
        raise NotFound("CARD_NOT_FOUND", "no such card", card_id=card_id)
    if not row["is_member"]:
        raise PermissionDenied("NOT_GROUP_MEMBER", "only members of the card's group can see or forward it",
                               card_id=card_id)
    return row


async def _record(conn: Connection, principal: Principal, source: asyncpg.Record, target: int,
                  target_group_id: str | None, enterprise_id: str) -> pb.Forward:
    row = await card_store.insert_forward(
        conn, new_id("forward"), card_id=source["card_id"], subject_id=source["subject_id"],
        sharer_id=principal.id, from_group_id=source["group_id"], target=target, target_group_id=target_group_id,
        parent_forward_id=source["card_forward_id"])
    forward = card_store.forward_from_row(row)
    await add_event(conn, new_envelope(
        subjects.GROUPS_CARD_FORWARDED, subject=forward.id, enterprise_id=enterprise_id,
        correlation_id=forward.subject_id, payload=events_pb2.CardForwarded(forward=forward)))
    return forward


class Forwarding:
    def __init__(self, pool: asyncpg.Pool, groups: Groups, settings: GroupsSettings, links: ShareLinks) -> None:
        self._pool = pool
        self._groups = groups
        self._links = links
        self._link_ttl_s = settings.share_link_ttl_s

    async def forward(self, principal: Principal, request: pb.ForwardCardRequest) -> pb.ForwardCardResponse:
        async with self._pool.acquire() as conn:
            source = await _visible_card(conn, principal, request.card_id)
        if request.WhichOneof("target") == "target_user_id":
            target_group_id = (await self._groups.open_direct_chat(principal, request.target_user_id)).id
        else:
            target_group_id = request.target_group_id
        if target_group_id == source["group_id"]:
            raise InvalidArgument("FORWARD_TO_SAME_GROUP", "the card is already in that group",
                                  field="target_group_id")

        async def work(conn: Connection) -> pb.ForwardCardResponse:
            source = await _visible_card(conn, principal, request.card_id)
            # The subject as it is now, held still until commit: the copy shows the current state,
            # and a change right after it finds the copy and reaches this group too.
            subject = await card_store.get_subject(conn, source["subject_id"], share_lock=True)
            assert subject is not None, "a visible card has its subject"
            target = await store.group_with_members(conn, target_group_id)
            if target is None:
                raise NotFound("GROUP_NOT_FOUND", "no such group", group_id=target_group_id)
            if principal.id not in target["member_ids"]:
                raise PermissionDenied("NOT_TARGET_GROUP_MEMBER", "you can forward only into groups you are in",
                                       group_id=target_group_id)
            kind = pb.FORWARD_TARGET_DIRECT_CHAT if target["kind"] == pb.GROUP_KIND_DIRECT else pb.FORWARD_TARGET_GROUP
            forward = await _record(conn, principal, source, kind, target_group_id, target["enterprise_id"])
            card_id = new_id("card")
            if not await card_store.insert_card(conn, card_id, target_group_id, forward.subject_id, forward.id):
                card_id = await card_store.card_id_in(conn, target_group_id, forward.subject_id)
            item = await cards.post_entry(conn, target, card_store.card_from_row(card_id, subject), principal.id,
                                          correlation_id=forward.subject_id, forward_id=forward.id)
            return pb.ForwardCardResponse(forward=forward, item=item)

        return await run_once(self._pool, principal_id=principal.id, method="ForwardCard",
                              request_id=request.request_id, response_type=pb.ForwardCardResponse, work=work)

    async def share_link(self, principal: Principal, request: pb.CreateShareLinkRequest) -> pb.CreateShareLinkResponse:
        """A signed link for WeChat; its share id is the forward's id (runtime.share_links)."""

        async def work(conn: Connection) -> pb.CreateShareLinkResponse:
            source = await _visible_card(conn, principal, request.card_id)
            group = await store.get_group(conn, source["group_id"])
            assert group is not None, "a visible card's group exists"
            forward = await _record(conn, principal, source, pb.FORWARD_TARGET_WECHAT, None, group["enterprise_id"])
            url, token, expires_at = self._links.mint(share_id=forward.id, subject_id=forward.subject_id,
                                                      sharer_id=principal.id, ttl_s=self._link_ttl_s)
            reply = pb.CreateShareLinkResponse(forward=forward, url=url, token=token)
            reply.expire_time.FromSeconds(expires_at)
            return reply

        return await run_once(self._pool, principal_id=principal.id, method="CreateShareLink",
                              request_id=request.request_id, response_type=pb.CreateShareLinkResponse, work=work)

    async def list_forwards(self, principal: Principal, card_id: str, size: int, token: str) -> pb.ListCardForwardsResponse:
        """The subject's author sees every forward of it; anyone else who sees the card, their own."""
        after = decode_page_value(token, "after", str, "")
        async with self._pool.acquire() as conn:
            source = await _visible_card(conn, principal, card_id)
            sharer = None if principal.id == source["author_id"] else principal.id
            rows = await card_store.forward_page(conn, source["subject_id"], sharer, after, size + 1)
        response = pb.ListCardForwardsResponse(forwards=[card_store.forward_from_row(r) for r in rows[:size]])
        if len(rows) > size:
            response.next_page_token = encode_page_token({"after": rows[size - 1]["id"]})
        return response

    async def on_viewer_joined(self, event: Event, conn: Connection) -> None:
        """Consumer `groups--share-viewers`: a viewer joined a live through a forward or share link."""
        joined = event.payload(live_events.ViewerJoined)
        if not joined.share_id:
            return
        if not await card_store.count_viewer(conn, joined.share_id, joined.live_id, joined.viewer_id):
            log.debug("viewer not counted (seen before, or not a forward of this live)", share_id=joined.share_id)
