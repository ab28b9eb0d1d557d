"""The trend's month views (analyzer/metrics/month_end.py) equal a direct run at each month's end.

One evaluation at the page month's end is cut back to each earlier month's end; the bugs whose
later events change how their earlier time is judged are judged again. Each such case has a
thread here that the cut alone gets wrong (checked with the re-judging switched off), so the
equality below is not one a cut would pass by luck.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from thread_strategies import threads as random_threads
from threadkit import Thread, language_of, tables_of, thread

import analyzer
from analyzer.metrics import compute, month_end
from analyzer.metrics.month_end import bugs_active_in, judge_months, look_back, only
from analyzer.metrics.rulebook import load_rulebook
from analyzer.months import Month


def direct(tables, language, month: Month, observed_at: pd.Timestamp):
    """What a run at the month's end over the bugs that can matter in it says of the month."""
    ids = bugs_active_in(tables, month, look_back(load_rulebook()))
    lang = None if language is None else only(language, ids)
    result = compute(only(tables, ids), lang, min(month.end, observed_at))
    months = result.ca_months
    return result.deadlines, months[months["month"] == month.label].reset_index(drop=True)


def differences(
    tables, language, month: Month, observed_at: pd.Timestamp, whole: bool = False
) -> list[str]:
    """Labels of the months whose view differs from the direct run."""
    earlier = month.last_twelve()[:-1]
    views = judge_months(tables, language, month, earlier, observed_at, whole=whole).views
    wrong = []
    for past, view in views.items():
        deadlines, months = direct(tables, language, past, observed_at)
        if past != month:
            due = (deadlines["due"] >= past.start) & (deadlines["due"] <= past.end)
            deadlines = deadlines[due].reset_index(drop=True)
        try:
            pd.testing.assert_frame_equal(view.deadlines.reset_index(drop=True), deadlines)
            pd.testing.assert_frame_equal(view.ca_months.reset_index(drop=True), months)
        except AssertionError:
            wrong.append(past.label)
    return wrong


@pytest.fixture(scope="module")
def snapshot():
    corpus = analyzer.load()
    return corpus.tables, corpus.language, corpus.observed_at


@pytest.mark.parametrize("label", ["2024-10", "2026-02"])
def test_every_view_of_the_snapshot_equals_a_run_at_its_month_end(snapshot, label):
    tables, language, observed_at = snapshot
    assert differences(tables, language, Month.parse(label), observed_at) == []


def test_the_page_month_is_judged_on_its_own_bugs(snapshot):
    tables, language, observed_at = snapshot
    month = Month.parse("2025-06")
    judged = judge_months(tables, language, month, month.last_twelve()[:-1], observed_at)
    result, views = judged.result, judged.views
    ids = bugs_active_in(tables, month, look_back(load_rulebook()))
    alone = compute(only(tables, ids), only(language, ids), month.end)
    pd.testing.assert_frame_equal(result.deadlines, alone.deadlines)
    pd.testing.assert_frame_equal(result.bug_metrics, alone.bug_metrics)
    mine = alone.ca_months[alone.ca_months["month"] == month.label].reset_index(drop=True)
    pd.testing.assert_frame_equal(result.ca_months, mine)
    assert views[month].deadlines is result.deadlines
    assert set(views) == set(month.last_twelve())
    assert judged.everything is None  # only asked for with whole=True


def test_a_whole_judgement_also_gives_every_bugs_metrics(snapshot):
    tables, language, observed_at = snapshot
    month = Month.parse("2025-06")
    judged = judge_months(tables, language, month, [], observed_at, whole=True)
    assert judged.everything is not None
    full = compute(tables, language, month.end)
    pd.testing.assert_frame_equal(judged.everything.deadlines, full.deadlines)
    pd.testing.assert_frame_equal(judged.everything.ca_months, full.ca_months)
    # the page month's own result is the same whether it came from every bug or its own
    alone = judge_months(tables, language, month, [], observed_at).result
    pd.testing.assert_frame_equal(judged.result.deadlines, alone.deadlines)
    pd.testing.assert_frame_equal(judged.result.bug_metrics, alone.bug_metrics)
    pd.testing.assert_frame_equal(judged.result.breaches, alone.breaches)
    pd.testing.assert_frame_equal(judged.result.ca_months, alone.ca_months)
    assert differences(tables, language, month, observed_at, whole=True) == []


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
}
HISTORY = {"estimated close later": False}  # without history, the last comment dates a close
PAGE = Month.parse("2025-05")


def _inputs(bug: Thread):
    observed_at = pd.Timestamp("2025-06-15", tz="UTC")
    return tables_of(bug, observed_at="2025-06-15"), language_of(bug), observed_at


@pytest.mark.parametrize("case", sorted(LATER_FACTS))
def test_a_later_fact_gets_the_bug_judged_again(case, monkeypatch):
    bug = thread(LATER_FACTS[case], history=HISTORY.get(case, True))
    tables, language, observed_at = _inputs(bug)
    assert differences(tables, language, PAGE, observed_at) == []
    # the cut alone would be wrong here: the thread tests the re-judging, not luck
    monkeypatch.setattr(month_end, "judged_again", lambda *_: False)
    assert differences(tables, language, PAGE, observed_at) != []


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
    derandomize=True,  # the same examples on every run: CI must not fail by chance
    suppress_health_check=[HealthCheck.too_slow],
)
@given(bug=threads(), page=st.sampled_from(["2025-02", "2025-04", "2025-06"]))
def test_views_of_random_threads_equal_runs_at_each_month_end(bug, page):
    note(bug.text())
    tables = tables_of(bug, observed_at="2025-07-01")
    observed_at = pd.Timestamp("2025-07-01", tz="UTC")
    assert differences(tables, language_of(bug), Month.parse(page), observed_at) == []
