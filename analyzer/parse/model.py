"""The thread model's output: the tidy tables of docs/tables.md."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass
class ThreadTables:
    """What the parse stage hands on: one DataFrame per tidy table (columns: docs/tables.md)."""

    bugs: pd.DataFrame
    comments: pd.DataFrame
    changes: pd.DataFrame
    needinfos: pd.DataFrame
    whiteboard: pd.DataFrame
    participants: pd.DataFrame
