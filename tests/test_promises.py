"""Promises kept, broken and pending, on small threads built by the docs/tables.md contract."""

from __future__ import annotations

from datetime import date

import pandas as pd
from test_completeness import CA_ACCOUNT, FULL_2, FULL_3, corpus_of, raw_bug

from analyzer.ahead import promises_table
from analyzer.ahead.action_items import completed_items, markdown_tables
from analyzer.ahead.promises import promise_summary, promises_by_month, promises_from_tables

BUG = 1900001
BASE = "https://bugzilla.mozilla.org/show_bug.cgi?id="
CA = "Example CA"


def when(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def link(count: int) -> str:
    return f"https://bugzilla.mozilla.org/show_bug.cgi?id={BUG}#c{count}"


def thread(*comments: tuple[str, bool, str, str]):
    """Comments as (time, by the CA, report kind, text)."""
    frame = pd.DataFrame(
        {
            "bug_id": BUG,
            "count": range(len(comments)),
            "time": [when(t) for t, *_ in comments],
            "is_ca_update": [ca for _, ca, *_ in comments],
            "text": [text for *_, text in comments],
        }
    )
    frame["url"] = [link(c) for c in frame["count"]]
    language = frame[["bug_id", "count"]].assign(report_kind=[k for _, _, k, _ in comments])
    bugs = pd.DataFrame({"bug_id": [BUG], "ca": [CA]})
    return frame, language, bugs


def commitments(*rows: tuple[int, str, str, str]) -> pd.DataFrame:
    """Rows as (comment count, kind, promised day, text)."""
    return pd.DataFrame(
        {
            "bug_id": BUG,
            "count": [c for c, *_ in rows],
            "text": [t for *_, t in rows],
            "promised": [when(d) for _, _, d, _ in rows],
            "kind": [k for _, k, _, _ in rows],
            "url": [link(c) for c, *_ in rows],
        }
    )


def judge(promises, comments, as_of):
    frame, language, bugs = comments
    return promises_from_tables(promises, frame, language, bugs, when(as_of))


def test_update_promise_kept_by_any_update_on_the_promised_day():
    comments = thread(
        ("2025-05-05T09:00:00Z", True, "update", "We will update this bug by Friday 2025-05-09."),
        ("2025-05-09T23:30:00Z", True, "update", "Update: revocation done."),
    )
    result = judge(
        commitments((0, "update", "2025-05-09", "We will update")), comments, "2025-06-01"
    )
    assert result.loc[0, "status"] == "kept"
    assert result.loc[0, "evidence_url"] == link(1)
    assert result.loc[0, "ca"] == CA


def test_update_promise_broken_when_the_update_is_a_day_late():
    # the promised day ends at 24:00 UTC-12, i.e. 12:00 UTC the next day; one second later
    comments = thread(
        ("2025-05-05T09:00:00Z", True, "update", "We will update this bug by 2025-05-09."),
        ("2025-05-09T12:00:00Z", False, "other", "Any news?"),
        ("2025-05-10T12:00:01Z", True, "update", "Sorry for the delay."),
    )
    result = judge(
        commitments((0, "update", "2025-05-09", "We will update")), comments, "2025-06-01"
    )
    assert result.loc[0, "status"] == "broken"
    assert result.loc[0, "evidence_url"] == link(2)


def test_promise_pending_before_its_day_ends_and_broken_after():
    comments = thread(
        ("2025-05-05T09:00:00Z", True, "update", "We will post the report on 2025-05-20."),
    )
    promise = commitments((0, "report", "2025-05-20", "We will post the full report"))
    assert judge(promise, comments, "2025-05-21T11:59:59Z").loc[0, "status"] == "pending"
    assert judge(promise, comments, "2025-05-21T12:00:00Z").loc[0, "status"] == "broken"


def test_a_report_late_on_the_promised_day_in_the_cas_time_zone_is_kept():
    # promised for 2025-05-20; posted 18:30 on that day in UTC-7, which is 01:30 UTC the next day
    comments = thread(
        ("2025-05-05T09:00:00Z", True, "update", "We will post the report on 2025-05-20."),
        ("2025-05-21T01:30:00Z", True, "full", "## Full Incident Report ..."),
    )
    promise = commitments((0, "report", "2025-05-20", "We will post the full report"))
    assert judge(promise, comments, "2025-06-01").loc[0, "status"] == "kept"


def test_revocation_schedules_are_unknown_unless_a_ca_comment_says_they_were_done():
    promise = commitments((0, "revocation", "2025-05-09", "will be revoked by 2025-05-09"))
    silent = thread(
        ("2025-05-05T09:00:00Z", True, "update", "The rest will be revoked by 2025-05-09."),
        ("2025-05-12T09:00:00Z", True, "update", "We are still working on the action items."),
    )
    assert judge(promise, silent, "2025-05-08").loc[0, "status"] == "pending"
    assert judge(promise, silent, "2025-06-01").loc[0, "status"] == "unknown"
    told = thread(
        ("2025-05-05T09:00:00Z", True, "update", "The rest will be revoked by 2025-05-09."),
        ("2025-05-12T09:00:00Z", True, "update", "All remaining certificates have been revoked."),
    )
    result = judge(promise, told, "2025-06-01")
    assert result.loc[0, "status"] == "kept"
    assert result.loc[0, "evidence_url"] == link(1)


def test_report_promise_needs_a_full_report_not_any_update():
    comments = thread(
        ("2025-05-05T09:00:00Z", True, "preliminary", "Full report on 2025-05-12."),
        ("2025-05-08T09:00:00Z", True, "update", "Still working on it."),
        ("2025-05-12T20:00:00Z", True, "full", "## Full Incident Report ..."),
    )
    result = judge(commitments((0, "report", "2025-05-12", "Full report")), comments, "2025-05-30")
    assert result.loc[0, "status"] == "kept"
    assert result.loc[0, "evidence_url"] == link(2)
    assert result.loc[0, "keeps"] == "a full report"


def test_closure_promise_needs_a_closure_report():
    comments = thread(
        ("2025-05-05T09:00:00Z", True, "update", "We will post the closure summary by 2025-05-12."),
        ("2025-05-10T09:00:00Z", True, "full", "## Full Incident Report again"),
    )
    promise = commitments((0, "report", "2025-05-12", "We will post the closure summary"))
    result = judge(promise, comments, "2025-05-30")
    assert result.loc[0, "keeps"] == "a closure report"
    assert result.loc[0, "status"] == "broken"


ACTION_TABLE = """### Action Items
| Action Item | Kind | Corresponding Root Cause(s) | Evaluation Criteria | Due Date | Status |
|---|---|---|---|---|---|
| Deploy pre-issuance lint | Prevent | RC1 | no findings | 2025-06-30 | {status} |
"""


def test_action_item_kept_when_a_later_table_marks_it_complete():
    comments = thread(
        ("2025-05-05T09:00:00Z", True, "full", ACTION_TABLE.format(status="Ongoing")),
        ("2025-06-10T09:00:00Z", True, "update", ACTION_TABLE.format(status="Completed")),
    )
    row = "| Deploy pre-issuance lint | Prevent | RC1 | no findings | 2025-06-30 | Ongoing |"
    result = judge(commitments((0, "action_item", "2025-06-30", row)), comments, "2025-07-15")
    assert result.loc[0, "status"] == "kept"
    assert result.loc[0, "evidence_url"] == link(1)


def test_action_item_still_ongoing_after_its_date_is_broken():
    comments = thread(
        ("2025-05-05T09:00:00Z", True, "full", ACTION_TABLE.format(status="Ongoing")),
        ("2025-07-10T09:00:00Z", True, "update", ACTION_TABLE.format(status="Not complete")),
    )
    promise = commitments((0, "action_item", "2025-06-30", "Deploy pre-issuance lint"))
    result = judge(promise, comments, "2025-07-15")
    assert result.loc[0, "status"] == "broken"
    assert result.loc[0, "evidence_url"] is None


def test_a_repeated_action_item_is_one_promise():
    comments = thread(
        ("2025-05-05T09:00:00Z", True, "full", ACTION_TABLE.format(status="Ongoing")),
        ("2025-05-12T09:00:00Z", True, "update", ACTION_TABLE.format(status="Ongoing")),
    )
    promise = commitments(
        (0, "action_item", "2025-06-30", "Deploy pre-issuance lint"),
        (1, "action_item", "2025-06-30", "Deploy pre-issuance lint"),
    )
    assert len(judge(promise, comments, "2025-06-01")) == 1


def test_promises_made_after_as_of_are_not_known_yet():
    comments = thread(("2025-05-05T09:00:00Z", True, "update", "Update by 2025-05-09."))
    promise = commitments((0, "update", "2025-05-09", "Update by"))
    assert judge(promise, comments, "2025-05-01").empty


def test_a_fulfilment_after_as_of_is_not_used():
    comments = thread(
        ("2025-05-05T09:00:00Z", True, "update", "We will update by 2025-05-09."),
        ("2025-05-08T09:00:00Z", True, "update", "Update."),
    )
    promise = commitments((0, "update", "2025-05-09", "We will update"))
    assert judge(promise, comments, "2025-05-07").loc[0, "status"] == "pending"


def test_every_months_promises_in_one_pass_are_each_months_own_judgement():
    """A site judges every month's promises at once: each must be what that month's own
    judgement at its end gives, never using a comment posted after that end."""
    comments = thread(
        ("2025-05-05T09:00:00Z", True, "full", ACTION_TABLE.format(status="Ongoing")),
        ("2025-06-01T06:00:00Z", True, "full", "## Full Incident Report ..."),
        ("2025-07-10T09:00:00Z", True, "update", ACTION_TABLE.format(status="Completed")),
    )
    promises = commitments(
        (0, "report", "2025-05-31", "We will post the full report"),  # kept after May's end
        (0, "action_item", "2025-06-20", "Deploy pre-issuance lint"),  # done after June's end
        (1, "update", "2025-07-12", "Next update on 2025-07-12"),
    )
    seen = {
        "2025-04": when("2025-05-01"),
        "2025-05": when("2025-06-01"),
        "2025-06": when("2025-07-01"),
        "2025-07": when("2025-08-01"),
    }
    frame, language, bugs = comments
    by_month = promises_by_month(promises, frame, language, bugs, seen)
    assert list(by_month) == list(seen)
    for label, at in seen.items():
        start = when(f"{label}-01")
        own = promises_from_tables(
            promises, frame, language, bugs, at, window=(start, start + pd.offsets.MonthBegin())
        )
        assert own.empty == by_month[label].empty, label
        if not own.empty:
            pd.testing.assert_frame_equal(
                by_month[label].drop(columns="fulfilled_at"), own.drop(columns="fulfilled_at")
            )
    assert by_month["2025-04"].empty
    assert list(by_month["2025-05"]["status"]) == ["pending"]
    june = by_month["2025-06"]
    assert list(june["status"]) == ["broken"]
    assert june.loc[0, "evidence_url"] is None  # the table marking it done came later
    assert list(by_month["2025-07"]["status"]) == ["kept"]


def test_summary_counts_per_ca():
    comments = thread(
        ("2025-05-05T09:00:00Z", True, "update", "Updates by 2025-05-09 and 2025-05-20."),
        ("2025-05-08T09:00:00Z", True, "update", "Update."),
    )
    promise = commitments(
        (0, "update", "2025-05-09", "first"),
        (0, "update", "2025-05-20", "second"),
        (0, "report", "2025-06-20", "report"),
    )
    summary = promise_summary(judge(promise, comments, "2025-06-01"))
    assert summary.to_dict("records") == [
        {"ca": CA, "kept": 2, "broken": 0, "pending": 1, "unknown": 0}
    ]


def test_a_report_promise_is_unknown_when_a_comment_in_between_has_no_text():
    comments = thread(
        ("2025-05-05T09:00:00Z", True, "preliminary", "Full report by 2025-05-12."),
        ("2025-05-10T09:00:00Z", True, "other", None),
    )
    promise = commitments((0, "report", "2025-05-12", "Full report"))
    assert judge(promise, comments, "2025-06-01").loc[0, "status"] == "unknown"
    update = commitments((0, "update", "2025-05-12", "Update"))
    assert judge(update, comments, "2025-06-01").loc[0, "status"] == "kept"


def test_a_date_before_the_comment_is_no_promise():
    comments = thread(("2025-05-05T09:00:00Z", True, "update", "We learnt of it on 2025-05-01."))
    assert judge(commitments((0, "update", "2025-05-01", "learnt")), comments, "2025-06-01").empty


def test_table_parsing_ignores_quotes_and_reads_status():
    text = "> | Action Item | Status |\n> |---|---|\n> | quoted | Done |\n" + ACTION_TABLE.format(
        status="Done (2025-06-01)"
    )
    assert len(markdown_tables(text)) == 1
    assert completed_items(text) == {"deploy pre issuance lint"}


def test_scorecards_show_one_cas_reports_of_one_month(tmp_path):
    from analyzer.months import Month
    from analyzer.report import context as report_context
    from analyzer.report.scorecards import tables_from_corpus

    corpus = corpus_of(
        tmp_path,
        raw_bug(
            1950003,
            [
                ("2025-08-05T10:00:00Z", CA_ACCOUNT, "Preliminary report."),
                ("2025-08-09T10:00:00Z", CA_ACCOUNT, FULL_2),
            ],
        ),
    )

    def cards(month: Month) -> dict:
        built = report_context.build(tables_from_corpus(corpus, month), month)
        return {card.raw_ca: card for card in built.cas}

    # August 2025: 3.1 in force, so a 2.0-style report five months after 3.0 is stale
    august = cards(Month(2025, 8))["Example CA"]
    assert [c.bug_id for c in august.completeness] == [1950003]
    assert august.completeness[0].stale_template is True
    assert august.completeness[0].bug_url.endswith("id=1950003")
    assert august.promises == []
    assert cards(Month(2025, 9))["Example CA"].completeness == []


def test_end_to_end_kept_broken_pending_through_the_real_stages(tmp_path):
    corpus = corpus_of(
        tmp_path,
        raw_bug(
            1950004,
            [
                (
                    "2025-05-05T10:00:00Z",
                    CA_ACCOUNT,
                    "## Preliminary Incident Report\n\n"
                    "We will provide the full incident report by 2025-05-12.",
                ),
                ("2025-05-12T18:00:00Z", CA_ACCOUNT, FULL_3),
                (
                    "2025-05-13T10:00:00Z",
                    CA_ACCOUNT,
                    "We will provide our next update on 2025-05-20.",
                ),
                (
                    "2025-05-22T10:00:00Z",
                    CA_ACCOUNT,
                    "Update: revocation is complete. We will post another update by 2025-06-30.",
                ),
            ],
        ),
        synced="2025-06-01T00:00:00Z",
    )
    result = promises_table(corpus)
    got = [(r.count, r.kind, r.status, r.evidence_url) for r in result.itertuples()]
    assert got == [
        (0, "report", "kept", f"{BASE}1950004#c1"),
        (2, "update", "broken", f"{BASE}1950004#c3"),
        (3, "update", "pending", None),
    ]
    # 2025-06-30 ends at 24:00 UTC-12, 2025-07-01 12:00 UTC
    assert list(promises_table(corpus, "2025-07-01T11:59:59Z")["status"])[-1] == "pending"
    late = promises_table(corpus, "2025-07-01T12:00:00Z")
    assert list(late["status"]) == ["kept", "broken", "broken"]
    # the outcome is a column of the commitments table itself, judged at the last sync
    made = corpus.commitments.sort_values("count")
    said = made[made["kind"] != "action_item"]
    assert said["outcome"].tolist() == ["kept", "broken", "pending"]
    # the report's action item was due before the report: it promised nothing, no outcome
    assert made.loc[made["kind"] == "action_item", "outcome"].isna().all()
    # export --as-of: the outcomes as they stood then (the 2025-05-20 update not yet due)
    then = corpus.tables_at("2025-05-14T00:00:00Z")["commitments"]
    assert then.loc[then["kind"] != "action_item", "outcome"].tolist() == ["kept", "pending"]


def test_end_to_end_ambiguous_dates_read_nearest_after_the_comment(tmp_path):
    corpus = corpus_of(
        tmp_path,
        raw_bug(
            1950002,
            [
                (
                    "2025-05-05T10:00:00Z",
                    CA_ACCOUNT,
                    "## Preliminary Incident Report\n\n"
                    "We will update the report until this friday (05-09-25).",
                ),
                (
                    "2025-06-30T10:00:00Z",
                    CA_ACCOUNT,
                    "We will submit the updated incident report on 03.07.2025.",
                ),
            ],
        ),
    )
    result = promises_table(corpus, "2025-07-10")
    # 05-09-25 after 2025-05-05 is 9 May, not 5 September; 03.07.2025 after 30 June is 3 July
    assert [p.date() for p in result["promised"]] == [date(2025, 5, 9), date(2025, 7, 3)]
    assert list(result["status"]) == ["broken", "broken"]
