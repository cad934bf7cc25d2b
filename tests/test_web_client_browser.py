"""The reference web client in a real browser (headless Debian Chromium driven by playwright-core,
tests/node/browser.ts): two members of one group in two browser sessions, each on the web
client's own origin calling the gateway on another (CORS, bearer token). One posts a message:
the other's chat list shows it unread until they open the chat. Then the first starts a live from
the page and pushes its camera (ffmpeg's test pattern over RTMP, to the URL the page shows); the
other sees the card in the group's timeline within 2 s, watches it playing in a <video> (hls.js
on the media edge's HLS, with the play token), sees the card change in place when it ends, reads
it (the badge goes down), answers an incoming meeting call and declines the next.
Without Chromium the test says so and is skipped (`.ci/run` installs it)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from convene.meetings.v1 import meetings_pb2
from tests.frontend_support import BUILD, ROOT, Frontend, typescript_build
from tests.harness import System, bearer
from tests.media_support import ffmpeg

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CARD_WITHIN_S = 2.0

# Checked before anything starts: without a browser there is nothing honest to run.
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium chromium-driver; .ci/run does)")


@pytest.fixture(scope="module")
def site(frontend: Frontend) -> tuple[System, str]:
    typescript_build()
    return frontend.system, frontend.web_url


async def run_browsers(web_url: str, screenshots: Path, **people: str) -> dict[str, Any]:
    env = {**os.environ, "WEB_URL": web_url, "SCREENSHOTS": str(screenshots), "CHROMIUM": str(CHROMIUM),
           "FFMPEG": ffmpeg(), **{k.upper(): v for k, v in people.items()}}
    proc = await asyncio.create_subprocess_exec(
        "node", str(BUILD / "tests" / "node" / "browser.js"), cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(proc.communicate(), 120)
    except TimeoutError:
        proc.kill()
        raise
    lines = out.decode().strip().splitlines()
    assert proc.returncode == 0 and lines, f"the browser script failed:\n{err.decode()[-4000:]}"
    result = json.loads(lines[-1])
    assert result.get("ok"), f"{result.get('failure')} (screenshots in {screenshots})\n{err.decode()[-4000:]}"
    return result


async def test_two_members_in_two_browsers_live_card_call_and_inbox(site: tuple[System, str], tmp_path: Path) -> None:
    system, web_url = site
    org = await system.create_org(members=2)
    host, viewer = org.member_ids
    group_id = await system.create_group(org.tokens[host], [viewer])

    result = await run_browsers(web_url, tmp_path, host_id=host, viewer_id=viewer, group_id=group_id)

    assert (result["chatUnread"], result["chatUnreadAfterOpen"]) == (1, 0), "the chat list's unread count"
    assert result["cardAfterMs"] <= CARD_WITHIN_S * 1000, f"the card took {result['cardAfterMs']} ms"
    assert "全员大会 all-hands" in result["cardTitle"]
    assert result["badgeAfterCard"] >= 1
    assert result["playSource"].endswith(".m3u8"), "JoinLive gave the page the live's HLS playlist"
    video = result["video"]
    assert not video["paused"] and video["readyState"] >= 2 and video["currentTime"] > 1, video
    assert (video["width"], video["height"]) == (320, 240), "the host's camera, decoded in the page"
    assert result["cardsAfterEnd"] == 1, "the ended live changed its card in place"
    assert result["badgeAfterRead"] < result["badgeAfterCard"]
    assert result["errors"] == ["", ""], "neither page showed a refused call"

    # The viewer answered on their page: the meeting has them in it.
    meeting = await system.stub("meetings").ListMeetingAttendees(
        meetings_pb2.ListMeetingAttendeesRequest(meeting_id=result["meetingId"]), metadata=bearer(org.tokens[host]))
    joined = {a.participant_id for a in meeting.attendees if a.HasField("first_join_time")}
    assert viewer in joined, meeting
    # The second call they declined: it says so, and they never joined it.
    declined = await system.stub("meetings").ListMeetingAttendees(
        meetings_pb2.ListMeetingAttendeesRequest(meeting_id=result["declinedMeetingId"]),
        metadata=bearer(org.tokens[host]))
    rings = {a.participant_id: a for a in declined.attendees}
    assert rings[viewer].ring_state == meetings_pb2.RING_STATE_DECLINED, declined
    assert not rings[viewer].HasField("first_join_time"), declined

