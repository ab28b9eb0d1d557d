"""What the store lacks, read as SPEC "When the store lacks history or text" says, on hand-made
threads (each reading alone) and on the bundled snapshot (the bugs the issue names, and every
bug the general rule changes)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from threadkit import language_of, metrics_of, rows, tables_of, thread

from analyzer.language.reports import read_report
from analyzer.metrics import compute
from analyzer.metrics.lacks import ASSUMED_DATE, TEXT_CUT_AT
from analyzer.parse.state import estimated_close

SYNC = "2026-03-14T06:00:00Z"


def _open_with_date(date: str):
    """A bug of unknown history whose current whiteboard carries a Next-update date; the CA's
    last update is 2026-01-20, the sync 2026-03-14."""
    return thread(
        f"""
        2025-12-01 09:00  mozilla  files
        2025-12-02 09:00  ca       says
        2025-12-20 09:00  ca       says
        2026-01-20 09:00  ca       says
        2026-01-21 09:00  mozilla  whiteboard [ca-compliance] Next update {date}
        """,
        history=False,
    )


def test_the_date_governs_the_whole_gap_running_at_the_sync():
    result = metrics_of(_open_with_date("2026-04-30"), as_of=SYNC, observed_at=SYNC)
    cadence = rows(result, "update_cadence")
    # earlier gaps: the 7-day rule (12-02 -> end of 12-09, met 12-20 late; then 12-20 -> end
    # of 12-27, a week more, ...); the gap from 01-20 runs to the date: pending, no misses
    assert cadence[-1][1:6] == ("2026-01-20 09:00:00", "2026-04-30 23:59:59", None, "pending", 0)
    assert cadence[-1][6] == "next_update"
    gap = [r for r in cadence if r[1] >= "2026-01-20"]
    assert [r[4] for r in gap] == ["pending"]
    assert [r for r in cadence if r[1] < "2026-01-20" and r[4] == "missed"]  # 7-day misses
    caveats = result.deadlines.loc[result.deadlines["rule"] == "update_cadence", "caveat"]
    assert caveats.iloc[-1] == ASSUMED_DATE


def test_a_month_inside_the_gap_honours_the_date_too():
    # as known at the end of February (before the sync): the same gap, the same date
    result = metrics_of(
        _open_with_date("2026-04-30"), as_of="2026-03-01T00:00:00Z", observed_at=SYNC
    )
    assert not [
        r for r in rows(result, "update_cadence") if r[1] >= "2026-01-20" and r[4] == "missed"
    ]


def test_a_month_before_the_gap_uses_the_seven_day_rule():
    result = metrics_of(
        _open_with_date("2026-04-30"), as_of="2026-01-10T00:00:00Z", observed_at=SYNC
    )
    assert {r[6] for r in rows(result, "update_cadence")} == {"7d"}


def test_a_date_that_passed_before_the_sync_is_missed_from_that_date():
    result = metrics_of(_open_with_date("2026-02-10"), as_of=SYNC, observed_at=SYNC)
    gap = [r for r in rows(result, "update_cadence") if r[1] >= "2026-01-20"]
    # due at the date's end, then a week after each miss, until the sync
    assert [(r[2], r[4], r[6]) for r in gap] == [
        ("2026-02-10 23:59:59", "missed", "next_update"),
        ("2026-02-17 23:59:59", "missed", "7d"),
        ("2026-02-24 23:59:59", "missed", "7d"),
        ("2026-03-03 23:59:59", "missed", "7d"),
        ("2026-03-10 23:59:59", "missed", "7d"),
        ("2026-03-17 23:59:59", "pending", "7d"),
    ]


def test_a_date_already_past_at_the_gaps_start_is_ignored():
    result = metrics_of(_open_with_date("2026-01-05"), as_of=SYNC, observed_at=SYNC)
    gap = [r for r in rows(result, "update_cadence") if r[1] >= "2026-01-20"]
    assert gap[0][2] == "2026-01-27 23:59:59" and gap[0][6] == "7d"


def test_a_known_history_keeps_the_date_from_when_it_was_written():
    known = dataclasses.replace(_open_with_date("2026-04-30"), history=True)
    gap = [r for r in rows(metrics_of(known, as_of=SYNC), "update_cadence") if r[1] >= "2026-01-20"]
    # written 01-21, during the gap: it replaces the 7 days from then on, so no miss either;
    # but the rule is the known one (no caveat)
    assert gap[-1][2] == "2026-04-30 23:59:59"


def test_a_close_on_tag_stops_the_cadence_at_the_gaps_start():
    bug = thread(
        """
        2026-01-10 09:00  ca       files
        2026-01-15 09:00  ca       says
        2026-02-01 09:00  ca       says
        2026-02-02 09:00  mozilla  says
        2026-02-02 09:05  mozilla  whiteboard [ca-compliance] [close on 2026-02-20]
        """,
        history=False,
    )
    result = metrics_of(bug, as_of=SYNC, observed_at=SYNC)
    cadence = rows(result, "update_cadence")
    assert cadence and all(r[1] < "2026-02-01" for r in cadence)
    assert cadence[-1][3] == "2026-02-01 09:00:00"  # the last gap before it, met by that update
    # the root program's comment after it still needs its reply
    assert rows(result, "comment_response")


def test_no_date_means_the_seven_day_rule_to_the_sync():
    bug = thread(
        """
        2026-01-10 09:00  ca       files
        2026-02-01 09:00  ca       says
        """,
        history=False,
    )
    result = metrics_of(bug, as_of=SYNC, observed_at=SYNC)
    assert [r[4] for r in rows(result, "update_cadence")].count("missed") >= 5


def _cut_report(history: bool, text: str = "x " * (TEXT_CUT_AT // 2)):
    return thread(
        f"""
        2026-01-10 09:00  ca  files "{text}"
        2026-02-10 09:00  ca  says notext
        """,
        history=history,
    )


def test_a_cut_text_that_shows_no_report_kind_is_unknown_not_missed():
    assert len("x " * (TEXT_CUT_AT // 2)) == TEXT_CUT_AT
    cut = metrics_of(_cut_report(False), as_of=SYNC, observed_at=SYNC)
    report = cut.deadlines[cut.deadlines["rule"] == "full_report"].iloc[0]
    assert report["outcome"] == "unknown"
    assert report["caveat"] == "CA comment text cut short: a report may be in its unseen part"
    # the same text, one character shorter: whole, so it shows no report: missed
    short = metrics_of(_cut_report(False, "x " * 499 + "x"), as_of=SYNC, observed_at=SYNC)
    assert short.deadlines.query("rule == 'full_report'")["outcome"].iloc[0] == "missed"
    # a synced store has whole texts, whatever their length
    whole = metrics_of(_cut_report(True), as_of=SYNC)
    assert whole.deadlines.query("rule == 'full_report'")["outcome"].iloc[0] == "missed"


def test_a_cut_text_that_shows_a_report_counts():
    text = "# Incident Report\\n\\n## Summary\\n" + "y" * (TEXT_CUT_AT - 30)
    bug = _cut_report(False, text)
    tables = tables_of(bug, observed_at=SYNC)
    assert tables.comments["text"].str.len().iloc[0] == TEXT_CUT_AT
    language = language_of(bug)
    language.comment_language.loc[0, "report_kind"] = read_report(tables.comments["text"][0]).kind
    result = compute(tables, language, pd.Timestamp(SYNC))
    assert result.deadlines.query("rule == 'full_report'")["outcome"].iloc[0] == "met"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("## Incident Report\n\nThis is a preliminary report.\n\n### Summary\nx\n### Impact\n"
         "y\n### Timeline\nz\n### Root Cause Analysis\nq\n### Action Items\n", "preliminary"),
        ("## Incident Report (Preliminary)\n\n### Summary\nx\n### Impact\n### Timeline\n"
         "### Root Cause Analysis\n### Lessons Learned\n", "preliminary"),
        ("This is an initial report. We continue to investigate.", "preliminary"),
        ("Preliminary Incident Report\n\nSummary: a thing happened", "preliminary"),
        ("Steps to reproduce:\n\n# Incident Report\n\n### Summary\n\nOn September 1 the", "full"),
        ("1.\tHow your CA first became aware of the problem (e.g. via a problem report), and "
         "the time and date.\n\nOn 2018-03-16 we", "full"),
        ("We are filing this.\n\n1. How your CA first became aware of the problem\nOn", "full"),
        ("Audit Incident Report\n\n## Summary\nThe audit found", "full"),
        ("**Full Incident Report**\n\nSummary of what", "full"),
        ("# Incident Report - OCSP outage\n\n## Summary\nblah", "full"),
        # a mention of another report states nothing about this comment
        ("We will file an initial report by Friday. Update: all revoked.", "update"),
        ("Incident report: we will post it next week.", "update"),
        ("The preliminary incident report will follow tomorrow.", "other"),
        ("Thanks, we are looking at it.", "other"),
    ],
)  # fmt: skip
def test_a_report_is_what_it_says_it_is(text, kind):
    assert read_report(text).kind == kind


def test_closing_time_passes_over_community_comments_after_a_long_silence():
    t = ["2018-06-09T14:05:34Z", "2018-06-14T21:42:26Z", "2023-09-13T20:49:30Z",
         "2025-08-21T20:50:09Z"]  # fmt: skip
    assert estimated_close(t, ["community", "root_program", "community", "community"], t[0]) == t[1]
    # a CA comment after the silence: the bug was still being worked on; after the next
    # silence only community comments, so it closed at the CA's comment
    assert estimated_close(t, ["community", "root_program", "ca", "community"], t[0]) == t[2]
    assert estimated_close(t, ["community", "root_program", "community", "ca"], t[0]) == t[3]
    # the earliest such silence wins; no silence: the last comment
    t2 = ["2017-01-01T00:00:00Z", "2017-06-01T00:00:00Z", "2017-06-02T00:00:00Z",
          "2021-01-01T00:00:00Z"]  # fmt: skip
    assert estimated_close(t2, ["ca", "community", "community", "community"], t2[0]) == t2[0]
    assert estimated_close(t2[:3], ["ca", "ca", "ca"], t2[0]) == t2[2]
    assert estimated_close([None, "bad"], ["ca", "ca"], "2017-01-01T00:00:00Z") == (
        "2017-01-01T00:00:00Z"
    )


def test_a_stray_comment_does_not_reopen_a_bug_closed_long_ago():
    bug = thread(
        """
        2017-10-14 11:00  community  files
        2017-10-18 06:00  ca         says
        2017-11-15 23:00  mozilla    says
        2017-11-20 10:00  mozilla    closes WONTFIX
        2021-06-21 01:00  community  says
        """,
        history=False,
    )
    tables = tables_of(bug, observed_at=SYNC)
    assert tables.bugs["closed"].iloc[0] == pd.Timestamp("2017-11-15 23:00", tz="UTC")
    assert bool(tables.bugs["closed_estimated"].iloc[0])
    result = metrics_of(bug, as_of=SYNC, observed_at=SYNC)
    assert result.deadlines["due"].max() < pd.Timestamp("2018-01-01", tz="UTC")


def _tagged(bug, count: int, tags: list):
    raw = bug.raw()
    raw.comments[count]["tags"] = tags
    return raw


def test_a_collapsed_comment_is_neither_an_update_nor_owed_a_reply():
    from analyzer.parse import build_tables, load_reference

    bug = thread(
        """
        2025-03-01 09:00  mozilla    files
        2025-03-02 09:00  ca         says
        2025-03-05 09:00  community  says 1q
        2025-03-08 09:00  ca         says
        """
    )
    raw = _tagged(bug, 2, ["off-topic"])
    raw.comments[3]["tags"] = ["SPAM", 7, {"x": 1}]  # hostile values are no tags
    tables = build_tables([raw], load_reference(None), pd.Timestamp("2025-03-20", tz="UTC"))
    assert tables.comments["collapsed"].tolist() == [False, False, True, True]
    assert tables.comments["tags"].tolist()[2:] == ["off-topic", "spam"]
    assert tables.comments["is_ca_update"].tolist() == [False, True, False, False]
    result = compute(tables, language_of(bug), pd.Timestamp("2025-03-20", tz="UTC"))
    assert rows(result, "comment_response") == []
    # the spam "update" of 03-08 does not meet the gap from 03-02
    cadence = rows(result, "update_cadence")
    assert cadence[1][3] is None and cadence[1][4] == "missed"
