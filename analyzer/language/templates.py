"""The IRG report templates by version, read from ``analyzer/data/irg_templates.csv``.

Why data, not code: the CCADB revises the templates; a reviewer should be able to check the
section lists against ccadb.org line by line, and a user can add a version without a release.

Each row names one thing a report must show: a ``section`` or ``field`` (a line that starts with
it, after markdown marks and numbering), an ``action_items_column`` (a header cell of the Action
Items table) or the ``closing_sentence`` (anywhere in the text, spacing ignored).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources

import pandas as pd

PARTS = ("section", "field", "action_items_column", "closing_sentence")


@dataclass(frozen=True)
class Requirement:
    part: str
    name: str
    pattern: re.Pattern
    source: str  # the CSV's pattern, as written


@dataclass(frozen=True)
class Template:
    """One report kind (``full`` or ``closure``) as one IRG version asks for it."""

    version: str
    effective: pd.Timestamp
    report: str
    requirements: tuple[Requirement, ...]

    @cached_property
    def signature(self) -> tuple[tuple[str, str], ...]:
        return tuple((r.part, r.name) for r in self.requirements)


# '#', '**', '-', numbering; not a '>' quote. No two adjacent stars over the same characters:
# that would backtrack quadratically on a long line of marks ("- - - ...").
LINE_START = r"^[^\w>\n]*(?:\d+[.)][^\w>\n]*)?"


def _compile(part: str, pattern: str) -> re.Pattern:
    if part in ("section", "field"):
        return re.compile(LINE_START + r"(?:" + pattern + r")", re.I | re.M)
    if part == "action_items_column":
        return re.compile(r"(?:" + pattern + r")", re.I)
    return re.compile(pattern, re.I)


def load_templates(path: str | None = None) -> list[Template]:
    """All templates, oldest version first."""
    source = path or str(resources.files("analyzer") / "data" / "irg_templates.csv")
    grouped: dict[tuple[str, str], list[dict]] = {}
    with open(source, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["part"] not in PARTS:
                raise ValueError(f"{source}: unknown part {row['part']!r}")
            grouped.setdefault((row["version"], row["report"]), []).append(row)
    templates = [
        Template(
            version=version,
            effective=pd.Timestamp(rows[0]["effective"], tz="UTC"),
            report=report,
            requirements=tuple(
                Requirement(r["part"], r["name"], _compile(r["part"], r["pattern"]), r["pattern"])
                for r in rows
            ),
        )
        for (version, report), rows in grouped.items()
    ]
    return sorted(templates, key=lambda t: (t.effective, t.report))


@lru_cache(maxsize=1)
def builtin_templates() -> tuple[Template, ...]:
    return tuple(load_templates())


def generations(report: str, templates=None) -> list[tuple[Template, pd.Timestamp | None]]:
    """Distinct templates of one report kind, each with when a different one replaced it.

    Versions that kept the template unchanged (3.1 after 3.0) are one generation, named by the
    first version that used it; so a 3.0-style report posted under 3.1 is not stale.
    """
    templates = [t for t in (templates or builtin_templates()) if t.report == report]
    distinct: list[Template] = []
    for template in templates:
        if not distinct or distinct[-1].signature != template.signature:
            distinct.append(template)
    return [
        (template, distinct[i + 1].effective if i + 1 < len(distinct) else None)
        for i, template in enumerate(distinct)
    ]
