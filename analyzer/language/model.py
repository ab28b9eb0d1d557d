"""The language stage's output (columns: docs/tables.md)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass
class LanguageTables:
    comment_language: pd.DataFrame
    commitments: pd.DataFrame
