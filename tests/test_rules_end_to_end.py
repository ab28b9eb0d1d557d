"""Rules v2 end to end, as a new user runs them: real-shaped threads served by the fake Bugzilla,
``analyzer sync``, then ``analyzer metrics --format json``. The text goes through the real
language stage (report kinds, report fields, Action Items, closing notices), so these threads
check what the rule tests with explicit annotations cannot. Every expected value is worked out
by hand in the comments ("end of D" is D 23:59:59 UTC)."""

from __future__ import annotations

import pytest
from conftest import run_cli

from analyzer.testing.fake_bugs import corpus_from_raw
from analyzer.testing.fake_bugzilla import FakeBugzilla

CA = "ops@netlock.hu"
MOZILLA = "bwilson@mozilla.com"
REPORTER = "alice@community.example"

FULL_3X = """## Full Incident Report

### Summary
- **CA Owner CCADB Unique ID:** A001234
- **Incident description:** Our OCSP responder answered "unknown" for 412 certificates.
- **Timeline Summary:**
  - Non-compliance Start Date: 2025-07-28
  - Non-compliance Identified Date: 2025-08-02
  - Non-compliance End Date: 2025-08-03
- **Relevant policies:** TLS BR section 4.9.10
- **Source of incident disclosure:** Self Reported

### Impact
- **Total number of certificates:** 412
- **Total number of "remaining valid" certificates:** 0

### Timeline
2025-07-28 10:00 UTC: a configuration change is deployed.

### Related Incidents
None.

### Root Cause Analysis
The deployment check did not cover the responder's signing key.

### Lessons Learned
Monitor what the relying parties see.

### Action Items
| Action Item | Kind | Corresponding Root Cause(s) | Evaluation Criteria | Due Date | Status |
|---|---|---|---|---|---|
| Monitor OCSP from outside | Detect | RC1 | an alert in a drill | 2025-09-01 | Ongoing |

### Appendix
None.
"""
CLOSURE = """### Incident Report Closure Summary
- **Incident Description**: Our OCSP responder answered "unknown" for 412 certificates.
- **Incident Root Cause(s)**: The deployment check missed the signing key.
- **Remediation Description**: We added external monitoring.
- **Commitment Summary**: We keep the monitoring running.

All Action Items disclosed in this Incident Report have been completed as described, and we request its closure.
"""  # noqa: E501
FULL_2X = """## Incident Report

### Summary
A certificate was issued with an organizational unit field.

### Impact
One certificate.

### Timeline
2024-06-20: issued. 2024-06-21: reported.

### Root Cause Analysis
A profile was not updated.

### Lessons Learned
Check every profile.

### Action Items
| Action Item | Kind | Due Date |
|---|---|---|
| Remove the field | Prevent | Done |

### Appendix
None.
"""


def comment(bug_id: int, count: int, author: str, when: str, text: str) -> dict:
    return {
        "id": bug_id * 100 + count,
        "bug_id": bug_id,
        "count": count,
        "author": author,
        "creator": author,
        "creation_time": when,
        "time": when,
        "is_private": False,
        "text": text,
        "raw_text": text,
        "attachment_id": None,
        "tags": [],
    }


def change(when: str, who: str, *changes: tuple[str, str, str]) -> dict:
    return {
        "when": when,
        "who": who,
        "changes": [{"field_name": f, "removed": r, "added": a} for f, r, a in changes],
    }


def bug(bug_id: int, summary: str, creator: str, created: str, **state) -> dict:
    return {
        "id": bug_id,
        "summary": summary,
        "product": "CA Program",
        "component": "CA Certificate Compliance",
        "creator": creator,
        "creation_time": created,
        "assigned_to": CA,
        "flags": [],
        **state,
    }


