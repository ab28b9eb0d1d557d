"""The metrics stage: every CCADB deadline of every bug, with its outcome and evidence.

``compute(tables, language, as_of)`` judges each bug under the IRG version in force when each
obligation started (``analyzer/data/irg_versions.csv``) and uses nothing later than ``as_of``.

Example::

    >>> import analyzer
    >>> result = analyzer.load().metrics(as_of="2025-12-31")
    >>> result.deadlines.groupby(["rule", "outcome"]).size()
"""

from __future__ import annotations

import gc

import pandas as pd

from analyzer.metrics.frames import deadlines_frame, metrics_frame
from analyzer.metrics.rulebook import Rulebook, load_rulebook
from analyzer.metrics.rules import evaluate
from analyzer.metrics.threads import build_threads
from analyzer.tables import LanguageTables, MetricsResult, ThreadTables

__all__ = ["MetricsResult", "compute"]


def compute(
    tables: ThreadTables,
    language: LanguageTables | None,
    as_of: pd.Timestamp,
    rulebook: Rulebook | None = None,
) -> MetricsResult:
    """Deadlines and per-bug metrics as they stood at ``as_of`` (tz-aware or UTC-naive)."""
    stamp = pd.Timestamp(as_of)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    stamp = stamp.floor("s")
    cutoff = int(stamp.timestamp())
    rulebook = rulebook or load_rulebook()
    collecting = gc.isenabled()
    gc.disable()  # millions of small tuples, none cyclic: collection passes are pure overhead
    try:
        threads, source = build_threads(tables, language, cutoff)
        results = [evaluate(thread, rulebook, cutoff) for thread in threads]
        return MetricsResult(stamp, deadlines_frame(results), metrics_frame(results), source)
    finally:
        if collecting:
            gc.enable()
