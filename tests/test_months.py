"""Every month's view (analyzer/metrics/months.py) equals an evaluation built from the tables
at that month's end: the threads of one evaluation at the latest time, cut back to each
month's end, are judged exactly as the tables as known then would be.

A month is seen at the first second of the next month (SPEC "One truth per month"); its view
holds the rows that count in it, those pending then, and earlier misses still unmet on a bug
still open. Each thread below has a fact that came later and would change an earlier month's
verdict if the later evaluation's rows were merely cut at the month's end.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st
from thread_strategies import threads as random_threads
from threadkit import Thread, language_of, tables_of, thread

import analyzer
from analyzer.metrics import compute, evaluate
from analyzer.metrics.months import (
    Activity,
    evaluation_at,
    judge_months,
    look_back,
    view_time,
)
from analyzer.metrics.rulebook import load_rulebook
from analyzer.months import Month
from analyzer.report.layout import gap_starts
from analyzer.tables import of_bugs


def direct(tables, language, month: Month, as_of: pd.Timestamp):
    """What an evaluation built from the tables at the month's end says of the month: its
    deadlines as a page lists them, its ``ca_months`` rows, and the bugs open in it (closed
    and judged as then)."""
    ids = sorted(Activity(tables).bugs_in(month, look_back(load_rulebook())))
    t = view_time(month, as_of)
    lang = None if language is None else of_bugs(language, ids)
    result = compute(of_bugs(tables, ids), lang, t)
    deadlines, bugs = result.deadlines, result.bug_metrics
    by_bug = bugs.set_index("bug_id")["opened"].reindex(deadlines["bug_id"])
    opened = pd.Series(by_bug.to_numpy(), index=deadlines.index, dtype=deadlines["due"].dtype)
    counted = deadlines["due"].where(deadlines["due"] > opened, opened)
    open_at_end = deadlines["bug_id"].isin(bugs.loc[bugs["closed"].isna(), "bug_id"])
    in_month = (counted >= month.start) & (deadlines["due"] <= t)
    in_month &= deadlines["outcome"].ne("pending")
    pending = deadlines["outcome"].eq("pending")
    carried = deadlines["outcome"].eq("missed") & deadlines["met_at"].isna() & open_at_end
    began = gap_starts(deadlines)  # the report's own reading, from every row of the bug
    shown = in_month | pending | carried
    shown = deadlines[shown].assign(in_month=in_month[shown], gap_start=began[shown])
    months = result.ca_months
    during = bugs[(bugs["opened"] <= t) & (bugs["closed"].isna() | (bugs["closed"] >= month.start))]
    during = during[["bug_id", "closed", "excluded"]].reset_index(drop=True)
    return shown.reset_index(drop=True), months[months["month"] == month.label], during


def differences(tables, language, as_of: pd.Timestamp, months=None) -> list[str]:
    """Labels of the months whose view differs from the direct evaluation, whether every
    month's rows are kept, none or every other month's (a month whose rows are not kept
    leaves out what only its list of rows reads: the weekly misses carried into it)."""
    judged = judge_months(tables, evaluate(tables, language, as_of))
    numbers = judge_months(tables, evaluate(tables, language, as_of), rows_of=[])
    every_other = list(judged.views)[::2]
    mixed = judge_months(tables, evaluate(tables, language, as_of), rows_of=every_other)
    wrong = []
    for name, kept in (("no month's rows kept", numbers), ("every other month's", mixed)):
        try:  # the numbers of every month and the silences do not depend on the rows kept
            pd.testing.assert_frame_equal(kept.ca_months, judged.ca_months)
            pd.testing.assert_frame_equal(kept.silences, judged.silences)
        except AssertionError as error:
            wrong.append(f"{name}: {error}")
    for month in every_other:
        try:
            pd.testing.assert_frame_equal(mixed.view(month).deadlines, judged.view(month).deadlines)
        except AssertionError as error:
            wrong.append(f"{month.label}, its rows kept beside months not kept: {error}")
    for month, view in judged.views.items():
        if months is not None and month.label not in months:
            continue
        deadlines, ca_months, bugs = direct(tables, language, month, as_of)
        counted = numbers.ca_months[numbers.ca_months["month"] == month.label]
        try:
            pd.testing.assert_frame_equal(view.deadlines, deadlines)
            mine = view.bugs[["bug_id", "closed", "excluded"]]
            pd.testing.assert_frame_equal(mine, bugs, check_dtype=False)
            pd.testing.assert_frame_equal(
                view.ca_months.drop(columns="rank").reset_index(drop=True),
                ca_months.reset_index(drop=True),
            )
            pd.testing.assert_frame_equal(
                counted.drop(columns="rank").reset_index(drop=True),
                ca_months.reset_index(drop=True),
            )
        except AssertionError as error:
            wrong.append(f"{month.label}: {error}")
    return wrong


@pytest.fixture(scope="module")
def snapshot():
    corpus = analyzer.load()
    return corpus.tables, corpus.language, corpus.observed_at


def test_every_month_of_the_snapshot_equals_an_evaluation_at_its_end(snapshot):
    tables, language, observed_at = snapshot
    assert differences(tables, language, observed_at) == []


def test_a_month_is_seen_at_the_next_months_first_second(snapshot):
    tables, language, observed_at = snapshot
    judged = judge_months(tables, evaluate(tables, language, observed_at))
    months = list(judged.views)
    assert months[0] == Month.of(tables.bugs["opened"].min())
    assert months[-1] == Month.of(observed_at)  # the month running at the sync, as known then
    assert judged.views[months[-1]].as_of == observed_at
    assert judged.views[Month.parse("2025-06")].as_of == pd.Timestamp("2025-07-01", tz="UTC")
    # every CA-month once, ranked 1..n within its month with no tie
    keys = judged.ca_months[["ca", "month"]]
    assert not keys.duplicated().any()
    for _, rows in judged.ca_months.dropna(subset=["rank"]).groupby("month"):
        assert sorted(rows["rank"].tolist()) == list(range(1, len(rows) + 1))


# One thread per fact that is not causal. The trend month is 2025-03 (its end before the fact),
# the page month 2025-05.
LATER_FACTS = {
    "closed as a non-incident later": """
        2025-03-03 09:00  ca       files   preliminary
        2025-03-05 09:00  ca       says    update
        2025-04-20 09:00  mozilla  closes  INVALID
    """,
    "reopened after a non-incident close": """
        2025-02-03 09:00  ca       files   preliminary
        2025-02-05 09:00  ca       says    update
        2025-03-10 09:00  mozilla  closes  DUPLICATE
        2025-04-02 09:00  mozilla  reopens
        2025-04-03 09:00  ca       says    update
    """,
    "tagged [meta] later": """
        2025-03-03 09:00  ca       files       preliminary
        2025-04-10 09:00  mozilla  whiteboard  [ca-compliance] [meta]
    """,
    "tagged [meta] after its close": """
        2025-03-03 09:00  ca       files       preliminary
        2025-03-10 09:00  ca       says        full
        2025-03-20 09:00  mozilla  closes      FIXED
        2025-04-10 09:00  mozilla  whiteboard  [ca-compliance] [meta]
    """,
    "identified date stated later": """
        2025-03-20 09:00  ca       files  preliminary
        2025-04-02 09:00  ca       says   full identified=2025-03-10
    """,
    "estimated close later": """
        2025-03-03 09:00  ca       files   preliminary
        2025-04-08 09:00  ca       says    update
        2025-04-10 09:00  mozilla  closes  FIXED
    """,
    "unseen CA comment before the report": """
        2025-02-20 09:00  ca       files  preliminary
        2025-04-01 09:00  ca       says   notext
        2025-04-08 09:00  ca       says   full
    """,
    "revocation-delay tag later": """
        2025-03-03 09:00  ca       files       preliminary
        2025-03-04 09:00  mozilla  whiteboard  [ca-compliance] Next update 2025-04-20
        2025-04-05 09:00  mozilla  whiteboard  [leaf-revocation-delay] Next update 2025-04-20
    """,
    # a silence judged again each month searches on from the last month's deadlines
    # (metrics/cadence.py, BugMemo): the tag, from a later month, changes its earlier ones
    "revocation-delay tag during a silence": """
        2025-03-03 09:00  ca       files       preliminary
        2025-03-04 09:00  mozilla  whiteboard  [ca-compliance] Next update 2025-03-20
        2025-04-10 09:00  mozilla  whiteboard  [leaf-revocation-delay] Next update 2025-03-20
    """,
}
HISTORY = {"estimated close later": False}  # without history, the last comment dates a close
PAGE = Month.parse("2025-05")


def _inputs(bug: Thread):
    observed_at = pd.Timestamp("2025-06-15", tz="UTC")
    return tables_of(bug, observed_at="2025-06-15"), language_of(bug), observed_at


@pytest.mark.parametrize("case", sorted(LATER_FACTS))
def test_a_later_fact_leaves_an_earlier_month_as_known_then(case):
    bug = thread(LATER_FACTS[case], history=HISTORY.get(case, True))
    tables, language, observed_at = _inputs(bug)
    assert differences(tables, language, observed_at) == []
    # the fact matters: the latest evaluation's rows and months read March otherwise
    march = Month.parse("2025-03")
    view = judge_months(tables, evaluate(tables, language, observed_at)).views[march]
    later = compute(tables, language, observed_at)
    months = later.ca_months[later.ca_months["month"] == march.label].reset_index(drop=True)
    rows = later.deadlines
    due_in = rows[(rows["due"] >= march.start) & (rows["due"] < march.next_start)]
    mine = view.deadlines[view.deadlines["in_month"]].drop(columns="in_month")
    same_rows = due_in.reset_index(drop=True).equals(mine.reset_index(drop=True))
    same_month = months.equals(view.ca_months.drop(columns="rank").reset_index(drop=True))
    assert not (same_rows and same_month)


def test_a_meta_tag_with_unknown_history_counts_from_the_start():
    """SPEC "Which bugs are judged": the store saw the tag only at its sync, but with no
    history that one value is the whole history's: the bug is judged in no month."""
    bug = thread(LATER_FACTS["tagged [meta] later"], history=False)
    tables, language, observed_at = _inputs(bug)
    judged = judge_months(tables, evaluate(tables, language, observed_at))
    assert len(judged.views) >= 3
    for view in judged.views.values():
        assert set(view.bugs["excluded"]) == {"meta bug"}
        assert view.ca_months.empty and view.deadlines.empty
    assert differences(tables, language, observed_at) == []


