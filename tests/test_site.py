"""`analyzer site`: every month, every CA's history, the due page and a landing page, linked."""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup
from threadkit import thread

from analyzer.env import ExitStatus
from analyzer.store import Store

SILENT = thread(
    """
    bug 1901 "NetLock: OCSP responder outage"
    2025-12-01 09:00  ca        files      "Preliminary Incident Report: an outage."
    2025-12-02 10:00  community says       "Why did the monitoring not alert?"
    """,
    bug_id=1901,
)
KEPT = thread(
    """
    bug 1902 "Alpha CA: CRL late"
    2026-01-05 09:00  ca        files      "Preliminary Incident Report: a late CRL."
    2026-01-09 09:00  ca        says       "Update: fixed the job."
    2026-01-12 09:00  mozilla   closes     FIXED
    """,
    bug_id=1902,
)


def site_of(cli, data_dir: Path, out: Path):
    with Store.open(data_dir) as store:
        store.put_bugs([t.raw() for t in (SILENT, KEPT)])
        store.set_meta(last_sync_time="2026-03-10T00:00:00Z", source="test")
    return cli("site", "--data-dir", data_dir, "--out", out)


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_every_month_every_history_the_due_page_and_a_landing_page(cli, data_dir, tmp_path):
    out = tmp_path / "site"
    result = site_of(cli, data_dir, out)
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    assert result.stdout.strip() == str(out / "index.html")
    months = sorted(p.name for p in out.iterdir() if re.fullmatch(r"\d{4}-\d{2}", p.name))
    assert months == ["2025-12", "2026-01", "2026-02"]  # from the first bug to the last whole month
    assert (out / "due" / "index.html").is_file()
    landing = soup(out / "index.html")
    assert [r["data-month"] for r in landing.select("#months-table tr[data-month]")] == [
        "2026-02", "2026-01", "2025-12",
    ]  # fmt: skip
    assert {r["data-slug"] for r in landing.select("#cas-table tr[data-slug]")} == {
        "netlock", "alpha-ca",
    }  # fmt: skip
    history = soup(out / "ca" / "netlock.html")
    listed = [r["data-month"] for r in history.select("#months-table tr")[1:]]
    assert listed == ["2026-03", *months[::-1]]  # March so far, without a scorecard yet
    assert [r["data-bug"] for r in history.select("#open-bugs-table tbody tr")] == ["1901"]
    feb = soup(out / "2026-02" / "netlock.html")
    assert feb.select_one("#history-link")["href"] == "../ca/netlock.html"
    assert not list(out.rglob("*.md")) and not list(out.rglob("*.tmp"))


def test_every_link_in_the_site_resolves(cli, data_dir, tmp_path):
    out = tmp_path / "site"
    assert site_of(cli, data_dir, out).exit_code == ExitStatus.SUCCESS
    pages = list(out.rglob("*.html"))
    assert len(pages) >= 8
    for page in pages:
        for a in soup(page).find_all("a"):
            href = a["href"]
            if href.startswith("https://bugzilla.mozilla.org/"):
                continue
            target = href.split("#")[0]
            if target:
                assert (page.parent / target).resolve().is_file(), (page, href)
            assert not href.startswith(("javascript:", "http:", "//"))


