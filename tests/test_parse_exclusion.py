"""Judged bugs: non-incident resolutions (data) and ``[meta]`` bugs are excluded, at any time."""

from __future__ import annotations

import pytest
from parse_raw import change, comment, raw_bug, tables, ts

import analyzer
from analyzer.parse.exclusion import META, excluded_reason
from analyzer.parse.reference import load_reference
from analyzer.parse.state import bug_state_at


@pytest.mark.parametrize("resolution", ["INVALID", "DUPLICATE", "WORKSFORME", "INCOMPLETE"])
def test_non_incident_resolutions_exclude_a_closed_bug(resolution):
    assert excluded_reason("X: y", "", resolution, "RESOLVED") == f"resolution {resolution}"


@pytest.mark.parametrize("resolution", ["FIXED", "WONTFIX", ""])
def test_incident_resolutions_are_judged(resolution):
    assert excluded_reason("X: y", "[ca-compliance]", resolution, "RESOLVED") == ""


def test_a_reopened_bug_with_a_stale_resolution_is_judged():
    assert excluded_reason("X: y", "", "INVALID", "REOPENED") == ""


@pytest.mark.parametrize(
    ("summary", "whiteboard"),
    [("[meta] Delayed Revocation", ""), ("X: y", "[ca-compliance] [META]"), ("X: y", "[ Meta ]")],
)
def test_meta_in_summary_or_whiteboard_excludes(summary, whiteboard):
    assert excluded_reason(summary, whiteboard, "", "NEW") == META


def test_the_word_metadata_is_not_a_meta_tag():
    assert excluded_reason("GlobalSign: metadata-only subject fields", "[meta-x]", "", "NEW") == ""


def test_rules_come_from_a_reference_or_a_mapping(tmp_path):
    (tmp_path / "excluded_resolutions.csv").write_text(
        "resolution,reason\nWONTFIX,not pursued\n", encoding="utf-8"
    )
    reference = load_reference(tmp_path)
    assert excluded_reason("X: y", "", "WONTFIX", "RESOLVED", reference) == "not pursued"
    assert excluded_reason("X: y", "", "INVALID", "RESOLVED", reference) == "resolution INVALID"
    assert excluded_reason("X: y", "", "INVALID", "RESOLVED", {"DUPLICATE": "dup"}) == ""


def test_bugs_table_has_excluded_and_filed_by():
    filed_by_ca = raw_bug(bug_id=1, creator="x@netlock.hu", status="RESOLVED")
    filed_by_rp = raw_bug(
        bug_id=2,
        creator="bwilson@mozilla.com",
        summary="[meta] NetLock: tracking",
        comments=[comment(0, "bwilson@mozilla.com", "2025-01-01T00:00:00Z")],
    )
    invalid = raw_bug(bug_id=3, creator="someone@example.org", status="RESOLVED")
    invalid.bug["resolution"] = "INVALID"
    bugs = tables(filed_by_ca, filed_by_rp, invalid).bugs.set_index("bug_id")
    assert bugs.loc[1, ["filed_by", "excluded"]].tolist() == ["ca", ""]
    assert bugs.loc[2, ["filed_by", "excluded"]].tolist() == ["root_program", META]
    assert bugs.loc[3, ["filed_by", "excluded"]].tolist() == ["community", "resolution INVALID"]


def test_state_at_a_time_gives_the_exclusion_then():
    """Judged while open; excluded once resolved INVALID; judged again after the reopen."""
    raw = raw_bug(
        status="REOPENED",
        summary="[meta] x",
        history=[
            change(
                "2025-02-01T00:00:00Z",
                "rp@mozilla.com",
                ("status", "NEW", "RESOLVED"),
                ("resolution", "", "INVALID"),
            ),
            change(
                "2025-03-01T00:00:00Z",
                "rp@mozilla.com",
                ("status", "RESOLVED", "REOPENED"),
                ("resolution", "INVALID", ""),
            ),
            change("2025-04-01T00:00:00Z", "rp@mozilla.com", ("summary", "NetLock: x", "[meta] x")),
        ],
    )
    built = tables(raw)
    at = {
        day: bug_state_at(built, ts(f"{day}T12:00:00Z")).iloc[0]["excluded"]
        for day in ("2025-01-15", "2025-02-15", "2025-03-15", "2025-04-15")
    }
    assert at == {
        "2025-01-15": "",
        "2025-02-15": "resolution INVALID",
        "2025-03-15": "",
        "2025-04-15": META,
    }
    assert built.bugs.iloc[0]["excluded"] == META  # today's state


def _wontfix_store(data_dir):
    """One bug someone else filed, answered late, closed WONTFIX: judged under the shipped
    table (WONTFIX is no non-incident there)."""
    from analyzer.store import RawBug, Store

    bug = {"id": 7101, "summary": "Harbor CA: late revocation", "status": "RESOLVED",
           "resolution": "WONTFIX", "creation_time": "2026-01-05T10:00:00Z",
           "creator": "reporter@example.org", "whiteboard": "[ca-compliance]",
           "last_change_time": "2026-02-01T10:00:00Z"}  # fmt: skip
    comments = [
        {"count": 0, "creator": "reporter@example.org", "text": "Found a problem.",
         "creation_time": "2026-01-05T10:00:00Z", "is_private": False},
        {"count": 1, "creator": "ops@harbor-ca.example", "text": "Looking into it.",
         "creation_time": "2026-01-20T10:00:00Z", "is_private": False},
    ]  # fmt: skip
    history = [
        {"when": "2026-02-01T10:00:00Z", "who": "bwilson@mozilla.com",
         "changes": [{"field_name": "status", "removed": "NEW", "added": "RESOLVED"},
                     {"field_name": "resolution", "removed": "", "added": "WONTFIX"}]},
    ]  # fmt: skip
    with Store.open(data_dir) as store:
        store.put_bugs([RawBug(bug, comments, history)])
        store.set_meta(source="test", history_known="true", last_sync_time="2026-03-05T00:00:00Z")


def test_a_users_non_incident_resolution_reaches_the_deadlines(data_dir, cli):
    """``reference/excluded_resolutions.csv`` excludes a bug in the metrics as in the bugs
    table: one table of non-incidents for every stage."""
    _wontfix_store(data_dir)
    judged = cli("metrics", "--data-dir", data_dir, "--format", "json").json()
    assert judged[0]["excluded"] == "" and judged[0]["deadlines"]  # the shipped table judges it

    (data_dir / "reference").mkdir()
    (data_dir / "reference" / "excluded_resolutions.csv").write_text(
        "resolution,reason\nWONTFIX,not pursued\n", encoding="utf-8"
    )
    result = cli("metrics", "--data-dir", data_dir, "--format", "json")
    assert result.exit_code == 0, result.stderr
    bug = result.json()[0]
    assert bug["excluded"] == "not pursued" and bug["deadlines"] == []
    corpus = analyzer.load(data_dir)
    assert corpus.bugs.set_index("bug_id").loc[7101, "excluded"] == "not pursued"
    assert corpus.metrics().deadlines.empty
    # while it was open it was an incident like any other
    assert not corpus.metrics(as_of="2026-01-31T00:00:00Z").deadlines.empty
