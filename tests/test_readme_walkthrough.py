"""The README's walkthrough, run as written: from nothing (an empty system) to a live card on two
members' streams, one in Chinese and one in English, with grpcurl and jq against real services."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.frontend_support import Frontend
from tests.harness import System

ROOT = Path(__file__).resolve().parent.parent


def walkthrough() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("<!-- walkthrough:begin -->", 1)[1].split("<!-- walkthrough:end -->", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.DOTALL)
    assert blocks, "the README has no walkthrough"
    return "\n".join(blocks)


@pytest.fixture(scope="module")
def world(frontend: Frontend) -> System:
    return frontend.system


async def test_the_readme_walkthrough_ends_with_the_card_on_both_streams(world: System, tmp_path: Path) -> None:
    if shutil.which("jq") is None:
        pytest.skip("jq is not installed (Debian: apt-get install jq; .ci/run does)")
    run_dir = tmp_path / ".run"
    run_dir.mkdir()
    (run_dir / "addresses.json").write_text(json.dumps({name: world.address_of(name) for name in world.hosts}))
    (run_dir / "operator_token").write_text(world.operator_token + "\n")
    (tmp_path / ".venv").symlink_to(Path(sys.executable).parent.parent)
    proc = await asyncio.create_subprocess_exec(
        "bash", "-euo", "pipefail", "-c", walkthrough(), cwd=tmp_path, env={**os.environ},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, (out.decode()[-2000:], err.decode()[-3000:])
    lines = [json.loads(line) for line in out.decode().splitlines() if line.startswith("{")]
    started, *cards = lines
    assert started["state"] == "LIVE_STATE_LIVE" and started["publish"]
    assert cards == [
        {"title": "正在直播：Q3 all-hands", "body": "launch team", "template": "card.live.live", "state": "CARD_STATE_LIVE"},
        {"title": "Live now: Q3 all-hands", "body": "launch team", "template": "card.live.live", "state": "CARD_STATE_LIVE"},
    ]


async def test_the_same_with_the_python_client(world: System, tmp_path: Path) -> None:
    """convene_client, as a script would use it: `.run` read, the operator's stubs, then members'."""
    import grpc

    from convene.groups.v1 import groups_pb2
    from convene.identity.v1 import identity_pb2
    from convene.live.v1 import live_pb2
    from convene.notifications.v1 import notifications_pb2
    from convene_client import Convene, error_info
    from tests.harness import request_id

    (tmp_path / "addresses.json").write_text(json.dumps({name: world.address_of(name) for name in world.hosts}))
    (tmp_path / "operator_token").write_text(world.operator_token)
    async with Convene.from_run_dir(tmp_path) as operator:
        enterprise = (await operator.identity.CreateEnterprise(identity_pb2.CreateEnterpriseRequest(
            request_id=request_id(), name="Acme"))).enterprise
        await operator.identity.VerifyEnterprise(identity_pb2.VerifyEnterpriseRequest(
            enterprise_id=enterprise.id, method=identity_pb2.VERIFICATION_METHOD_DIRECT))
        host, viewer = [(await operator.identity.AddMember(identity_pb2.AddMemberRequest(
            request_id=request_id(), enterprise_id=enterprise.id, display_name=name,
            role=identity_pb2.MEMBER_ROLE_MEMBER))).member.id for name in ("Li Lei", "Han Meimei")]
        await operator.identity.VerifyMemberRealName(identity_pb2.VerifyMemberRealNameRequest(member_id=host))
        tokens = {p: (await operator.identity.CreateToken(identity_pb2.CreateTokenRequest(principal_id=p))).access_token
                  for p in (host, viewer)}
        as_host, as_viewer = operator.as_token(tokens[host]), operator.as_token(tokens[viewer], locale="zh-Hans")
        group = (await as_host.groups.CreateGroup(groups_pb2.CreateGroupRequest(
            request_id=request_id(), name="launch team", kind=groups_pb2.GROUP_KIND_INTERNAL,
            member_ids=[viewer]))).group
        stream = as_viewer.notifications.Subscribe(notifications_pb2.SubscribeRequest())
        assert (await stream.read()).HasField("caught_up")
        await as_host.live.StartLive(live_pb2.StartLiveRequest(request_id=request_id(), group_id=group.id,
                                                               title="Q3 all-hands"))
        item = await asyncio.wait_for(stream.read(), 20)
        while not item.HasField("notification"):  # the card also comes as an entry of the chat
            item = await asyncio.wait_for(stream.read(), 20)
        card = item.notification
        stream.cancel()
        assert (card.title, card.text.template) == ("正在直播：Q3 all-hands", "card.live.live")
        try:
            await as_viewer.live.StartLive(live_pb2.StartLiveRequest(request_id=request_id(), group_id=group.id,
                                                                     title="not verified"))
        except grpc.aio.AioRpcError as refused:
            info = error_info(refused)
            assert info is not None and (info.code, info.reason) == (grpc.StatusCode.PERMISSION_DENIED,
                                                                     "MEMBER_NOT_VERIFIED")
        else:
            raise AssertionError("an unverified member started a live")