# Weekly misses carried from month to month (a month judges only what it adds: metrics/
# cadence.py ``_silence``, metrics/rules.py ``evaluate_bug``): each thread changes what an
# earlier month carried, so a carried table kept wrongly shows in a later month.
CARRIED = {
    "a silence of months met later": """
        2025-01-06 09:00  ca       files   preliminary
        2025-01-08 09:00  ca       says    update
        2025-04-16 09:00  ca       says    update
    """,
    "closed during a silence, reopened, silent again": """
        2025-01-06 09:00  ca       files   preliminary
        2025-01-08 09:00  ca       says    update
        2025-03-12 09:00  mozilla  closes  FIXED
        2025-04-02 09:00  mozilla  reopens
    """,
    "a revocation-delay tag caps a silence's date": """
        2025-01-06 09:00  ca       files       preliminary
        2025-01-08 09:00  ca       says        update
        2025-01-09 09:00  mozilla  whiteboard  [ca-compliance] Next update 2025-05-20
        2025-03-18 09:00  mozilla  whiteboard  [leaf-revocation-delay] Next update 2025-05-20
    """,
    "a Next-update date set mid-silence": """
        2025-01-06 09:00  ca       files       preliminary
        2025-01-08 09:00  ca       says        update
        2025-03-12 09:00  mozilla  whiteboard  [ca-compliance] Next update 2025-04-30
        2025-05-06 09:00  ca       says        update
    """,
    # the gap from 03-26, ended by the update of 03-30, was met by a deadline due in April
    "met in a month's last days by a deadline of the next, then silent": """
        2025-01-06 09:00  ca       files   preliminary
        2025-01-08 09:00  ca       says    update
        2025-03-26 09:00  ca       says    update
        2025-03-30 09:00  ca       says    update
    """,
}


