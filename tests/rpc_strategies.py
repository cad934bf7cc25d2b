"""Hypothesis strategies for any Convene request, built from its protobuf descriptor.

Every field gets values of its type: edge values (NUL and other hostile text, int limits,
Timestamps outside what Python's datetime holds, unknown enum numbers, forged page tokens, an id
with a trailing newline), random values, and, for fields that name things, the real ids of a
world made beforehand, so a share of the examples get past the id checks into the domain.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from google.protobuf import descriptor as d
from google.protobuf import message_factory
from google.protobuf.message import Message
from hypothesis import strategies as st

from services.runtime.ids import PREFIXES, new_id

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
# Timestamp seconds: datetime's first and last second, just outside them, and int64's limits.
FIRST_SECOND, LAST_SECOND = -62135596800, 253402300799
EDGE_SECONDS = (0, 1, -1, FIRST_SECOND, FIRST_SECOND - 1, LAST_SECOND, LAST_SECOND + 1, LAST_SECOND - 3600,
                LAST_SECOND - 86400, 4102444800, *INT64)
EDGE_NANOS = (0, 999_999_999, 1_000_000_000, -1, *INT32)
NUL_TEXT = ("\x00", "a\x00b", "\x00" * 3, "launch\x00")
HOSTILE_TEXT = ("", " ", "\n", "\t\r", "x" * 5000, "🙂" * 50, "\u202e\u200b", "'; DROP TABLE members; --", "%s%n%x",
                "\ud7ff\ue000", "null", "0", "-1", "9" * 40)
TIME_ZONES = ("Asia/Shanghai", "UTC", "Pacific/Kiritimati", "Etc/GMT+12", "Etc/GMT-14", "America/St_Johns",
              "../../etc/passwd", "Not/AZone", "")
DATES = ("9999-12-31", "9999-12-30", "0001-01-01", "2030-02-29", "2032-02-29", "2030-13-01", "yesterday")


def _forged_page_tokens() -> list[str]:
    positions = [{"after": 10**30}, {"after": "x"}, {"before": "x"}, {"before": 10**30}, {"before": -1},
                 {"after": ["a"]}, {"after": None}, {"after": {"x": 1}}, [], "x", {"after": "usr_", "x": 1},
                 {"before": 2**63}, {"after": "\x00"}, {"after": "9999-99-99T99:99:99"}]
    tokens = [base64.urlsafe_b64encode(json.dumps(p).encode()).decode() for p in positions]
    return [*tokens, "!!!", "e30", "e30=", "eyJhZnRlciI6IDF9" * 20, "a.b.c"]


FORGED_PAGE_TOKENS = tuple(_forged_page_tokens())


@dataclass
class World:
    """What examples draw real values from: ids by kind, secrets, share links, callers."""

    ids: dict[str, list[str]] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    # Principal ids that calls which take something away (remove, revoke, hand over) may name:
    # never the callers, whose tokens the rest of the run needs.
    victims: list[str] = field(default_factory=list)

    def add(self, kind: str, *values: str) -> None:
        self.ids.setdefault(kind, []).extend(values)

    @property
    def all_ids(self) -> list[str]:
        return [value for values in self.ids.values() for value in values]

    def of_kinds(self, *kinds: str) -> list[str]:
        found = [value for kind in kinds for value in self.ids.get(kind, ())]
        return found or self.all_ids


PEOPLE = ("member", "wechat_user")
# What a field named `<word>_id` names, by its word (any id when the word says nothing).
_KINDS_BY_WORD = {"principal": (*PEOPLE, "service"), "participant": PEOPLE, "user": PEOPLE, "owner": PEOPLE,
                  "member": ("member",), "organizer": ("member",), "host": ("member",), "sharer": PEOPLE,
                  "wechat_user": ("wechat_user",), "viewer": PEOPLE, "recipient": PEOPLE, "thread": ("live", "meeting"),
                  "share": ("forward",)}


def _kinds_named(name: str) -> tuple[str, ...]:
    word = name.removesuffix("_id")
    for kind in PREFIXES:
        if word == kind or word.endswith("_" + kind):
            return (kind,)
    for key, kinds in _KINDS_BY_WORD.items():
        if word == key or word.endswith("_" + key) or word.startswith(key + "_"):
            return kinds
    return ()


def _made_up_ids() -> list[str]:
    made_up = [new_id(kind) for kind in PREFIXES]
    sample = new_id("member")
    return [*made_up, sample + "\n", sample + "\x00", sample + "\x00" * 2, " " + sample, sample.upper(), sample[:-1], "usr_", "_",
            sample.replace("usr_", "grp_")]


class RequestStrategies:
    """`for_message(descriptor)`: a strategy of messages of that type (cached per descriptor)."""

    MAX_DEPTH = 3

    def __init__(self, world: World, *, destructive: bool = False) -> None:
        self._world = world
        self._destructive = destructive
        self._made_up = _made_up_ids()

    # ----------------------------------------------------------------------------- strings

    def _text(self) -> st.SearchStrategy[str]:
        return st.one_of(st.sampled_from(NUL_TEXT), st.sampled_from(HOSTILE_TEXT), st.text(max_size=30),
                         st.text(alphabet=st.characters(codec="utf-8"), max_size=200))

    @staticmethod
    def _plain() -> st.SearchStrategy[str]:
        """Text any field takes: what gets a request past its checks to the work."""
        return st.text(alphabet="abcdefghijklmnopqrstuvwxyz 0123456789", min_size=1, max_size=20)

    @staticmethod
    def _mostly(valid: st.SearchStrategy, hostile: st.SearchStrategy) -> st.SearchStrategy:
        """Three valid values to one hostile one, so most requests reach the domain with at most
        a field or two that should be refused there."""
        return st.one_of(valid, valid, valid, hostile)

    def _ids(self, name: str) -> st.SearchStrategy[str]:
        real = self._world.of_kinds(*_kinds_named(name))
        if self._destructive and ("member" in name or "principal" in name or name in ("user_id", "new_owner_id")):
            real = self._world.victims + [i for i in real if not i.startswith(("usr_", "wx_", "svc_"))]
        return self._mostly(st.sampled_from(real), st.one_of(st.sampled_from(self._made_up), self._text()))

    def _string(self, f: d.FieldDescriptor, paths: tuple[str, ...]) -> st.SearchStrategy[str]:
        name = f.name.removesuffix("s") if f.is_repeated else f.name
        if name == "request_id":
            return self._mostly(st.uuids().map(str), self._text())
        if name == "id" or name.endswith("_id"):
            return self._ids(name)
        if name == "page_token":
            return self._mostly(st.just(""), st.one_of(st.sampled_from(FORGED_PAGE_TOKENS), self._text()))
        if name == "time_zone":
            return self._mostly(st.sampled_from(TIME_ZONES), self._text())
        if name.endswith("_date"):
            return self._mostly(st.sampled_from(DATES), self._text())
        if name == "api_secret" and self._world.secrets:
            return self._mostly(st.sampled_from(self._world.secrets), self._text())
        if name in ("share_link", "invite_token") and self._world.links:
            links = self._world.links
            return self._mostly(st.sampled_from(links), st.one_of(
                st.sampled_from([link[:-2] + "xx" for link in links]), self._text()))
        if name == "path" and paths:  # FieldMask paths: the real ones, and anything
            return self._mostly(st.sampled_from(paths), st.one_of(self._text(), st.just("x" * 100_000)))
        return self._mostly(self._plain(), self._text())

    # ----------------------------------------------------------------------------- fields

    def _scalar(self, f: d.FieldDescriptor, paths: tuple[str, ...]) -> st.SearchStrategy[object]:
        t = d.FieldDescriptor
        if f.type == t.TYPE_STRING:
            return self._string(f, paths)
        if f.type == t.TYPE_BOOL:
            return st.booleans()
        if f.type == t.TYPE_BYTES:
            return st.binary(max_size=64)
        if f.type == t.TYPE_ENUM:
            assert f.enum_type is not None
            numbers = [v.number for v in f.enum_type.values]
            return self._mostly(st.sampled_from(numbers[1:] or numbers),
                                st.sampled_from([0, -1, max(numbers) + 1, 99, INT32[1]]))
        if f.type in (t.TYPE_INT32, t.TYPE_SINT32, t.TYPE_SFIXED32):
            return self._mostly(st.integers(0, 120), st.one_of(
                st.sampled_from([-1, 500, 501, 86400, *INT32]), st.integers(*INT32)))
        if f.type in (t.TYPE_INT64, t.TYPE_SINT64, t.TYPE_SFIXED64):
            return self._mostly(st.integers(0, 120), st.one_of(
                st.sampled_from([-1, 2**31, 2**53, *INT64]), st.integers(*INT64)))
        if f.type in (t.TYPE_UINT32, t.TYPE_FIXED32):
            return st.integers(0, 2**32 - 1)
        if f.type in (t.TYPE_UINT64, t.TYPE_FIXED64):
            return st.integers(0, 2**64 - 1)
        if f.type in (t.TYPE_DOUBLE, t.TYPE_FLOAT):
            return st.floats(allow_nan=True, allow_infinity=True, width=32 if f.type == t.TYPE_FLOAT else 64)
        raise TypeError(f"no strategy for {f.full_name}")

    def _timestamp(self) -> st.SearchStrategy[dict]:
        soon = st.integers(int(time.time()) + 600, int(time.time()) + 400 * 86400)  # within a year or so
        seconds = self._mostly(soon, st.one_of(st.sampled_from(EDGE_SECONDS), st.integers(*INT64)))
        nanos = self._mostly(st.just(0), st.one_of(st.sampled_from(EDGE_NANOS), st.integers(0, 999_999_999)))
        return st.fixed_dictionaries({"seconds": seconds, "nanos": nanos})

    def _field(self, f: d.FieldDescriptor, depth: int, paths: tuple[str, ...]) -> st.SearchStrategy[object]:
        if f.message_type is not None:
            if f.message_type.full_name == "google.protobuf.Timestamp":
                one: st.SearchStrategy[object] = self._timestamp()
            else:
                one = self._message_values(f.message_type, depth + 1, paths)
        else:
            one = self._scalar(f, paths)
        if not f.is_repeated:
            return one
        # Mostly short lists; sometimes far longer than any RPC accepts.
        # Far longer lists are kept under the gRPC core's 4 MiB limit, past which no server code
        # runs (test_runtime_grpc covers that case).
        long = (st.just([{}] * 2500) if f.type == d.FieldDescriptor.TYPE_MESSAGE
                else one.map(lambda value: [value[:40] if isinstance(value, str) else value] * 2500))
        return st.one_of(st.lists(one, max_size=4), st.lists(one, max_size=4), long)

    def _message_values(self, descriptor: d.Descriptor, depth: int,
                        paths: tuple[str, ...] = ()) -> st.SearchStrategy[dict]:
        if depth > self.MAX_DEPTH:
            return st.just({})
        if descriptor.full_name == "google.protobuf.FieldMask":
            inner = st.lists(self._string(descriptor.fields_by_name["paths"], paths), max_size=4)
            return st.fixed_dictionaries({}, optional={"paths": inner})
        # A FieldMask beside a message field names that message's fields.
        names = tuple(name for f in descriptor.fields if f.message_type is not None
                      for name in (f.message_type.fields_by_name or {}))
        values = {f.name: self._field(f, depth, names or paths) for f in descriptor.fields}
        # Every field is set, except that members of a oneof may each be left out (setting one
        # clears the others, so which one stays must vary).
        in_oneof = {f.name for f in descriptor.fields if f.containing_oneof is not None}
        return st.fixed_dictionaries({k: v for k, v in values.items() if k not in in_oneof},
                                     optional={k: v for k, v in values.items() if k in in_oneof})

    def for_message(self, descriptor: d.Descriptor) -> st.SearchStrategy[Message]:
        cls = message_factory.GetMessageClass(descriptor)
        return self._message_values(descriptor, 0).map(lambda values: build(cls, values))


def build(cls: Callable[[], Message], values: dict) -> Message:
    """A message of `cls` holding `values` (nested dicts for messages, lists for repeated)."""
    message = cls()
    _fill(message, values)
    return message


def _fill(message: Message, values: dict) -> None:
    for name, value in values.items():
        f = message.DESCRIPTOR.fields_by_name[name]
        target = getattr(message, name)
        if f.is_repeated:
            if f.type == d.FieldDescriptor.TYPE_MESSAGE:
                for item in value:
                    _fill(target.add(), item)
            else:
                target.extend(value)
        elif f.type == d.FieldDescriptor.TYPE_MESSAGE:
            target.SetInParent()
            _fill(target, value)
        else:
            setattr(message, name, value)
