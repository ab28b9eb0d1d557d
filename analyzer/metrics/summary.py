"""Deadlines counted by rule and outcome, and by year, with what the store cannot show.

Why: a reader of the totals must know when a number is blind. The bundled snapshot has no
history (no needinfos, no whiteboard history, estimated close times) and almost no comment
text; the notes say so next to the numbers rather than leaving a zero to look like good news.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analyzer.metrics.rulebook import RULES
from analyzer.parse.state import TEXT_CUT_AT, cut_texts
from analyzer.tables import MetricsResult, ThreadTables

OUTCOMES = ("met", "missed", "pending", "withdrawn", "unknown")


@dataclass
class Summary:
    as_of: pd.Timestamp
    bugs: int
    # index rule (+ "all"); met, missed, pending, total, missed_with_caveat, met_pct
    by_rule: pd.DataFrame
    by_year: pd.DataFrame  # index year due, columns per rule "missed/total" counts
    notes: list[str]


def summarize(result: MetricsResult, tables: ThreadTables) -> Summary:
    deadlines = result.deadlines
    counts = (
        deadlines.groupby(["rule", "outcome"]).size().unstack(fill_value=0)
        if len(deadlines)
        else pd.DataFrame()
    )
    counts = counts.reindex(index=list(RULES), columns=list(OUTCOMES), fill_value=0)
    counts.loc["all"] = counts.sum()
    counts["total"] = counts.sum(axis=1)
    doubtful = deadlines[deadlines["outcome"].eq("missed") & deadlines["caveat"].ne("")]
    uncertain = doubtful.groupby("rule").size().reindex(list(RULES), fill_value=0)
    uncertain.loc["all"] = uncertain.sum()
    counts["missed_with_caveat"] = uncertain
    judged = counts["met"] + counts["missed"]
    counts["met_pct"] = (100 * counts["met"] / judged.where(judged > 0)).round(1)
    return Summary(
        result.as_of,
        len(result.bug_metrics),
        counts.astype({o: "int64" for o in (*OUTCOMES, "total", "missed_with_caveat")}),
        _by_year(deadlines),
        _notes(result, tables),
    )


def _by_year(deadlines: pd.DataFrame) -> pd.DataFrame:
    """Per year the deadline fell due: for each rule, how many were missed of how many."""
    if deadlines.empty:
        return pd.DataFrame(columns=[*RULES, "all"])
    year = deadlines["due"].dt.year.rename("year")
    missed = deadlines["outcome"].eq("missed")
    total = deadlines.groupby([year, "rule"]).size().unstack(fill_value=0)
    late = missed.groupby([year, deadlines["rule"]]).sum().unstack(fill_value=0)
    total = total.reindex(columns=list(RULES), fill_value=0)
    late = late.reindex(index=total.index, columns=list(RULES), fill_value=0)
    table = pd.DataFrame(index=total.index)
    for rule in RULES:
        table[rule] = [
            f"{m}/{t}" if t else "-" for m, t in zip(late[rule], total[rule], strict=True)
        ]
    table["all"] = [f"{m}/{t}" for m, t in zip(late.sum(axis=1), total.sum(axis=1), strict=True)]
    return table


def _notes(result: MetricsResult, tables: ThreadTables) -> list[str]:
    bugs, comments = tables.bugs, tables.comments
    shown = bugs[bugs["bug_id"].isin(result.bug_metrics["bug_id"])]
    n = len(shown)
    no_history = int((~shown["history_known"].astype(bool)).sum())
    estimated = int(shown["closed_estimated"].fillna(False).astype(bool).sum())
    notes = []
    if no_history:
        notes.append(
            f"needinfos: {no_history} of {n} bugs have no history in the store, so their "
            "needinfo requests cannot be seen (needinfo_response counts only the others)."
        )
        notes.append(
            f"whiteboard history: unknown for {no_history} of {n} bugs; today's Next-update "
            "date or [close on] tag governs the update gap running at the sync, from its "
            "start; earlier gaps use the 7-day limit."
        )
    if estimated:
        notes.append(
            f"closed times: estimated for {estimated} bugs (no status history: the last "
            "comment, or the last before a 90-day silence followed only by community "
            "comments); gaps ended by those closes are marked 'close time estimated'."
        )
    mine = comments[comments["bug_id"].isin(shown["bug_id"])]
    with_text = int(mine["text"].notna().sum())
    if with_text < len(mine):
        caveated = int(result.deadlines["caveat"].str.contains("text missing|text cut short").sum())
        notes.append(
            f"comment text: known for {with_text} of {len(mine)} comments; report kinds and "
            f"questions in the others cannot be seen ({caveated} full_report deadlines are "
            "marked 'CA comment text missing' or 'cut short'; those where such a CA comment "
            "came in time are 'unknown', not 'missed')."
        )
    known = mine["bug_id"].map(dict(zip(bugs["bug_id"], bugs["history_known"], strict=True)))
    cut = int(cut_texts(mine["text"], known.fillna(False).astype(bool)).sum())
    if cut:
        notes.append(
            f"cut texts: {cut} comment texts are cut at {TEXT_CUT_AT:,} characters; what "
            "they show counts (a report's title or form), what they do not is unknown."
        )
    notes.append(f"questions_source: {result.questions_source}.")
    return notes
