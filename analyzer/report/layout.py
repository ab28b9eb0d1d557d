"""How the pages arrange what the context holds: one line per silence, a CA page's bugs first,
ranks in the order shown.

Why apart from :mod:`analyzer.report.context`: these only reshape the context's rows for
reading (nothing here changes a number), so the pages can change their arrangement without
touching how the numbers are made. The deadlines table keeps one row per missed week (the
rates count each); a reader needs one line per silence with its count.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import pandas as pd

from analyzer.bmo import bug_url, comment_url
from analyzer.report.due import DueBugRow, DuePage, PromiseCount
from analyzer.report.labels import RULE_LABELS, RULE_SHORT
from analyzer.report.pages import (
    BugLink,
    BugState,
    DeadlineLine,
    DeadlineRow,
    NamedBug,
    PatternKind,
    Patterns,
    ScorecardPage,
    Together,
    TrendPoint,
)
from analyzer.report.safety import clean_text

#: rules whose silence adds a row each week (``repeat`` 1, 2, ...): folded into one line
REPEATING = frozenset({"update_cadence"})


def gap_starts(deadlines: pd.DataFrame) -> pd.Series:
    """Per row of a deadlines table, when its gap began: a repeat row's ``start`` is the
    previous week's due time, while its ``evidence_start`` is the comment that opened the
    gap; a page shows the gap's start beside that link, so the two agree."""
    if deadlines.empty or "repeat" not in deadlines:
        return deadlines["start"].copy()
    frame = pd.DataFrame(
        {
            "bug_id": deadlines["bug_id"].to_numpy(),
            "rule": deadlines["rule"].to_numpy(),
            "start": deadlines["start"].to_numpy(),
            "repeat": pd.to_numeric(deadlines["repeat"], errors="coerce").fillna(0).to_numpy(),
        }
    )  # positions, not the caller's index (which may repeat labels)
    order = frame.sort_values(["bug_id", "rule", "start", "repeat"], kind="stable")
    first = order["repeat"].eq(0)
    gap = first.astype(int).groupby([order["bug_id"], order["rule"]], sort=False).cumsum()
    opened = order["start"].where(first)
    began = opened.groupby([order["bug_id"], order["rule"], gap], sort=False).transform("first")
    began = began.fillna(order["start"]).sort_index()
    return pd.Series(began.to_numpy(), index=deadlines.index, name="gap_start")


def one_per_silence(rows: Iterable[DeadlineRow]) -> list[DeadlineLine]:
    """The rows as lines: one silence's weekly rows (same bug, rule and gap) become one line
    at the place of its first, with their count; every other row is a line of its own."""
    groups: dict[tuple, list[DeadlineRow]] = {}
    order: list[tuple] = []
    for i, row in enumerate(rows):
        began = row.gap_start if row.gap_start is not None else row.start
        key = (row.bug_id, row.rule, began) if row.rule in REPEATING else (i,)
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(row)
    return [_line(groups[key]) for key in order]


def lines_by_rule(rows: Iterable[DeadlineRow]) -> dict[str, list[DeadlineLine]]:
    """:func:`one_per_silence` of each rule's rows, in the rows' order (a page lists its
    deadlines rule by rule): one pass, not one filter over every row per rule."""
    out: dict[str, list[DeadlineLine]] = {}
    for line in one_per_silence(rows):
        out.setdefault(line.rule, []).append(line)
    return out


_ROW_FIELDS = tuple(f.name for f in dataclasses.fields(DeadlineRow))


def _line(rows: list[DeadlineRow]) -> DeadlineLine:
    if len(rows) == 1:  # most lines: the same as below, without the folding
        return _single(rows[0])
    first, last = _first_and_last(rows)
    missed = [r for r in rows if r.outcome == "missed"]
    met = next((r for r in rows if r.met_at is not None), None)
    return _copied(
        first,
        gap_start=first.gap_start if first.gap_start is not None else first.start,
        outcome="missed" if missed else first.outcome,
        overdue_hours=max(r.overdue_hours for r in rows),
        counted=any(r.counted for r in rows),
        met_at=met.met_at if met else None,
        evidence_met=met.evidence_met if met else None,
        weeks=len(rows),
        last_due=last.due,
        missed_weeks=len(missed),
        counted_weeks=sum(r.counted for r in rows),
        met_weeks=sum(r.counted and r.outcome == "met" for r in rows),
        anchors=[r.anchor for r in rows],
    )


