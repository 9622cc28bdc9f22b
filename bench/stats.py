"""Figures the benches print."""
from __future__ import annotations


def pct(values: list[float], q: float) -> float:
    """The q-th percentile of `values` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]
