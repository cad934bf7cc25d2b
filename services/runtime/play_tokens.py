"""Play tokens: what a viewer's player shows the media edge for every playlist and segment.

Signed claims (runtime.signing, purpose "play", prefix `cvp1`): `live` the live they open,
`viewer` who they were handed to, `replay` whether they open the live stream or its replay,
`iat` / `exp`. Live mints them at a join, heartbeat or replay view, after checking the
audience at that moment; they are short-lived, so a viewer who leaves the audience stops
playing within a token's lifetime. The media edge verifies them locally with `PlayTokens.check`,
the one place that reads them, so a change of how claims are signed stays here.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.runtime.signing import BadSignedClaims, ClaimsSigner


@dataclass(frozen=True)
class PlayGrant:
    live_id: str
    viewer_id: str
    replay: bool
    expires_at: int


class PlayRefused(Exception):
    """`reason`: TOKEN_MISSING, TOKEN_MALFORMED, TOKEN_SIGNATURE_INVALID, TOKEN_EXPIRED,
    TOKEN_OTHER_LIVE, TOKEN_NOT_FOR_REPLAY, TOKEN_NOT_FOR_LIVE."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PlayTokens:
    def __init__(self, token_key: str) -> None:
        self._signer = ClaimsSigner(token_key, purpose="play", prefix="cvp1")

    def mint(self, *, live_id: str, viewer_id: str, replay: bool, ttl_s: int) -> tuple[str, int]:
        """Returns (token, expires_at unix seconds)."""
        return self._signer.sign({"live": live_id, "viewer": viewer_id, "replay": replay}, ttl_s=ttl_s)

    def check(self, token: str, *, live_id: str, replay: bool) -> PlayGrant:
        """The grant `token` gives for playing `live_id` (its replay when `replay`), or PlayRefused."""
        if not token:
            raise PlayRefused("TOKEN_MISSING")
        try:
            claims = self._signer.verify(token)
            grant = PlayGrant(live_id=str(claims["live"]), viewer_id=str(claims["viewer"]),
                              replay=bool(claims["replay"]), expires_at=int(claims["exp"]))
        except BadSignedClaims as exc:
            raise PlayRefused(f"TOKEN_{exc.reason}") from None
        except (KeyError, TypeError, ValueError):
            raise PlayRefused("TOKEN_MALFORMED") from None
        if grant.live_id != live_id:
            raise PlayRefused("TOKEN_OTHER_LIVE")
        if grant.replay != replay:
            raise PlayRefused("TOKEN_NOT_FOR_REPLAY" if replay else "TOKEN_NOT_FOR_LIVE")
        return grant
