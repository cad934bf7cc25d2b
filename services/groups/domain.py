"""Groups' rules: internal, external and one-to-one groups, their members and owners, timelines,
and cards that only ever move forward (SPEC F-10..F-12)."""

from __future__ import annotations

import asyncpg
from nats.aio.client import Client as NATS

from convene.groups.v1 import events_pb2, membership_pb2
from convene.groups.v1 import groups_pb2 as pb
from convene.identity.v1 import authz_pb2, identity_pb2
from convene.live.v1 import events_pb2 as live_events
from services.groups import calls, cards, store
from services.groups.access import member_group
from services.groups.cards import CARD_RANK  # noqa: F401 - the card order, for callers of show_card
from services.groups.settings import GroupsSettings
from services.runtime import bus, subjects
from services.runtime.auth import Principal
from services.runtime.db import Connection
from services.runtime.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from services.runtime.events import Event, new_envelope
from services.runtime.idempotency import run_once
from services.runtime.ids import kind_of, new_id
from services.runtime.outbox import add_event
from services.runtime.pagination import decode_page_value, encode_page_token
from services.runtime.signing import ClaimsSigner


def _wechat_count(ids: list[str]) -> int:
    return sum(1 for i in ids if kind_of(i) == "wechat_user")


def _fixed_if_direct(group: asyncpg.Record) -> None:
    if group["kind"] == pb.GROUP_KIND_DIRECT:
        raise FailedPrecondition("DIRECT_CHAT_FIXED", "a one-to-one chat always holds its two people",
                                 group_id=group["id"])


def _require_owner(principal: Principal, group: asyncpg.Record) -> None:
    if group["owner_id"] != principal.id:
        raise PermissionDenied("OWNER_ONLY", "only the group's owner may do this", group_id=group["id"])


