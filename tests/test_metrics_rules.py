"""first_response, full_report, needinfo_response, comment_response, IRG versions and as_of.

Each test is a small thread written for one rule or edge case; expected deadlines are worked
out by hand in the comments ("end of D" is D 23:59:59 UTC).
"""

from __future__ import annotations

import pandas as pd
from threadkit import metrics_of, rows, thread

URL = "https://bugzilla.mozilla.org/show_bug.cgi?id=1701"


def only(result, rule):
    return rows(result, rule)


# -- first_response --------------------------------------------------------------------------


def test_first_response_is_72_exact_hours():
    bug = thread("""
        2025-01-06 09:00  mozilla  files
        2025-01-09 17:00  ca       says
    """)
    # 01-06 09:00 + 72 h = 01-09 09:00 exactly; answered 17:00: 8 hours late
    assert only(metrics_of(bug, as_of="2025-02-01"), "first_response") == [
        ("first_response", "2025-01-06 09:00:00", "2025-01-09 09:00:00", "2025-01-09 17:00:00",
         "missed", 8.0, "72h"),
    ]  # fmt: skip
    m = metrics_of(bug, as_of="2025-02-01").bug_metrics.iloc[0]
    assert m["first_ca_response_hours"] == 80.0


def test_no_first_response_before_irg_2_0():
    before = thread("""
        2023-10-16 23:00  mozilla  files
    """)
    after = thread("""
        2023-10-17 00:00  mozilla  files
    """)
    assert only(metrics_of(before, as_of="2023-12-01"), "first_response") == []
    # 10-17 00:00 + 72 h = 10-20 00:00, nobody answered: 2023-12-01 is 11 + 31 = 42 days past
    assert only(metrics_of(after, as_of="2023-12-01"), "first_response") == [
        ("first_response", "2023-10-17 00:00:00", "2023-10-20 00:00:00", None, "missed", 1008.0,
         "72h"),
    ]  # fmt: skip


def test_private_ca_comment_is_no_first_response():
    bug = thread("""
        2025-01-06 09:00  mozilla  files
        2025-01-06 10:00  ca       says private
    """)
    assert only(metrics_of(bug, as_of="2025-01-08"), "first_response")[0][4] == "pending"


# -- full_report -----------------------------------------------------------------------------


def test_full_report_within_14_days_to_end_of_day():
    on_time = thread("""
        2025-01-06 09:00  mozilla  files
        2025-01-20 23:00  ca       says full
    """)
    # 01-06 + 14 days = end of 01-20
    assert only(metrics_of(on_time, as_of="2025-02-01"), "full_report") == [
        ("full_report", "2025-01-06 09:00:00", "2025-01-20 23:59:59", "2025-01-20 23:00:00",
         "met", 0.0, "14d"),
    ]  # fmt: skip
    late = thread("""
        2025-01-06 09:00  mozilla  files
        2025-01-10 09:00  ca       says preliminary
        2025-01-21 00:30  ca       says full
    """)
    # a preliminary report is not the full one; 01-21 00:30 - 01-20 23:59:59 = 30m 1s = 0.5 h
    result = metrics_of(late, as_of="2025-02-01")
    assert only(result, "full_report")[0][3:6] == ("2025-01-21 00:30:00", "missed", 0.5)
    assert result.bug_metrics.iloc[0]["full_report_days"] == round((14 * 24 + 15.5) / 24, 2)


def test_no_full_report_deadline_for_invalid_or_duplicate():
    for resolution, expected in (("INVALID", 0), ("DUPLICATE", 0), ("FIXED", 1)):
        bug = thread(f"""
            2025-01-06 09:00  mozilla  files
            2025-01-30 09:00  mozilla  closes {resolution}
        """)
        assert len(only(metrics_of(bug, as_of="2025-02-01"), "full_report")) == expected
    # before it was resolved INVALID, the obligation was running
    bug = thread("""
        2025-01-06 09:00  mozilla  files
        2025-01-30 09:00  mozilla  closes INVALID
    """)
    assert only(metrics_of(bug, as_of="2025-01-10"), "full_report")[0][4] == "pending"


