"""Report completeness against the IRG template in force, and stale templates (CCADB 6.1)."""

from __future__ import annotations

import pandas as pd
import pytest

import analyzer
from analyzer.ahead import report_completeness
from analyzer.ahead.completeness import completeness_from_tables, truncation_of
from analyzer.irg import calendar
from analyzer.language.completeness import check_report, follows
from analyzer.language.templates import generations, load_templates
from analyzer.store import RawBug, Store

FULL_3 = """## Full Incident Report

### Summary
- **CA Owner CCADB unique ID:** A000123
- **Incident description:** Certificates were issued with a bad extension.

### Impact
- **Total number of certificates:** 12

### Timeline
2025-04-01 10:00 UTC: issuance began.

### Related Incidents
| Bug | Date | Description |
|-----|------|-------------|
| 1 | 2024-01-01 | similar |

### Root Cause Analysis
**Contributing Factor 1: profile drift**

### Lessons Learned
- **What went well:** detection.

### Action Items
| Action Item | Kind | Corresponding Root Cause(s) | Evaluation Criteria | Due Date | Status |
| ----------- | ---- | --------------------------- | ------------------- | -------- | ------ |
| Add lint    | Prevent | Root Cause # 1 | No more findings | 2025-05-01 | Ongoing |

### Appendix
None.
"""

FULL_2 = """## Incident Report

### Summary
A certificate profile was wrong.

### Impact
12 certificates.

### Timeline
All times are UTC.

### Root Cause Analysis
A profile change.

### Lessons Learned
#### What went well
* detection

### Action Items
| Action Item | Kind | Due Date |
| ----------- | ---- | -------- |
| Add lint | Prevent | 2025-06-01 |

### Appendix
"""

CLOSURE = """### Report Closure Summary
- **Incident description:** bad extension.
- **Incident Root Cause(s):** profile drift.
- **Remediation description:** lint added.
- **Commitment summary:** we lint every profile.

All Action Items disclosed in this report have been completed as described, and we request
its closure.
"""

UTC = "UTC"


def when(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=UTC)


def test_a_complete_3x_report_misses_nothing():
    result = check_report(FULL_3, "full", when("2025-08-01"))
    assert result["template"] == "3.1"
    assert result["missing"] == []
    assert result["follows"] == "3.0"
    assert result["stale_template"] is False


def test_a_report_missing_two_sections_names_them():
    text = FULL_3.replace("### Lessons Learned", "### Notes").replace("### Appendix", "")
    result = check_report(text, "full", when("2025-04-10"))
    assert result["template"] == "3.0"
    assert result["missing"] == ["Lessons Learned", "Appendix"]


def test_action_items_columns_of_3x_are_checked():
    text = FULL_3.replace("| Status |", "|").replace("| Evaluation Criteria ", "")
    result = check_report(text, "full", when("2025-04-10"))
    assert "Action Items column: Status" in result["missing"]
    assert "Action Items column: Evaluation Criteria" in result["missing"]
    assert "Action Items column: Kind" not in result["missing"]


def test_a_2_0_report_under_3_0_misses_its_parts_but_is_stale_only_from_3_1():
    early = check_report(FULL_2, "full", when("2025-05-01"))
    assert early["follows"] == "2.0"
    assert early["template"] == "3.0"
    assert early["superseded"] == when("2025-03-01")
    assert {"Related Incidents", "Action Items column: Status"} <= set(early["missing"])
    # the 30-day rule is CCADB Policy 2.0 section 6.1, in force from 2025-07-15 (3.1)
    assert early["stale_template"] is False
    late = check_report(FULL_2, "full", when("2025-07-15"))
    assert late["template"] == "3.1" and late["stale_template"] is True


def test_no_template_is_required_before_3_0():
    for day in ("2023-05-01", "2024-06-01", "2025-02-28"):
        result = check_report(FULL_2.replace("### Timeline", ""), "full", when(day))
        assert result["missing"] == [] and result["template_required"] is False
    assert check_report(FULL_2, "full", when("2025-03-01"))["template_required"] is True


