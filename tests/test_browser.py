"""A hostile bug's scorecard opened in real headless Chromium: no injected script runs.

The hostile sample bug carries script tags, event-handler attributes, ``javascript:`` links
and odd Unicode in its summary, CA name, comments and accounts. Each injected script would
set ``document.title`` to PWNED and ``data-pwned`` on <body>. The page's Content-Security-
Policy would block them anyway, so the test removes that policy first: escaping alone must
hold. A control page with the same text inserted raw proves the browser does run them.

Needs Debian's ``chromium`` (the README's test command installs it with
scripts/install-test-browser.sh); without it the test fails, not skips.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup
from conftest import run_cli, run_on_snapshot
from scorecard_sample import (
    HOSTILE,
    HOSTILE_CA,
    sample_bugs,
    sample_comments,
    sample_deadlines,
    sample_tables,
)
from test_site import PATTERN_THREADS as THREADS

from analyzer.ahead.due import due_bugs, due_from_tables
from analyzer.ahead.patterns import in_breach_together, named_bugs, recurring_kinds
from analyzer.ahead.promises import promise_summary
from analyzer.months import Month
from analyzer.report.due import FORMATS, due_page
from analyzer.report.history import HistoryMonth, HistoryPage, write_histories
from analyzer.report.layout import patterns_by_ca
from analyzer.report.pages import BugLink, Together
from analyzer.report.safety import clean_text
from analyzer.report.scorecards import write_scorecards
from analyzer.store import Store

FEB = Month(2026, 2)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--virtual-time-budget=3000",
]


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "chromium is not installed: apt-get install -y chromium (.ci/run does)"
    return path


def run_chromium(tmp_path: Path, page: Path, *extra: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    args = [chromium(), *FLAGS, f"--user-data-dir={profile}", *extra, page.resolve().as_uri()]
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)


def dump_dom(tmp_path: Path, page: Path) -> BeautifulSoup:
    result = run_chromium(tmp_path, page, "--dump-dom")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "<body" in result.stdout
    return BeautifulSoup(result.stdout, "html.parser")


def without_csp(path: Path) -> Path:
    """The same page without its Content-Security-Policy, so only escaping protects it."""
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    policy = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})
    assert policy is not None
    policy.decompose()
    bare = path.with_name(f"bare-{path.name}")
    bare.write_text(str(soup), encoding="utf-8")
    return bare


def assert_no_script_ran(dom: BeautifulSoup, title: str) -> None:
    assert dom.title.get_text() == title
    assert not dom.body.has_attr("data-pwned")
    assert not dom.select("script, img, svg[onload], a[href^=javascript]")
    for tag in dom.find_all(True):
        assert not [name for name in tag.attrs if name.lower().startswith("on")], tag.name


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("reports")
    write_scorecards(sample_tables(), FEB, root)
    return root / FEB.label


def hostile_page(pages: Path) -> Path:
    for path in pages.glob("*.html"):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        heading = soup.select_one("#ca-name")
        if heading is not None and "Evil" in heading.get_text():
            return path
    raise AssertionError("no page for the hostile CA")


def test_control_page_shows_the_browser_runs_injected_script(tmp_path):
    control = tmp_path / "control.html"
    control.write_text(f"<!doctype html><title>control</title><body>{HOSTILE}</body>")
    dom = dump_dom(tmp_path, control)
    assert dom.title.get_text() == "PWNED" or dom.body.has_attr("data-pwned")


def test_hostile_scorecard_runs_no_script(pages, tmp_path):
    page = hostile_page(pages)
    original = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    dom = dump_dom(tmp_path, without_csp(page))
    assert_no_script_ran(dom, original.title.get_text())
    # the hostile text is on the page, as text
    assert dom.select_one("#ca-name").get_text() == original.select_one("#ca-name").get_text()
    assert "<svg onload" in dom.select_one("#ca-name").get_text()
    summaries = " ".join(td.get_text() for td in dom.select("table.bugs td"))
    assert "<script>" in summaries and "onerror=" in summaries
    promise = dom.select_one("#promises-table td.untrusted").get_text()
    assert "<img src=x onerror=" in promise  # comment text, shown as text
    assert "<script>" in dom.select_one("#completeness-table").get_text()
    assert "\u202e" not in dom.get_text() and "\u200b" not in dom.get_text()
    assert HOSTILE_CA not in dom.get_text()  # its RTL override is shown as U+FFFD


def test_index_with_hostile_ca_runs_no_script(pages, tmp_path):
    index = pages / "index.html"
    original = BeautifulSoup(index.read_text(encoding="utf-8"), "html.parser")
    dom = dump_dom(tmp_path, without_csp(index))
    assert_no_script_ran(dom, original.title.get_text())
    names = [a.get_text() for a in dom.select("#index-table tbody a")]
    assert any("<svg onload" in name for name in names)


def test_screenshot_of_the_hostile_page(pages, tmp_path):
    shot = tmp_path / "hostile.png"
    result = run_chromium(
        tmp_path, hostile_page(pages), f"--screenshot={shot}", "--window-size=1100,1400"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


AS_OF = pd.Timestamp("2026-03-01T00:00:00Z")


@pytest.fixture(scope="module")
def new_pages(tmp_path_factory) -> Path:
    """The due page and a CA history page, both carrying the hostile bug's text (summary,
    CA name, assignee, who set the Next-update date)."""
    root = tmp_path_factory.mktemp("site")
    bugs = sample_bugs().assign(assignee=HOSTILE)
    every = due_from_tables(sample_deadlines(AS_OF), bugs, AS_OF)
    board = pd.DataFrame(
        {
            "bug_id": [3001],
            "valid_from": [AS_OF],
            "valid_to": pd.Series([pd.NaT], dtype="datetime64[ns, UTC]"),
            "next_update": [AS_OF + pd.Timedelta(days=9)],
            "set_by": [HOSTILE],
        }
    )
    table = due_bugs(every, bugs, bugs["bug_id"], sample_comments(), board, None, AS_OF)
    promises = promise_summary(pd.DataFrame({"ca": [HOSTILE_CA], "status": ["broken"]}))
    page = due_page(table, every, promises, AS_OF, None, None)
    for row in page.bugs:  # what the CA owes now: quotes of bug text, and a reminder draft
        if row.bug_id == 3001:
            row.waiting = [  # type: ignore[attr-defined]
                {"item": "question", "state": "overdue", "due_text": "2026-02-18 23:59",
                 "span": "11d overdue", "count": 1, "quote": clean_text(HOSTILE), "who": HOSTILE,
                 "age": "19 days ago", "reraised_count": None, "caveat": None,
                 "link": "javascript:document.body.dataset.pwned=1"},
                {"item": "comment", "state": "acknowledged", "count": 0,
                 "link": "https://bugzilla.mozilla.org/show_bug.cgi?id=3001#c0"},
            ]  # fmt: skip
            row.reminder = f"Please answer comment #1: {HOSTILE}"  # type: ignore[attr-defined]
    (root / "due").mkdir()
    (root / "due" / "index.html").write_text(FORMATS["html"](page), encoding="utf-8")
    month = HistoryMonth("2026-02", 0.5, 18.5, 9.0, 0.0, 1, 2, 3, 2, "../2026-02/evil.html")
    link = BugLink(3001, "https://bugzilla.mozilla.org/show_bug.cgi?id=3001")
    comments = sample_comments().assign(
        text=f"Root cause category: {HOSTILE}\nSee bug 1001 and bug 3001."
    )
    kinds = recurring_kinds(sample_bugs().assign(ca=HOSTILE_CA), pd.DataFrame(), comments)
    named = named_bugs(sample_bugs(), comments)
    patterns = patterns_by_ca(kinds, in_breach_together(pd.DataFrame()), named, sample_bugs())
    history = HistoryPage(
        ca=clean_text(HOSTILE_CA), slug="evil", as_of=AS_OF, months=[month], open_days=18.5,
        breach_days=9.0, compliance=0.5, month={"as_of": AS_OF},
        open_bugs=[row for row in page.bugs if row.bug_id == 3001],
        patterns=dataclasses.replace(
            patterns[HOSTILE_CA],
            named=patterns[HOSTILE_CA].named + patterns["Alpha CA"].named,
            together=[Together(AS_OF, AS_OF, 0.0, 2, [link, link])],
        ),
    )  # fmt: skip
    write_histories([history], root)
    return root


@pytest.mark.parametrize("name", ["due/index.html", "ca/evil.html"])
def test_due_and_history_pages_with_the_hostile_bug_run_no_script(new_pages, tmp_path, name):
    path = new_pages / name
    original = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    dom = dump_dom(tmp_path, without_csp(path))
    assert_no_script_ran(dom, original.title.get_text())
    text = dom.get_text()
    assert "<script>" in text and "onerror=" in text  # the bug's text, shown as text
    assert "\u202e" not in text and "\u200b" not in text
    rows = dom.select("#due-table tr[data-bug], #open-bugs-table tbody tr")
    assert "3001" in [row["data-bug"] for row in rows]
    if name.startswith("due"):  # what the CA owes, quoted, and the reminder to copy
        block = dom.select_one('details.waiting[data-bug="3001"]')
        assert "<script>" in block.select_one("q.quote").get_text()
        assert "<img src=x onerror=" in block.select_one("pre.reminder").get_text()
        assert len(block.select("li")) == 2 and block.select_one("li.acknowledged")
    else:  # the patterns: a root-cause category and named bugs are bug text
        assert "<script>document" in dom.select_one("#kinds-list").get_text()
        named = {li["data-bug"]: li.get_text() for li in dom.select("#named-list li")}
        assert "<img src=x onerror=" in named["3001"]  # the named bug's summary
        assert dom.select_one("#headline-chart svg title") is not None


# -- pages that fit a screen ------------------------------------------------------------------

SCREEN = (1366, 900)
MEASURE = """<script>
addEventListener("load", () => {
  const body = document.body;
  const bugs = [...document.querySelectorAll("#due-table tr[data-bug]")];
  body.setAttribute("data-scroll-width", document.documentElement.scrollWidth);
  body.setAttribute("data-inner-width", innerWidth);
  body.setAttribute("data-first-screen-bugs",
    bugs.filter(row => row.getBoundingClientRect().bottom <= innerHeight).length);
});
</script>"""


def measure(tmp_path: Path, page: Path) -> dict[str, int]:
    """The page's width and the due rows wholly on its first screen, read by a script added
    to a copy of the page (the page itself has none and its policy forbids one)."""
    bare = without_csp(page)
    bare.write_text(
        bare.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"), encoding="utf-8"
    )
    result = run_chromium(tmp_path, bare, "--dump-dom", f"--window-size={SCREEN[0]},{SCREEN[1]}")
    assert result.returncode == 0, result.stderr[-2000:]
    body = BeautifulSoup(result.stdout, "html.parser").body
    names = ("scroll-width", "inner-width", "first-screen-bugs")
    return {name: int(body[f"data-{name}"]) for name in names}


PAGE_KINDS = {
    "landing": "index.html",
    "index": "2026-02/index.html",
    "ca month page": "2026-02/netlock.html",
    "history": "ca/netlock.html",
    "due": "due/index.html",
}


@pytest.fixture(scope="module")
def small_site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("small")
    with Store.open(root / "data") as store:
        store.put_bugs([t.raw() for t in THREADS])
        store.set_meta(last_sync_time="2026-03-10T00:00:00Z", source="test")
    result = run_cli("site", "--data-dir", root / "data", "--out", root / "site")
    assert result.exit_code == 0, result.stderr
    return root / "site"


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_every_page_kind_fits_1366_px(small_site, tmp_path, kind):
    numbers = measure(tmp_path, small_site / PAGE_KINDS[kind])
    assert numbers["inner-width"] == SCREEN[0]
    assert numbers["scroll-width"] <= SCREEN[0], kind


def test_snapshot_due_page_shows_six_bugs_on_its_first_screen(tmp_path):
    result = run_on_snapshot("due", "--format", "html")
    assert result.exit_code == 0, result.stderr
    page = tmp_path / "due.html"
    page.write_text(result.stdout, encoding="utf-8")
    numbers = measure(tmp_path, page)
    assert numbers["scroll-width"] <= SCREEN[0]
    assert numbers["first-screen-bugs"] >= 6