OCSP = (
    bug(
        2001,
        "NetLock: OCSP responder answered unknown for 412 certificates",
        CA,
        "2025-08-04T10:00:00Z",
        status="RESOLVED",
        resolution="FIXED",
        whiteboard="[ca-compliance] [ocsp-failure] Next update 2025-08-15",
        last_change_time="2025-09-20T10:00:00Z",
    ),
    [
        comment(2001, 0, CA, "2025-08-04T10:00:00Z",
                "## Preliminary Incident Report\n\n### Summary\n- **Incident description**: "
                "our OCSP responder answered unknown.\n- **When is the Full Incident Report "
                "expected by?**: 2025-08-18"),
        comment(2001, 1, CA, "2025-08-14T09:00:00Z", FULL_3X),
        comment(2001, 2, MOZILLA, "2025-08-20T10:00:00Z",
                "Thank you. How will you check that the monitoring works before 2025-09-01?"),
        comment(2001, 3, CA, "2025-08-29T09:00:00Z",
                "We will run a drill in our staging environment and report the result here."),
        comment(2001, 4, CA, "2025-09-03T11:00:00Z",
                "The monitoring is live and the drill raised the alert within two minutes. "
                "The action item is complete."),
        comment(2001, 5, CA, "2025-09-10T09:00:00Z", CLOSURE),
        comment(2001, 6, MOZILLA, "2025-09-12T15:00:00Z",
                "I intend to close this bug on or about 2025-09-19 unless there are further "
                "questions or comments."),
    ],
    [
        change("2025-08-04T12:00:00Z", MOZILLA,
               ("whiteboard", "[ca-compliance]",
                "[ca-compliance] [ocsp-failure] Next update 2025-08-15")),
        change("2025-08-20T10:00:00Z", MOZILLA, ("flagtypes.name", "", f"needinfo?({CA})")),
        change("2025-08-29T09:00:00Z", CA, ("flagtypes.name", f"needinfo?({CA})", "")),
        change("2025-09-20T10:00:00Z", MOZILLA, ("status", "ASSIGNED", "RESOLVED"),
               ("resolution", "", "FIXED")),
    ],
)  # fmt: skip
REPORTED = (
    bug(
        2002,
        "NetLock: Certificate with an organizational unit",
        REPORTER,
        "2024-06-21T13:01:00Z",
        status="RESOLVED",
        resolution="FIXED",
        whiteboard="[ca-compliance] [ov-misissuance]",
        last_change_time="2024-08-10T12:00:00Z",
    ),
    [
        comment(2002, 0, REPORTER, "2024-06-21T13:01:00Z",
                "The certificate served at example.com carries an OU field after the "
                "deadline for removing it. Is this a misissuance?"),
        comment(2002, 1, CA, "2024-07-09T18:00:00Z",
                "We confirm the problem and are investigating it."),
        comment(2002, 2, CA, "2024-07-20T09:00:00Z", FULL_2X),
    ],
    [
        change("2024-08-10T12:00:00Z", MOZILLA, ("status", "NEW", "RESOLVED"),
               ("resolution", "", "FIXED")),
    ],
)  # fmt: skip
NOT_AN_INCIDENT = (
    bug(
        2003,
        "NetLock: Question about a certificate",
        REPORTER,
        "2025-05-01T09:00:00Z",
        status="RESOLVED",
        resolution="INVALID",
        whiteboard="[ca-compliance]",
        last_change_time="2025-05-03T09:00:00Z",
    ),
    [comment(2003, 0, REPORTER, "2025-05-01T09:00:00Z", "Is this certificate a problem?")],
    [
        change("2025-05-03T09:00:00Z", MOZILLA, ("status", "NEW", "RESOLVED"),
               ("resolution", "", "INVALID")),
    ],
)  # fmt: skip