@pytest.mark.parametrize("case", sorted(CARRIED))
def test_weekly_misses_carried_from_month_to_month_are_those_of_each_months_end(case):
    bug = thread(CARRIED[case])
    tables, language, observed_at = _inputs(bug)
    assert differences(tables, language, observed_at) == []
    # the case carries: some month lists weekly misses that fell due in an earlier one
    judged = judge_months(tables, evaluate(tables, language, observed_at))
    carried = []
    for month, view in judged.views.items():
        rows = view.deadlines
        if (~rows["in_month"] & rows["repeat"].gt(0)).any():
            carried.append(month.label)
        if view.bugs["closed"].notna().all():
            continue
        # on a bug open at the month's end every unmet weekly miss of a silence is listed,
        # from its first: none left out, whichever month it fell due in
        unmet = rows[rows["outcome"].eq("missed") & rows["met_at"].isna()]
        for _, repeats in unmet[unmet["rule"].eq("update_cadence")].groupby("gap_start"):
            assert sorted(repeats["repeat"]) == list(range(len(repeats))), month.label
    assert carried


STEP = st.sampled_from(
    ["ca says", "ca says full", "ca says closure", "ca says notext", "ca says update 1q",
     "community says 1q", "mozilla says 2q", "mozilla says closing", "whiteboard", "meta",
     "revocation", "mozilla needinfo ca", "mozilla clears ca", "mozilla closes FIXED",
     "mozilla closes INVALID", "mozilla reopens", "identified"]
)  # fmt: skip


def threads():
    """Up to 14 events over about five months, the store's history known or not."""
    first, filers = datetime(2025, 1, 6, 9, 0), ("ca", "mozilla")
    return random_threads(STEP, first, filers, max_gap_days=14, any_history=True)


