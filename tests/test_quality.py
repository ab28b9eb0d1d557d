"""`analyzer quality`: attribution share, unattributed prefixes, unparsed Next-update values."""

from __future__ import annotations

import re

import analyzer
from analyzer.store import RawBug, Store
from tests.conftest import run_on_snapshot


def test_snapshot_report_is_at_least_98_percent_and_lists_what_is_not(cli, data_dir):
    result = run_on_snapshot("quality")
    assert result.exit_code == 0, result.stderr
    share = re.search(r"Attributed to a known CA: \d+ of \d+ \(([\d.]+)%\)", result.stdout)
    assert share and float(share.group(1)) >= 98.0
    bugs = analyzer.load(data_dir).bugs
    for prefix in set(bugs.loc[~bugs["ca_known"], "ca"]) - {""}:
        assert prefix in result.stdout
    assert "Unparsed Next-update mentions" in result.stdout
    assert re.search(r"Bugs with any CA-side comment: \d+ \(\d+\.\d%\)", result.stdout)


def test_unparsed_next_update_values_are_listed(cli, data_dir):
    bug = {
        "id": 5,
        "summary": "Mystery CA: x",
        "creation_time": "2025-01-01T00:00:00Z",
        "creator": "a@mystery.example",
        "status": "NEW",
        "whiteboard": "[ca-compliance] Next update soon-ish",
    }
    comments = [{"count": 0, "author": "a@mystery.example", "time": "2025-01-01T00:00:00Z"}]
    with Store.open(data_dir) as store:
        store.put_bugs([RawBug(bug, comments, [])])
    result = cli("quality", "--data-dir", data_dir, "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = result.json()
    assert report["next_update"] == {"unparsed": 1}
    assert report["unparsed"][0]["bug_id"] == 5
    assert "soon-ish" in report["unparsed"][0]["text"]
    assert report["unattributed"][0]["prefix"] == "Mystery CA"
    text = cli("quality", "--data-dir", data_dir).stdout
    assert "Next update soon-ish" in text and "Mystery CA" in text


def test_curation_hints_list_silent_cas_and_likely_staff(cli, data_dir):
    def comment(count, author):
        return {"count": count, "author": author, "time": f"2025-01-0{count + 1}T00:00:00Z"}

    bug = {"creation_time": "2025-01-01T00:00:00Z", "status": "NEW", "whiteboard": ""}
    netlock = dict(bug, id=7, summary="NETLOCK: x", creator="x@example.org")
    quiet = dict(bug, id=8, summary="Certicamara: y", creator="x@example.org")
    helper = [comment(i, "helper@gmail.com") for i in range(5)]
    with Store.open(data_dir) as store:
        store.put_bugs(
            [
                RawBug(
                    netlock, [comment(0, "a@netlock.hu"), *helper[1:], comment(5, "z@x.org")], []
                ),
                RawBug(quiet, [comment(0, "x@example.org")], []),
            ]
        )
    report = cli("quality", "--data-dir", data_dir, "--format", "json").json()
    assert report["cas_without_ca_voice"] == [{"ca": "Certicamara", "bugs": 1}]
    assert report["possible_ca_staff"] == []  # 4 comments: below the threshold of 5
    with Store.open(data_dir) as store:
        store.put_bugs([RawBug(netlock, [comment(0, "a@netlock.hu"), *helper], [])])
    report = cli("quality", "--data-dir", data_dir, "--format", "json").json()
    assert report["possible_ca_staff"] == [
        {"account": "helper@gmail.com", "ca": "NetLock", "comments": 5}
    ]
    # once a person has recorded a decision, the account is no longer a candidate
    (data_dir / "reference").mkdir()
    (data_dir / "reference" / "ca_accounts.csv").write_text(
        "ca,account,role,reason\nNetLock,helper@gmail.com,community,a reporter\n",
        encoding="utf-8",
    )
    report = cli("quality", "--data-dir", data_dir, "--format", "json").json()
    assert report["possible_ca_staff"] == [] and report["reviewed_not_ca"] >= 1