# -- needinfo_response -----------------------------------------------------------------------


def test_needinfo_to_the_ca_answered_late():
    bug = thread("""
        2025-02-01 10:00  ca       files
        2025-02-03 10:00  mozilla  needinfo ca
        2025-02-11 09:00  ca       says
    """)
    # 02-03 + 7 = end of 02-10; answered 02-11 09:00: 9 h (and 1 s) late
    result = metrics_of(bug, as_of="2025-02-12")
    assert only(result, "needinfo_response") == [
        ("needinfo_response", "2025-02-03 10:00:00", "2025-02-10 23:59:59",
         "2025-02-11 09:00:00", "missed", 9.0, "7d"),
    ]  # fmt: skip
    row = result.deadlines[result.deadlines["rule"] == "needinfo_response"].iloc[0]
    assert row["evidence_met"] == f"{URL}#c1"
    assert row["evidence_start"].startswith("https://bugzilla.mozilla.org/show_")
    m = result.bug_metrics.iloc[0]
    assert (m["needinfo_to_ca"], m["needinfo_open"], m["needinfo_late"]) == (1, 1, 1)


def test_needinfo_answered_by_a_comment_at_the_same_second():
    bug = thread("""
        2025-02-01 10:00  ca       files
        2025-02-03 10:00  mozilla  needinfo ca
        2025-02-03 10:00  ca       says
    """)
    assert only(metrics_of(bug, as_of="2025-02-12"), "needinfo_response")[0][3:5] == (
        "2025-02-03 10:00:00",
        "met",
    )


def test_needinfo_to_someone_else_is_no_ca_obligation():
    bug = thread("""
        2025-02-01 10:00  ca       files
        2025-02-03 10:00  mozilla  needinfo community
    """)
    result = metrics_of(bug, as_of="2025-03-01")
    assert only(result, "needinfo_response") == []
    assert result.bug_metrics.iloc[0]["needinfo_to_ca"] == 0


def test_retarget_to_another_ca_account_is_a_new_request():
    bug = thread("""
        2025-02-01 10:00  ca       files
        2025-02-03 10:00  mozilla  needinfo ca
        2025-02-05 10:00  mozilla  retargets ca ca2
        2025-02-13 10:00  ca2      says
    """)
    # the root program moved the first request before it fell due: withdrawn, not judged;
    # the retarget of 02-05: end of 02-12 -> 10 h late
    assert only(metrics_of(bug, as_of="2025-02-14"), "needinfo_response") == [
        ("needinfo_response", "2025-02-03 10:00:00", "2025-02-10 23:59:59", None,
         "withdrawn", 0.0, "7d"),
        ("needinfo_response", "2025-02-05 10:00:00", "2025-02-12 23:59:59",
         "2025-02-13 10:00:00", "missed", 10.0, "7d"),
    ]  # fmt: skip


def test_cleared_needinfo_without_answer_is_still_late():
    bug = thread("""
        2025-02-01 10:00  ca  files
        2025-02-03 10:00  mozilla  needinfo ca
        2025-02-04 10:00  ca  clears ca
    """)
    result = metrics_of(bug, as_of="2025-02-12")
    # nothing answered: at 02-12 00:00 it is 1 s past end of 02-10 + 1 day = 24.0 h
    assert only(result, "needinfo_response")[0][3:6] == (None, "missed", 24.0)
    assert result.bug_metrics.iloc[0]["needinfo_open"] == 0


# -- comment_response -------------------------------------------------------------------------


