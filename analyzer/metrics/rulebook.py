"""The CCADB Incident Reporting Guidelines as data: which rule is in force when, with what limit.

Why data: a new IRG version is a new set of rows in ``irg_versions.csv``, not new code. Each
obligation is judged under the version in force at the moment it started.

Times inside the metrics stage are whole seconds since the epoch (UTC), plain Python ints, so the
per-bug loops stay cheap.
"""

from __future__ import annotations

import bisect
import csv
from dataclasses import dataclass
from datetime import date, datetime, timezone
from importlib import resources
from pathlib import Path

from analyzer.env import InputError

DAY = 86_400
HOUR = 3_600
RULES = (
    "first_response",
    "full_report",
    "update_cadence",
    "needinfo_response",
    "question_response",
)
UNITS = ("hours", "days")


def end_of_day(seconds: int) -> int:
    """23:59:59 UTC of the day ``seconds`` falls in."""
    return (seconds // DAY + 1) * DAY - 1


@dataclass(frozen=True)
class Limit:
    """A rule's limit under one IRG version: ``within`` hours (exact) or days (end of UTC day)."""

    within: int
    unit: str

    def due(self, start: int) -> int:
        if self.unit == "hours":
            return start + self.within * HOUR
        return end_of_day(start + self.within * DAY)

    @property
    def basis(self) -> str:
        return f"{self.within}{'h' if self.unit == 'hours' else 'd'}"


@dataclass(frozen=True)
class Version:
    name: str
    effective: int  # seconds; the earliest version has the smallest int
    limits: dict[str, Limit]  # only the rules in force


class Rulebook:
    """IRG versions ordered by effective date; ask which one governs a moment."""

    def __init__(self, versions: list[Version]) -> None:
        self.versions = sorted(versions, key=lambda v: v.effective)
        self._starts = [v.effective for v in self.versions]
        self._by_day: dict[int, Version] = {}

    def version_at(self, seconds: int) -> Version:
        day = seconds // DAY  # versions start at midnight UTC, so the day decides
        version = self._by_day.get(day)
        if version is None:
            index = bisect.bisect_right(self._starts, day * DAY) - 1
            version = self._by_day[day] = self.versions[max(index, 0)]
        return version

    def limit(self, rule: str, seconds: int) -> tuple[str, Limit | None]:
        """The version in force at ``seconds`` and its limit for ``rule`` (None: not in force)."""
        version = self.version_at(seconds)
        return version.name, version.limits.get(rule)


def longest_limit_days(rulebook: Rulebook) -> int:
    """The most whole days any limit of any version allows from an obligation's start to its
    due time (a day limit runs to the end of its last day, so 14 days is at most 15).

    Why: whoever looks back for the obligations that can fall due in a window (the month-end
    trend) must look back this far, and a new IRG version with a longer limit moves it.
    """
    longest = 0
    for version in rulebook.versions:
        for limit in version.limits.values():
            days = -(-limit.within // 24) if limit.unit == "hours" else limit.within + 1
            longest = max(longest, days)
    return longest


def load_rulebook(path: Path | str | None = None) -> Rulebook:
    """Read ``irg_versions.csv`` (the packaged one unless ``path`` is given)."""
    if path is None:
        text = (resources.files("analyzer") / "data" / "irg_versions.csv").read_text("utf-8")
        source = "irg_versions.csv"
    else:
        try:
            text = Path(path).read_text("utf-8")
        except OSError as exc:
            raise InputError(f"Cannot read the IRG rulebook {path}: {exc.strerror}.") from exc
        source = str(path)
    return _parse(text, source)


def _parse(text: str, source: str) -> Rulebook:
    by_name: dict[str, tuple[int, dict[str, Limit]]] = {}
    for line, row in enumerate(csv.DictReader(text.splitlines()), start=2):
        try:
            name, rule = row["version"].strip(), row["rule"].strip()
            effective = _day_start(row["effective"].strip())
            in_force = row["in_force"].strip().lower() == "true"
            if rule not in RULES:
                raise ValueError(f"unknown rule {rule!r}")
            known = by_name.setdefault(name, (effective, {}))
            if known[0] != effective:
                raise ValueError(f"version {name} has two effective dates")
            if in_force:
                unit = row["unit"].strip()
                if unit not in UNITS:
                    raise ValueError(f"unit must be one of {', '.join(UNITS)}")
                known[1][rule] = Limit(int(row["within"]), unit)
        except (KeyError, ValueError, TypeError) as exc:
            raise InputError(f"{source} line {line} is not a rulebook row: {exc}.") from exc
    if not by_name:
        raise InputError(f"{source} holds no IRG version.")
    return Rulebook([Version(n, eff, limits) for n, (eff, limits) in by_name.items()])


def _day_start(text: str) -> int:
    if not text:
        return -(2**62)  # in force since the beginning
    day = date.fromisoformat(text)
    return int(datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp())