def test_preliminary_reports_are_flagged_stale_too():
    preliminary = FULL_2.replace("## Incident Report", "## Preliminary Incident Report")
    result = check_report(preliminary, "preliminary", when("2025-09-01"))
    assert result["stale_template"] is True and result["missing"] == []
    assert check_report(preliminary, "preliminary", when("2025-06-01"))["stale_template"] is False


def test_the_old_template_is_fine_within_30_days_of_the_new_one():
    assert check_report(FULL_2, "full", when("2025-03-20"))["stale_template"] is False
    assert check_report(FULL_2, "full", when("2024-06-01"))["missing"] == []


def test_the_old_mozilla_questions_are_the_1_0_template():
    text = "\n".join(
        [
            "1. How your CA first became aware of the problem",
            "2. A timeline of the actions your CA took",
            "3. Whether your CA has stopped issuance",
            "4. Summary of the problematic certificates",
            "5. Certificate data",
            "6. Explanation about how and why the mistakes were made",
            "7. List of steps your CA is taking to resolve the situation",
        ]
    )
    assert check_report(text, "full", when("2023-05-01"))["missing"] == []
    late = check_report(text, "full", when("2024-01-01"))
    assert late["follows"] == "pre-1.0"
    assert late["stale_template"] is False  # no stale rule under 2.0
    assert check_report(text, "full", when("2025-08-01"))["stale_template"] is True


def test_closure_needs_its_closing_sentence():
    assert check_report(CLOSURE, "closure", when("2025-09-01"))["missing"] == []
    cut = CLOSURE.split("All Action Items")[0]
    assert check_report(cut, "closure", when("2025-09-01"))["missing"] == ["closing sentence"]


def test_closure_before_any_closure_template_is_not_judged():
    assert check_report(CLOSURE, "closure", when("2024-01-01")) is None


def test_quoted_headings_do_not_count():
    quoted = "\n".join("> " + line for line in FULL_3.splitlines())
    assert follows(quoted, "full") == ("", None)


def test_versions_follow_the_one_irg_calendar():
    for day, version in [("2023-02-14", "pre-1.0"), ("2023-10-17", "2.0"), ("2025-07-15", "3.1")]:
        assert calendar().at(int(when(day).timestamp())).name == version
        assert check_report(FULL_3, "full", when(day))["template"] == version
    names = [t.version for t, _ in generations("full")]
    assert names == ["pre-1.0", "2.0", "3.0"]


