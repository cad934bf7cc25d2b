"""When a meeting happens: its occurrences (SPEC F-30).

A single meeting has one occurrence. A series keeps its first start as a local wall-clock time
in an IANA zone and repeats it daily, weekly or monthly, converting each occurrence to UTC on its
own, so a weekly 09:00 in Europe/Berlin stays 09:00 across daylight-saving changes. A wall-clock
time that does not exist on a spring-forward day is taken with the offset before the gap (as RFC
5545 does: 02:30 becomes 03:30). Occurrences are expanded on the fly, never stored; an occurrence
edited or cancelled on its own is an override, keyed by its original start.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from convene.meetings.v1 import meetings_pb2 as pb

SINGLE = pb.RECURRENCE_FREQUENCY_UNSPECIFIED
# Expansion never walks further than this many steps (daily for about 270 years).
MAX_STEPS = 100_000
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo | None:
    """The IANA zone called `name`, or None when there is none."""
    if not name or len(name) > 64 or name.startswith("/") or ".." in name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def parse_date(text: str) -> dt.date | None:
    if not _DATE.match(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def to_utc(local: dt.datetime, zone_name: str) -> dt.datetime:
    tz = zone(zone_name)
    assert tz is not None, zone_name
    return local.replace(tzinfo=tz).astimezone(dt.UTC)


def to_local(instant: dt.datetime, zone_name: str) -> dt.datetime:
    """The wall-clock time (naive) of `instant` in the zone."""
    tz = zone(zone_name)
    assert tz is not None, zone_name
    return instant.astimezone(tz).replace(tzinfo=None)


@dataclass(frozen=True)
class Series:
    """The rule of a meeting's occurrences."""

    local_start: dt.datetime  # naive wall-clock time of the first occurrence
    zone: str
    duration_minutes: int
    frequency: int = SINGLE
    interval: int = 1
    until: dt.date | None = None
    count: int = 0

    @property
    def recurring(self) -> bool:
        return self.frequency != SINGLE

    def _local(self, step: int) -> dt.datetime | None:
        """The wall-clock time of step `step`, or None for a month without the start's day."""
        start, every = self.local_start, max(1, self.interval)
        if self.frequency == pb.RECURRENCE_FREQUENCY_DAILY:
            return start + dt.timedelta(days=step * every)
        if self.frequency == pb.RECURRENCE_FREQUENCY_WEEKLY:
            return start + dt.timedelta(weeks=step * every)
        months = start.month - 1 + step * every
        year, month = start.year + months // 12, months % 12 + 1
        if start.day > calendar.monthrange(year, month)[1]:
            return None
        return start.replace(year=year, month=month)

    def original_starts(self) -> Iterator[dt.datetime]:
        """Every occurrence's original start (UTC), in order."""
        if not self.recurring:
            yield to_utc(self.local_start, self.zone)
            return
        produced = 0
        for step in range(MAX_STEPS):
            try:
                local = self._local(step)
                if local is None:
                    continue
                if self.until is not None and local.date() > self.until:
                    return
                start = to_utc(local, self.zone)
            except (OverflowError, ValueError):
                return  # datetime ends with the year 9999, and so does any series
            yield start
            produced += 1
            if self.count and produced >= self.count:
                return

    def has_occurrence(self, original_start: dt.datetime) -> bool:
        for start in self.original_starts():
            if start >= original_start:
                return start == original_start
        return False


@dataclass(frozen=True)
class Occurrence:
    original_start: dt.datetime
    start: dt.datetime
    duration_minutes: int
    topic: str
    notes: str
    cancelled: bool = False
    modified: bool = False

    @property
    def end(self) -> dt.datetime:
        return self.start + dt.timedelta(minutes=self.duration_minutes)


@dataclass(frozen=True)
class Override:
    """One occurrence edited or cancelled on its own; None keeps the series' value."""

    start: dt.datetime | None = None
    duration_minutes: int | None = None
    topic: str | None = None
    notes: str | None = None
    cancelled: bool = False


def apply(base: Occurrence, override: Override | None) -> Occurrence:
    if override is None:
        return base
    return replace(
        base, start=override.start or base.start,
        duration_minutes=override.duration_minutes or base.duration_minutes,
        topic=base.topic if override.topic is None else override.topic,
        notes=base.notes if override.notes is None else override.notes,
        cancelled=override.cancelled, modified=True,
    )


def occurrences(series: Series, topic: str, notes: str, overrides: Mapping[dt.datetime, Override],
                *, after_original: dt.datetime | None = None) -> Iterator[Occurrence]:
    """The occurrences in original order, overrides applied (cancelled ones included)."""
    for original in series.original_starts():
        if after_original is not None and original <= after_original:
            continue
        base = Occurrence(original, original, series.duration_minutes, topic, notes)
        yield apply(base, overrides.get(original))


def next_occurrence(series: Series, topic: str, notes: str, overrides: Mapping[dt.datetime, Override], *,
                    after: dt.datetime | None, now: dt.datetime | None) -> Occurrence | None:
    """The earliest occurrence, by its actual start, that is not cancelled, starts after `after`
    (when given) and has not ended by `now` (when given)."""

    def wanted(occurrence: Occurrence) -> bool:
        return (not occurrence.cancelled and (after is None or occurrence.start > after)
                and (now is None or occurrence.end > now))

    best: Occurrence | None = None
    # Occurrences at their series time come in order: the first one wanted is the earliest of them.
    for occurrence in occurrences(series, topic, notes, {}):
        if occurrence.original_start in overrides:
            continue
        if wanted(occurrence):
            best = occurrence
            break
    # Edited ones may have moved anywhere.
    for original, override in overrides.items():
        base = Occurrence(original, original, series.duration_minutes, topic, notes)
        moved = apply(base, override)
        if wanted(moved) and (best is None or moved.start < best.start):
            best = moved
    return best
