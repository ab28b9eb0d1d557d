"""The metrics stage: every CCADB deadline of every bug, with its outcome and evidence, and
how much of each bug's open time the CA spent in breach.

``compute(tables, language, as_of)`` judges each bug under the rule in force when each
obligation started (``analyzer/data/irg_rules.csv``; versions from the one IRG calendar) and
uses nothing later than ``as_of``.

Example::

    >>> import analyzer
    >>> result = analyzer.load().metrics(as_of="2025-12-31")
    >>> result.deadlines.groupby(["rule", "outcome"]).size()
    >>> result.ca_months.query("month == '2025-12'").nsmallest(5, "compliance")
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass

import pandas as pd

from analyzer.metrics.breach import Breach, breaches
from analyzer.metrics.frames import (
    breaches_frame,
    ca_months_frame,
    deadlines_frame,
    metrics_frame,
)
from analyzer.metrics.rulebook import Rulebook, load_rulebook
from analyzer.metrics.rules import BugResult, evaluate_bug
from analyzer.metrics.threads import build_threads
from analyzer.tables import LanguageTables, MetricsResult, ThreadTables

__all__ = ["Evaluation", "MetricsResult", "compute", "evaluate", "frozen", "uncollected"]


@dataclass
class Evaluation:
    """Every bug's rows and breach intervals as plain Python, before they become tables: what
    each month's view is cut from (:mod:`analyzer.metrics.months`)."""

    as_of: pd.Timestamp
    cutoff: int  # ``as_of`` in epoch seconds
    results: list[BugResult]
    spans: dict[int, list[Breach]]  # judged bugs only
    source: str  # where question counts and report kinds came from

    def result(self, bug_ids: Collection[int] | None = None) -> MetricsResult:
        """The tables, of every bug or only of ``bug_ids`` (as if the corpus held only them)."""
        results = self.results
        if bug_ids is not None:
            wanted = set(bug_ids)
            results = [r for r in results if r.thread.bug_id in wanted]
        return MetricsResult(
            self.as_of,
            deadlines_frame(results),
            metrics_frame(results, self.spans, self.cutoff),
            self.source,
            breaches=breaches_frame(results, self.spans),
            ca_months=ca_months_frame(results, self.spans, self.cutoff),
        )

    def breaches(self) -> pd.DataFrame:
        """The ``breaches`` table of every bug alone: what a CA's patterns read, without the
        deadlines of every bug (a million rows at 50x the real corpus)."""
        return breaches_frame(self.results, self.spans)


def utc_second(as_of: pd.Timestamp | str) -> pd.Timestamp:
    """``as_of`` in UTC, to the second (a naive time is taken as UTC)."""
    stamp = pd.Timestamp(as_of)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.floor("s")


@contextlib.contextmanager
def uncollected() -> Iterator[None]:
    """Garbage collection paused meanwhile: judging makes millions of small tuples, none in a
    cycle, so collection passes over them are pure overhead (reference counts still free
    them)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


@contextlib.contextmanager
def frozen() -> Iterator[None]:
    """Every object alive now (and at each ``gc.freeze()`` inside) left out of the
    collections meanwhile: a corpus and its judgement are millions of objects that each full
    collection would scan again, none in a cycle, so reference counts still free them. What
    is made meanwhile is still collected. (:func:`uncollected` pauses collection instead,
    for a stretch that only makes objects.)"""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def evaluate(
    tables: ThreadTables,
    language: LanguageTables | None,
    as_of: pd.Timestamp,
    rulebook: Rulebook | None = None,
    exclusion_rules: Mapping[str, str] | None = None,
) -> Evaluation:
    """Every bug judged as it stood at ``as_of``. ``exclusion_rules``: the non-incident
    resolutions of the corpus's reference tables (None: the shipped table)."""
    stamp = utc_second(as_of)
    cutoff = int(stamp.timestamp())
    rulebook = rulebook or load_rulebook()
    with uncollected():
        threads, source = build_threads(tables, language, cutoff, exclusion_rules)
        results = [evaluate_bug(thread, rulebook, cutoff) for thread in threads]
        spans = {r.thread.bug_id: breaches(r, cutoff) for r in results if not r.excluded}
        return Evaluation(stamp, cutoff, results, spans, source)


def compute(
    tables: ThreadTables,
    language: LanguageTables | None,
    as_of: pd.Timestamp,
    rulebook: Rulebook | None = None,
    exclusion_rules: Mapping[str, str] | None = None,
) -> MetricsResult:
    """Deadlines, per-bug metrics, breaches and CA months as they stood at ``as_of``."""
    evaluation = evaluate(tables, language, as_of, rulebook, exclusion_rules)
    with uncollected():
        return evaluation.result()
