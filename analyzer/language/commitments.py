"""Commitments: dated promises in a comment (placeholder until the date rules land)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from analyzer.language.text import Block


@dataclass(frozen=True)
class Commitment:
    text: str
    promised: date
    kind: str  # "update", "report", "action_item"
    status: str | None = None


def find_commitments(
    comment_blocks: Sequence[Sequence[Block]], days: Sequence[date | None]
) -> list[list[Commitment]]:
    return [[] for _ in comment_blocks]