def test_a_bad_part_in_the_csv_is_refused(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("version,effective,report,part,name,pattern\n3.0,2025-03-01,full,chapter,X,x\n")
    with pytest.raises(ValueError, match="chapter"):
        load_templates(str(path))


def _tables(texts: list[tuple[str, str, str]]):
    comments = pd.DataFrame(
        {
            "bug_id": [1] * len(texts),
            "count": list(range(len(texts))),
            "time": [when(t) for t, _, _ in texts],
            "text": [x for _, x, _ in texts],
            "url": [
                f"https://bugzilla.mozilla.org/show_bug.cgi?id=1#c{i}" for i in range(len(texts))
            ],
            "is_ca_update": [True] * len(texts),
        }
    )
    language = pd.DataFrame(
        {
            "bug_id": [1] * len(texts),
            "count": comments["count"],
            "report_kind": [k for *_, k in texts],
        }
    )
    bugs = pd.DataFrame({"bug_id": [1], "ca": ["Example CA"]})
    return comments, language, bugs


def test_the_table_has_one_row_per_full_or_closure_report():
    comments, language, bugs = _tables(
        [
            ("2025-05-01", FULL_2, "full"),
            ("2025-05-02", "We are working on it.", "update"),
            ("2025-09-01", CLOSURE, "closure"),
        ]
    )
    frame = completeness_from_tables(comments, language, bugs)
    assert list(frame["count"]) == [0, 2]
    assert list(frame["stale_template"]) == [False, False]  # 2025-05-01: before 3.1
    assert frame.loc[0, "ca"] == "Example CA"
    assert frame["text_complete"].all()


def test_truncated_texts_are_marked():
    assert truncation_of({"comment_text": "comment 0 only, first 1000 characters"}) == 1000
    assert truncation_of({}) is None
    comments, language, bugs = _tables([("2025-05-01", FULL_3, "full")])
    frame = completeness_from_tables(comments, language, bugs, truncated_at=200)
    assert not frame.loc[0, "text_complete"]


def raw_bug(bug_id: int, comments: list[tuple[str, str, str]]) -> RawBug:
    """An API-shaped bug whose comments are (time, author, text); the CA is the assignee."""
    return RawBug(
        {
            "id": bug_id,
            "summary": "Example CA: profile drift",
            "product": "CA Program",
            "component": "CA Certificate Compliance",
            "status": "ASSIGNED",
            "resolution": "",
            "creation_time": comments[0][0],
            "creator": comments[0][1],
            "assigned_to": CA_ACCOUNT,
            "whiteboard": "[ca-compliance]",
            "last_change_time": comments[-1][0],
            "flags": [],
        },
        [
            {
                "id": bug_id * 100 + count,
                "bug_id": bug_id,
                "count": count,
                "author": author,
                "creator": author,
                "creation_time": time,
                "time": time,
                "is_private": False,
                "text": text,
                "raw_text": text,
            }
            for count, (time, author, text) in enumerate(comments)
        ],
        [],
    )


CA_ACCOUNT = "compliance@example-ca.test"


def corpus_of(tmp_path, *raws: RawBug, synced: str = "2025-10-01T00:00:00Z"):
    with Store.open(tmp_path / "data") as store:
        store.put_bugs(raws)
        store.set_meta(last_sync_time=synced, source="test")
    return analyzer.load(tmp_path / "data")


def test_end_to_end_a_stale_report_and_a_closure_through_the_real_stages(tmp_path):
    corpus = corpus_of(
        tmp_path,
        raw_bug(
            1950001,
            [
                ("2025-04-20T10:00:00Z", "alice@community.example", "I found a bad certificate."),
                ("2025-08-01T10:00:00Z", CA_ACCOUNT, FULL_2),
                ("2025-09-01T10:00:00Z", CA_ACCOUNT, CLOSURE),
            ],
        ),
    )
    frame = report_completeness(corpus)
    assert list(frame["kind"]) == ["full", "closure"]
    full, closure = frame.iloc[0], frame.iloc[1]
    assert full["stale_template"] and full["follows"] == "2.0" and full["template"] == "3.1"
    assert "Related Incidents" in full["missing"]
    assert full["url"] == "https://bugzilla.mozilla.org/show_bug.cgi?id=1950001#c1"
    assert closure["missing"] == [] and not closure["stale_template"]


def test_one_answer_to_which_sections_are_missing(tmp_path):
    """comment_language.sections_missing is report_completeness.missing, by the template in
    force: under 2.0 nothing is missing, under 3.1 what the 3.x template lacks."""
    text = FULL_3.replace("### Lessons Learned", "### Notes")
    corpus = corpus_of(
        tmp_path,
        raw_bug(
            1950009,
            [
                ("2024-05-01T10:00:00Z", CA_ACCOUNT, text),
                ("2025-08-01T10:00:00Z", CA_ACCOUNT, text),
            ],
        ),
    )
    frame = report_completeness(corpus)
    language = corpus.comment_language.set_index("count")
    for row in frame.itertuples():
        said = language.loc[row.count, "sections_missing"]
        assert (said.split(";") if said else []) == list(row.missing)
    assert list(frame["missing"]) == [[], ["Lessons Learned"]]
