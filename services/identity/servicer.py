"""IdentityService over gRPC: validates the wire request, then hands it to the domain."""

from __future__ import annotations

import grpc

from convene.identity.v1 import identity_pb2 as pb
from convene.identity.v1 import identity_pb2_grpc
from services.identity.contacts import Contacts
from services.identity.domain import Identity
from services.identity.tokens import Tokens
from services.runtime import validate as v
from services.runtime.auth import MAX_TTL_S, caller, current_principal
from services.runtime.errors import InvalidArgument

NAME_MAX = 128
REASON_MAX = 512
OFFICIAL_ACCOUNT_ID_MAX = 64
MENU_MAX_ENTRIES = 10
MENU_TITLE_MAX = 32
MENU_TARGET_MAX = 1024
PAGE_DEFAULT, PAGE_MAX = 50, 500
# update_mask path -> column.
MEMBER_UPDATABLE = ("display_name", "department", "role")


def _page_size(value: int) -> int:
    return v.page_size(value, default=PAGE_DEFAULT, maximum=PAGE_MAX)


def _member_changes(request: pb.UpdateMemberRequest) -> dict[str, object]:
    paths = list(request.update_mask.paths)
    if not paths:
        raise InvalidArgument("FIELD_REQUIRED", "update_mask names the fields to change", field="update_mask")
    unknown = sorted(set(paths) - set(MEMBER_UPDATABLE))
    if unknown:
        raise InvalidArgument("INVALID_UPDATE_MASK", f"cannot update {', '.join(unknown)}; "
                              f"updatable: {', '.join(MEMBER_UPDATABLE)}", field="update_mask")
    member = request.member
    changes: dict[str, object] = {}
    if "display_name" in paths:
        changes["display_name"] = v.require_text("member.display_name", member.display_name, max_len=NAME_MAX)
    if "department" in paths:
        changes["department"] = v.require_text("member.department", member.department, max_len=NAME_MAX,
                                               required=False)
    if "role" in paths:
        v.require_enum("role", member, member.role)
        changes["role"] = member.role
    return changes


def _menu_entries(entries: list[pb.ServiceMenuEntry]) -> list[pb.ServiceMenuEntry]:
    if len(entries) > MENU_MAX_ENTRIES:
        raise InvalidArgument("TOO_MANY_VALUES", f"a service menu has at most {MENU_MAX_ENTRIES} entries",
                              field="entries")
    clean = []
    for index, entry in enumerate(entries):
        field = f"entries[{index}]"
        title = v.require_text(f"{field}.title", entry.title, max_len=MENU_TITLE_MAX)
        v.require_enum("kind", entry, entry.kind)
        target = v.require_text(f"{field}.target", entry.target, max_len=MENU_TARGET_MAX)
        if entry.kind == pb.SERVICE_MENU_ENTRY_KIND_URL and not target.startswith(("https://", "http://")):
            raise InvalidArgument("INVALID_URL", f"{field}.target must be an http(s) URL", field=f"{field}.target")
        if entry.kind == pb.SERVICE_MENU_ENTRY_KIND_MINI_PROGRAM and "/" not in target:
            raise InvalidArgument("INVALID_MINI_PROGRAM", f"{field}.target must be '<appid>/<path>'",
                                  field=f"{field}.target")
        clean.append(pb.ServiceMenuEntry(title=title, kind=entry.kind, target=target))
    return clean


