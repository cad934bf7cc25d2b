"""Play tokens: what a viewer's player shows the media edge for every playlist and segment.

Public claims (runtime.signing.PublicClaims, type `play`) signed with live's own key: `live` the
live they open, `viewer` who they were handed to, `replay` whether they open the live stream or
its replay, `emp` whether the viewer is an employee of the live's enterprise (so the edge knows
whom an audience narrowed to employees leaves out), `iat` / `exp`. Live mints them at a join,
heartbeat or replay view, after checking the audience at that moment. The media edge verifies
them locally with `PlayTokens.check`, the one place that reads them, against live's public key
in the key set (runtime.keys): the edge holds no secret and cannot make one. A token checked
once is kept until it expires (bounded), so the segment requests of a playback cost a lookup,
not a signature check. A right lost before the token runs out (a removal, the end, a narrowed
audience, a revocation) is media.play_rights' to enforce; a lifetime is never longer than
LIVE_TTL_MAX_S (REPLAY_TTL_MAX_S for a replay), so the edge knows how long to remember a loss.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from services.runtime.auth import LEEWAY_S  # the clock difference every token check tolerates
from services.runtime.keys import KeyRing, KeySet
from services.runtime.signing import BadSignedClaims, PublicClaims

ISSUER = "live"
# Tokens a media edge keeps verified (each a few hundred bytes; about one per viewer).
_CACHE_SIZE = 50_000
# The longest lifetimes minted (longer asks are cut to these): what takes a right away needs
# remembering only until every token it covers has expired.
LIVE_TTL_MAX_S = 300
REPLAY_TTL_MAX_S = 4 * 3600


@dataclass(frozen=True)
class PlayGrant:
    live_id: str
    viewer_id: str
    replay: bool
    # Whether the viewer was an employee of the live's enterprise when the token was minted.
    employee: bool
    issued_at: int
    expires_at: int


class PlayRefused(Exception):
    """`reason`: TOKEN_MISSING, TOKEN_MALFORMED, TOKEN_SIGNATURE_INVALID, TOKEN_EXPIRED,
    TOKEN_OTHER_LIVE, TOKEN_NOT_FOR_REPLAY, TOKEN_NOT_FOR_LIVE; or, from the edge's play rights,
    a right lost since the token was minted (`viewer_id` then says whose)."""

    def __init__(self, reason: str, *, viewer_id: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.viewer_id = viewer_id


class PlayTokens:
    """`ring` is live's (to mint); the media edge passes only the key set (to check)."""

    def __init__(self, keyset: KeySet, ring: KeyRing | None = None) -> None:
        self._claims = PublicClaims(keyset, typ="play", issuers=(ISSUER,), ring=ring)
        self._checked: dict[str, PlayGrant] = {}

    def mint(self, *, live_id: str, viewer_id: str, replay: bool, employee: bool, ttl_s: int) -> tuple[str, int]:
        """Returns (token, expires_at unix seconds)."""
        ttl_s = min(ttl_s, REPLAY_TTL_MAX_S if replay else LIVE_TTL_MAX_S)
        return self._claims.sign({"live": live_id, "viewer": viewer_id, "replay": replay, "emp": employee},
                                 ttl_s=ttl_s)

    def _grant(self, token: str) -> PlayGrant:
        grant = self._checked.get(token)
        if grant is None:
            try:
                claims = self._claims.verify_now(token)
                grant = PlayGrant(live_id=str(claims["live"]), viewer_id=str(claims["viewer"]),
                                  replay=bool(claims["replay"]), employee=claims.get("emp") is True,
                                  issued_at=int(claims["iat"]), expires_at=int(claims["exp"]))
            except BadSignedClaims as exc:
                raise PlayRefused(f"TOKEN_{exc.reason}") from None
            except (KeyError, TypeError, ValueError):
                raise PlayRefused("TOKEN_MALFORMED") from None
            if len(self._checked) >= _CACHE_SIZE:
                del self._checked[next(iter(self._checked))]
            self._checked[token] = grant
        if grant.expires_at + LEEWAY_S < time.time():
            raise PlayRefused("TOKEN_EXPIRED")
        return grant

    def check(self, token: str, *, live_id: str, replay: bool) -> PlayGrant:
        """The grant `token` gives for playing `live_id` (its replay when `replay`), or PlayRefused."""
        if not token:
            raise PlayRefused("TOKEN_MISSING")
        grant = self._grant(token)
        if grant.live_id != live_id:
            raise PlayRefused("TOKEN_OTHER_LIVE")
        if grant.replay != replay:
            raise PlayRefused("TOKEN_NOT_FOR_REPLAY" if replay else "TOKEN_NOT_FOR_LIVE")
        return grant
