"""CPU time of processes, from /proc, so a benchmark can say where the time went: CPU seconds
hardly move when other work shares the machine, while wall times do."""

from __future__ import annotations

import os
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float, float] | None:
    """(parent pid, own CPU seconds, CPU seconds of its children that exited), None if gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICKS, (int(fields[13]) + int(fields[14])) / _TICKS


def tree_cpu(pid: int) -> float:
    """CPU seconds of `pid` and every process below it, living or exited (PostgreSQL's backends)."""
    parents: dict[int, int] = {}
    own: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None:
                parents[int(entry.name)], own[int(entry.name)] = stat[0], stat[1]
    root = _stat(pid)
    if root is None:
        return 0.0
    total, todo = root[1] + root[2], [pid]
    while todo:
        parent = todo.pop()
        for child, its_parent in parents.items():
            if its_parent == parent:
                total += own[child]
                todo.append(child)
    return total


class CpuMeter:
    """CPU seconds each named group of process trees used since the meter started."""

    def __init__(self, named: dict[str, list[int]]) -> None:
        self._named = named
        self._start = self._now()

    def _now(self) -> dict[str, float]:
        return {name: sum(tree_cpu(pid) for pid in pids) for name, pids in self._named.items()}

    def used(self) -> dict[str, float]:
        now = self._now()
        return {name: now[name] - self._start[name] for name in now}