def test_question_answered_by_the_next_ca_update():
    bug = thread("""
        2025-03-01 10:00  ca         files
        2025-03-03 10:00  community  says 2q
        2025-03-05 10:00  ca         says
        2025-03-06 10:00  mozilla    says 1q
    """)
    result = metrics_of(bug, as_of="2025-03-20")
    # one row per asking comment: 03-03 -> end of 03-10, met 03-05; 03-06 -> end of 03-13, none
    # came by 03-20 00:00: 6 days (and 1 s) = 144 h
    assert only(result, "comment_response") == [
        ("comment_response", "2025-03-03 10:00:00", "2025-03-10 23:59:59",
         "2025-03-05 10:00:00", "met", 0.0, "7d"),
        ("comment_response", "2025-03-06 10:00:00", "2025-03-13 23:59:59", None, "missed",
         144.0, "7d"),
    ]  # fmt: skip
    m = result.bug_metrics.iloc[0]
    assert (m["comments_needing_reply"], m["comments_late"]) == (2, 1)


def test_questions_that_do_not_count():
    bug = thread("""
        2025-03-01 10:00  ca         files
        2025-03-02 10:00  ca         says 1q
        2025-03-03 10:00  community  says 1q private
        2025-03-04 10:00  mozilla    closes FIXED
        2025-03-05 10:00  community  says 1q
    """)
    # the CA's own question, a private one, and one asked while the bug is closed: no rows
    result = metrics_of(bug, as_of="2025-04-01")
    assert only(result, "comment_response") == []
    assert result.bug_metrics.iloc[0]["comments_needing_reply"] == 0


def test_fallback_questions_without_the_language_stage():
    # under IRG 2.0 only a comment that asks a question needs a reply
    bug = thread("""
        2024-03-01 10:00  ca         files
        2024-03-03 10:00  community  says "(In reply to Bob)\\n> Is this quoted?\\nWhy did it happen? See show_bug.cgi?id=1. When is it fixed?"
        2024-03-03 11:00  community  says "(In reply to Bob)\\n> Is this quoted?\\nSee show_bug.cgi?id=1."
    """)  # noqa: E501
    result = metrics_of(bug, as_of="2024-03-04", language=False)
    assert "fallback" in result.questions_source
    # the quoted line and the URL are no question: only the first comment needs a reply
    assert [r[1] for r in only(result, "comment_response")] == ["2024-03-03 10:00:00"]


# -- IRG versions and as_of ------------------------------------------------------------------


def test_irg_version_in_force_when_the_obligation_started():
    bug = thread("""
        2025-07-10 10:00  ca         files
        2025-07-14 23:59  community  says 1q
        2025-07-15 00:00  community  says 1q
        2026-03-20 00:00  community  says 1q
    """)
    result = metrics_of(bug, as_of="2026-03-21")
    questions = result.deadlines[result.deadlines["rule"] == "comment_response"]
    assert questions["irg_version"].tolist() == ["3.0", "3.1", "3.2"]
    old = thread("""
        2023-02-14 23:00  ca  files
    """)
    assert set(metrics_of(old, as_of="2023-03-01").deadlines["irg_version"]) == {"pre-1.0"}


def test_nothing_after_as_of_is_used():
    bug = thread("""
        2025-01-06 09:00  mozilla  files
        2025-01-07 09:00  ca       says full
        2025-01-20 09:00  mozilla  closes FIXED
    """)
    early = metrics_of(bug, as_of="2025-01-07 08:59")
    assert only(early, "first_response")[0][3:5] == (None, "pending")
    m = early.bug_metrics.iloc[0]
    assert (m["status"], m["ca_updates"]) == ("ASSIGNED", 0)
    assert pd.isna(m["closed"])
    late = metrics_of(bug, as_of="2025-02-01").bug_metrics.iloc[0]
    assert (late["status"], late["closed"]) == ("RESOLVED", pd.Timestamp("2025-01-20 09:00Z"))


def test_bugs_opened_after_as_of_are_not_there():
    bug = thread("""
        2025-01-06 09:00  mozilla  files
    """)
    result = metrics_of(bug, as_of="2025-01-01")
    assert result.deadlines.empty and result.bug_metrics.empty
    assert list(result.bug_metrics.columns)[:3] == ["bug_id", "ca", "status"]
