"""WeChat users, external contacts, contact cards, service menus and handover (SPEC F-03, F-04).
Identity alone over real NATS and PostgreSQL, one system for the module."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest

from convene.identity.v1 import events_pb2
from convene.identity.v1 import identity_pb2 as pb
from services.runtime import subjects
from tests.harness import EventTap, Org, System, bearer, eventually, module_system, refused, request_id

MENU = [
    pb.ServiceMenuEntry(title="Book service", kind=pb.SERVICE_MENU_ENTRY_KIND_URL, target="https://acme.example/book"),
    pb.ServiceMenuEntry(title="Track order", kind=pb.SERVICE_MENU_ENTRY_KIND_MINI_PROGRAM,
                        target="wx1234567890/pages/orders"),
    pb.ServiceMenuEntry(title="Invoices", kind=pb.SERVICE_MENU_ENTRY_KIND_URL, target="https://acme.example/inv"),
]


@pytest.fixture(scope="module")
async def system(postgres, tmp_path_factory) -> AsyncIterator[System]:
    async with module_system(postgres, tmp_path_factory.mktemp("identity-contacts"), "identity") as running:
        yield running


@pytest.fixture(scope="module")
async def tap(system: System) -> AsyncIterator[EventTap]:
    events = await EventTap(system.nats_url, "identity.v1.contact.*", "identity.v1.contacts.*").start()
    yield events
    await events.close()


async def add_contact(system: System, org: Org, member_id: str, wechat_user_id: str,
                      rid: str = "") -> pb.AddExternalContactResponse:
    return await system.stub("identity").AddExternalContact(pb.AddExternalContactRequest(
        request_id=rid or request_id(), member_id=member_id, wechat_user_id=wechat_user_id),
        metadata=bearer(org.tokens[member_id]))


async def contacts_of(system: System, token: str, member_id: str) -> list[str]:
    ids, page_token = [], ""
    while True:
        page = await system.stub("identity").ListExternalContacts(pb.ListExternalContactsRequest(
            member_id=member_id, page_size=2, page_token=page_token), metadata=bearer(token))
        ids += [c.wechat_user_id for c in page.contacts]
        page_token = page.next_page_token
        if not page_token:
            return ids


async def added_by(system: System, token: str, wechat_user_id: str) -> list[pb.ContactMember]:
    page = await system.stub("identity").ListWeChatUserContacts(
        pb.ListWeChatUserContactsRequest(wechat_user_id=wechat_user_id), metadata=bearer(token))
    return list(page.members)


async def test_a_member_adds_and_removes_external_contacts(system: System, tap: EventTap) -> None:
    identity = system.stub("identity")
    org = await system.create_org(members=2)
    sales, other = org.member_ids
    users = [await system.create_wechat_user() for _ in range(3)]
    (w1, w1_token), (w2, _), (w3, _) = users

    rid = request_id()
    first = await add_contact(system, org, sales, w1, rid)
    assert (first.contact.member_id, first.contact.wechat_user_id, first.contact.enterprise_id) == (
        sales, w1, org.enterprise_id)
    assert first.contact.wechat_user_display_name == "outside friend"
    assert await add_contact(system, org, sales, w1, rid) == first  # same request_id: the first result
    assert await refused(add_contact(system, org, sales, w1)) == (grpc.StatusCode.ALREADY_EXISTS, "CONTACT_EXISTS")
    await add_contact(system, org, sales, w2)
    await add_contact(system, org, sales, w3)
    await add_contact(system, org, other, w1)
    assert await contacts_of(system, org.tokens[sales], sales) == sorted([w1, w2, w3])
    assert await contacts_of(system, org.tokens[org.admin_id], sales) == sorted([w1, w2, w3])  # an admin too

    # The WeChat user sees who added them, with the enterprise that vouches for them.
    seen = await added_by(system, w1_token, w1)
    assert sorted(m.member_id for m in seen) == sorted([sales, other])
    assert all(m.enterprise_name == "Acme" and m.enterprise_verified for m in seen)

    # Nobody manages another's contacts or reads another's list.
    assert await refused(identity.AddExternalContact(pb.AddExternalContactRequest(
        request_id=request_id(), member_id=sales, wechat_user_id=w2), metadata=bearer(org.tokens[other]))) == (
        grpc.StatusCode.PERMISSION_DENIED, "OWN_CONTACTS_ONLY")
    assert await refused(identity.ListExternalContacts(pb.ListExternalContactsRequest(member_id=sales),
                                                       metadata=bearer(org.tokens[other]))) == (
        grpc.StatusCode.PERMISSION_DENIED, "ADMIN_ONLY")
    assert await refused(identity.ListWeChatUserContacts(pb.ListWeChatUserContactsRequest(wechat_user_id=w2),
                                                         metadata=bearer(w1_token))) == (
        grpc.StatusCode.PERMISSION_DENIED, "OWN_CONTACTS_ONLY")

    await identity.RemoveExternalContact(pb.RemoveExternalContactRequest(member_id=sales, wechat_user_id=w1),
                                         metadata=bearer(org.tokens[sales]))
    assert await contacts_of(system, org.tokens[sales], sales) == sorted([w2, w3])
    assert [m.member_id for m in await added_by(system, w1_token, w1)] == [other]
    assert await refused(identity.RemoveExternalContact(pb.RemoveExternalContactRequest(
        member_id=sales, wechat_user_id=w1), metadata=bearer(org.tokens[sales]))) == (
        grpc.StatusCode.NOT_FOUND, "CONTACT_NOT_FOUND")

    async def announced() -> bool:
        added = tap.of_type(subjects.IDENTITY_CONTACT_ADDED, sales) + tap.of_type(subjects.IDENTITY_CONTACT_ADDED, other)
        return len(added) == 4 and bool(tap.of_type(subjects.IDENTITY_CONTACT_REMOVED, sales))

    await eventually(announced, what="contact.added x4 and contact.removed")
    added = next(e for e in tap.of_type(subjects.IDENTITY_CONTACT_ADDED, sales)
                 if e.payload(events_pb2.ContactAdded).contact.wechat_user_id == w1)
    assert added.payload(events_pb2.ContactAdded).member_display_name == "member 1"
    assert added.envelope.enterprise_id == org.enterprise_id


async def test_a_wechat_user_is_visible_to_members_who_added_them_only(system: System) -> None:
    identity = system.stub("identity")
    org = await system.create_org(members=2)
    friend, friend_token = await system.create_wechat_user()
    await add_contact(system, org, org.member_ids[0], friend)
    for token in (friend_token, org.tokens[org.member_ids[0]], system.operator_token):
        got = await identity.GetWeChatUser(pb.GetWeChatUserRequest(wechat_user_id=friend), metadata=bearer(token))
        assert got.wechat_user.id == friend
    assert await refused(identity.GetWeChatUser(pb.GetWeChatUserRequest(wechat_user_id=friend),
                                                metadata=bearer(org.tokens[org.member_ids[1]]))) == (
        grpc.StatusCode.PERMISSION_DENIED, "NOT_A_CONTACT")


async def test_the_contact_card_shows_the_enterprise_badge_and_service_menu(system: System) -> None:
    identity = system.stub("identity")
    org = await system.create_org(members=2)
    member, colleague = org.member_ids
    customer, customer_token = await system.create_wechat_user()
    _stranger_id, stranger_token = await system.create_wechat_user()
    outsider = await system.create_org(members=0)
    await add_contact(system, org, member, customer)

    # Admins edit the ordered menu; plain members cannot.
    assert await refused(identity.UpdateServiceMenu(pb.UpdateServiceMenuRequest(
        enterprise_id=org.enterprise_id, entries=MENU), metadata=bearer(org.tokens[member]))) == (
        grpc.StatusCode.PERMISSION_DENIED, "ADMIN_ONLY")
    updated = await identity.UpdateServiceMenu(pb.UpdateServiceMenuRequest(
        enterprise_id=org.enterprise_id, entries=MENU), metadata=bearer(org.tokens[org.admin_id]))
    assert list(updated.entries) == MENU
    reordered = [MENU[2], MENU[0]]
    await identity.UpdateServiceMenu(pb.UpdateServiceMenuRequest(enterprise_id=org.enterprise_id, entries=reordered),
                                     metadata=bearer(org.tokens[org.admin_id]))
    menu = await identity.GetServiceMenu(pb.GetServiceMenuRequest(enterprise_id=org.enterprise_id),
                                         metadata=bearer(org.tokens[colleague]))
    assert list(menu.entries) == reordered

    # The customer (an external contact) and colleagues see the card.
    for token in (customer_token, org.tokens[colleague]):
        card = (await identity.GetContactCard(pb.GetContactCardRequest(member_id=member),
                                              metadata=bearer(token))).card
        assert (card.member_id, card.display_name, card.department) == (member, "member 1", "sales")
        assert (card.enterprise_id, card.enterprise_name, card.enterprise_verified) == (
            org.enterprise_id, "Acme", True)
        assert card.real_name_verified and list(card.service_menu) == reordered

    # A WeChat user who is not their contact, or a member of another enterprise, does not.
    assert await refused(identity.GetContactCard(pb.GetContactCardRequest(member_id=member),
                                                 metadata=bearer(stranger_token))) == (
        grpc.StatusCode.PERMISSION_DENIED, "NOT_A_CONTACT")
    assert await refused(identity.GetContactCard(pb.GetContactCardRequest(member_id=member),
                                                 metadata=bearer(outsider.tokens[outsider.admin_id]))) == (
        grpc.StatusCode.PERMISSION_DENIED, "OTHER_ENTERPRISE")

    # The badge follows verification: the official-account path shows the same badge.
    operator = bearer(system.operator_token)
    await identity.UnverifyEnterprise(pb.UnverifyEnterpriseRequest(enterprise_id=org.enterprise_id), metadata=operator)
    card = (await identity.GetContactCard(pb.GetContactCardRequest(member_id=member),
                                          metadata=bearer(customer_token))).card
    assert not card.enterprise_verified
    await identity.VerifyEnterprise(pb.VerifyEnterpriseRequest(
        enterprise_id=org.enterprise_id, method=pb.VERIFICATION_METHOD_OFFICIAL_ACCOUNT,
        official_account_id="gh_acme"), metadata=operator)
    card = (await identity.GetContactCard(pb.GetContactCardRequest(member_id=member),
                                          metadata=bearer(customer_token))).card
    assert card.enterprise_verified


async def test_a_leavers_customers_are_handed_over_and_told(system: System, tap: EventTap) -> None:
    identity = system.stub("identity")
    org = await system.create_org(members=3)
    leaver, successor, colleague = org.member_ids
    admin = bearer(org.tokens[org.admin_id])
    customers = [await system.create_wechat_user() for _ in range(3)]
    customer_ids = sorted(c for c, _ in customers)
    for customer, _ in customers:
        await add_contact(system, org, leaver, customer)
    await add_contact(system, org, successor, customer_ids[0])  # already knew one of them

    await identity.RemoveMember(pb.RemoveMemberRequest(member_id=leaver), metadata=admin)
    assert await contacts_of(system, org.tokens[org.admin_id], leaver) == customer_ids  # waiting for a handover
    assert await refused(identity.GetContactCard(pb.GetContactCardRequest(member_id=leaver),
                                                 metadata=bearer(customers[0][1]))) == (
        grpc.StatusCode.NOT_FOUND, "MEMBER_REMOVED")

    # Only an admin hands over, and only to a current member of the same enterprise.
    assert await refused(identity.HandOverContacts(pb.HandOverContactsRequest(
        request_id=request_id(), from_member_id=leaver, to_member_id=colleague),
        metadata=bearer(org.tokens[colleague]))) == (grpc.StatusCode.PERMISSION_DENIED, "ADMIN_ONLY")
    other_org = await system.create_org(members=0)
    assert await refused(identity.HandOverContacts(pb.HandOverContactsRequest(
        request_id=request_id(), from_member_id=leaver, to_member_id=other_org.admin_id), metadata=admin)) == (
        grpc.StatusCode.PERMISSION_DENIED, "OTHER_ENTERPRISE")

    request = pb.HandOverContactsRequest(request_id=request_id(), from_member_id=leaver, to_member_id=successor)
    handed = await identity.HandOverContacts(request, metadata=admin)
    assert handed.handed_over_count == 3 and handed.handover_id.startswith("hov_")
    assert await identity.HandOverContacts(request, metadata=admin) == handed  # a retry: the first result

    assert await contacts_of(system, org.tokens[successor], successor) == customer_ids
    assert await contacts_of(system, org.tokens[org.admin_id], leaver) == []
    for customer, token in customers:
        assert [m.member_id for m in await added_by(system, token, customer)] == [successor]
        card = await identity.GetContactCard(pb.GetContactCardRequest(member_id=successor), metadata=bearer(token))
        assert card.card.enterprise_name == "Acme"

    async def announced() -> bool:
        return bool(tap.of_type(subjects.IDENTITY_CONTACTS_HANDED_OVER, leaver))

    await eventually(announced, what="contacts.handed_over")
    events = tap.of_type(subjects.IDENTITY_CONTACTS_HANDED_OVER, leaver)
    assert len(events) == 1  # the retry announced nothing
    payload = events[0].payload(events_pb2.ContactsHandedOver)
    # Everything notifications needs to tell each customer, without asking identity.
    assert list(payload.wechat_user_ids) == customer_ids
    assert (payload.from_member_id, payload.from_display_name) == (leaver, "member 1")
    assert (payload.to_member_id, payload.to_display_name) == (successor, "member 2")
    assert (payload.enterprise_id, payload.enterprise_name) == (org.enterprise_id, "Acme")
    assert payload.handover_id == handed.handover_id

    # Handing over to someone who left is refused.
    await identity.RemoveMember(pb.RemoveMemberRequest(member_id=colleague), metadata=admin)
    assert await refused(identity.HandOverContacts(pb.HandOverContactsRequest(
        request_id=request_id(), from_member_id=successor, to_member_id=colleague), metadata=admin)) == (
        grpc.StatusCode.FAILED_PRECONDITION, "MEMBER_REMOVED")
