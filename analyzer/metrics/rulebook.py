"""The CCADB rules as dated data: which obligation is in force when, with what limit and why.

Why data: each row of ``analyzer/data/irg_rules.csv`` is one rule in one period of force, with
the source that states it and a short quotation of the text it encodes; a rule exists only
where a source states it. A row is in force from its ``effective`` day until the next row of
the same rule. The IRG *version* a deadline carries comes from the one calendar
(:mod:`analyzer.irg`), not from this table.

Times inside the metrics stage are whole seconds since the epoch (UTC), plain Python ints, so the
per-bug loops stay cheap.
"""

from __future__ import annotations

import bisect
import csv
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from analyzer.env import InputError
from analyzer.irg import IrgCalendar, calendar, day_start

DAY = 86_400
HOUR = 3_600
RULES = (
    "first_response",
    "initial_disclosure",
    "full_report",
    "update_cadence",
    "action_item_update",
    "needinfo_response",
    "comment_response",
)
UNITS = ("hours", "days")
SCOPES = ("", "revocation_cap", "questions", "expects_reply")


def end_of_day(seconds: int) -> int:
    """23:59:59 UTC of the day ``seconds`` falls in."""
    return (seconds // DAY + 1) * DAY - 1


@dataclass(frozen=True)
class Limit:
    """A rule's limit in one period: ``within`` hours (exact) or days (end of the UTC day)."""

    within: int
    unit: str
    scope: str = ""  # what the rule covers in this period (see SCOPES)
    source: str = ""
    quote: str = ""

    def due(self, start: int) -> int:
        if self.unit == "hours":
            return start + self.within * HOUR
        return end_of_day(start) + self.within * DAY

    @property
    def basis(self) -> str:
        return f"{self.within}{'h' if self.unit == 'hours' else 'd'}"

    @property
    def days(self) -> float:
        return self.within / 24 if self.unit == "hours" else float(self.within)


@dataclass(frozen=True)
class RulePeriod:
    rule: str
    effective: int  # epoch seconds of 00:00 UTC of its first day
    limit: Limit | None  # None: a source says the rule is not in force from here


class Rulebook:
    """Rule periods by rule; ask which limit governs an obligation that starts at a moment.
    Its answers are worked out once, when it is built: make a new one for other periods."""

    def __init__(self, periods: list[RulePeriod], irg: IrgCalendar | None = None) -> None:
        self.irg = irg or calendar()
        self.periods: dict[str, list[RulePeriod]] = {}
        for period in sorted(periods, key=lambda p: p.effective):
            self.periods.setdefault(period.rule, []).append(period)
        # per rule, every moment its answer can change (a version's or a period's start) and
        # the answer from then: one search per question (the month loop asks millions)
        versions = [v.effective for v in self.irg.versions]
        self._answers: dict[str, tuple[list[int], list[tuple[str, Limit | None]]]] = {}
        for rule in RULES:
            ps = self.periods.get(rule, [])
            starts = sorted({*versions, *(p.effective for p in ps)})
            self._answers[rule] = (starts, [self._limit(rule, at) for at in starts])

    def version(self, seconds: int) -> str:
        """The IRG version in force at ``seconds`` (the calendar's answer)."""
        return self.irg.name_at(seconds)

    def limit(self, rule: str, seconds: int) -> tuple[str, Limit | None]:
        """The IRG version at ``seconds`` and the rule's limit then (None: not in force)."""
        answers = self._answers.get(rule)
        if answers is not None:
            index = bisect.bisect_right(answers[0], seconds) - 1
            if index >= 0:
                return answers[1][index]
        return self._limit(rule, seconds)

    def _limit(self, rule: str, seconds: int) -> tuple[str, Limit | None]:
        periods = self.periods.get(rule, [])
        index = bisect.bisect_right([p.effective for p in periods], seconds) - 1
        return self.version(seconds), periods[index].limit if index >= 0 else None

    def rows(self) -> list[dict[str, str]]:
        """The rule table as documented (rule, from, limit, scope, source, quote)."""
        out = []
        for rule in RULES:
            for period in self.periods.get(rule, []):
                limit = period.limit
                out.append(
                    {
                        "rule": rule,
                        "from": "" if period.effective < 0 else _iso_day(period.effective),
                        "limit": limit.basis if limit else "not in force",
                        "scope": limit.scope if limit else "",
                        "source": limit.source if limit else "",
                        "quote": limit.quote if limit else "",
                    }
                )
        return out


def _iso_day(seconds: int) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%d")


def longest_limit_days(rulebook: Rulebook) -> int:
    """The most whole days any limit of any rule allows from an obligation's start to its due
    time (a day limit runs to the end of its last day, so 14 days is at most 15).

    Why: whoever looks back for the obligations that can fall due in a window (the month-end
    trend) must look back this far, and a new IRG version with a longer limit moves it.
    """
    longest = 0
    for periods in rulebook.periods.values():
        for period in periods:
            limit = period.limit
            if limit is None:
                continue
            days = -(-limit.within // 24) if limit.unit == "hours" else limit.within + 1
            longest = max(longest, days)
    return longest


def load_rulebook(path: Path | str | None = None) -> Rulebook:
    """Read ``irg_rules.csv`` (the packaged one unless ``path`` is given)."""
    if path is None:
        text = (resources.files("analyzer") / "data" / "irg_rules.csv").read_text("utf-8")
        source = "irg_rules.csv"
    else:
        try:
            text = Path(path).read_text("utf-8")
        except OSError as exc:
            raise InputError(f"Cannot read the IRG rulebook {path}: {exc.strerror}.") from exc
        source = str(path)
    return parse_rulebook(text, source)


def parse_rulebook(text: str, source: str) -> Rulebook:
    periods = []
    for line, row in enumerate(csv.DictReader(text.splitlines()), start=2):
        try:
            rule = row["rule"].strip()
            if rule not in RULES:
                raise ValueError(f"unknown rule {rule!r}")
            within = (row["within"] or "").strip()
            scope = (row.get("scope") or "").strip()
            if scope not in SCOPES:
                raise ValueError(f"scope must be one of {', '.join(s for s in SCOPES if s)}")
            src, quote = (row.get("source") or "").strip(), (row.get("quote") or "").strip()
            if not src or not quote:
                raise ValueError("every rule period names its source and quotes it")
            limit = None
            if within:
                unit = row["unit"].strip()
                if unit not in UNITS:
                    raise ValueError(f"unit must be one of {', '.join(UNITS)}")
                limit = Limit(int(within), unit, scope, src, quote)
            periods.append(RulePeriod(rule, day_start(row["effective"] or ""), limit))
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            raise InputError(f"{source} line {line} is not a rulebook row: {exc}.") from exc
    if not periods:
        raise InputError(f"{source} holds no rule.")
    return Rulebook(periods)