def _first_and_last(rows: list[DeadlineRow]) -> tuple[DeadlineRow, DeadlineRow]:
    """The rows ``min`` and ``max`` by (due, repeat) give (the first of equals), in one pass;
    compared by the times' integers when every due is a time (a silence of two years is a
    hundred rows, compared on every month's page)."""
    if all(type(r.due) is pd.Timestamp for r in rows):
        keys = [(r.due.value, r.repeat) for r in rows]
    else:
        keys = [(r.due, r.repeat) for r in rows]
    low = high = 0
    for k in range(1, len(rows)):
        if keys[k] < keys[low]:
            low = k
        if keys[k] > keys[high]:
            high = k
    return rows[low], rows[high]


def _single(row: DeadlineRow) -> DeadlineLine:
    """:func:`_line` of one row."""
    met = row.met_at is not None
    counted = bool(row.counted)
    return _copied(
        row,
        gap_start=row.gap_start if row.gap_start is not None else row.start,
        counted=counted,
        met_at=row.met_at if met else None,
        evidence_met=row.evidence_met if met else None,
        weeks=1,
        last_due=row.due,
        missed_weeks=int(row.outcome == "missed"),
        counted_weeks=int(counted),
        met_weeks=int(counted and row.outcome == "met"),
        anchors=[row.anchor],
    )


def _copied(row: DeadlineRow, **changes: object) -> DeadlineLine:
    """A line with ``row``'s fields and ``changes`` (every field :class:`DeadlineLine` adds
    among them): what ``DeadlineLine(**fields, **changes)`` makes, without a keyword call of
    23 arguments per line (a site makes 80,000 lines)."""
    line = _new_line(DeadlineLine)
    fields = line.__dict__
    if type(row) is DeadlineRow:
        fields.update(row.__dict__)
    else:
        for name in _ROW_FIELDS:
            fields[name] = getattr(row, name)
    fields.update(changes)
    return line


_new_line = object.__new__


def bug_states(card: ScorecardPage) -> list[BugState]:
    """Each bug open at the month's end, stalled ones first (most overdue first): on what
    (its most overdue obligation, or the next one due), since when, and what else is
    overdue on it."""
    lines = one_per_silence(_by_due(card.deadlines + card.carried))
    by_bug: dict[int, list[DeadlineLine]] = {}
    for line in lines:
        by_bug.setdefault(line.bug_id, []).append(line)
    states = []
    for bug in card.bugs.open:
        if bug.closed is not None:
            continue
        mine = by_bug.get(bug.bug_id, [])
        unmet = [x for x in mine if x.outcome == "missed" and x.met_at is None]
        unmet.sort(key=lambda x: -x.overdue_hours)
        pending = sorted((x for x in mine if x.outcome == "pending"), key=lambda x: x.due)
        top = unmet[0] if unmet else (pending[0] if pending else None)
        silence = next((x for x in unmet if x.rule in REPEATING), None)
        states.append(
            BugState(
                bug_id=bug.bug_id,
                bug_url=bug.url,
                summary=bug.summary,
                stalled=bool(unmet),
                rule=top.rule if top else "",
                label=RULE_LABELS.get(top.rule, top.rule) if top else "",
                short=RULE_SHORT.get(top.rule, top.rule) if top else "",
                due=top.due if top else None,
                overdue_hours=top.overdue_hours if unmet and top else 0.0,
                since=(top.gap_start or top.start) if top else None,
                since_url=top.evidence_start if top else None,
                weeks=silence.missed_weeks if silence is not None else 0,
                others=_unique(RULE_LABELS.get(x.rule, x.rule) for x in unmet[1:] if x is not top),
                anchor=top.anchor if top else "",
            )
        )
    states.sort(key=lambda s: (not s.stalled, -s.overdue_hours, s.due is None, s.bug_id))
    return states


