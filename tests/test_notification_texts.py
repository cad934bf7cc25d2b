"""Localizable notices (SPEC F-40): every notification carries a template key and its arguments
beside its text; the text comes from catalogs (English and Simplified Chinese) chosen by the
reader's `accept-language`. The catalogs agree with each other and with the code: every template
the producers name exists in each catalog with the same placeholders, and none is unused."""

from __future__ import annotations

import ast
import string
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from convene.notifications.v1 import notifications_pb2 as npb
from services.notifications import texts
from tests.frontend_support import Frontend
from tests.harness import System, bearer, eventually, request_id

SOURCES = Path(__file__).resolve().parent.parent / "services"


def placeholders(template: str) -> set[tuple[str, str]]:
    return {(name, spec or "") for _, name, spec, _ in string.Formatter().parse(template) if name}


def templates_the_code_names() -> dict[str, str]:
    """Template key -> where: literals in `text(...)` calls, in `template = ...` assignments and in
    *_TEMPLATES maps."""
    named: dict[str, str] = {}
    for path in SOURCES.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "text" and node.args:
                nodes = list(ast.walk(node.args[0]))
            elif isinstance(node, ast.Assign) and any(getattr(t, "id", "").lower().endswith(("_templates", "template"))
                                                      for t in node.targets):
                nodes = list(ast.walk(node.value))
            else:
                continue
            for constant in nodes:
                if isinstance(constant, ast.Constant) and isinstance(constant.value, str) and "." in constant.value:
                    named.setdefault(constant.value, f"{path.relative_to(SOURCES.parent)}:{node.lineno}")
    return named


def test_every_catalog_has_every_template_with_the_same_placeholders() -> None:
    assert set(texts.CATALOGS) == {"en", "zh-Hans"}
    english = texts.CATALOGS[texts.DEFAULT_LOCALE]
    for catalog in texts.CATALOGS.values():
        assert set(catalog.templates) == set(english.templates), catalog.locale
        assert set(catalog.terms) == set(english.terms), catalog.locale
        for key, template in catalog.templates.items():
            theirs, ours = english.templates[key], template
            assert placeholders(ours.title) | placeholders(ours.body) == \
                placeholders(theirs.title) | placeholders(theirs.body), (catalog.locale, key)


def test_the_code_names_only_templates_that_exist_and_every_template_is_named() -> None:
    named = templates_the_code_names()
    english = set(texts.CATALOGS[texts.DEFAULT_LOCALE].templates)
    assert {key: where for key, where in named.items() if key not in english} == {}
    assert english - set(named) == set(), "templates nothing uses"


def test_times_terms_and_recurrences_render_in_each_language() -> None:
    said = npb.NotificationText(template="meetings.invitation", args={
        "topic": "周会", "start_time": "2027-03-15T01:00:00Z", "time_zone": "Asia/Shanghai", "duration_minutes": "30",
        "recurrence": "week/2/until=2027-06-30", "meeting_type": "video"},
        lines=[npb.NotificationText(template="meetings.notes", args={"notes": "Agenda: numbers"})])
    assert texts.render(said, "en") == (
        "Meeting invitation: 周会",
        "Mon 15 Mar 2027, 09:00 (Asia/Shanghai), 30 min, every 2 weeks until 2027-06-30, video. "
        "Reply accept, tentative or decline.\nAgenda: numbers")
    assert texts.render(said, "zh-Hans") == (
        "会议邀请：周会",
        "2027年3月15日 周一 09:00（Asia/Shanghai），30 分钟，每2周，至2027-06-30，视频会议。请回复接受、暂定或拒绝。\n"
        "Agenda: numbers")


@pytest.mark.parametrize(("header", "locale"), [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh-Hans"), ("zh-Hans-SG", "zh-Hans"), ("zh-TW", "zh-Hans"), ("en-US", "en"),
    ("fr-FR, de;q=0.5", "en"), ("fr;q=1, zh;q=0.5", "zh-Hans"), ("en;q=0.2, zh;q=0.9", "zh-Hans"), ("", "en"),
    ("*", "en"), ("zh;q=0", "en"),
])
def test_accept_language_picks_a_catalog(header: str, locale: str) -> None:
    assert texts.negotiate(header) == locale


@pytest.fixture(scope="module")
def world(frontend: Frontend) -> System:
    return frontend.system


async def first_notification(system: System, token: str, language: str | None) -> npb.Notification:
    metadata = (*bearer(token), *((("accept-language", language),) if language else ()))
    call = system.stub("notifications").Subscribe(npb.SubscribeRequest(), metadata=metadata)
    try:
        async for item in call:
            if item.HasField("notification"):
                return item.notification
    finally:
        call.cancel()
    raise AssertionError("the stream ended")


async def test_readers_get_the_card_in_their_language_with_its_template(world: System) -> None:
    org = await world.create_org(members=2)
    host, viewer = org.member_ids
    group_id = await world.create_group(org.tokens[host], [viewer])
    from convene.live.v1 import live_pb2

    await world.stub("live").StartLive(live_pb2.StartLiveRequest(
        request_id=request_id(), group_id=group_id, title="Q3 all-hands"), metadata=bearer(org.tokens[host]))
    token = org.tokens[viewer]

    async def listed(language: str | None) -> npb.ListNotificationsResponse:
        metadata = (*bearer(token), *((("accept-language", language),) if language else ()))
        return await world.stub("notifications").ListNotifications(npb.ListNotificationsRequest(), metadata=metadata)

    async def arrived() -> bool:
        return bool((await listed(None)).notifications)

    await eventually(arrived, what="the card in the inbox")
    chinese, english = await first_notification(world, token, "zh-CN,zh;q=0.9"), await first_notification(world, token, None)
    assert (chinese.title, chinese.body, chinese.locale) == ("正在直播：Q3 all-hands", "launch team", "zh-Hans")
    assert (english.title, english.locale) == ("Live now: Q3 all-hands", "en")
    for seen in (chinese, english):
        assert seen.text.template == "card.live.live"
        assert dict(seen.text.args) == {"title": "Q3 all-hands", "group_name": "launch team"}
        assert seen.id == english.id and seen.sequence == english.sequence
    [entry] = (await listed("zh-Hans")).notifications
    assert entry.title == "正在直播：Q3 all-hands" and entry.text.template == "card.live.live"
    assert (await listed("en-GB")).notifications[0].title == "Live now: Q3 all-hands"


def test_the_typescript_client_has_the_catalogs_as_they_are() -> None:
    from infra import textcat

    assert textcat.TS.read_text() == textcat.render_typescript(), "run `python -m infra.textcat`"
