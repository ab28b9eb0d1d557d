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

import gc

import pandas as pd

from analyzer.metrics.breach import breaches
from analyzer.metrics.frames import (
    breaches_frame,
    ca_months_frame,
    deadlines_frame,
    metrics_frame,
)
from analyzer.metrics.rulebook import Rulebook, load_rulebook
from analyzer.metrics.rules import evaluate_bug
from analyzer.metrics.threads import build_threads
from analyzer.tables import LanguageTables, MetricsResult, ThreadTables

__all__ = ["MetricsResult", "compute"]


def compute(
    tables: ThreadTables,
    language: LanguageTables | None,
    as_of: pd.Timestamp,
    rulebook: Rulebook | None = None,
) -> MetricsResult:
    """Deadlines, per-bug metrics, breaches and CA months as they stood at ``as_of``."""
    stamp = pd.Timestamp(as_of)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    stamp = stamp.floor("s")
    cutoff = int(stamp.timestamp())
    rulebook = rulebook or load_rulebook()
    collecting = gc.isenabled()
    gc.disable()  # millions of small tuples, none cyclic: collection passes are pure overhead
    try:
        threads, source = build_threads(tables, language, cutoff)
        results = [evaluate_bug(thread, rulebook, cutoff) for thread in threads]
        spans = {r.thread.bug_id: breaches(r, cutoff) for r in results if not r.excluded}
        return MetricsResult(
            stamp,
            deadlines_frame(results),
            metrics_frame(results, spans, cutoff),
            source,
            breaches=breaches_frame(results, spans),
            ca_months=ca_months_frame(results, spans, cutoff),
        )
    finally:
        if collecting:
            gc.enable()
