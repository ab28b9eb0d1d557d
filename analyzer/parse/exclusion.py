"""Which bugs are judged: not those resolved as non-incidents, not ``[meta]`` tracking bugs.

A pure function of a bug's fields, so the metrics stage can ask it about a bug's state at any
``--as-of`` (``bug_state_at``) and get the same answer the parse stage gives for today's state.
The non-incident resolutions are data: ``analyzer/data/excluded_resolutions.csv``
(``resolution, reason``), extended by ``<data-dir>/reference/excluded_resolutions.csv``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from analyzer.bmo import CLOSED_STATUSES
from analyzer.parse.reference import Reference, read_table

META = "meta bug"
_META_TAG = re.compile(r"\[\s*meta\s*\]", re.IGNORECASE)


@lru_cache(maxsize=1)
def builtin_rules() -> Mapping[str, str]:
    """The shipped ``resolution -> reason`` table (upper-case resolutions)."""
    return resolution_rules(read_table("excluded_resolutions.csv", None))


def resolution_rules(rows: list[dict[str, str]]) -> dict[str, str]:
    """``resolution -> reason`` from the CSV's rows; later rows win."""
    return {row["resolution"].strip().upper(): row["reason"] for row in rows}


def excluded_reason(
    summary: str | None,
    whiteboard: str | None,
    resolution: str | None,
    status: str | None,
    reference_or_rules: Reference | Mapping[str, str] | None = None,
) -> str:
    """``""`` when the bug is judged, else why not (``resolution INVALID``, ``meta bug``).

    A resolution counts only while the bug is closed (a reopened bug is judged again, whatever
    a stale resolution says). ``reference_or_rules``: a ``Reference`` (its
    ``excluded_resolutions``), a ``resolution -> reason`` mapping, or ``None`` for the shipped
    table.
    """
    if reference_or_rules is None:
        rules = builtin_rules()
    elif isinstance(reference_or_rules, Reference):
        rules = reference_or_rules.excluded_resolutions
    else:
        rules = reference_or_rules
    if _closed(status) and resolution:
        reason = rules.get(str(resolution).strip().upper())
        if reason:
            return reason
    if has_meta_tag(summary) or has_meta_tag(whiteboard):
        return META
    return ""


def has_meta_tag(text: str | None) -> bool:
    """The text carries a ``[meta]`` tag (any case, spaces inside the brackets allowed)."""
    return bool(text) and _META_TAG.search(str(text)) is not None


def _closed(status: str | None) -> bool:
    # Without a status (hand-made tables) a resolution is taken at its word.
    return not status or str(status).upper() in CLOSED_STATUSES
