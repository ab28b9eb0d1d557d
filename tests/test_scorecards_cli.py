"""`analyzer scorecards` on the bundled snapshot: files, numbers against the metrics, errors."""

from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup
from conftest import run_on_snapshot

import analyzer
from analyzer.env import ExitStatus
from analyzer.months import Month

FEB = Month(2026, 2)


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple:
    root = tmp_path_factory.mktemp("cli")
    result = run_on_snapshot("scorecards", "--out", root / "out")
    return result, root / "out" / FEB.label


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The bundled snapshot: there is no store in a fresh directory."""
    return analyzer.load(tmp_path_factory.mktemp("corpus") / "data")


def test_default_month_of_the_snapshot_and_quiet_stderr(run):
    result, out = run
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    assert result.stdout.strip() == str(out / "index.html")
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2, lines  # the snapshot note and the summary; no progress bar
    assert "bundled snapshot" in lines[0]
    assert lines[1].startswith("Wrote ")


def test_every_ca_with_a_bug_open_in_the_month_has_pages(run, corpus):
    _, out = run
    bugs = corpus.bugs
    closed = bugs["closed"].where(bugs["closed"] <= FEB.next_start)
    was_open = (bugs["opened"] <= FEB.next_start) & (closed.isna() | (closed >= FEB.start))
    judged = corpus.metrics(as_of=FEB.next_start).bug_metrics.set_index("bug_id")["excluded"].eq("")
    was_open &= bugs["bug_id"].map(judged).fillna(False).astype(bool)
    expected = bugs.loc[was_open, "ca"].fillna("").nunique()
    index = BeautifulSoup((out / "index.html").read_text(), "html.parser")
    rows = index.select("#index-table tbody tr[data-slug]")
    assert len(rows) == expected
    for row in rows:
        assert (out / f"{row['data-slug']}.html").is_file()
        assert (out / f"{row['data-slug']}.md").is_file()


def test_page_numbers_match_the_metrics(run, corpus):
    _, out = run
    decided = _decided_in(corpus, FEB)
    data = json.loads((out / "scorecards.json").read_text())
    checked = 0
    for item in data["cas"][:12]:
        page = BeautifulSoup((out / f"{item['slug']}.html").read_text(), "html.parser")
        ca = decided[decided["ca"] == _raw_ca(corpus, item)]
        for rule in item["rules"]:
            rows = ca[ca["rule"] == rule["rule"]]
            met = int((rows["outcome"] == "met").sum())
            cell = page.select_one(f'#rates-table tr[data-rule="{rule["rule"]}"] td:nth-of-type(2)')
            assert cell.get_text(strip=True) == f"{met} / {len(rows)}"
            checked += len(rows)
    assert checked > 0


def _decided_in(corpus, month: Month):
    """The deadlines met or missed in the month, from a run at its end (the next month's first
    second): those due in it, or filed in it having fallen due before (SPEC "One truth")."""
    full = corpus.metrics(as_of=month.next_start).deadlines
    opened = full["bug_id"].map(corpus.bugs.set_index("bug_id")["opened"])
    counted = full["due"].where(full["due"] > opened, opened)
    in_month = (counted >= month.start) & (counted < month.next_start)
    return full[in_month & full["outcome"].isin(["met", "missed"])]


def _raw_ca(corpus, item: dict) -> str:
    """The bugs-table name behind a page: the one whose bugs the page lists."""
    bug_id = item["bugs"]["open"][0]["bug_id"]
    return str(corpus.bugs.set_index("bug_id").at[bug_id, "ca"])


def test_pages_say_what_the_snapshot_cannot_show(run):
    _, out = run
    page = BeautifulSoup((out / "digicert.html").read_text(), "html.parser")
    notes = page.select_one("#limitations").get_text()
    assert "history" in notes and "estimated" in notes
    assert "not in this data" in page.select_one("#needinfos").find_next("p").get_text().lower()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--month", "2026-13"], "--month"),
        (["--month", "2031-01"], "before 2031-01 began"),
        (["--month", "2026-02", "--templates", "/nonexistent/templates"], "--templates"),
    ],
)
def test_bad_input_is_one_sentence_and_exit_2(tmp_path, args, words):
    result = run_on_snapshot("scorecards", "--out", tmp_path, *args)
    assert result.exit_code == ExitStatus.USAGE
    assert words in result.stderr
    assert "Traceback" not in result.stderr
    assert not list(tmp_path.rglob("*.html"))


def test_one_ca_on_a_terminal_shows_progress(tmp_path):
    out = tmp_path / "out"
    result = run_on_snapshot(
        "scorecards", "--month", "2026-02", "--ca", "DigiCert",
        "--out", out, tty=True,
    )  # fmt: skip
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    assert "metrics" in result.stderr and "scorecards" in result.stderr  # the progress bars
    assert sorted(p.name for p in (out / "2026-02").iterdir()) == ["digicert.html", "digicert.md"]
    assert result.stdout.strip() == str(out / "2026-02" / "digicert.html")


def test_trend_equals_full_metrics_at_each_month_end(run, corpus):
    """Each month of the trend as known at its own end: the same counts as full runs then."""
    _, out = run
    data = json.loads((out / "scorecards.json").read_text())
    names = {item["slug"]: _raw_ca(corpus, item) for item in data["cas"]}
    for position, past in enumerate(FEB.last_twelve()):
        due = _decided_in(corpus, past)
        for item in data["cas"]:
            mine = due[due["ca"] == names[item["slug"]]]
            point = item["trend"][position]
            assert point["month"] == past.label
            assert (point["met"], point["due"]) == (
                int((mine["outcome"] == "met").sum()),
                len(mine),
            )


def test_ca_alias_names_the_same_ca_in_every_command(cli, tmp_path):
    # the alias table maps NETLOCK to NetLock; every --ca option resolves it the same way
    out = tmp_path / "reports"
    result = run_on_snapshot("scorecards", "--month", "2026-02",
                             "--out", out, "--ca", "NETLOCK")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert (out / "2026-02" / "netlock.html").is_file()
    metrics = run_on_snapshot("metrics", "--ca", "netlock", "--format", "json")
    assert metrics.exit_code == 0 and {row["ca"] for row in metrics.json()} == {"NetLock"}


def test_october_2024_ranks_netlock_among_the_worst(tmp_path):
    """NetLock's open bugs were overdue all month while nothing new fell due: the headline
    (bug-time in compliance) puts it at the top, where the deadline rate hid it."""
    result = run_on_snapshot("scorecards", "--month", "2024-10", "--out", tmp_path)
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    index = BeautifulSoup((tmp_path / "2024-10" / "index.html").read_text(), "html.parser")
    names = [row.find("bdi").get_text() for row in index.select("#index-table tr[data-slug]")]
    assert "NetLock" in names[:5]
    data = json.loads((tmp_path / "2024-10" / "scorecards.json").read_text())
    netlock = next(c for c in data["cas"] if c["ca"] == "NetLock")
    assert netlock["headline"]["compliance"] == 0.0
    assert netlock["headline"]["overdue_at_end"] >= 4
