"""External contacts, contact cards, service menus and handover (SPEC F-03, F-04).

Who sees a member's contact card: the WeChat users who are that member's external contacts, any
member of the same enterprise, and the platform. Identity cannot know who shares an external
group with the member (groups owns that), so sharing a group alone does not show the card.
"""

from __future__ import annotations

import asyncpg

from convene.identity.v1 import events_pb2
from convene.identity.v1 import identity_pb2 as pb
from services.identity import access, store
from services.identity.domain import next_token, page_after, require_active
from services.runtime import subjects
from services.runtime.auth import Principal
from services.runtime.db import Connection
from services.runtime.errors import AlreadyExists, NotFound, PermissionDenied
from services.runtime.events import new_envelope, timestamp
from services.runtime.idempotency import run_once
from services.runtime.ids import new_id
from services.runtime.outbox import add_event

# WeChat user ids per contacts.handed_over event: a large handover becomes several small events.
HANDOVER_EVENT_BATCH = 1000


def _require_self_or_service(principal: Principal, member_id: str) -> None:
    if not (principal.is_service or principal.id == member_id):
        raise PermissionDenied("OWN_CONTACTS_ONLY", "a member manages their own external contacts")


class Contacts:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    # ------------------------------------------------------------------------ external contacts

    async def add_contact(self, principal: Principal, request_id: str, member_id: str,
                          wechat_user_id: str) -> pb.AddExternalContactResponse:
        _require_self_or_service(principal, member_id)

        async def work(conn: Connection) -> pb.AddExternalContactResponse:
            member = await access.member(conn, member_id, include_removed=True)
            require_active(member)
            await access.wechat_user(conn, wechat_user_id)
            row = await store.insert_contact(conn, member_id, wechat_user_id, member["enterprise_id"])
            if row is None:
                raise AlreadyExists("CONTACT_EXISTS", "this WeChat user is already an external contact",
                                    wechat_user_id=wechat_user_id)
            contact = store.contact_from_row(row)
            await add_event(conn, new_envelope(
                subjects.IDENTITY_CONTACT_ADDED, subject=member_id, enterprise_id=contact.enterprise_id,
                payload=events_pb2.ContactAdded(contact=contact, member_display_name=member["display_name"])))
            return pb.AddExternalContactResponse(contact=contact)

        return await run_once(self._pool, principal_id=principal.id, method="AddExternalContact",
                              request_id=request_id, response_type=pb.AddExternalContactResponse, work=work)

    async def remove_contact(self, principal: Principal, member_id: str, wechat_user_id: str) -> None:
        _require_self_or_service(principal, member_id)
        async with self._pool.acquire() as conn, conn.transaction():
            member = await access.member(conn, member_id, include_removed=True)
            if not await store.delete_contact(conn, member_id, wechat_user_id):
                raise NotFound("CONTACT_NOT_FOUND", "this WeChat user is not an external contact",
                               wechat_user_id=wechat_user_id)
            await add_event(conn, new_envelope(
                subjects.IDENTITY_CONTACT_REMOVED, subject=member_id, enterprise_id=member["enterprise_id"],
                payload=events_pb2.ContactRemoved(member_id=member_id, wechat_user_id=wechat_user_id,
                                                  enterprise_id=member["enterprise_id"])))

    async def list_contacts(self, principal: Principal, member_id: str, size: int,
                            token: str) -> pb.ListExternalContactsResponse:
        """The member, an admin of their enterprise (before a handover), or the platform."""
        after = page_after(token)
        async with self._pool.acquire() as conn:
            member = await access.member(conn, member_id, include_removed=True)
            if principal.id != member_id:
                await access.require_admin_of(conn, principal, member["enterprise_id"])
            rows = await store.contact_page(conn, member_id, after, size + 1)
        return pb.ListExternalContactsResponse(contacts=[store.contact_from_row(r) for r in rows[:size]],
                                               next_page_token=next_token(rows, size, "wechat_user_id"))

    async def list_wechat_user_contacts(self, principal: Principal, wechat_user_id: str, size: int,
                                        token: str) -> pb.ListWeChatUserContactsResponse:
        """Which members have added this WeChat user (current members only)."""
        if not (principal.is_service or principal.id == wechat_user_id):
            raise PermissionDenied("OWN_CONTACTS_ONLY", "a WeChat user sees only their own contacts")
        after = page_after(token)
        async with self._pool.acquire() as conn:
            await access.wechat_user(conn, wechat_user_id)
            rows = await store.contact_member_page(conn, wechat_user_id, after, size + 1)
        members = [pb.ContactMember(
            member_id=r["member_id"], display_name=r["display_name"], enterprise_id=r["enterprise_id"],
            enterprise_name=r["enterprise_name"], enterprise_verified=r["enterprise_verified"],
            add_time=timestamp(r["added_at"])) for r in rows[:size]]
        return pb.ListWeChatUserContactsResponse(members=members, next_page_token=next_token(rows, size, "member_id"))

    # ------------------------------------------------------------------------------ contact card

    async def contact_card(self, principal: Principal, member_id: str) -> pb.ContactCard:
        async with self._pool.acquire() as conn:
            row = await store.member_with_enterprise(conn, member_id)
            if row is None:
                raise NotFound("MEMBER_NOT_FOUND", "no such member", member_id=member_id)
            if row["removed_at"] is not None:
                # Their customers were (or will be) handed over to a colleague.
                raise NotFound("MEMBER_REMOVED", "this member has left the enterprise", member_id=member_id)
            if principal.is_wechat_user:
                if await store.get_contact(conn, member_id, principal.id) is None:
                    raise PermissionDenied("NOT_A_CONTACT", "only the member's external contacts see this card")
            else:
                access.require_same_enterprise(principal, row["enterprise_id"])
            menu = await store.menu_entries(conn, row["enterprise_id"])
        return pb.ContactCard(
            member_id=member_id, display_name=row["display_name"], department=row["department"],
            real_name_verified=row["real_name_verified"], enterprise_id=row["enterprise_id"],
            enterprise_name=row["enterprise_name"], enterprise_verified=row["enterprise_verified"],
            enterprise_individual=row["individual"], service_menu=[store.menu_entry_from_row(m) for m in menu],
        )

    # ------------------------------------------------------------------------------ service menu

    async def get_menu(self, principal: Principal, enterprise_id: str) -> list[pb.ServiceMenuEntry]:
        access.require_same_enterprise(principal, enterprise_id)
        async with self._pool.acquire() as conn:
            await access.enterprise(conn, enterprise_id)
            return [store.menu_entry_from_row(r) for r in await store.menu_entries(conn, enterprise_id)]

    async def update_menu(self, principal: Principal, enterprise_id: str,
                          entries: list[pb.ServiceMenuEntry]) -> list[pb.ServiceMenuEntry]:
        async with self._pool.acquire() as conn, conn.transaction():
            await access.enterprise(conn, enterprise_id, for_update=True)
            await access.require_admin_of(conn, principal, enterprise_id)
            await store.replace_menu(conn, enterprise_id, entries)
            return [store.menu_entry_from_row(r) for r in await store.menu_entries(conn, enterprise_id)]

    # ---------------------------------------------------------------------------------- handover

    async def hand_over(self, principal: Principal, request_id: str, from_member_id: str,
                        to_member_id: str) -> pb.HandOverContactsResponse:
        """Every WeChat user of from_member becomes to_member's contact (a user who had both
        keeps one relationship) and is told so through identity.v1.contacts.handed_over."""

        async def work(conn: Connection) -> pb.HandOverContactsResponse:
            source = await access.member(conn, from_member_id, include_removed=True)
            enterprise_id = source["enterprise_id"]
            await access.require_admin_of(conn, principal, enterprise_id)
            target = await access.member(conn, to_member_id, include_removed=True)
            if target["enterprise_id"] != enterprise_id:
                raise PermissionDenied("OTHER_ENTERPRISE", "contacts are handed over inside one enterprise",
                                       member_id=to_member_id)
            require_active(target)
            enterprise = await access.enterprise(conn, enterprise_id)
            wechat_user_ids = await store.hand_over_contacts(conn, from_member_id, to_member_id)
            handover_id = new_id("handover")
            for start in range(0, len(wechat_user_ids), HANDOVER_EVENT_BATCH):
                await add_event(conn, new_envelope(
                    subjects.IDENTITY_CONTACTS_HANDED_OVER, subject=from_member_id, enterprise_id=enterprise_id,
                    correlation_id=handover_id, payload=events_pb2.ContactsHandedOver(
                        handover_id=handover_id, enterprise_id=enterprise_id, enterprise_name=enterprise["name"],
                        from_member_id=from_member_id, from_display_name=source["display_name"],
                        to_member_id=to_member_id, to_display_name=target["display_name"],
                        wechat_user_ids=wechat_user_ids[start:start + HANDOVER_EVENT_BATCH])))
            return pb.HandOverContactsResponse(handed_over_count=len(wechat_user_ids), handover_id=handover_id)

        return await run_once(self._pool, principal_id=principal.id, method="HandOverContacts",
                              request_id=request_id, response_type=pb.HandOverContactsResponse, work=work)