@pytest.fixture(scope="module")
def judged(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("e2e") / "data"
    with FakeBugzilla(corpus_from_raw([OCSP, REPORTED, NOT_AN_INCIDENT])) as server:
        synced = run_cli(
            "sync", "--base-url", server.url, "--data-dir", data_dir, "--max-rate", "0"
        )
        assert synced.exit_code == 0, synced.stderr
    result = run_cli("metrics", "--data-dir", data_dir, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return {b["bug_id"]: b for b in result.json()}


def rows(bug: dict, rule: str) -> list[tuple]:
    return [
        (d["start"], d["due"], d["met_at"], d["outcome"], d["overdue_hours"], d["repeat"])
        for d in bug["deadlines"]
        if d["rule"] == rule
    ]


def test_a_self_reported_irg_3_incident(judged):
    ocsp = judged[2001]
    assert ocsp["filed_by"] == "ca" and ocsp["excluded"] == ""
    assert rows(ocsp, "first_response") == []  # the CA's filing is no response
    # identified 2025-08-02 (end of day) + 72 h = end of 08-05; filed 08-04 10:00
    assert rows(ocsp, "initial_disclosure") == [
        ("2025-08-02T23:59:59Z", "2025-08-05T23:59:59Z", "2025-08-04T10:00:00Z", "met", 0.0, 0),
    ]
    assert rows(ocsp, "full_report") == [
        ("2025-08-04T10:00:00Z", "2025-08-18T23:59:59Z", "2025-08-14T09:00:00Z", "met", 0.0, 0),
    ]
    assert rows(ocsp, "update_cadence") == [
        # Mozilla's date, written two hours into the first gap, governs it: end of 08-15
        ("2025-08-04T10:00:00Z", "2025-08-15T23:59:59Z", "2025-08-14T09:00:00Z", "met", 0.0, 0),
        # the 08-14 update came before the date's day: the date only lengthens this gap, and
        # end of 08-21 is later. Nothing until 08-29 09:00: 7 d 9 h, then a week on, 9 h
        ("2025-08-14T09:00:00Z", "2025-08-21T23:59:59Z", "2025-08-29T09:00:00Z", "missed",
         177.0, 0),
        ("2025-08-21T23:59:59Z", "2025-08-28T23:59:59Z", "2025-08-29T09:00:00Z", "missed",
         9.0, 1),
        ("2025-08-29T09:00:00Z", "2025-09-05T23:59:59Z", "2025-09-03T11:00:00Z", "met", 0.0, 0),
        # the Closure Report ends the cadence: no row after it, though the bug is open 10 days
        ("2025-09-03T11:00:00Z", "2025-09-10T23:59:59Z", "2025-09-10T09:00:00Z", "met", 0.0, 0),
    ]  # fmt: skip
    # the Action Item due 2025-09-01: the 09-03 update falls in 09-01 .. end of 09-04
    assert rows(ocsp, "action_item_update") == [
        ("2025-09-01T23:59:59Z", "2025-09-04T23:59:59Z", "2025-09-03T11:00:00Z", "met", 0.0, 0),
    ]
    # Mozilla's question (and its needinfo) of 08-20: due end of 08-27, answered 08-29 09:00;
    # the closing notice of 09-12 expects no reply
    late = ("2025-08-20T10:00:00Z", "2025-08-27T23:59:59Z", "2025-08-29T09:00:00Z", "missed",
            33.0, 0)  # fmt: skip
    assert rows(ocsp, "comment_response") == [late]
    assert rows(ocsp, "needinfo_response") == [late]
    # in breach from the end of 08-21 to 08-29 09:00 (7 d 9 h) of 47 days open
    assert ocsp["open_days"] == pytest.approx(47.0, abs=1e-3)
    assert ocsp["breach_days"] == pytest.approx(7.375, abs=1e-3)
    assert ocsp["compliance"] == pytest.approx(1 - 7.375 / 47, abs=1e-3)
    assert ocsp["disclosure_delay_hours"] == 34.0  # 08-02 23:59:59 -> 08-04 10:00


def test_a_third_party_report_under_irg_2(judged):
    reported = judged[2002]
    assert reported["filed_by"] == "community"
    # 72 h from 06-21 13:01 = 06-24 13:01; answered 07-09 18:00: 15 d 4 h 59 m
    assert rows(reported, "first_response") == [
        ("2024-06-21T13:01:00Z", "2024-06-24T13:01:00Z", "2024-07-09T18:00:00Z", "missed",
         364.98, 0),
    ]  # fmt: skip
    # end of 07-05; the full report came 07-20 09:00: 14 d 9 h
    assert rows(reported, "full_report") == [
        ("2024-06-21T13:01:00Z", "2024-07-05T23:59:59Z", "2024-07-20T09:00:00Z", "missed",
         345.0, 0),
    ]  # fmt: skip
    assert rows(reported, "update_cadence") == [
        ("2024-06-21T13:01:00Z", "2024-06-28T23:59:59Z", "2024-07-09T18:00:00Z", "missed",
         258.0, 0),
        ("2024-06-28T23:59:59Z", "2024-07-05T23:59:59Z", "2024-07-09T18:00:00Z", "missed",
         90.0, 1),
        ("2024-07-09T18:00:00Z", "2024-07-16T23:59:59Z", "2024-07-20T09:00:00Z", "missed",
         81.0, 0),
        # silent from the full report to the close on 08-10 12:00: overdue until the close
        ("2024-07-20T09:00:00Z", "2024-07-27T23:59:59Z", None, "missed", 324.0, 0),
        ("2024-07-27T23:59:59Z", "2024-08-03T23:59:59Z", None, "missed", 156.0, 1),
    ]  # fmt: skip
    # the reporter's question is comment 0: no reply obligation of its own
    assert rows(reported, "comment_response") == []
    # in breach: 06-24 13:01 (first response late) .. 07-20 09:00 (the full report, overdue
    # since the end of 07-05, came then): 25 d 19 h 59 m; then the end of 07-27 .. the close
    # 08-10 12:00: 13 d 12 h
    breach = (25 * 24 + 19 + 59 / 60) + (13 * 24 + 12)
    assert reported["breach_days"] == pytest.approx(breach / 24, abs=1 / 24 / 60)


def test_a_non_incident_is_not_judged(judged):
    invalid = judged[2003]
    assert invalid["excluded"] == "resolution INVALID"
    assert invalid["deadlines"] == []
    assert invalid["breach_days"] is None and invalid["compliance"] is None