class Groups:
    def __init__(self, pool: asyncpg.Pool, nc: NATS, settings: GroupsSettings, secret: bytes) -> None:
        self._pool = pool
        self._nc = nc
        self._settings = settings
        # Only groups signs and reads invitations: its own secret.
        self._invites = ClaimsSigner(secret, purpose="group-invite", prefix="cvi1")

    # ---------------------------------------------------------------- groups

    async def create_group(self, principal: Principal, request: pb.CreateGroupRequest) -> pb.CreateGroupResponse:
        if not principal.is_member:
            raise PermissionDenied("MEMBERS_ONLY", "only members of an enterprise can create groups")
        if request.kind == pb.GROUP_KIND_DIRECT:
            raise InvalidArgument("DIRECT_CHAT_KIND", "one-to-one chats are opened with OpenDirectChat", field="kind")
        member_ids = list(dict.fromkeys([principal.id, *request.member_ids]))
        self._check_size(request.kind, len(member_ids), _wechat_count(member_ids))
        await self._check_new_members(request.kind, principal.enterprise_id, member_ids)

        async def work(conn: Connection) -> pb.CreateGroupResponse:
            row = await store.insert_group(conn, new_id("group"), request.name.strip(), request.kind,
                                           principal.enterprise_id, principal.id, member_ids)
            group = store.group_from_row(row, len(member_ids))
            await add_event(conn, new_envelope(
                subjects.GROUPS_GROUP_CREATED, subject=group.id, enterprise_id=group.enterprise_id,
                payload=events_pb2.GroupCreated(group=group, member_ids=member_ids)))
            return pb.CreateGroupResponse(group=group)

        return await run_once(self._pool, principal_id=principal.id, method="CreateGroup",
                              request_id=request.request_id, response_type=pb.CreateGroupResponse, work=work)

    def _check_size(self, kind: int, total: int, wechat_users: int) -> None:
        """SPEC F-10: WeCom's sizes, and at most N WeChat users in an external group."""
        limit = self._settings.max_members(kind)
        if total > limit:
            raise FailedPrecondition("GROUP_TOO_LARGE", f"a group of this kind holds at most {limit} members",
                                     limit=limit)
        if kind == pb.GROUP_KIND_EXTERNAL and wechat_users > self._settings.external_max_wechat_users:
            limit = self._settings.external_max_wechat_users
            raise FailedPrecondition("TOO_MANY_WECHAT_USERS",
                                     f"an external group holds at most {limit} WeChat users", limit=limit)

    async def _check_new_members(self, kind: int, enterprise_id: str, member_ids: list[str]) -> None:
        """Every id must exist; internal groups hold only members of their enterprise."""
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
            elif kind == pb.GROUP_KIND_INTERNAL and info.enterprise_id != enterprise_id:
                raise PermissionDenied("OTHER_ENTERPRISE", "internal groups hold members of one enterprise only",
                                       principal_id=info.id)

    async def get_group(self, principal: Principal, group_id: str) -> pb.Group:
        async with self._pool.acquire() as conn:
            row = await member_group(conn, principal, group_id, services_may_read=True)
            return store.group_from_row(row, await store.member_count(conn, group_id))

    async def list_my_groups(self, principal: Principal, size: int, token: str) -> pb.ListMyGroupsResponse:
        before = decode_page_value(token, "before", str, "")
        async with self._pool.acquire() as conn:
            rows = await store.my_groups_page(conn, principal.id, before, size + 1)
        response = pb.ListMyGroupsResponse(groups=[store.group_from_row(r, r["member_count"]) for r in rows[:size]])
        if len(rows) > size:
            response.next_page_token = encode_page_token({"before": rows[size - 1]["id"]})
        return response

    async def list_members(self, principal: Principal, group_id: str, size: int, token: str) -> pb.ListGroupMembersResponse:
        after = decode_page_value(token, "after", str, "")
        async with self._pool.acquire() as conn:
            await member_group(conn, principal, group_id, services_may_read=True)
            ids = await store.member_page(conn, group_id, after, size + 1)
        next_token = encode_page_token({"after": ids[size - 1]}) if len(ids) > size else ""
        return pb.ListGroupMembersResponse(member_ids=ids[:size], next_page_token=next_token)

    # ------------------------------------------------------ membership changes

    async def add_members(self, principal: Principal, group_id: str, member_ids: list[str]) -> pb.AddGroupMembersResponse:
        """SPEC F-11: members add others; WeChat users cannot (F-10)."""
        if principal.is_wechat_user:
            raise PermissionDenied("WECHAT_USER_CANNOT_ADD_MEMBERS", "WeChat users cannot add people to groups")
        member_ids = list(dict.fromkeys(member_ids))
        async with self._pool.acquire() as conn:
            group = await member_group(conn, principal, group_id)
        _fixed_if_direct(group)
        await self._check_new_members(group["kind"], group["enterprise_id"], member_ids)
        async with self._pool.acquire() as conn, conn.transaction():
            group = await member_group(conn, principal, group_id, lock=True)
            present = await store.members_among(conn, group_id, member_ids)
            added = [m for m in member_ids if m not in present]
            total, wechat_users = await store.member_counts(conn, group_id)
            if added:
                self._check_size(group["kind"], total + len(added), wechat_users + _wechat_count(added))
                await store.add_members(conn, group_id, added)
                total += len(added)
            reply = pb.AddGroupMembersResponse(group=store.group_from_row(group, total), added_ids=added)
            if added:
                await self._emit(conn, subjects.GROUPS_MEMBERS_ADDED, reply.group,
                                 events_pb2.MembersAdded(group=reply.group, added_ids=added, actor_id=principal.id))
            return reply

    async def remove_member(self, principal: Principal, group_id: str, member_id: str) -> pb.Group:
        async with self._pool.acquire() as conn, conn.transaction():
            group = await member_group(conn, principal, group_id, lock=True)
            _fixed_if_direct(group)
            _require_owner(principal, group)
            if member_id == group["owner_id"]:
                raise FailedPrecondition("OWNER_CANNOT_BE_REMOVED", "the owner transfers ownership or dismisses the group")
            if not await store.remove_member(conn, group_id, member_id):
                raise NotFound("MEMBER_NOT_FOUND", f"{member_id} is not in the group", member_id=member_id)
            reply = store.group_from_row(group, await store.member_count(conn, group_id))
            await self._emit(conn, subjects.GROUPS_MEMBERS_REMOVED, reply, events_pb2.MembersRemoved(
                group=reply, removed_ids=[member_id], actor_id=principal.id, reason=events_pb2.REMOVAL_REASON_REMOVED))
            return reply

    async def leave(self, principal: Principal, group_id: str) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            group = await member_group(conn, principal, group_id, lock=True)
            _fixed_if_direct(group)
            if group["owner_id"] == principal.id:
                raise FailedPrecondition("OWNER_MUST_TRANSFER",
                                         "the owner transfers ownership or dismisses the group before leaving")
            await store.remove_member(conn, group_id, principal.id)
            reply = store.group_from_row(group, await store.member_count(conn, group_id))
            await self._emit(conn, subjects.GROUPS_MEMBERS_REMOVED, reply, events_pb2.MembersRemoved(
                group=reply, removed_ids=[principal.id], actor_id=principal.id, reason=events_pb2.REMOVAL_REASON_LEFT))

    async def transfer_ownership(self, principal: Principal, group_id: str, new_owner_id: str) -> pb.Group:
        async with self._pool.acquire() as conn, conn.transaction():
            group = await member_group(conn, principal, group_id, lock=True)
            _fixed_if_direct(group)
            _require_owner(principal, group)
            if new_owner_id == principal.id:
                raise FailedPrecondition("ALREADY_OWNER", "the caller already owns the group")
            if kind_of(new_owner_id) == "wechat_user":
                raise FailedPrecondition("WECHAT_USER_CANNOT_OWN", "a WeChat user cannot own a group",
                                         member_id=new_owner_id)
            if not await store.is_member(conn, group_id, new_owner_id):
                raise FailedPrecondition("NEW_OWNER_NOT_IN_GROUP", "the new owner must be in the group",
                                         member_id=new_owner_id)
            row = await store.set_owner(conn, group_id, new_owner_id)
            reply = store.group_from_row(row, await store.member_count(conn, group_id))
            await self._emit(conn, subjects.GROUPS_OWNERSHIP_TRANSFERRED, reply,
                             events_pb2.OwnershipTransferred(group=reply, previous_owner_id=principal.id))
            return reply

    async def dismiss(self, principal: Principal, group_id: str) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            group = await member_group(conn, principal, group_id, lock=True)
            _fixed_if_direct(group)
            _require_owner(principal, group)
            member_ids = await store.member_ids(conn, group_id)
            await store.dismiss(conn, group_id)
            await calls.end_open_call(conn, group_id)
            reply = store.group_from_row(group, len(member_ids))
            await self._emit(conn, subjects.GROUPS_GROUP_DISMISSED, reply,
                             events_pb2.GroupDismissed(group=reply, member_ids=member_ids))

    @staticmethod
    async def _emit(conn: Connection, subject: str, group: pb.Group, payload: object) -> None:
        await add_event(conn, new_envelope(subject, subject=group.id, enterprise_id=group.enterprise_id,
                                           payload=payload))  # type: ignore[arg-type]

    # ---------------------------------------------------------------- invites

    async def create_invite(self, principal: Principal, group_id: str) -> pb.CreateGroupInviteResponse:
        if principal.is_wechat_user:
            raise PermissionDenied("WECHAT_USER_CANNOT_ADD_MEMBERS", "WeChat users cannot invite people to groups")
        async with self._pool.acquire() as conn:
            group = await member_group(conn, principal, group_id)
        _fixed_if_direct(group)
        token, expires_at = self._invites.sign({"grp": group_id, "by": principal.id},
                                               ttl_s=self._settings.invite_ttl_s)
        reply = pb.CreateGroupInviteResponse(invite_token=token)
        reply.expire_time.FromSeconds(expires_at)
        return reply

    def _read_invite(self, token: str) -> tuple[str, str]:
        return self._invites.read(token, lambda claims: (str(claims["grp"]), str(claims["by"])),
                                  name="INVITE", what="group invitation", field="invite_token")

    async def join(self, principal: Principal, token: str) -> pb.Group:
        """SPEC F-11: join with an invitation from a member who is still in the group."""
        group_id, inviter_id = self._read_invite(token)
        if principal.is_service:
            raise PermissionDenied("USERS_ONLY", "only people join groups")
        async with self._pool.acquire() as conn, conn.transaction():
            group = await store.get_group(conn, group_id, for_update=True)
            if group is None:
                raise NotFound("GROUP_NOT_FOUND", "the group no longer exists", group_id=group_id)
            total, wechat_users = await store.member_counts(conn, group_id)
            if await store.is_member(conn, group_id, principal.id):
                return store.group_from_row(group, total)
            if not await store.is_member(conn, group_id, inviter_id):
                raise FailedPrecondition("INVITE_REVOKED", "whoever invited you has left the group")
            if group["kind"] == pb.GROUP_KIND_INTERNAL:
                if principal.is_wechat_user:
                    raise PermissionDenied("WECHAT_USER_IN_INTERNAL_GROUP",
                                           "internal groups hold members of one enterprise only")
                if principal.enterprise_id != group["enterprise_id"]:
                    raise PermissionDenied("OTHER_ENTERPRISE", "internal groups hold members of one enterprise only")
            self._check_size(group["kind"], total + 1, wechat_users + int(principal.is_wechat_user))
            await store.add_members(conn, group_id, [principal.id])
            reply = store.group_from_row(group, total + 1)
            await self._emit(conn, subjects.GROUPS_MEMBERS_ADDED, reply,
                             events_pb2.MembersAdded(group=reply, added_ids=[principal.id], actor_id=principal.id))
            return reply

    # ---------------------------------------------------------- direct chats

    async def open_direct_chat(self, principal: Principal, user_id: str) -> pb.Group:
        """The one-to-one chat of two people: colleagues, or people who share a group."""
        if principal.is_service:
            raise PermissionDenied("USERS_ONLY", "only people chat")
        if user_id == principal.id:
            raise InvalidArgument("CANNOT_CHAT_WITH_SELF", "a one-to-one chat needs someone else", field="user_id")
        key = ":".join(sorted((principal.id, user_id)))
        async with self._pool.acquire() as conn:
            existing = await store.direct_chat(conn, key)
            if existing is not None:
                return store.group_from_row(existing, 2)
            answer = await bus.request(
                self._nc, subjects.IDENTITY_DESCRIBE_PRINCIPALS,
                authz_pb2.DescribePrincipalsRequest(principal_ids=[user_id]), authz_pb2.DescribePrincipalsResponse)
            other = answer.principals[0]
            if not other.exists:
                raise NotFound("PRINCIPAL_NOT_FOUND", f"{user_id} does not exist", principal_id=user_id)
            other_is_member = other.kind == identity_pb2.PRINCIPAL_KIND_MEMBER
            colleagues = principal.is_member and other_is_member and other.enterprise_id == principal.enterprise_id
            if not (principal.is_member or other_is_member) or not (
                    colleagues or await store.share_a_group(conn, principal.id, user_id)):
                raise PermissionDenied("DIRECT_CHAT_NOT_ALLOWED",
                                       "one-to-one chats are with colleagues or people you share a group with",
                                       user_id=user_id)
            enterprise_id = principal.enterprise_id if principal.is_member else other.enterprise_id
            try:
                async with conn.transaction():
                    row = await store.insert_group(conn, new_id("group"), "", pb.GROUP_KIND_DIRECT, enterprise_id,
                                                   principal.id, [principal.id, user_id], direct_key=key)
                    group = store.group_from_row(row, 2)
                    await add_event(conn, new_envelope(
                        subjects.GROUPS_GROUP_CREATED, subject=group.id, enterprise_id=enterprise_id,
                        payload=events_pb2.GroupCreated(group=group, member_ids=[principal.id, user_id])))
                    return group
            except asyncpg.UniqueViolationError:  # both opened it at the same moment
                existing = await store.direct_chat(conn, key)
                assert existing is not None, "the other open made it"
                return store.group_from_row(existing, 2)

    # ----------------------------------------------------------------- admins

    async def set_admin(self, principal: Principal, group_id: str, member_id: str, admin: bool) -> pb.Group:
        """SPEC F-15: the owner makes members group admins (they may @all and recall any message)."""
        async with self._pool.acquire() as conn, conn.transaction():
            group = await member_group(conn, principal, group_id, lock=True)
            _fixed_if_direct(group)
            _require_owner(principal, group)
            if member_id == group["owner_id"]:
                raise FailedPrecondition("ALREADY_OWNER", "the owner has every admin power already")
            if admin and kind_of(member_id) == "wechat_user":
                raise FailedPrecondition("WECHAT_USER_CANNOT_BE_ADMIN", "a WeChat user cannot be a group admin",
                                         member_id=member_id)
            if admin and not await store.is_admin(conn, group_id, member_id) and (
                    await store.admin_count(conn, group_id) >= self._settings.max_admins):
                limit = self._settings.max_admins
                raise FailedPrecondition("TOO_MANY_ADMINS", f"a group has at most {limit} admins", limit=limit)
            if not await store.set_admin(conn, group_id, member_id, admin):
                raise NotFound("MEMBER_NOT_FOUND", f"{member_id} is not in the group", member_id=member_id)
            row = await store.get_group(conn, group_id)
            assert row is not None, "the group was locked above"
            return store.group_from_row(row, await store.member_count(conn, group_id))

    async def check_membership(self, request: membership_pb2.CheckMembershipRequest) -> membership_pb2.CheckMembershipResponse:
        """Answer `groups.v1.check_membership` (one query)."""
        async with self._pool.acquire() as conn:
            row = await store.group_for(conn, request.group_id, request.principal_id)
        if row is None:
            return membership_pb2.CheckMembershipResponse(group_exists=False)
        return membership_pb2.CheckMembershipResponse(
            group_exists=True, is_member=row["is_member"], kind=row["kind"], enterprise_id=row["enterprise_id"],
            owner_id=row["owner_id"],
            wechat_user_in_external_group=(row["is_member"] and row["kind"] == pb.GROUP_KIND_EXTERNAL
                                           and kind_of(request.principal_id) == "wechat_user"))

    # ------------------------------------------------------------------ cards

    async def on_live_event(self, event: Event, conn: Connection) -> None:
        """Consumer `groups--live-cards`: post the live card, or move it forward in place
        (scheduled -> live -> ended -> replay ready / replay deleted, SPEC F-12, F-21, F-26, F-27)."""
        details = None
        if event.type == subjects.LIVE_SESSION_SCHEDULED:
            live = event.payload(live_events.SessionScheduled).live
            state = pb.CARD_STATE_SCHEDULED
            details = pb.CardDetails(start_time=live.scheduled_start_time)
        elif event.type == subjects.LIVE_SESSION_STARTED:
            live = event.payload(live_events.SessionStarted).live
            state = pb.CARD_STATE_LIVE
            details = pb.CardDetails(start_time=live.start_time)
        elif event.type == subjects.LIVE_SESSION_ENDED:
            ended = event.payload(live_events.SessionEnded)
            live = ended.live
            state = pb.CARD_STATE_ENDED  # a cancelled schedule ends its card too
            details = pb.CardDetails(duration_seconds=ended.duration_seconds, total_viewers=ended.total_viewers,
                                     peak_viewers=ended.peak_viewers)
        elif event.type in (subjects.LIVE_REPLAY_READY, subjects.LIVE_REPLAY_DELETED):
            changed = event.payload(live_events.ReplayChanged)
            live = changed.live
            state = (pb.CARD_STATE_REPLAY_READY if event.type == subjects.LIVE_REPLAY_READY
                     else pb.CARD_STATE_REPLAY_DELETED)
            if event.type == subjects.LIVE_REPLAY_READY:  # the card carries the VOD
                details = pb.CardDetails(replay_url=changed.replay.url,
                                         replay_duration_seconds=round(changed.replay.duration_ms / 1000))
        else:
            return
        await self.show_card(conn, event, group_id=live.group_id, subject_id=live.id, kind=pb.CARD_KIND_LIVE,
                             state=state, title=live.title, author_id=live.host_id, details=details)

    async def show_card(self, conn: Connection, event: Event, *, group_id: str, subject_id: str,
                        kind: int, state: int, title: str, author_id: str,
                        details: pb.CardDetails | None = None) -> None:
        """Post a card for `subject_id` into the group, or advance it; events may come late or
        out of order: a card never moves backwards, and a card first seen as "ended" stays ended.
        The state belongs to the subject, so forwarded copies in other groups move with it
        (each group's members are notified). `details` adds figures (start time, duration,
        viewers); figures left zero keep what earlier events said."""
        await cards.show(conn, event, group_id=group_id, subject_id=subject_id, kind=kind, state=state,
                         title=title, author_id=author_id, details=details)

