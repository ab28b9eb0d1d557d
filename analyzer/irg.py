"""The one calendar of IRG versions: which version was in force when, and what it required of
report templates. Every stage asks this module (metrics for deadline rows, the language stage
and report completeness for templates), so no two tables can disagree about a date.

Data: ``analyzer/data/irg_calendar.csv``, one row per version with its source and a quotation.
Versions take effect at 00:00 UTC of their day.
"""

from __future__ import annotations

import bisect
import csv
from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import lru_cache
from importlib import resources

from analyzer.env import InputError

BEGINNING = -(2**62)  # epoch seconds "since forever": the first version has no start date


@dataclass(frozen=True)
class IrgVersion:
    name: str
    effective: int  # epoch seconds, 00:00 UTC of its first day (BEGINNING for the first)
    templates_required: bool  # reports MUST use the template in force (from 3.0)
    stale_template_days: int | None  # a template superseded this many days before is stale
    source: str
    quote: str


class IrgCalendar:
    """IRG versions in date order; ``at(seconds)`` is the one in force at that moment."""

    def __init__(self, versions: list[IrgVersion]) -> None:
        if not versions:
            raise InputError("The IRG calendar holds no version.")
        self.versions = sorted(versions, key=lambda v: v.effective)
        self._starts = [v.effective for v in self.versions]

    def at(self, seconds: int) -> IrgVersion:
        index = bisect.bisect_right(self._starts, seconds) - 1
        return self.versions[max(index, 0)]

    def name_at(self, seconds: int) -> str:
        return self.at(seconds).name

    def by_name(self, name: str) -> IrgVersion:
        for version in self.versions:
            if version.name == name:
                return version
        raise KeyError(name)


def day_start(text: str) -> int:
    """Epoch seconds of 00:00 UTC of an ISO date (``BEGINNING`` for an empty one)."""
    if not text.strip():
        return BEGINNING
    day = date.fromisoformat(text.strip())
    return int(datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp())


def parse_calendar(text: str, source: str) -> IrgCalendar:
    versions = []
    for line, row in enumerate(csv.DictReader(text.splitlines()), start=2):
        try:
            stale = (row["stale_template_days"] or "").strip()
            versions.append(
                IrgVersion(
                    name=row["version"].strip(),
                    effective=day_start(row["effective"] or ""),
                    templates_required=row["templates_required"].strip().lower() == "true",
                    stale_template_days=int(stale) if stale else None,
                    source=row["source"].strip(),
                    quote=row["quote"].strip(),
                )
            )
        except (KeyError, ValueError, AttributeError) as exc:
            raise InputError(f"{source} line {line} is not an IRG calendar row: {exc}.") from exc
    return IrgCalendar(versions)


@lru_cache(maxsize=1)
def calendar() -> IrgCalendar:
    """The packaged calendar (read once)."""
    text = (resources.files("analyzer") / "data" / "irg_calendar.csv").read_text("utf-8")
    return parse_calendar(text, "irg_calendar.csv")
