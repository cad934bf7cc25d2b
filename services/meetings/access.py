"""Who may do what with a meeting, and who may be invited.

The organizer manages a meeting; an admin of its enterprise may too (identity says who is an
admin at that moment, over `identity.v1.authorize`; answers are reused as long as identity
allows). Participants see it and take part. Invitees are members of the organizer's enterprise,
and WeChat users for external meetings (SPEC F-03, F-05, F-30).
"""

from __future__ import annotations

import time

from nats.aio.client import Client as NATS

from convene.identity.v1 import authz_pb2, identity_pb2
from services.runtime import bus, subjects
from services.runtime.auth import Principal
from services.runtime.errors import InvalidArgument, NotFound, PermissionDenied


class Access:
    def __init__(self, nc: NATS) -> None:
        self._nc = nc
        self._admins: dict[tuple[str, str], tuple[bool, float]] = {}
        self._principals: dict[str, tuple[authz_pb2.PrincipalInfo, float]] = {}

    async def is_admin(self, principal: Principal, enterprise_id: str) -> bool:
        if not principal.is_member or principal.enterprise_id != enterprise_id:
            return False
        key = (principal.id, enterprise_id)
        cached = self._admins.get(key)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        answer = await bus.request(self._nc, subjects.IDENTITY_AUTHORIZE, authz_pb2.AuthorizeRequest(
            principal_id=principal.id, action=authz_pb2.ACTION_ACT_AS_ADMIN, enterprise_id=enterprise_id),
            authz_pb2.AuthorizeResponse)
        if answer.cache_max_age_ms > 0:
            if len(self._admins) > 10_000:
                self._admins.clear()
            self._admins[key] = (answer.allowed, time.monotonic() + answer.cache_max_age_ms / 1000)
        return answer.allowed

    async def require_manager(self, principal: Principal, organizer_id: str, enterprise_id: str) -> None:
        """The organizer, an admin of the meeting's enterprise, or the platform."""
        if principal.id == organizer_id or principal.is_service:
            return
        if not await self.is_admin(principal, enterprise_id):
            raise PermissionDenied("ORGANIZER_ONLY", "only the organizer (or an admin of the enterprise) may do this")

    async def require_viewer(self, principal: Principal, organizer_id: str, enterprise_id: str,
                             participant_ids: list[str]) -> None:
        if principal.id == organizer_id or principal.id in participant_ids or principal.is_service:
            return
        if not await self.is_admin(principal, enterprise_id):
            raise PermissionDenied("NOT_A_PARTICIPANT", "only the organizer and participants may see this meeting")

    async def _describe(self, ids: list[str]) -> list[authz_pb2.PrincipalInfo]:
        """What identity knows of `ids`, reusing its answers as long as it allows."""
        now = time.monotonic()
        known = {i: c[0] for i in ids if (c := self._principals.get(i)) is not None and c[1] > now}
        missing = [i for i in ids if i not in known]
        if missing:
            answer = await bus.request(
                self._nc, subjects.IDENTITY_DESCRIBE_PRINCIPALS,
                authz_pb2.DescribePrincipalsRequest(principal_ids=missing), authz_pb2.DescribePrincipalsResponse)
            if len(self._principals) > 50_000:
                self._principals.clear()
            for info in answer.principals:
                known[info.id] = info
                if answer.cache_max_age_ms > 0:
                    self._principals[info.id] = (info, now + answer.cache_max_age_ms / 1000)
        return [known[i] for i in ids]

    async def check_invitees(self, enterprise_id: str, invitee_ids: list[str], *, external: bool) -> None:
        """Every invitee exists; members belong to the organizer's enterprise; WeChat users only
        in external meetings."""
        for info in await self._describe(invitee_ids):
            if not info.exists:
                raise NotFound("PRINCIPAL_NOT_FOUND", f"{info.id} does not exist", principal_id=info.id)
            if info.kind == identity_pb2.PRINCIPAL_KIND_WECHAT_USER:
                if not external:
                    raise InvalidArgument("WECHAT_USER_IN_INTERNAL_MEETING",
                                          "WeChat users can be invited to external meetings only; set external",
                                          principal_id=info.id)
            elif info.enterprise_id != enterprise_id:
                raise PermissionDenied("OTHER_ENTERPRISE", "invitees are members of the organizer's enterprise",
                                       principal_id=info.id)