def test_out_that_is_a_file_is_bad_input(cli, data_dir, tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("x")
    result = site_of(cli, data_dir, blocked)
    assert result.exit_code == ExitStatus.USAGE
    assert "is a file" in result.stderr and "Traceback" not in result.stderr


# -- a CA's history: the headline as a chart, and the patterns across its bugs ---------------

WIDE = "W" * 160  # one word longer than any column: it must wrap, not widen the page
PATTERN_THREADS = [
    thread(
        f"""
        bug 1901 "NetLock: OCSP responder outage {WIDE}"
        2025-11-03 09:00  ca        files      "Preliminary Incident Report: an outage. {WIDE}"
        2025-11-04 10:00  community says 1q    "Why did the monitoring not alert? See bug 1902."
        2025-12-20 10:00  ca        says update "Root cause category: monitoring gap. See bug 1902."
        """,
        bug_id=1901,
    ),
    thread(
        """
        bug 1902 "NetLock: CRL late"
        2025-12-01 09:00  ca        files      "Preliminary Incident Report: a late CRL."
        2025-12-05 09:00  ca        says       "Root cause category: monitoring gap"
        """,
        bug_id=1902,
    ),
    thread(
        """
        bug 1903 "Alpha CA: OCSP late"
        2026-01-05 09:00  ca        files      "Preliminary Incident Report: late OCSP."
        2026-01-09 09:00  ca        says       "Update: fixed the job."
        2026-01-12 09:00  mozilla   closes     FIXED
        """,
        bug_id=1903,
    ),
]


def test_history_page_charts_the_headline_and_gathers_the_patterns(cli, data_dir, tmp_path):
    with Store.open(data_dir) as store:
        store.put_bugs([t.raw() for t in PATTERN_THREADS])
        store.set_meta(last_sync_time="2026-03-10T00:00:00Z", source="test")
    assert cli("site", "--data-dir", data_dir, "--out", tmp_path).exit_code == 0
    page = soup(tmp_path / "ca" / "netlock.html")
    months = page.select("#months-table tr[data-month]")
    bars = page.select("#headline-chart svg rect")
    shown = [r for r in months if r.select("td")[1].get_text() != "–"]
    assert len(bars) == len(shown) > 0  # a bar per month with judged bug-time
    kinds = page.select("#kinds-list li")
    assert [(k["data-kind"], k["data-source"]) for k in kinds] == [("monitoring gap", "report")]
    assert [a.get_text() for a in kinds[0].select("a")] == ["1901", "1902"]
    together = page.select("#together-table tbody tr")
    assert [a.get_text() for a in together[0].select("a")] == ["1901", "1902"]
    named = page.select("#named-list li")
    assert [li["data-bug"] for li in named] == ["1902"]
    assert named[0].select("a")[-1]["href"].endswith("id=1901#c2")  # the CA comment naming it


def _files(root: Path) -> dict[Path, tuple[bytes, int, int]]:
    return {
        p.relative_to(root): (p.read_bytes(), p.stat().st_ino, p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file()
    }


def test_a_site_written_again_leaves_unchanged_pages_alone(cli, data_dir, tmp_path):
    """A second site into the same folder rewrites only pages whose bytes changed, and leaves
    what a fresh site writes, byte for byte."""
    out = tmp_path / "site"
    assert site_of(cli, data_dir, out).exit_code == ExitStatus.SUCCESS
    first = _files(out)
    assert cli("site", "--data-dir", data_dir, "--out", out).exit_code == ExitStatus.SUCCESS
    assert _files(out) == first  # same bytes, same files, not touched
    answered = thread(
        """
        bug 1901 "NetLock: OCSP responder outage"
        2025-12-01 09:00  ca        files      "Preliminary Incident Report: an outage."
        2025-12-02 10:00  community says       "Why did the monitoring not alert?"
        2026-03-05 09:00  ca        says       "Update: the monitoring alerts now."
        """,
        bug_id=1901,
    )
    with Store.open(data_dir) as store:  # a sync brings the CA's answer to the silent bug
        store.put_bugs([answered.raw()])
    assert cli("site", "--data-dir", data_dir, "--out", out).exit_code == ExitStatus.SUCCESS
    again = _files(out)
    fresh = tmp_path / "fresh"
    assert cli("site", "--data-dir", data_dir, "--out", fresh).exit_code == ExitStatus.SUCCESS
    assert {p: v[0] for p, v in again.items()} == {p: v[0] for p, v in _files(fresh).items()}
    rewritten = {p for p in again if again[p][1:] != first[p][1:]}
    changed = {p for p in again if again[p][0] != first[p][0]}
    assert rewritten == changed and changed  # only the pages that changed were written
