"""Shared set-up for the live tests: one system per module with short timings, and the calls
a host and viewers make."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from convene.groups.v1 import groups_pb2
from convene.live.v1 import live_pb2
from tests.harness import Org, System, bearer, module_system, request_id

# Seconds, kept short so tests wait little; production defaults are minutes.
FAST = dict(replay_delay_s=1.0, replay_processing_s=0.3, host_timeout_s=30.0, viewer_timeout_s=1.0,
            sweep_interval_s=0.2)


@pytest.fixture(scope="module")
async def live_system(postgres, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    async with module_system(postgres, Path(tmp_path_factory.mktemp("live")), **FAST) as system:
        yield system


class Scene:
    """An enterprise, a group of its members with the first one as host, and a live API."""

    def __init__(self, system: System, org: Org, group_id: str) -> None:
        self.system = system
        self.org = org
        self.group_id = group_id
        self.host = org.member_ids[0]

    @classmethod
    async def create(cls, system: System, members: int = 3, *, wechat_ids: Sequence[str] = ()) -> Scene:
        org = await system.create_org(members=members)
        others = [org.admin_id, *org.member_ids[1:], *wechat_ids]
        kind = groups_pb2.GROUP_KIND_EXTERNAL if wechat_ids else groups_pb2.GROUP_KIND_INTERNAL
        group_id = await system.create_group(org.tokens[org.member_ids[0]], others, kind=kind)
        return cls(system, org, group_id)

    def as_(self, principal_id: str, token: str | None = None) -> tuple[tuple[str, str], ...]:
        return bearer(token or self.org.tokens[principal_id])

    @property
    def live(self):
        return self.system.stub("live")

    async def start(self, **fields: object) -> live_pb2.StartLiveResponse:
        fields.setdefault("title", "Product launch")
        return await self.live.StartLive(
            live_pb2.StartLiveRequest(request_id=request_id(), group_id=self.group_id, **fields),
            metadata=self.as_(self.host))

    async def schedule(self, in_seconds: float, **fields: object) -> live_pb2.ScheduleLiveResponse:
        start = live_pb2.ScheduleLiveRequest().start_time
        start.FromDatetime(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=in_seconds))
        fields.setdefault("title", "Quarterly review")
        return await self.live.ScheduleLive(
            live_pb2.ScheduleLiveRequest(request_id=request_id(), group_id=self.group_id, start_time=start, **fields),
            metadata=self.as_(self.host))

    async def end(self, live_id: str) -> live_pb2.EndLiveResponse:
        return await self.live.EndLive(live_pb2.EndLiveRequest(live_id=live_id), metadata=self.as_(self.host))

    async def join(self, live_id: str, token: str, **fields: object) -> live_pb2.JoinLiveResponse:
        return await self.live.JoinLive(live_pb2.JoinLiveRequest(live_id=live_id, **fields), metadata=bearer(token))

    async def stats(self, live_id: str) -> live_pb2.LiveStats:
        return (await self.live.GetLiveStats(live_pb2.GetLiveStatsRequest(live_id=live_id),
                                             metadata=self.as_(self.host))).stats

    async def card_state(self, live_id: str) -> int:
        timeline = await self.system.stub("groups").ListTimeline(
            groups_pb2.ListTimelineRequest(group_id=self.group_id), metadata=self.as_(self.org.admin_id))
        states = [item.card.state for item in timeline.items if item.card.subject_id == live_id]
        return states[0] if states else groups_pb2.CARD_STATE_UNSPECIFIED

    async def card(self, live_id: str) -> groups_pb2.Card | None:
        timeline = await self.system.stub("groups").ListTimeline(
            groups_pb2.ListTimelineRequest(group_id=self.group_id), metadata=self.as_(self.org.admin_id))
        cards = [item.card for item in timeline.items if item.card.subject_id == live_id]
        return cards[0] if cards else None