@settings(
    max_examples=30,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # a failure shows unshrunk, at once
    derandomize=True,  # the same examples on every run: CI must not fail by chance
    suppress_health_check=[HealthCheck.too_slow],
)
@given(bug=threads(), as_of=st.sampled_from(["2025-05-20T12:00:00Z", "2025-07-01T00:00:00Z"]))
def test_views_of_random_threads_equal_evaluations_at_each_month_end(bug, as_of):
    note(bug.text())
    tables = tables_of(bug, observed_at=as_of)
    assert differences(tables, language_of(bug), pd.Timestamp(as_of)) == []


def test_an_unknown_full_report_is_never_counted_as_missed():
    """A CA comment the store has no text of came before the report was due: the report may be
    in it. The month counts the deadline as due, neither met nor missed, and its page's rates
    leave it out."""
    bug = thread(
        """
        2025-03-03 09:00  mozilla  files
        2025-03-04 09:00  ca       says   notext
        """,
        history=False,
    )
    tables, language, observed_at = _inputs(bug)
    judged = judge_months(tables, evaluate(tables, language, observed_at))
    march = judged.views[Month.parse("2025-03")]
    rows = march.deadlines[march.deadlines["rule"] == "full_report"]
    assert rows["outcome"].tolist() == ["unknown"] and rows["in_month"].all()
    cell = march.ca_months.iloc[0]
    assert (cell["full_report_due"], cell["full_report_met"], cell["full_report_missed"]) == (
        1,
        0,
        0,
    )
    assert differences(tables, language, observed_at) == []


def cut_differs(tables, language, later: pd.Timestamp, stamp: pd.Timestamp) -> list[str]:
    """The tables of an evaluation cut back from ``later`` to ``stamp``
    (:func:`evaluation_at`) that differ from those of one built at ``stamp``."""
    built = evaluate(tables, language, stamp).result()
    cut = evaluation_at(evaluate(tables, language, later), stamp).result()
    wrong = []
    for name in ("deadlines", "bug_metrics", "breaches", "ca_months"):
        try:
            pd.testing.assert_frame_equal(getattr(cut, name), getattr(built, name))
        except AssertionError as error:
            wrong.append(f"{name}: {error}")
    return wrong


@pytest.mark.parametrize("stamp", ["2019-07-01", "2024-01-01", "2026-03-01"])
def test_an_evaluation_cut_back_equals_one_built_then(snapshot, stamp):
    """What pages read at a past month's end (the due and history pages at ``--month``'s
    end) may come from the latest evaluation, re-judging only the bugs still moving then."""
    tables, language, observed_at = snapshot
    assert cut_differs(tables, language, observed_at, pd.Timestamp(stamp, tz="UTC")) == []


@pytest.mark.parametrize("case", sorted(LATER_FACTS))
def test_a_later_fact_leaves_an_evaluation_cut_back_as_known_then(case):
    bug = thread(LATER_FACTS[case], history=HISTORY.get(case, True))
    tables, language, observed_at = _inputs(bug)
    for stamp in ("2025-03-01", "2025-04-01", "2025-05-01"):
        assert cut_differs(tables, language, observed_at, pd.Timestamp(stamp, tz="UTC")) == []


def test_deadline_rows_gathered_in_pieces_make_the_same_views(snapshot, monkeypatch):
    """The month loop turns its rows into tables as it goes (memory at 50x); the views are
    those of one table built at the end."""
    import analyzer.metrics.months as months_module

    tables, language, observed_at = snapshot
    evaluation = evaluate(tables, language, observed_at)
    whole = judge_months(tables, evaluation)
    monkeypatch.setattr(months_module, "_PIECE_ROWS", 997)
    pieces = judge_months(tables, evaluation)
    assert len(pieces.views) == len(whole.views) > 100
    for month, view in whole.views.items():
        pd.testing.assert_frame_equal(pieces.views[month].deadlines, view.deadlines)


def test_months_keeping_one_months_rows_give_the_same_numbers(snapshot):
    """A one-month command keeps only its month's deadline rows: every month's numbers and
    that month's view are the same as with every month's rows, and another month's view is
    an error, never an empty table."""
    tables, language, observed_at = snapshot
    evaluation = evaluate(tables, language, observed_at)
    whole = judge_months(tables, evaluation)
    chosen = Month.parse("2025-06")
    one = judge_months(tables, evaluation, rows_of=[chosen])
    pd.testing.assert_frame_equal(one.ca_months, whole.ca_months)
    pd.testing.assert_frame_equal(one.totals, whole.totals)
    pd.testing.assert_frame_equal(one.silences, whole.silences)
    for part in ("deadlines", "bugs", "ca_months"):
        pd.testing.assert_frame_equal(
            getattr(one.view(chosen), part), getattr(whole.view(chosen), part)
        )
    assert len(whole.view(Month.parse("2025-05")).deadlines)
    with pytest.raises(KeyError, match="2025-05"):
        one.view(Month.parse("2025-05"))
