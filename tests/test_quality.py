"""`analyzer quality`: attribution share, unattributed prefixes, unparsed Next-update values."""

from __future__ import annotations

import re

import analyzer
from analyzer.store import RawBug, Store


def test_snapshot_report_is_at_least_98_percent_and_lists_what_is_not(cli, data_dir):
    result = cli("quality", "--data-dir", data_dir)
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
