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


def _process_table() -> tuple[dict[int, list[int]], dict[int, float]]:
    """One pass over /proc: each process's children, and each one's CPU seconds (its own plus
    those of its children that exited)."""
    children: dict[int, list[int]] = {}
    used: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None:
                children.setdefault(stat[0], []).append(int(entry.name))
                used[int(entry.name)] = stat[1] + stat[2]
    return children, used


def _tree(pid: int, children: dict[int, list[int]], used: dict[int, float]) -> float:
    total, todo = 0.0, [pid]
    while todo:
        process = todo.pop()
        total += used.get(process, 0.0)
        todo.extend(children.get(process, ()))
    return total


def tree_cpu(pid: int) -> float:
    """CPU seconds of `pid` and every process below it, living or exited (PostgreSQL's backends)."""
    return _tree(pid, *_process_table())


class CpuMeter:
    """CPU seconds each named group of process trees used since the meter started (one pass
    over /proc per reading, so that reading it costs the machine little)."""

    def __init__(self, named: dict[str, list[int]]) -> None:
        self._named = named
        self._start = self._now()

    def _now(self) -> dict[str, float]:
        children, used = _process_table()
        return {name: sum(_tree(pid, children, used) for pid in pids) for name, pids in self._named.items()}

    def used(self) -> dict[str, float]:
        now = self._now()
        return {name: now[name] - self._start[name] for name in now}