class IdentityServicer(identity_pb2_grpc.IdentityServiceServicer):
    def __init__(self, identity: Identity, contacts: Contacts, tokens: Tokens) -> None:
        self._identity = identity
        self._contacts = contacts
        self._tokens = tokens

    # ------------------------------------------------------------------------------ enterprises

    async def CreateEnterprise(self, request: pb.CreateEnterpriseRequest, context: grpc.aio.ServicerContext) -> pb.CreateEnterpriseResponse:
        v.require_request_id(request.request_id)
        name = v.require_text("name", request.name, max_len=NAME_MAX)
        return await self._identity.create_enterprise(caller(), request.request_id, name, request.individual)

    async def GetEnterprise(self, request: pb.GetEnterpriseRequest, context: grpc.aio.ServicerContext) -> pb.GetEnterpriseResponse:
        v.require_id("enterprise_id", request.enterprise_id, "enterprise")
        return pb.GetEnterpriseResponse(enterprise=await self._identity.get_enterprise(caller(), request.enterprise_id))

    async def ListEnterprises(self, request: pb.ListEnterprisesRequest, context: grpc.aio.ServicerContext) -> pb.ListEnterprisesResponse:
        size = _page_size(request.page_size)
        return await self._identity.list_enterprises(caller(), size, request.page_token)

    async def VerifyEnterprise(self, request: pb.VerifyEnterpriseRequest, context: grpc.aio.ServicerContext) -> pb.VerifyEnterpriseResponse:
        v.require_id("enterprise_id", request.enterprise_id, "enterprise")
        v.require_enum("method", request, request.method)
        official = request.official_account_id.strip()
        if request.method == pb.VERIFICATION_METHOD_OFFICIAL_ACCOUNT:
            official = v.require_text("official_account_id", official, max_len=OFFICIAL_ACCOUNT_ID_MAX)
        elif official:
            raise InvalidArgument("FIELD_NOT_ALLOWED", "official_account_id goes with "
                                  "VERIFICATION_METHOD_OFFICIAL_ACCOUNT only", field="official_account_id")
        enterprise = await self._identity.verify_enterprise(caller(), request.enterprise_id, request.method, official)
        return pb.VerifyEnterpriseResponse(enterprise=enterprise)

    async def UnverifyEnterprise(self, request: pb.UnverifyEnterpriseRequest, context: grpc.aio.ServicerContext) -> pb.UnverifyEnterpriseResponse:
        v.require_id("enterprise_id", request.enterprise_id, "enterprise")
        reason = v.require_text("reason", request.reason, max_len=REASON_MAX, required=False)
        return pb.UnverifyEnterpriseResponse(
            enterprise=await self._identity.unverify_enterprise(caller(), request.enterprise_id, reason))

    # ---------------------------------------------------------------------------------- members

    async def AddMember(self, request: pb.AddMemberRequest, context: grpc.aio.ServicerContext) -> pb.AddMemberResponse:
        v.require_request_id(request.request_id)
        v.require_id("enterprise_id", request.enterprise_id, "enterprise")
        clean = pb.AddMemberRequest(
            request_id=request.request_id, enterprise_id=request.enterprise_id,
            display_name=v.require_text("display_name", request.display_name, max_len=NAME_MAX),
            department=v.require_text("department", request.department, max_len=NAME_MAX, required=False),
            role=v.require_enum("role", request, request.role))
        return await self._identity.add_member(caller(), clean)

    async def GetMember(self, request: pb.GetMemberRequest, context: grpc.aio.ServicerContext) -> pb.GetMemberResponse:
        v.require_id("member_id", request.member_id, "member")
        return pb.GetMemberResponse(member=await self._identity.get_member(caller(), request.member_id))

    async def UpdateMember(self, request: pb.UpdateMemberRequest, context: grpc.aio.ServicerContext) -> pb.UpdateMemberResponse:
        v.require_id("member.id", request.member.id, "member")
        changes = _member_changes(request)
        return pb.UpdateMemberResponse(member=await self._identity.update_member(caller(), request.member.id, changes))

    async def RemoveMember(self, request: pb.RemoveMemberRequest, context: grpc.aio.ServicerContext) -> pb.RemoveMemberResponse:
        v.require_id("member_id", request.member_id, "member")
        return pb.RemoveMemberResponse(member=await self._identity.remove_member(caller(), request.member_id))

    async def ListMembers(self, request: pb.ListMembersRequest, context: grpc.aio.ServicerContext) -> pb.ListMembersResponse:
        v.require_id("enterprise_id", request.enterprise_id, "enterprise")
        clean = pb.ListMembersRequest()
        clean.CopyFrom(request)
        clean.department = v.require_text("department", request.department, max_len=NAME_MAX, required=False)
        return await self._identity.list_members(caller(), clean, _page_size(request.page_size))

    async def VerifyMemberRealName(self, request: pb.VerifyMemberRealNameRequest, context: grpc.aio.ServicerContext) -> pb.VerifyMemberRealNameResponse:
        v.require_id("member_id", request.member_id, "member")
        return pb.VerifyMemberRealNameResponse(
            member=await self._identity.verify_member_real_name(caller(), request.member_id))

    # ----------------------------------------------------------------------------- WeChat users

    async def CreateWeChatUser(self, request: pb.CreateWeChatUserRequest, context: grpc.aio.ServicerContext) -> pb.CreateWeChatUserResponse:
        v.require_request_id(request.request_id)
        name = v.require_text("display_name", request.display_name, max_len=NAME_MAX)
        return await self._identity.create_wechat_user(caller(), request.request_id, name)

    async def GetWeChatUser(self, request: pb.GetWeChatUserRequest, context: grpc.aio.ServicerContext) -> pb.GetWeChatUserResponse:
        v.require_id("wechat_user_id", request.wechat_user_id, "wechat_user")
        return pb.GetWeChatUserResponse(
            wechat_user=await self._identity.get_wechat_user(caller(), request.wechat_user_id))

    # ------------------------------------------------------------------------ external contacts

    async def AddExternalContact(self, request: pb.AddExternalContactRequest, context: grpc.aio.ServicerContext) -> pb.AddExternalContactResponse:
        v.require_request_id(request.request_id)
        v.require_id("member_id", request.member_id, "member")
        v.require_id("wechat_user_id", request.wechat_user_id, "wechat_user")
        return await self._contacts.add_contact(caller(), request.request_id, request.member_id,
                                                request.wechat_user_id)

    async def RemoveExternalContact(self, request: pb.RemoveExternalContactRequest, context: grpc.aio.ServicerContext) -> pb.RemoveExternalContactResponse:
        v.require_id("member_id", request.member_id, "member")
        v.require_id("wechat_user_id", request.wechat_user_id, "wechat_user")
        await self._contacts.remove_contact(caller(), request.member_id, request.wechat_user_id)
        return pb.RemoveExternalContactResponse()

    async def ListExternalContacts(self, request: pb.ListExternalContactsRequest, context: grpc.aio.ServicerContext) -> pb.ListExternalContactsResponse:
        v.require_id("member_id", request.member_id, "member")
        return await self._contacts.list_contacts(caller(), request.member_id, _page_size(request.page_size),
                                                  request.page_token)

    async def ListWeChatUserContacts(self, request: pb.ListWeChatUserContactsRequest, context: grpc.aio.ServicerContext) -> pb.ListWeChatUserContactsResponse:
        v.require_id("wechat_user_id", request.wechat_user_id, "wechat_user")
        return await self._contacts.list_wechat_user_contacts(
            caller(), request.wechat_user_id, _page_size(request.page_size), request.page_token)

    async def GetContactCard(self, request: pb.GetContactCardRequest, context: grpc.aio.ServicerContext) -> pb.GetContactCardResponse:
        v.require_id("member_id", request.member_id, "member")
        return pb.GetContactCardResponse(card=await self._contacts.contact_card(caller(), request.member_id))

    async def GetServiceMenu(self, request: pb.GetServiceMenuRequest, context: grpc.aio.ServicerContext) -> pb.GetServiceMenuResponse:
        v.require_id("enterprise_id", request.enterprise_id, "enterprise")
        return pb.GetServiceMenuResponse(entries=await self._contacts.get_menu(caller(), request.enterprise_id))

    async def UpdateServiceMenu(self, request: pb.UpdateServiceMenuRequest, context: grpc.aio.ServicerContext) -> pb.UpdateServiceMenuResponse:
        v.require_id("enterprise_id", request.enterprise_id, "enterprise")
        entries = _menu_entries(list(request.entries))
        return pb.UpdateServiceMenuResponse(
            entries=await self._contacts.update_menu(caller(), request.enterprise_id, entries))

    async def HandOverContacts(self, request: pb.HandOverContactsRequest, context: grpc.aio.ServicerContext) -> pb.HandOverContactsResponse:
        v.require_request_id(request.request_id)
        v.require_id("from_member_id", request.from_member_id, "member")
        v.require_id("to_member_id", request.to_member_id, "member")
        if request.from_member_id == request.to_member_id:
            raise InvalidArgument("SAME_MEMBER", "hand contacts over to another member", field="to_member_id")
        return await self._contacts.hand_over(caller(), request.request_id, request.from_member_id,
                                              request.to_member_id)

    # ----------------------------------------------------------------------------------- tokens

    async def CreateToken(self, request: pb.CreateTokenRequest, context: grpc.aio.ServicerContext) -> pb.CreateTokenResponse:
        v.require_id("principal_id", request.principal_id, "member", "wechat_user", "service")
        if request.enterprise_id:
            v.require_id("enterprise_id", request.enterprise_id, "enterprise")
        v.require_text("api_secret", request.api_secret, max_len=256, required=False)
        if not 0 <= request.ttl_seconds <= MAX_TTL_S:
            raise InvalidArgument("INVALID_TTL", f"ttl_seconds must be between 0 and {MAX_TTL_S}",
                                  field="ttl_seconds")
        return await self._tokens.create_token(current_principal.get(), request, context.peer())

    async def CreateServiceAccount(self, request: pb.CreateServiceAccountRequest, context: grpc.aio.ServicerContext) -> pb.CreateServiceAccountResponse:
        v.require_request_id(request.request_id)
        name = v.require_text("display_name", request.display_name, max_len=NAME_MAX)
        return await self._tokens.create_service_account(caller(), request.request_id, name)

    async def RotateSigningKey(self, request: pb.RotateSigningKeyRequest, context: grpc.aio.ServicerContext) -> pb.RotateSigningKeyResponse:
        v.require_request_id(request.request_id)
        return await self._tokens.rotate_signing_key(caller(), request.request_id)

    async def RevokeTokens(self, request: pb.RevokeTokensRequest, context: grpc.aio.ServicerContext) -> pb.RevokeTokensResponse:
        v.require_id("principal_id", request.principal_id, "member", "wechat_user", "service")
        return await self._tokens.revoke_tokens(caller(), request.principal_id)
