"""What notifications say, in the reader's language (SPEC F-40): templates and arguments in,
title and body out.

Producers never write sentences: a notice carries a `NotificationText` (a template key such as
`meetings.invitation` and its arguments) and this module renders it from the catalogs in
`texts/<locale>.toml` (`en` and `zh-Hans`; a catalog is one file). A notification is stored with
its text and its title and body in the default language; a reader whose `accept-language` picks
another catalog gets title and body rendered in it as they are read or pushed, and every reader
gets the template and arguments for rendering on their own.

Placeholders are Python format fields: `{topic}` inserts an argument as it is, and three specs
format by language: `{start_time:time}` (an RFC 3339 time, shown in the zone named by the
`time_zone` argument; `{before:time/before_zone}` names another), `{type:term}` (a term of the
catalog's `[terms]`, such as `video`), `{rule:repeats}` and `{rule:repeats_tail}` (a meeting's
recurrence alone, or as a clause to append; encoded by
`services.runtime.notice_text.repeats_arg`). Producers build texts with
`services.runtime.notice_text.text(...)`.

Adding a notice: add the template to every catalog (tests/test_notification_texts.py checks that
all catalogs have the same keys and placeholders, and that every key the code uses exists).
"""

from __future__ import annotations

import datetime as dt
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from convene.notifications.v1 import notifications_pb2 as pb

DEFAULT_LOCALE = "en"
CATALOG_DIR = Path(__file__).parent / "texts"


@dataclass(frozen=True)
class Template:
    title: str
    body: str = ""


@dataclass(frozen=True)
class Catalog:
    locale: str
    templates: dict[str, Template]
    terms: dict[str, str]
    # strftime-like pieces of a time: `{weekday}`, `{day}`, `{month}`, `{year}`, `{hour}`, `{minute}`, `{zone}`.
    time_format: str
    weekdays: list[str]
    months: list[str]
    repeats: dict[str, str]


def _load(path: Path) -> Catalog:
    data = tomllib.loads(path.read_text())
    dates = data["dates"]
    return Catalog(
        locale=path.stem, terms=dict(data.get("terms", {})), time_format=dates["time"],
        weekdays=list(dates["weekdays"]), months=list(dates["months"]), repeats=dict(data["repeats"]),
        templates={key: Template(str(t["title"]), str(t.get("body", ""))) for key, t in data["templates"].items()},
    )


CATALOGS: dict[str, Catalog] = {path.stem: _load(path) for path in sorted(CATALOG_DIR.glob("*.toml"))}


class UnknownTemplate(KeyError):
    """A producer named a template no catalog has: the notice cannot be rendered."""


def negotiate(accept_language: str) -> str:
    """The catalog that best matches an `accept-language` value (`zh-CN,zh;q=0.9,en;q=0.8`).

    Any Chinese (`zh`, `zh-CN`, `zh-Hans-SG`, `zh-TW`) takes `zh-Hans`, the only Chinese catalog
    (a Traditional one would be matched first once it exists); anything unmatched takes `en`."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, index, tag.strip()))
    for _, _, tag in sorted(ranked):
        found = _match(tag)
        if found:
            return found
    return DEFAULT_LOCALE


def _match(tag: str) -> str | None:
    lowered = {locale.lower(): locale for locale in CATALOGS}
    tag = tag.lower()
    if tag in lowered:
        return lowered[tag]
    language = tag.split("-", 1)[0]
    if language == "zh":
        hant = "zh-hant" in lowered and any(p in tag for p in ("hant", "-tw", "-hk", "-mo"))
        return lowered["zh-hant" if hant else "zh-hans"] if "zh-hans" in lowered else None
    return next((locale for low, locale in lowered.items() if low.split("-", 1)[0] == language), None)


class _Formatter(string.Formatter):
    def __init__(self, catalog: Catalog, args: Mapping[str, str]) -> None:
        self._catalog = catalog
        self._args = args

    def format_field(self, value: object, format_spec: str) -> str:
        kind, _, option = format_spec.partition("/")
        text = str(value)
        if kind == "time":
            return self._time(text, self._args.get(option or "time_zone", "UTC"))
        if kind == "term":
            return self._catalog.terms.get(text, text)
        if kind == "repeats":
            return self._repeats(text) or self._catalog.terms.get("no_repeat", "")
        if kind == "repeats_tail":
            repeats = self._repeats(text)
            return self._catalog.repeats["tail"].format(text=repeats) if repeats else ""
        return super().format_field(value, format_spec)

    def _time(self, value: str, zone_name: str) -> str:
        try:
            instant = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            local = instant.astimezone(ZoneInfo(zone_name))
        except (ValueError, ZoneInfoNotFoundError):
            return value
        c = self._catalog
        return c.time_format.format(weekday=c.weekdays[local.weekday()], day=f"{local.day:02d}", day_number=local.day,
                                    month=c.months[local.month - 1], month_number=local.month, year=local.year,
                                    hour=f"{local.hour:02d}", minute=f"{local.minute:02d}", zone=zone_name)

    def _repeats(self, value: str) -> str:
        if not value:
            return ""
        frequency, _, rest = value.partition("/")
        interval_text, _, limit = rest.partition("/")
        interval = int(interval_text or 1)
        r = self._catalog.repeats
        unit = self._catalog.terms.get(frequency, frequency)
        text = (r["every_one"] if interval <= 1 else r["every_many"]).format(unit=unit, interval=interval)
        if limit.startswith("until="):
            text += r["until"].format(date=limit.removeprefix("until="))
        elif limit.startswith("count="):
            text += r["count"].format(count=int(limit.removeprefix("count=")))
        return text


def _render_one(catalog: Catalog, key: str, args: Mapping[str, str]) -> Template:
    template = catalog.templates.get(key) or CATALOGS[DEFAULT_LOCALE].templates.get(key)
    if template is None:
        raise UnknownTemplate(key)
    formatter = _Formatter(catalog, args)
    return Template(formatter.vformat(template.title, (), _Args(args)),
                    formatter.vformat(template.body, (), _Args(args)))


class _Args(dict):
    """Arguments a template names but the notice lacks render empty, never fail a delivery."""

    def __missing__(self, key: str) -> str:
        return ""


def render(text: pb.NotificationText, locale: str = DEFAULT_LOCALE) -> tuple[str, str]:
    """(title, body) of `text` in `locale` (the default catalog for what that one lacks)."""
    catalog = CATALOGS.get(locale) or CATALOGS[DEFAULT_LOCALE]
    main = _render_one(catalog, text.template, text.args)
    lines = [_render_one(catalog, line.template, line.args).title for line in text.lines]
    body = "\n".join(part for part in (main.body, *lines) if part)
    return main.title, body


def localized(notification: pb.Notification, locale: str) -> pb.Notification:
    """The notification as a reader in `locale` sees it: itself when it is already in that
    language or has no template (nothing is copied then), else a copy with its texts rendered."""
    if notification.locale == locale or not notification.text.template:
        return notification
    copy = pb.Notification()
    copy.CopyFrom(notification)
    copy.title, copy.body = render(notification.text, locale)
    copy.locale = locale
    return copy
