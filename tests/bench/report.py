"""What a benchmark prints: its figure beside a bare baseline from the same run, and the ratio.

The machine is shared and noisy; the ratio to a baseline measured moments apart is what counts.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path


def percentile(samples: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary_ms(samples_s: list[float]) -> str:
    ms = [s * 1000 for s in samples_s]
    return f"p50 {percentile(ms, 50):.1f} ms, p99 {percentile(ms, 99):.1f} ms (n={len(ms)}, mean {statistics.fmean(ms):.1f})"


@dataclass
class Row:
    benchmark: str
    metric: str
    value: float
    baseline_name: str
    baseline: float
    unit: str
    higher_is_better: bool
    target: str

    @property
    def ratio(self) -> float:
        if self.higher_is_better:
            return self.value / self.baseline if self.baseline else float("nan")
        return self.value / self.baseline if self.baseline else float("nan")


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    started: float = field(default_factory=time.time)

    def compare(self, benchmark: str, metric: str, value: float, *, baseline_name: str, baseline: float,
                unit: str, target: str = "", higher_is_better: bool = False) -> Row:
        row = Row(benchmark, metric, value, baseline_name, baseline, unit, higher_is_better, target)
        self.rows.append(row)
        print(f"  {benchmark} | {metric}: {value:,.2f} {unit} | {baseline_name}: {baseline:,.2f} {unit}"
              f" | ratio {row.ratio:.2f}x{f' (target {target})' if target else ''}", flush=True)
        return row

    def note(self, text: str) -> None:
        print(f"  {text}", flush=True)

    def markdown(self) -> str:
        lines = [
            "| benchmark | metric | Convene | bare baseline | ratio | target |",
            "|---|---|---|---|---|---|",
        ]
        for r in self.rows:
            lines.append(f"| {r.benchmark} | {r.metric} | {r.value:,.2f} {r.unit} | {r.baseline_name}: "
                         f"{r.baseline:,.2f} {r.unit} | {r.ratio:.2f}x | {r.target} |")
        return "\n".join(lines)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.markdown() + "\n")
