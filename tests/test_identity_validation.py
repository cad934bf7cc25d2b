"""Bad input on every IdentityService RPC (empty, oversized, wrong ids, unknown enum values,
bytes that are no message) gets INVALID_ARGUMENT or NOT_FOUND with a reason, never UNKNOWN."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest
from google.protobuf import field_mask_pb2

from convene.identity.v1 import identity_pb2 as pb
from services.identity.service import SERVICE_NAME
from services.runtime.ids import new_id
from tests.harness import System, bearer, error_reason, forged_page_token, module_system, request_id

INVALID, NOT_FOUND = grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND
LONG = "x" * 5000
# A page token of the right shape holding a position the server never wrote.
FORGED_PAGE = forged_page_token({"after": 5})
RPCS = [m.name for m in pb.DESCRIPTOR.services_by_name["IdentityService"].methods]


@pytest.fixture(scope="module")
async def system(postgres, tmp_path_factory) -> AsyncIterator[System]:
    async with module_system(postgres, tmp_path_factory.mktemp("identity-validation"), "identity") as running:
        yield running


def cases(ent: str, member: str, wechat: str) -> list[tuple[str, object, grpc.StatusCode, str]]:
    """(rpc, request, code, reason) with real ids of one enterprise, member and WeChat user."""
    unknown_ent, unknown_member, unknown_wechat = new_id("enterprise"), new_id("member"), new_id("wechat_user")
    url = pb.SERVICE_MENU_ENTRY_KIND_URL

    def menu(*entries: pb.ServiceMenuEntry) -> pb.UpdateServiceMenuRequest:
        return pb.UpdateServiceMenuRequest(enterprise_id=ent, entries=entries)

    def update(paths: list[str], **fields: object) -> pb.UpdateMemberRequest:
        return pb.UpdateMemberRequest(member=pb.Member(**{"id": member, **fields}),
                                      update_mask=field_mask_pb2.FieldMask(paths=paths))

    return [
        ("CreateEnterprise", pb.CreateEnterpriseRequest(name="Acme"), INVALID, "FIELD_REQUIRED"),
        ("CreateEnterprise", pb.CreateEnterpriseRequest(request_id=request_id(), name="  "), INVALID, "FIELD_REQUIRED"),
        ("CreateEnterprise", pb.CreateEnterpriseRequest(request_id=request_id(), name=LONG), INVALID, "FIELD_TOO_LONG"),
        ("CreateEnterprise", pb.CreateEnterpriseRequest(request_id=LONG, name="Acme"), INVALID, "FIELD_TOO_LONG"),
        ("GetEnterprise", pb.GetEnterpriseRequest(), INVALID, "FIELD_REQUIRED"),
        ("GetEnterprise", pb.GetEnterpriseRequest(enterprise_id=member), INVALID, "MALFORMED_ID"),
        ("GetEnterprise", pb.GetEnterpriseRequest(enterprise_id="ent_nope"), INVALID, "MALFORMED_ID"),
        ("GetEnterprise", pb.GetEnterpriseRequest(enterprise_id=unknown_ent), NOT_FOUND, "ENTERPRISE_NOT_FOUND"),
        ("ListEnterprises", pb.ListEnterprisesRequest(page_size=-1), INVALID, "INVALID_PAGE_SIZE"),
        ("ListEnterprises", pb.ListEnterprisesRequest(page_token="not-a-token"), INVALID, "INVALID_PAGE_TOKEN"),
        ("ListEnterprises", pb.ListEnterprisesRequest(page_token=FORGED_PAGE), INVALID, "INVALID_PAGE_TOKEN"),
        ("VerifyEnterprise", pb.VerifyEnterpriseRequest(enterprise_id=ent), INVALID, "INVALID_ENUM_VALUE"),
        ("VerifyEnterprise", pb.VerifyEnterpriseRequest(enterprise_id=ent, method=99), INVALID, "INVALID_ENUM_VALUE"),
        ("VerifyEnterprise", pb.VerifyEnterpriseRequest(
            enterprise_id=ent, method=pb.VERIFICATION_METHOD_OFFICIAL_ACCOUNT), INVALID, "FIELD_REQUIRED"),
        ("VerifyEnterprise", pb.VerifyEnterpriseRequest(
            enterprise_id=ent, method=pb.VERIFICATION_METHOD_OFFICIAL_ACCOUNT, official_account_id=LONG),
         INVALID, "FIELD_TOO_LONG"),
        ("VerifyEnterprise", pb.VerifyEnterpriseRequest(
            enterprise_id=ent, method=pb.VERIFICATION_METHOD_DIRECT, official_account_id="gh_x"),
         INVALID, "FIELD_NOT_ALLOWED"),
        ("VerifyEnterprise", pb.VerifyEnterpriseRequest(
            enterprise_id=unknown_ent, method=pb.VERIFICATION_METHOD_DIRECT), NOT_FOUND, "ENTERPRISE_NOT_FOUND"),
        ("UnverifyEnterprise", pb.UnverifyEnterpriseRequest(), INVALID, "FIELD_REQUIRED"),
        ("UnverifyEnterprise", pb.UnverifyEnterpriseRequest(enterprise_id=ent, reason=LONG), INVALID, "FIELD_TOO_LONG"),
        ("UnverifyEnterprise", pb.UnverifyEnterpriseRequest(enterprise_id=unknown_ent), NOT_FOUND,
         "ENTERPRISE_NOT_FOUND"),
        ("AddMember", pb.AddMemberRequest(request_id=request_id(), enterprise_id=ent, display_name="A"),
         INVALID, "INVALID_ENUM_VALUE"),
        ("AddMember", pb.AddMemberRequest(request_id=request_id(), enterprise_id=ent, display_name="A", role=7),
         INVALID, "INVALID_ENUM_VALUE"),
        ("AddMember", pb.AddMemberRequest(request_id=request_id(), enterprise_id=ent, role=1),
         INVALID, "FIELD_REQUIRED"),
        ("AddMember", pb.AddMemberRequest(request_id=request_id(), enterprise_id=ent, display_name="A", role=1,
                                          department=LONG), INVALID, "FIELD_TOO_LONG"),
        ("AddMember", pb.AddMemberRequest(request_id=request_id(), enterprise_id=wechat, display_name="A", role=1),
         INVALID, "MALFORMED_ID"),
        ("AddMember", pb.AddMemberRequest(request_id=request_id(), enterprise_id=unknown_ent, display_name="A",
                                          role=1), NOT_FOUND, "ENTERPRISE_NOT_FOUND"),
        ("GetMember", pb.GetMemberRequest(member_id=wechat), INVALID, "MALFORMED_ID"),
        ("GetMember", pb.GetMemberRequest(member_id=unknown_member), NOT_FOUND, "MEMBER_NOT_FOUND"),
        ("UpdateMember", update([], display_name="B"), INVALID, "FIELD_REQUIRED"),
        ("UpdateMember", update(["enterprise_id"], enterprise_id=ent), INVALID, "INVALID_UPDATE_MASK"),
        ("UpdateMember", update(["role"], role=9), INVALID, "INVALID_ENUM_VALUE"),
        ("UpdateMember", update(["display_name"]), INVALID, "FIELD_REQUIRED"),
        ("UpdateMember", update(["department"], department=LONG), INVALID, "FIELD_TOO_LONG"),
        ("UpdateMember", pb.UpdateMemberRequest(update_mask=field_mask_pb2.FieldMask(paths=["role"])),
         INVALID, "FIELD_REQUIRED"),
        ("UpdateMember", pb.UpdateMemberRequest(member=pb.Member(id=unknown_member, display_name="B"),
                                                update_mask=field_mask_pb2.FieldMask(paths=["display_name"])),
         NOT_FOUND, "MEMBER_NOT_FOUND"),
        ("RemoveMember", pb.RemoveMemberRequest(), INVALID, "FIELD_REQUIRED"),
        ("RemoveMember", pb.RemoveMemberRequest(member_id=unknown_member), NOT_FOUND, "MEMBER_NOT_FOUND"),
        ("ListMembers", pb.ListMembersRequest(), INVALID, "FIELD_REQUIRED"),
        ("ListMembers", pb.ListMembersRequest(enterprise_id=ent, department=LONG), INVALID, "FIELD_TOO_LONG"),
        ("ListMembers", pb.ListMembersRequest(enterprise_id=ent, page_token="Zm9v"), INVALID, "INVALID_PAGE_TOKEN"),
        ("ListMembers", pb.ListMembersRequest(enterprise_id=ent, page_token=FORGED_PAGE), INVALID,
         "INVALID_PAGE_TOKEN"),
        ("ListMembers", pb.ListMembersRequest(enterprise_id=ent, page_size=-5), INVALID, "INVALID_PAGE_SIZE"),
        ("ListMembers", pb.ListMembersRequest(enterprise_id=unknown_ent), NOT_FOUND, "ENTERPRISE_NOT_FOUND"),
        ("VerifyMemberRealName", pb.VerifyMemberRealNameRequest(member_id=ent), INVALID, "MALFORMED_ID"),
        ("VerifyMemberRealName", pb.VerifyMemberRealNameRequest(member_id=unknown_member), NOT_FOUND,
         "MEMBER_NOT_FOUND"),
        ("CreateWeChatUser", pb.CreateWeChatUserRequest(display_name="W"), INVALID, "FIELD_REQUIRED"),
        ("CreateWeChatUser", pb.CreateWeChatUserRequest(request_id=request_id()), INVALID, "FIELD_REQUIRED"),
        ("CreateWeChatUser", pb.CreateWeChatUserRequest(request_id=request_id(), display_name=LONG),
         INVALID, "FIELD_TOO_LONG"),
        ("GetWeChatUser", pb.GetWeChatUserRequest(wechat_user_id=member), INVALID, "MALFORMED_ID"),
        ("GetWeChatUser", pb.GetWeChatUserRequest(wechat_user_id=unknown_wechat), NOT_FOUND, "WECHAT_USER_NOT_FOUND"),
        ("AddExternalContact", pb.AddExternalContactRequest(member_id=member, wechat_user_id=wechat),
         INVALID, "FIELD_REQUIRED"),
        ("AddExternalContact", pb.AddExternalContactRequest(request_id=request_id(), member_id=member,
                                                            wechat_user_id=member), INVALID, "MALFORMED_ID"),
        ("AddExternalContact", pb.AddExternalContactRequest(request_id=request_id(), member_id=member,
                                                            wechat_user_id=unknown_wechat),
         NOT_FOUND, "WECHAT_USER_NOT_FOUND"),
        ("AddExternalContact", pb.AddExternalContactRequest(request_id=request_id(), member_id=unknown_member,
                                                            wechat_user_id=wechat), NOT_FOUND, "MEMBER_NOT_FOUND"),
        ("RemoveExternalContact", pb.RemoveExternalContactRequest(member_id=member), INVALID, "FIELD_REQUIRED"),
        ("RemoveExternalContact", pb.RemoveExternalContactRequest(member_id=member, wechat_user_id=wechat),
         NOT_FOUND, "CONTACT_NOT_FOUND"),
        ("ListExternalContacts", pb.ListExternalContactsRequest(member_id=wechat), INVALID, "MALFORMED_ID"),
        ("ListExternalContacts", pb.ListExternalContactsRequest(member_id=member, page_token="%%%"),
         INVALID, "INVALID_PAGE_TOKEN"),
        ("ListExternalContacts", pb.ListExternalContactsRequest(member_id=member, page_token=FORGED_PAGE),
         INVALID, "INVALID_PAGE_TOKEN"),
        ("ListExternalContacts", pb.ListExternalContactsRequest(member_id=unknown_member), NOT_FOUND,
         "MEMBER_NOT_FOUND"),
        ("ListWeChatUserContacts", pb.ListWeChatUserContactsRequest(), INVALID, "FIELD_REQUIRED"),
        ("ListWeChatUserContacts", pb.ListWeChatUserContactsRequest(wechat_user_id=wechat, page_size=-1),
         INVALID, "INVALID_PAGE_SIZE"),
        ("ListWeChatUserContacts", pb.ListWeChatUserContactsRequest(wechat_user_id=wechat, page_token=FORGED_PAGE),
         INVALID, "INVALID_PAGE_TOKEN"),
        ("ListWeChatUserContacts", pb.ListWeChatUserContactsRequest(wechat_user_id=unknown_wechat), NOT_FOUND,
         "WECHAT_USER_NOT_FOUND"),
        ("GetContactCard", pb.GetContactCardRequest(member_id=LONG), INVALID, "MALFORMED_ID"),
        ("GetContactCard", pb.GetContactCardRequest(member_id=unknown_member), NOT_FOUND, "MEMBER_NOT_FOUND"),
        ("GetServiceMenu", pb.GetServiceMenuRequest(), INVALID, "FIELD_REQUIRED"),
        ("GetServiceMenu", pb.GetServiceMenuRequest(enterprise_id=unknown_ent), NOT_FOUND, "ENTERPRISE_NOT_FOUND"),
        ("UpdateServiceMenu", menu(*[pb.ServiceMenuEntry(title="t", kind=url, target="https://a.example")] * 11),
         INVALID, "TOO_MANY_VALUES"),
        ("UpdateServiceMenu", menu(pb.ServiceMenuEntry(title="t", target="https://a.example")),
         INVALID, "INVALID_ENUM_VALUE"),
        ("UpdateServiceMenu", menu(pb.ServiceMenuEntry(title="t", kind=5, target="https://a.example")),
         INVALID, "INVALID_ENUM_VALUE"),
        ("UpdateServiceMenu", menu(pb.ServiceMenuEntry(kind=url, target="https://a.example")),
         INVALID, "FIELD_REQUIRED"),
        ("UpdateServiceMenu", menu(pb.ServiceMenuEntry(title=LONG, kind=url, target="https://a.example")),
         INVALID, "FIELD_TOO_LONG"),
        ("UpdateServiceMenu", menu(pb.ServiceMenuEntry(title="t", kind=url, target="javascript:alert(1)")),
         INVALID, "INVALID_URL"),
        ("UpdateServiceMenu", menu(pb.ServiceMenuEntry(title="t", kind=pb.SERVICE_MENU_ENTRY_KIND_MINI_PROGRAM,
                                                       target="noslash")), INVALID, "INVALID_MINI_PROGRAM"),
        ("UpdateServiceMenu", menu(pb.ServiceMenuEntry(title="t", kind=url, target=LONG)),
         INVALID, "FIELD_TOO_LONG"),
        ("UpdateServiceMenu", pb.UpdateServiceMenuRequest(enterprise_id=unknown_ent), NOT_FOUND,
         "ENTERPRISE_NOT_FOUND"),
        ("HandOverContacts", pb.HandOverContactsRequest(from_member_id=member, to_member_id=unknown_member),
         INVALID, "FIELD_REQUIRED"),
        ("HandOverContacts", pb.HandOverContactsRequest(request_id=request_id(), from_member_id=member,
                                                        to_member_id=member), INVALID, "SAME_MEMBER"),
        ("HandOverContacts", pb.HandOverContactsRequest(request_id=request_id(), from_member_id=member,
                                                        to_member_id=wechat), INVALID, "MALFORMED_ID"),
        ("HandOverContacts", pb.HandOverContactsRequest(request_id=request_id(), from_member_id=unknown_member,
                                                        to_member_id=member), NOT_FOUND, "MEMBER_NOT_FOUND"),
        ("HandOverContacts", pb.HandOverContactsRequest(request_id=request_id(), from_member_id=member,
                                                        to_member_id=unknown_member), NOT_FOUND, "MEMBER_NOT_FOUND"),
        ("CreateToken", pb.CreateTokenRequest(), INVALID, "FIELD_REQUIRED"),
        ("CreateToken", pb.CreateTokenRequest(principal_id=ent), INVALID, "MALFORMED_ID"),
        ("CreateToken", pb.CreateTokenRequest(principal_id=member, ttl_seconds=-1), INVALID, "INVALID_TTL"),
        ("CreateToken", pb.CreateTokenRequest(principal_id=member, ttl_seconds=10**7), INVALID, "INVALID_TTL"),
        ("CreateToken", pb.CreateTokenRequest(principal_id=member, enterprise_id=member), INVALID, "MALFORMED_ID"),
        ("CreateToken", pb.CreateTokenRequest(principal_id=member, api_secret=LONG), INVALID, "FIELD_TOO_LONG"),
        ("CreateToken", pb.CreateTokenRequest(principal_id=unknown_member), NOT_FOUND, "MEMBER_NOT_FOUND"),
        ("CreateToken", pb.CreateTokenRequest(principal_id=unknown_wechat), NOT_FOUND, "WECHAT_USER_NOT_FOUND"),
        ("CreateServiceAccount", pb.CreateServiceAccountRequest(display_name="billing"), INVALID, "FIELD_REQUIRED"),
        ("CreateServiceAccount", pb.CreateServiceAccountRequest(request_id=request_id()), INVALID, "FIELD_REQUIRED"),
        ("CreateServiceAccount", pb.CreateServiceAccountRequest(request_id=request_id(), display_name=LONG),
         INVALID, "FIELD_TOO_LONG"),
        ("RotateSigningKey", pb.RotateSigningKeyRequest(), INVALID, "FIELD_REQUIRED"),
        ("RevokeTokens", pb.RevokeTokensRequest(), INVALID, "FIELD_REQUIRED"),
        ("RevokeTokens", pb.RevokeTokensRequest(principal_id=ent), INVALID, "MALFORMED_ID"),
        ("RevokeTokens", pb.RevokeTokensRequest(principal_id=unknown_member), NOT_FOUND, "MEMBER_NOT_FOUND"),
        ("RevokeTokens", pb.RevokeTokensRequest(principal_id=unknown_wechat), NOT_FOUND, "WECHAT_USER_NOT_FOUND"),
    ]


async def test_bad_input_on_every_rpc_gets_a_reasoned_refusal(system: System) -> None:
    org = await system.create_org(members=1)
    wechat_id, _ = await system.create_wechat_user()
    table = cases(org.enterprise_id, org.member_ids[0], wechat_id)
    assert sorted({rpc for rpc, *_ in table}) == sorted(RPCS), "every RPC needs bad-input cases"
    identity = system.stub("identity")
    failures = []
    for rpc, request, code, reason in table:
        try:
            await getattr(identity, rpc)(request, metadata=bearer(system.operator_token))
            failures.append(f"{rpc}({request}) succeeded")
        except grpc.aio.AioRpcError as error:
            got = (error.code(), error_reason(error))
            if got != (code, reason):
                failures.append(f"{rpc}: expected {code.name} {reason}, got {got[0].name} {got[1]} "
                                f"({error.details()})")
    assert not failures, "\n".join(failures)


async def test_bytes_that_are_no_message_are_refused_on_every_rpc(system: System) -> None:
    channel = system.channel(system.address_of("identity"))
    for rpc in RPCS:
        call: grpc.aio.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary(f"/{SERVICE_NAME}/{rpc}")  # raw bytes
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await call(b"\xff\xff\xff\xff", metadata=bearer(system.operator_token))
        assert (refused.value.code(), error_reason(refused.value)) == (INVALID, "MALFORMED_REQUEST"), rpc
