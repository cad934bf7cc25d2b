"""Share links of a live or meeting handed out to WeChat (SPEC F-13, F-24).

A link is `<base_url>/<token>`. The token is public claims (runtime.signing.PublicClaims, type
`share-link`) signed by the service that made the link, groups (a forwarded card, its share id
the `fwd_` id of the forward) or live (CreateShareLink): `sid` the share id, `sub` the live or
meeting it opens, `by` who shared it, `iat` / `exp`. Changing any character breaks the
signature, so a link cannot be altered to reach another live, and only groups' and live's keys
make one. Live verifies links on join (`verify(token, subject_id=live_id)`) and reports
`share_id` in its join event, which groups counts per forward (share-chain analytics).
"""

from __future__ import annotations

from dataclasses import dataclass

from services.runtime.errors import PermissionDenied
from services.runtime.keys import KeyRing, KeySet
from services.runtime.signing import PublicClaims

ISSUERS = ("groups", "live")


@dataclass(frozen=True)
class ShareLink:
    share_id: str
    subject_id: str
    sharer_id: str
    issued_at: int
    expires_at: int


class ShareLinks:
    """Mint (with `ring`, groups' or live's) and verify (with the key set) share links."""

    def __init__(self, keyset: KeySet, ring: KeyRing | None = None, base_url: str = "") -> None:
        self._claims = PublicClaims(keyset, typ="share-link", issuers=ISSUERS, ring=ring)
        self._base_url = base_url.rstrip("/")

    def mint(self, *, share_id: str, subject_id: str, sharer_id: str, ttl_s: int) -> tuple[str, str, int]:
        """Returns (url, token, expires_at unix seconds)."""
        token, expires_at = self._claims.sign({"sid": share_id, "sub": subject_id, "by": sharer_id}, ttl_s=ttl_s)
        return f"{self._base_url}/{token}", token, expires_at

    async def verify(self, link: str, *, subject_id: str | None = None) -> ShareLink:
        """The link's claims; `link` is the URL or its token. With `subject_id`, the link must open it."""
        token = link.rstrip("/").rsplit("/", 1)[-1]
        share = await self._claims.read(
            token, lambda claims: ShareLink(share_id=str(claims["sid"]), subject_id=str(claims["sub"]),
                                            sharer_id=str(claims["by"]), issued_at=int(claims["iat"]),
                                            expires_at=int(claims["exp"])),
            name="SHARE_LINK", what="share link", field="share_link")
        if subject_id is not None and share.subject_id != subject_id:
            raise PermissionDenied("SHARE_LINK_OTHER_SUBJECT", "the share link opens something else",
                                   subject_id=subject_id)
        return share
