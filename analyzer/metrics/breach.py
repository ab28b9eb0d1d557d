"""Time in breach (docs/metrics.md, "Time in breach: the headline"): when each judged bug
was open and when any of its obligations was past due and not met.

A missed row is in breach from its due time until it was met, withdrawn, or its open period
ended (``due + overdue``); repeats lie inside the first row of their gap, so the union of the
rows' intervals counts every moment once. Breach that rests only on caveated rows (unknown
history, missing text, an estimated close) is told apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from analyzer.metrics.rules import BugResult, Row
from analyzer.metrics.timeline import OpenPeriod


class Breach(NamedTuple):
    start: int
    end: int
    rules: str  # space-separated, sorted
    caveated: bool  # only caveated rows are in breach here
    caveat: str


def open_spans(periods: list[OpenPeriod], as_of: int) -> list[tuple[int, int]]:
    spans = []
    for p in periods:
        end = min(p.end if p.end is not None else as_of, as_of)
        if end > p.start:
            spans.append((p.start, end))
    return spans


def _clip(start: int, end: int, spans: list[tuple[int, int]]) -> Iterable[tuple[int, int]]:
    for lo, hi in spans:
        a, b = max(start, lo), min(end, hi)
        if b > a:
            yield a, b


def breaches(result: BugResult, as_of: int) -> list[Breach]:
    """Maximal intervals of one constant set of rules in breach, within the open time."""
    spans = open_spans(result.periods, as_of)
    edges: list[tuple[int, int, Row]] = []
    for row in result.rows:
        if row.outcome != "missed" or row.overdue <= 0 or row.repeat:
            continue  # a repeat lies inside its gap's first row: same rule, same end (a month
            # whose rows are not kept builds no carried repeat, metrics/cadence.py ``_silence``'s
            # ``repeats_from``: breaches must not read repeats)
        for a, b in _clip(row.due, min(row.due + row.overdue, as_of), spans):
            edges.append((a, 1, row))
            edges.append((b, -1, row))
    if not edges:
        return []
    edges.sort(key=lambda e: (e[0], e[1]))
    active: dict[int, Row] = {}
    out: list[Breach] = []
    last = edges[0][0]
    i = 0
    while i < len(edges):
        t = edges[i][0]
        if active and t > last:
            _emit(out, last, t, active.values())
        while i < len(edges) and edges[i][0] == t:
            _, step, row = edges[i]
            if step > 0:
                active[id(row)] = row
            else:
                active.pop(id(row), None)
            i += 1
        last = t
    return out


def _emit(out: list[Breach], start: int, end: int, rows: Iterable[Row]) -> None:
    rows = list(rows)
    rules = " ".join(sorted({r.rule for r in rows}))
    caveated = all(r.caveat for r in rows)
    caveat = "; ".join(sorted({r.caveat for r in rows if r.caveat})) if caveated else ""
    previous = out[-1] if out else None
    if (
        previous
        and previous.end == start
        and (previous.rules, previous.caveated)
        == (
            rules,
            caveated,
        )
    ):
        out[-1] = previous._replace(end=end)
        return
    out.append(Breach(start, end, rules, caveated, caveat))


def overlap(start: int, end: int, spans: Iterable[tuple[int, int]]) -> int:
    """Seconds of ``[start, end)`` covered by ``spans``."""
    return sum(max(0, min(end, b) - max(start, a)) for a, b in spans)