def _by_due(rows: list[DeadlineRow]) -> list[DeadlineRow]:
    """``sorted(rows, key=due)``; compared by the times' integers when every due is a time."""
    if all(type(r.due) is pd.Timestamp for r in rows):
        return sorted(rows, key=lambda r: r.due.value)
    return sorted(rows, key=lambda r: r.due)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def change(trend: list[TrendPoint], now: float | None) -> float | None:
    """The headline minus the previous month's, each as known at its own end; None when
    either month had no judged bug open."""
    if now is None or len(trend) < 2 or trend[-2].compliance is None:
        return None
    return now - trend[-2].compliance


def rank_in_order(cards: list[ScorecardPage]) -> None:
    """Ranks follow the order the index shows (its sort breaks ties the headline's ranking
    left open), so a rank column never reads 38, 37, 39."""
    ranked = [card for card in cards if card.headline.rank is not None]
    for position, card in enumerate(ranked, start=1):
        card.headline = dataclasses.replace(card.headline, rank=position, ranked=len(ranked))


@dataclasses.dataclass
class DueLine:
    """A bug on the due page, and the numbers of its notes (the page's ``notes``)."""

    bug: DueBugRow
    notes: list[int]


@dataclasses.dataclass
class DueGroup:
    """One CA on the due page: its open judged bugs, worst first."""

    ca: str
    scorecard: str
    bugs: list[DueLine]
    overdue: int
    promises: PromiseCount | None


def due_groups(page: DuePage) -> tuple[list[DueGroup], list[str]]:
    """The due page's bugs grouped by CA, the CA of the worst bug first (the bugs come worst
    first); and its caveats as numbered notes, each said once under the list (a caveat
    repeated on every bug filled the page)."""
    notes: dict[str, int] = {}
    promises = {p.ca: p for p in page.promises}
    groups: dict[str, DueGroup] = {}
    for row in page.bugs:
        numbers = []
        for part in (row.caveat or "").split("; "):
            part = part.strip()
            if part:
                numbers.append(notes.setdefault(part[:1].upper() + part[1:], len(notes) + 1))
        group = groups.get(row.ca_name)
        if group is None:
            group = groups[row.ca_name] = DueGroup(
                row.ca, row.scorecard, [], 0, promises.get(row.ca)
            )
        group.bugs.append(DueLine(row, numbers))
        group.overdue += row.state == "overdue"
    return list(groups.values()), list(notes)


def patterns_by_ca(
    kinds: pd.DataFrame,
    together: pd.DataFrame,
    named: pd.DataFrame,
    bugs: pd.DataFrame,
    text_note: str = "",
) -> dict[str, Patterns]:
    """Each CA's patterns (:mod:`analyzer.ahead.patterns`' tables) as its history page shows
    them, the bugs behind each as links, keyed by the CA as the bugs table spells it."""
    out: dict[str, Patterns] = {}

    def of(ca: str) -> Patterns:
        if ca not in out:
            out[ca] = Patterns([], [], [], 0.0, text_note)
        return out[ca]

    for row in kinds.itertuples(index=False):
        links = [BugLink(int(b), bug_url(b)) for b in row.bugs]
        of(row.ca).kinds.append(PatternKind(clean_text(row.kind, limit=80), row.source, links))
    for row in together.sort_values("start", ascending=False, kind="stable").itertuples(
        index=False
    ):
        page = of(row.ca)
        page.together_days = round(page.together_days + float(row.days), 1)
        page.together.append(
            Together(
                row.start,
                row.end,
                float(row.days),
                int(row.most),
                [BugLink(int(b), bug_url(b)) for b in row.bugs],
            )
        )
    info = bugs.set_index("bug_id")
    for (ca, bug_id), rows in named.groupby(["ca", "named"], sort=True):
        known = bug_id in info.index
        of(ca).named.append(
            NamedBug(
                bug_id=int(bug_id),
                url=bug_url(bug_id),
                summary=clean_text(info.at[bug_id, "summary"], limit=200) if known else "",
                same_ca=known and str(info.at[bug_id, "ca"]) == ca,
                named_in=[
                    comment_url(b, c) for b, c in zip(rows["bug_id"], rows["count"], strict=True)
                ],
            )
        )
    return out
