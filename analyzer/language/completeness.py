"""One report read against the IRG template in force when it was posted: which parts it lacks,
which template generation it follows, whether that one was stale.

Why in the language stage: ``comment_language.sections_missing`` is this list
(:func:`missing_parts`, asked by analyzer/language/read.py), and a stage reads nothing from the
stages after it. The ahead stage checks every report with the same :class:`Checker`
(analyzer/ahead/completeness.py), so there is one answer to "which sections are missing".

The one IRG calendar (``analyzer/irg.py``) says what was in force: reports MUST use the
template only from 3.0 (2025-03-01), so under pre-1.0, 1.0 and 2.0 nothing is missing whatever
the text shows; the stale-template rule (CCADB Policy 2.0 section 6.1: no template superseded
more than 30 days before the report) applies only from 3.1 (2025-07-15), to preliminary
reports too.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

from analyzer.irg import calendar
from analyzer.language.action_items import action_items_tables
from analyzer.language.templates import (
    LINE_START,
    Requirement,
    Template,
    builtin_templates,
    generations,
)

_SPACES = re.compile(r"\s+")


class _Reading:
    """What one report shows, read once and checked against every template.

    All section and field patterns run in one pass: a line start where any of them matches
    is a hit, and an optional lookahead per pattern records which ones.
    """

    def __init__(self, text: str, scanner: re.Pattern, groups: dict[str, str]) -> None:
        self.text = text
        self.lines: set[str] = set()
        for match in scanner.finditer(text):
            self.lines.update(k for k, v in match.groupdict().items() if v is not None)
        self._groups = groups
        self._header: tuple[str, ...] | None = None
        self._flat: str | None = None

    def has(self, requirement: Requirement) -> bool:
        if requirement.part == "action_items_column":
            if self._header is None:
                tables = action_items_tables(self.text) if "|" in self.text else []
                self._header = tables[0].header if tables else ()
            return any(requirement.pattern.fullmatch(cell) for cell in self._header)
        if requirement.part == "closing_sentence":
            if self._flat is None:
                self._flat = _SPACES.sub(" ", self.text)
            return bool(requirement.pattern.search(self._flat))
        return self._groups[requirement.source] in self.lines


def _scanner(templates: tuple[Template, ...]) -> tuple[re.Pattern, dict[str, str]]:
    sources = sorted(
        {r.source for t in templates for r in t.requirements if r.part in ("section", "field")}
    )
    groups = {source: f"r{i}" for i, source in enumerate(sources)}
    any_of = "(?=" + "|".join(f"(?:{src})" for src in sources) + ")"
    lookaheads = "".join(f"(?:(?=(?:{src}))(?P<{groups[src]}>))?" for src in sources)
    return re.compile(LINE_START + any_of + lookaheads, re.I | re.M), groups


def _found(template: Template, reading: _Reading) -> set[tuple[str, str]]:
    return {(r.part, r.name) for r in template.requirements if reading.has(r)}


def _label(part: str, name: str) -> str:
    if part == "action_items_column":
        return f"Action Items column: {name}"
    if part == "closing_sentence":
        return "closing sentence"
    return name


class Checker:
    """The templates prepared once (one scanner, the generation chains), then any number of
    reports checked against them."""

    def __init__(self, templates=None) -> None:
        self.templates = tuple(templates or builtin_templates())
        self.scanner, self.groups = _scanner(self.templates)
        self.chains: dict[str, list] = {}
        for report in {t.report for t in self.templates}:
            previous: set[tuple[str, str]] = set()
            chain = []
            for template, superseded in generations(report, self.templates):
                added = [key for key in template.signature if key not in previous]
                chain.append((template, superseded, added, list(template.signature)))
                previous = set(template.signature)
            self.chains[report] = chain

    def read(self, text: str) -> _Reading:
        return _Reading(text, self.scanner, self.groups)

    def follows(self, reading: _Reading, report: str) -> tuple[str, pd.Timestamp | None]:
        """The newest generation of which at least half of what it added is present; ``""``
        when the text matches none (then nothing can be said about staleness)."""
        for template, superseded, added, _ in reversed(self.chains.get(report, [])):
            found = _found(template, reading)
            if added and sum(key in found for key in added) / len(added) >= 0.5:
                return template.version, superseded
        return "", None

    def check(self, text: str, report: str, posted: pd.Timestamp) -> dict | None:
        """Missing parts and staleness of one report posted at ``posted``; None when no
        template of its kind was in force (closure summaries have one only since 3.0).
        A preliminary report is read against the full-report template for staleness only."""
        version = calendar().at(int(pd.Timestamp(posted).timestamp()))
        judged = "full" if report == "preliminary" else report
        in_force = [t for t in self.templates if t.report == judged and t.effective <= posted]
        if not in_force:
            return None
        template = next((t for t in in_force if t.version == version.name), in_force[-1])
        reading = self.read(text)
        missing: list[str] = []
        if version.templates_required and report != "preliminary":
            found = _found(template, reading)
            missing = [_label(*key) for key in template.signature if key not in found]
        followed, superseded = self.follows(reading, judged)
        days = version.stale_template_days
        stale = bool(
            days is not None
            and superseded is not None
            and posted > superseded + pd.Timedelta(days=days)
        )
        return {
            "template": version.name,
            "follows": followed,
            "missing": missing,
            "stale_template": stale,
            "superseded": superseded if superseded is not None else pd.NaT,
            "template_required": version.templates_required,
        }


@lru_cache(maxsize=1)
def _checker() -> Checker:
    return Checker()


def missing_parts(text: str, report: str, posted: pd.Timestamp) -> tuple[str, ...]:
    """What a full or closure report lacks of the template in force (``check``'s ``missing``),
    for the language stage's ``sections_missing``."""
    if report not in ("full", "closure"):
        return ()
    result = _checker().check(text, report, posted)
    return tuple(result["missing"]) if result else ()


def follows(text: str, report: str, templates=None) -> tuple[str, pd.Timestamp | None]:
    """Which template generation a report follows, and when a different one replaced it."""
    checker = Checker(templates)
    return checker.follows(checker.read(text), report)


def check_report(text: str, report: str, posted: pd.Timestamp, templates=None) -> dict | None:
    """Missing parts and staleness of one report; ``None`` when no template of its kind was in
    force (closure summaries have a template only since 3.0)."""
    return Checker(templates).check(text, report, posted)
