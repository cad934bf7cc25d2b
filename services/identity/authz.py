"""Identity's answers over NATS request-reply, for the other services.

`identity.v1.authorize` ("may P do A?") and `identity.v1.describe_principals` ("who are these
ids?"): one indexed query each, answered in about a millisecond. Every answer says how long the
caller may reuse it (cache_max_age_ms): starting a live is never cached, so un-verifying an
enterprise or a member leaving refuses the next live at once; the other answers may be reused for
the configured AUTHZ_CACHE_S (2 s by default).
"""

from __future__ import annotations

from typing import Any

import asyncpg

from convene.identity.v1 import authz_pb2
from convene.identity.v1 import identity_pb2 as pb
from services.identity import store
from services.runtime.ids import kind_of

MAX_DESCRIBE = 5000


def _refused(reason: str, message: str, **fields: Any) -> authz_pb2.AuthorizeResponse:
    return authz_pb2.AuthorizeResponse(allowed=False, reason=reason, message=message, **fields)


class Authorizer:
    def __init__(self, pool: asyncpg.Pool, *, cache_s: float) -> None:
        self._pool = pool
        self._cache_ms = int(cache_s * 1000)

    async def authorize(self, request: authz_pb2.AuthorizeRequest) -> authz_pb2.AuthorizeResponse:
        action = request.action
        if action not in (authz_pb2.ACTION_START_LIVE, authz_pb2.ACTION_ACT_AS_EMPLOYEE,
                          authz_pb2.ACTION_ACT_AS_ADMIN):
            return _refused("UNKNOWN_ACTION", f"action {action} is not one identity knows")
        cache_ms = 0 if action == authz_pb2.ACTION_START_LIVE else self._cache_ms
        if action != authz_pb2.ACTION_START_LIVE and not request.enterprise_id:
            return _refused("ENTERPRISE_ID_REQUIRED", "this action is about an enterprise; name it")
        kind = kind_of(request.principal_id)
        if kind == "wechat_user":
            reason, message = (("WECHAT_USER_CANNOT_START_LIVE", "WeChat users cannot start lives")
                               if action == authz_pb2.ACTION_START_LIVE
                               else ("NOT_AN_EMPLOYEE", "WeChat users are nobody's employees"))
            return _refused(reason, message, kind=pb.PRINCIPAL_KIND_WECHAT_USER, cache_max_age_ms=cache_ms)
        if kind != "member":
            return _refused("NOT_A_MEMBER", "only members of an enterprise may do this", cache_max_age_ms=cache_ms)
        async with self._pool.acquire() as conn:
            row = await store.member_with_enterprise(conn, request.principal_id)
        if row is None or row["removed_at"] is not None:
            return _refused("MEMBER_NOT_FOUND", "no such member (or they left)", cache_max_age_ms=cache_ms)
        answer = authz_pb2.AuthorizeResponse(kind=pb.PRINCIPAL_KIND_MEMBER, enterprise_id=row["enterprise_id"],
                                             cache_max_age_ms=cache_ms)
        answer.reason, answer.message = self._refusal(action, request.enterprise_id, row)
        answer.allowed = not answer.reason
        return answer

    @staticmethod
    def _refusal(action: int, enterprise_id: str, row: asyncpg.Record) -> tuple[str, str]:
        """('', '') when allowed, else (reason, message)."""
        if action == authz_pb2.ACTION_START_LIVE:
            # SPEC F-22: a real-name-verified member of a verified enterprise. A verified
            # individual WeCom user is the same rule on their one-person enterprise.
            if not row["enterprise_verified"]:
                return "ENTERPRISE_NOT_VERIFIED", "the enterprise is not verified"
            if not row["real_name_verified"]:
                return "MEMBER_NOT_VERIFIED", "the member has no real-name verification"
            return "", ""
        if row["enterprise_id"] != enterprise_id:
            return "OTHER_ENTERPRISE", "the principal is not an employee of this enterprise"
        if action == authz_pb2.ACTION_ACT_AS_ADMIN and row["role"] != pb.MEMBER_ROLE_ADMIN:
            return "ADMIN_ONLY", "the principal is not an admin of this enterprise"
        return "", ""

    async def describe_principals(
            self, request: authz_pb2.DescribePrincipalsRequest) -> authz_pb2.DescribePrincipalsResponse:
        """Resolve ids to kind, enterprise and display name, in the order asked. Removed members
        come back with exists=false, removed=true and their name (history keeps it)."""
        ids = list(request.principal_ids)[:MAX_DESCRIBE]
        async with self._pool.acquire() as conn:
            found = await store.describe(conn, ids)
        answer = authz_pb2.DescribePrincipalsResponse(cache_max_age_ms=self._cache_ms)
        for principal_id in ids:
            row = found.get(principal_id)
            info = answer.principals.add(id=principal_id, exists=row is not None and not row["removed"])
            if row is not None:
                info.kind, info.enterprise_id, info.role = row["kind"], row["enterprise_id"], row["role"]
                info.display_name, info.removed = row["display_name"], row["removed"]
        return answer
