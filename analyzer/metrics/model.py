"""The metrics stage's output (columns: docs/tables.md)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass
class MetricsResult:
    as_of: pd.Timestamp
    deadlines: pd.DataFrame
    bug_metrics: pd.DataFrame
    # where question counts and report kinds came from: the language stage or the fallback rule
    questions_source: str = "language stage"
