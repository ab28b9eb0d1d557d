"""Properties of the metrics over random threads (hypothesis), through the real parse stage.

- adding a CA comment never creates a miss: no new missed deadline where the CA was on time,
  no more missed rows, and no more time in breach;
- ``as_of`` never sees later events: results at t equal those of the thread cut at t;
- time in breach never exceeds open time, and breach intervals lie in the open time;
- the result does not depend on the order rows arrive in.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from thread_strategies import threads as random_threads
from threadkit import Thread, language_of, metrics_of, tables_of

from analyzer.metrics import compute
from analyzer.tables import LanguageTables, ThreadTables

BASE = datetime(2025, 1, 6, 9, 0)
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI must not fail by chance
    suppress_health_check=[HealthCheck.too_slow],
)

STEP = st.sampled_from(
    ["ca says", "ca says full", "ca2 says", "ca says closure", "ca says private",
     "community says 1q", "mozilla says 2q", "mozilla says", "whiteboard",
     "mozilla needinfo ca", "mozilla needinfo ca2", "ca clears ca", "mozilla closes FIXED",
     "mozilla reopens"]
)  # fmt: skip


def threads():
    """A thread of up to 14 events over about two months."""
    return random_threads(STEP, BASE, ("ca", "mozilla", "community"), max_gap_days=9)


def moments(bug: Thread):
    first = datetime.fromisoformat(bug.events[0].when.rstrip("Z"))
    return st.integers(0, 60 * 24 * 140).map(lambda m: first + timedelta(minutes=m))


def result_of(bug: Thread, as_of: datetime):
    return metrics_of(bug, as_of=f"{as_of:%Y-%m-%d %H:%M}", observed_at="2030-01-01")


@SETTINGS
@given(data=st.data())
def test_adding_a_ca_comment_never_creates_a_miss(data):
    bug = data.draw(threads())
    as_of = data.draw(moments(bug))
    added = data.draw(moments(bug).filter(lambda t: t <= as_of))
    kind = data.draw(st.sampled_from(["", "full", "update"]))
    more = bug.plus(f"{added:%Y-%m-%d %H:%M} ca says {kind}".strip())
    note(more.text())
    was, now = result_of(bug, as_of), result_of(more, as_of)
    before, after = was.deadlines, now.deadlines
    assert (after["outcome"] == "missed").sum() <= (before["outcome"] == "missed").sum()
    breach_before = was.bug_metrics["breach_days"].fillna(0).sum()
    assert now.bug_metrics["breach_days"].fillna(0).sum() <= breach_before + 1e-9

    def missed(frame, cadence):
        rows = frame[
            (frame["outcome"] == "missed") & (frame["rule"].eq("update_cadence") == cadence)
        ]
        return rows

    # single-answer rules: a missed obligation stays one that was missed before
    old = Counter(zip(*(missed(before, False)[c] for c in ("rule", "start")), strict=True))
    new = Counter(zip(*(missed(after, False)[c] for c in ("rule", "start")), strict=True))
    assert new <= old
    # update gaps: splitting a late silence may give two late gaps, but every missed gap now
    # lies where the CA was already late before (an old missed gap overdue at its deadline)
    old_gaps = missed(before, True)
    silent_until = old_gaps["due"] + pd.to_timedelta(old_gaps["overdue_hours"], unit="h")
    old_end = old_gaps["met_at"].where(old_gaps["met_at"].notna(), silent_until)
    for row in missed(after, True).itertuples():
        # (a same-day update may date the gap's start a little earlier: the due time decides)
        covering = (old_gaps["due"] <= row.due) & (old_end + pd.Timedelta(minutes=1) > row.due)
        assert covering.any(), f"new miss at {row.start}..{row.due} where the CA was on time"


@SETTINGS
@given(data=st.data())
def test_as_of_never_sees_later_events(data):
    bug = data.draw(threads())
    as_of = data.draw(moments(bug))
    stamp = f"{as_of:%Y-%m-%d %H:%M}"
    note(bug.text())
    whole = metrics_of(bug, as_of=stamp, observed_at="2030-01-01")
    cut = metrics_of(bug.at(stamp), as_of=stamp, observed_at=stamp)
    pd.testing.assert_frame_equal(whole.deadlines, cut.deadlines)
    pd.testing.assert_frame_equal(whole.bug_metrics, cut.bug_metrics)
    pd.testing.assert_frame_equal(whole.breaches, cut.breaches)
    pd.testing.assert_frame_equal(whole.ca_months, cut.ca_months)


@SETTINGS
@given(data=st.data())
def test_time_in_breach_never_exceeds_open_time(data):
    bug = data.draw(threads())
    as_of = data.draw(moments(bug))
    note(bug.text())
    result = result_of(bug, as_of)
    metrics = result.bug_metrics
    judged = metrics[metrics["excluded"] == ""]
    assert (judged["breach_days"] <= judged["open_days"] + 1e-9).all()
    share = judged["compliance"].dropna()  # none without open time
    assert ((share >= 0) & (share <= 1)).all()
    months = result.ca_months
    assert (months["breach_days"] <= months["open_days"] + 1e-9).all()
    assert (months["breach_days_caveated"] <= months["breach_days"] + 1e-9).all()
    breaches = result.breaches
    assert (breaches["start"] < breaches["end"]).all()
    assert (breaches["end"] <= result.as_of).all()
    assert (breaches["start"] >= metrics["opened"].min()).all()
    assert (breaches["start"].iloc[1:].to_numpy() >= breaches["end"].iloc[:-1].to_numpy()).all()


@SETTINGS
@given(data=st.data())
def test_result_does_not_depend_on_row_order(data):
    bugs = [data.draw(threads()) for _ in range(2)]
    bugs = [Thread(1701 + i, b.summary, b.events) for i, b in enumerate(bugs)]
    as_of = pd.Timestamp(data.draw(moments(bugs[0])), tz="UTC")
    tables, language = tables_of(*bugs), language_of(*bugs)
    seed = data.draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)

    def shuffled(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.iloc[rng.permutation(len(frame))]

    mixed = ThreadTables(**{k: shuffled(v) for k, v in vars(tables).items()})
    mixed_language = LanguageTables(shuffled(language.comment_language), language.commitments)
    expected = compute(tables, language, as_of)
    actual = compute(mixed, mixed_language, as_of)
    pd.testing.assert_frame_equal(expected.deadlines, actual.deadlines)
    pd.testing.assert_frame_equal(expected.bug_metrics, actual.bug_metrics)
    pd.testing.assert_frame_equal(expected.breaches, actual.breaches)
    pd.testing.assert_frame_equal(expected.ca_months, actual.ca_months)
