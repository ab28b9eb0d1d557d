"""Rendered scorecards, parsed with BeautifulSoup: numbers, links, escaping, overrides, files."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup
from conftest import run_on_snapshot
from scorecard_sample import HOSTILE_CA, sample_tables

from analyzer.corpus import load
from analyzer.env import InputError
from analyzer.months import Month
from analyzer.report import context as report_context
from analyzer.report.context import ScorecardTables
from analyzer.report.pages import MonthScorecards, ScorecardPage, TrendPoint
from analyzer.report.scorecards import write_scorecards
from analyzer.report.svg import headline_svg, trend_svg

FEB = Month(2026, 2)


@pytest.fixture(scope="module")
def ctx() -> MonthScorecards:
    return report_context.build(sample_tables(), FEB)


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("reports")
    write_scorecards(sample_tables(), FEB, root)
    return root / FEB.label


def soup_of(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def card(ctx: MonthScorecards, ca: str) -> ScorecardPage:
    return next(c for c in ctx.cas if c.raw_ca == ca)


def test_files_written(out, ctx):
    names = sorted(p.name for p in out.iterdir())
    expected = {f"{c.slug}.{ext}" for c in ctx.cas for ext in ("html", "md")}
    assert set(names) == expected | {"index.html", "scorecards.json"}
    assert not [n for n in names if n.startswith(".")]  # no temp file left behind


def test_rates_table_matches_context_and_links_to_rows(out, ctx):
    alpha = card(ctx, "Alpha CA")
    page = soup_of(out / f"{alpha.slug}.html")
    for rule in alpha.rules:
        row = page.select_one(f'#rates-table tr[data-rule="{rule.rule}"]')
        cells = [td.get_text(strip=True) for td in row.find_all("td")]
        assert cells[1] == f"{rule.met} / {rule.due}"
        link = row.find_all("td")[1].find("a")
        if rule.due:
            target = page.find(id=link["href"][1:])
            deadline_rows = target.select("tr.deadline[data-counted=yes]")
            assert len(deadline_rows) == rule.due
            met = [r for r in deadline_rows if r["data-outcome"] == "met"]
            assert len(met) == rule.met
        else:
            assert link is None
    overall = page.select_one("#overall-rate").get_text(strip=True)
    assert overall == f"{alpha.overall.rate:.0%}"


def test_every_deadline_row_has_its_evidence(out, ctx):
    alpha = card(ctx, "Alpha CA")
    page = soup_of(out / f"{alpha.slug}.html")
    for deadline in alpha.deadlines:
        row = page.find(id=deadline.anchor)
        hrefs = [a["href"] for a in row.find_all("a")]
        assert deadline.bug_url in hrefs
        assert deadline.evidence_start in hrefs
        if deadline.outcome == "met":
            assert deadline.evidence_met in hrefs


def test_counts_link_to_bug_lists(out, ctx):
    alpha = card(ctx, "Alpha CA")
    page = soup_of(out / f"{alpha.slug}.html")
    assert page.select_one("#count-open").get_text() == str(alpha.counts.open)
    for key in ("open", "opened", "closed"):
        heading = page.find(id=f"bugs-{key}")
        table = heading.find_next_sibling("table")
        ids = [int(a.get_text()) for a in table.select("tbody tr td:first-child a")]
        assert ids == [b.bug_id for b in getattr(alpha.bugs, key)]


def test_index_lists_every_ca_worst_first_with_links(out, ctx):
    page = soup_of(out / "index.html")
    rows = page.select("#index-table tbody tr[data-slug]")
    assert [r["data-slug"] for r in rows] == [row.slug for row in ctx.index.index]
    for row, expected in zip(rows, ctx.index.index, strict=True):
        link = row.find("a")["href"]
        assert (out / link).is_file()
        share = expected.headline.compliance
        assert row.select_one("td.compliance a").get_text(strip=True) == (
            "–" if share is None else f"{share:.0%}"
        )
        assert row.find_all("td")[0].get_text(strip=True) == str(expected.headline.rank or "–")
    assert page.select_one("#pooled").get_text(strip=True) == f"{ctx.index.pooled:.0%}"


def test_ca_page_leads_with_the_headline_and_shows_caveats_as_text(out, ctx):
    beta = card(ctx, "Beta Trust")
    page = soup_of(out / f"{beta.slug}.html")
    assert page.select_one("#headline .tile").select_one("#compliance").get_text() == "0%"
    assert page.select_one("#caveated-days").get_text().startswith("28.0")
    assert page.select_one("#rank").get_text() == "rank 1 of 3"
    assert page.select_one("#overdue-at-end").get_text() == "2"
    assert page.select_one("#history-link")["href"] == f"../ca/{beta.slug}.html"
    excluded = page.select("#excluded-table tbody tr")
    assert [r.find("a").get_text() for r in excluded] == ["2003"]
    assert "meta bug" in excluded[0].get_text()
    hostile = soup_of(out / f"{card(ctx, HOSTILE_CA).slug}.html")
    caveats = [c.get_text() for c in hostile.select("#deadlines-table .caveat")]
    rows = [d for d in card(ctx, HOSTILE_CA).deadlines if d.caveat]
    assert (
        caveats == [d.caveat for d in rows] == ["CA comment text missing: a report may be unseen"]
    )
    md = (out / f"{beta.slug}.md").read_text()
    assert "**Open bug-time in compliance: 0%** (28.0 bug-days open, 28.0 in breach, 28.0" in md
    assert "(meta bug)" in md


def test_json_has_the_same_numbers(out, ctx):
    data = json.loads((out / "scorecards.json").read_text())
    assert data["month"] == "2026-02"
    assert [c["slug"] for c in data["cas"]] == [c.slug for c in ctx.cas]
    for item, expected in zip(data["cas"], ctx.cas, strict=True):
        assert item["counts"] == dataclasses.asdict(expected.counts)
        assert [(r["rule"], r["met"], r["due"]) for r in item["rules"]] == [
            (r.rule, r.met, r.due) for r in expected.rules
        ]
        assert "raw_ca" not in item


def test_page_is_self_contained_and_printable(out, ctx):
    for path in out.glob("*.html"):
        page = soup_of(path)
        assert not page.select("script, link, iframe, object, embed")
        assert not page.select("img[src], [style*=url]")
        style = page.find("style").get_text()
        assert "@media print" in style
        for a in page.find_all("a"):
            href = a["href"]
            assert re.match(
                r"^(https://bugzilla\.mozilla\.org/show_|#|(\.\./ca/)?[a-z0-9-]+\.html)", href
            )
        svg = page.select_one("svg.trend")
        if path.name != "index.html":
            assert svg.find("title") and svg.find("desc")


def test_a_hostile_ca_name_in_the_charts_stays_text():
    """The charts are written as text: a CA name with markup, quotes and line breaks is the
    <title>'s text, and the chart is the same elements whatever the name."""
    name = HOSTILE_CA + " & \"quoted\" 'single'\n<!-- --> ]]>"
    point = TrendPoint("2026-02", 1, 2, 0.5, 0.5, 0.25, 3.0, 0.5)
    plain = [child.tag for child in ET.fromstring(str(trend_svg([point], "x")))]
    for chart in (trend_svg([point], name), headline_svg([point_month(point)], name)):
        root = ET.fromstring(str(chart))  # well-formed XML
        title = root.find("{http://www.w3.org/2000/svg}title")
        assert title.text.startswith(name)
        assert not list(title)
        assert not [e for e in root.iter() if e.tag.endswith(("}svg", "}script")) and e is not root]
        assert not [a for e in root.iter() for a in e.attrib if a.lower().startswith("on")]
    assert [child.tag for child in ET.fromstring(str(trend_svg([point], name)))] == plain


def point_month(point: TrendPoint):
    @dataclasses.dataclass
    class Headline:
        label: str
        compliance: float | None
        open_days: float

    return Headline(point.month, point.compliance, point.open_days)


def test_hostile_text_is_text(out, ctx):
    hostile = card(ctx, HOSTILE_CA)
    page = soup_of(out / f"{hostile.slug}.html")
    assert page.select_one("#ca-name").get_text() == hostile.ca
    assert not page.select("svg[onload], img, a[href^=javascript]")
    for tag in page.find_all(True):
        assert not [name for name in tag.attrs if name.lower().startswith("on")]
    summaries = [td.get_text() for td in page.select("table.bugs td.untrusted")]
    assert hostile.bugs.open[0].summary in summaries
    assert "<script>" in summaries[0]  # shown, as text


def test_promises_and_completeness_partials(out, ctx):
    alpha = soup_of(out / "alpha-ca.html")
    row = alpha.select_one("#promises-table tbody tr")
    assert row["data-status"] == "kept"
    assert row.select("a")[-1]["href"].endswith("id=1001#c3")
    assert "Lessons Learned" in alpha.select_one("#completeness-table").get_text()
    beta = soup_of(out / "beta-trust.html")
    assert beta.select_one("#promises").find_next("p").get_text() == "None found for this month."
    hostile = card(ctx, HOSTILE_CA)
    page = soup_of(out / f"{hostile.slug}.html")
    links = [a["href"] for a in page.select("#promises-table a")]
    assert links == ["https://bugzilla.mozilla.org/show_bug.cgi?id=3001"]  # javascript: dropped


def test_markdown_escapes_untrusted_text(out, ctx):
    hostile = card(ctx, HOSTILE_CA)
    text = (out / f"{hostile.slug}.md").read_text()
    assert "<" not in text.replace("\\<", "")
    assert "](javascript" not in text
    assert "[Bug 3001](https://bugzilla.mozilla.org/show_bug.cgi?id=3001)" in text
    alpha = (out / f"{card(ctx, 'Alpha CA').slug}.md").read_text()
    assert "| Regular updates | 0 / 2 | 0% | 0% |" in alpha.splitlines()


def test_templates_override_extends_default(tmp_path):
    user = tmp_path / "templates"
    user.mkdir()
    (user / "scorecard.html").write_text(
        '{% extends "default:scorecard.html" %}'
        '{% block headline %}<p id="house-note">Reviewed by {{ ca }}</p>{{ super() }}{% endblock %}'
    )
    (user / "_silence.html").write_text('<p id="no-silence">hidden</p>')
    write_scorecards(sample_tables(), FEB, tmp_path / "out", templates=user)
    page = soup_of(next((tmp_path / "out" / FEB.label).glob("alpha-ca.html")))
    assert page.select_one("#house-note").get_text() == "Reviewed by Alpha CA"
    assert page.select_one("#rates-table")  # the default page is still there
    assert page.select_one("#no-silence") and not page.select_one("#silence")


def test_templates_dir_must_exist(tmp_path):
    with pytest.raises(InputError):
        write_scorecards(sample_tables(), FEB, tmp_path, templates=tmp_path / "nope")


def test_one_ca_and_unknown_ca(tmp_path):
    written = write_scorecards(sample_tables(), FEB, tmp_path, ca="Beta Trust")
    assert [p.name for p in written.pages] == ["beta-trust.html"]
    assert written.index is None and not (tmp_path / FEB.label / "index.html").exists()
    with pytest.raises(InputError, match="Beta Trust"):
        write_scorecards(sample_tables(), FEB, tmp_path, ca="Beta Trsut")


def test_regenerating_gives_identical_files(tmp_path):
    write_scorecards(sample_tables(), FEB, tmp_path / "a")
    write_scorecards(sample_tables(), FEB, tmp_path / "b")
    first = {p.name: p.read_bytes() for p in (tmp_path / "a" / FEB.label).iterdir()}
    again = {p.name: p.read_bytes() for p in (tmp_path / "b" / FEB.label).iterdir()}
    assert first == again


@pytest.mark.parametrize(
    "text, escaped",
    [
        ("1. First", "1\\. First"),  # a backslash before a digit would show, not escape
        ("12) x", "12\\) x"),
        ("- item", "\\- item"),
        ("<b>x</b>", "\\<b\\>x\\</b\\>"),
        ("a 1. b", "a 1. b"),
    ],
)
def test_markdown_escape_of_untrusted_text(text, escaped):
    from analyzer.report.render import md_escape

    assert md_escape(text) == escaped


def test_markdown_lists_put_each_bug_and_report_on_its_own_line(out, ctx):
    alpha = card(ctx, "Alpha CA")
    lines = (out / f"{alpha.slug}.md").read_text().splitlines()
    bugs = [line for line in lines if line.startswith("* [Bug 100") and ": Alpha CA:" in line]
    assert len(bugs) == 2 and all(line.count("[Bug ") == 1 for line in bugs)
    assert any(line.startswith("* [Bug 1002]") and "Lessons Learned" in line for line in lines)


# -- the layout: one line per silence, ranks in order, a CA page opens with its bugs ----------


def _with_weekly_repeats() -> ScorecardTables:
    """The sample, with Beta Trust's silence on bug 2001 (from its update of 2026-01-14, comment
    1) written as the metrics write it: a missed row each further week (``repeat`` 1, 2, ...),
    each starting at the previous due time, all linking to comment 1; the last one pending."""
    tables = sample_tables()
    view = tables.months.views[FEB]
    feb = view.deadlines
    first = feb[(feb["bug_id"] == 2001) & (feb["rule"] == "update_cadence")].iloc[0]
    rows = []
    due = first["due"]
    for repeat in range(1, 7):
        start, due = due, due + pd.Timedelta(days=7)
        pending = due > FEB.end
        rows.append(
            first.to_dict()
            | {"repeat": repeat, "start": start, "due": due, "met_at": pd.NaT,
               "outcome": "pending" if pending else "missed",
               "in_month": due >= FEB.start and not pending,
               "overdue_hours": 0.0 if pending else (FEB.end - due).total_seconds() / 3600}
        )  # fmt: skip
    extra = pd.DataFrame(rows).astype({"repeat": "int64"})
    rows = pd.concat(
        [feb.assign(repeat=feb["repeat"].fillna(0).astype("int64")), extra], ignore_index=True
    )
    tables.months.views[FEB] = dataclasses.replace(view, deadlines=rows)
    return tables


@pytest.fixture(scope="module")
def repeats(tmp_path_factory) -> tuple[MonthScorecards, Path]:
    root = tmp_path_factory.mktemp("repeats")
    tables = _with_weekly_repeats()
    write_scorecards(tables, FEB, root)
    return report_context.build(tables, FEB), root / FEB.label


def test_one_silence_is_one_line_with_its_count_and_started_agrees_with_its_link(repeats):
    ctx, out = repeats
    beta = card(ctx, "Beta Trust")
    page = soup_of(out / f"{beta.slug}.html")
    link = "https://bugzilla.mozilla.org/show_bug.cgi?id=2001#c1"
    group = page.select('#rule-update_cadence tr.deadline a[href$="id=2001"]')
    assert len(group) == 1  # due in February: repeats 2-5 missed and 6 pending, one line
    line = group[0].find_parent("tr")
    assert (line["data-weeks"], line["data-counted-weeks"]) == ("5", "4")
    started = line.select_one("td.started a")
    assert started["href"] == link
    assert started.get_text() == "2026-01-14 08:00 UTC"  # the gap's start, not a due time
    assert "×4" in line.get_text()
    carried = page.select("#carried-table tbody tr")
    assert [r["data-weeks"] for r in carried if r["data-rule"] == "update_cadence"] == ["2"]
    assert [r.select_one("td.started a").get_text() for r in carried] == [
        "2026-01-14 08:00 UTC",  # the silence (due 01-21 and 01-28), from comment 1
        "2026-01-10 08:00 UTC",  # the full report (due 01-24), from the bug's filing
    ]
    # the rates still count every week: the rate links to rows standing for all of them
    rate = next(r for r in beta.rules if r.rule == "update_cadence")
    rows = page.select("#rule-update_cadence tr.deadline")
    assert sum(int(r["data-counted-weeks"]) for r in rows) == rate.due == 4
    md = (out / f"{beta.slug}.md").read_text()
    # the silence once in each place: the bugs on top, the longest silence, each deadline list
    assert md.count("id=2001#c1") == 4
    assert "×4" in md and "2 weeks missed" in md


def test_the_ca_page_opens_with_its_bugs_stalled_on_what_since_when(repeats):
    ctx, out = repeats
    beta = card(ctx, "Beta Trust")
    page = soup_of(out / f"{beta.slug}.html")
    order = [tag.get("id") for tag in page.select("#bugs-now, #limitations, #headline, #rates")]
    assert order[0] == "bugs-now" and {"headline", "rates"} <= set(order)
    assert order == [x for x in ("bugs-now", "limitations", "headline", "rates") if x in order]
    rows = page.select("#bugs-now-table tbody tr")
    assert [r["data-bug"] for r in rows] == ["2001"]  # 2003 is not judged
    first = rows[0]
    assert first["data-stalled"] == "yes"
    # silent since comment 1 (due 01-21) is more overdue than the full report (due 01-24)
    text = first.get_text(" ", strip=True)
    assert "Regular updates · 6 weekly updates missed" in text
    assert "also overdue: Full report (14 days)" in text
    state = beta.stalled[0]
    assert (state.bug_id, state.rule, state.weeks) == (2001, "update_cadence", 6)
    since = first.select_one("td.when a")
    assert since["href"].endswith("id=2001#c1") and since.get_text() == "2026-01-14 08:00 UTC"
    assert page.select_one(f"#{state.anchor}") is not None  # its line further down


def test_ranks_follow_the_order_shown(ctx, out):
    page = soup_of(out / "index.html")
    ranks = [td.get_text(strip=True) for td in page.select("#index-table td.rank")]
    numbers = [int(rank) for rank in ranks if rank != "–"]
    assert numbers == list(range(1, len(numbers) + 1))
    assert [c.headline.rank for c in ctx.cas if c.headline.rank] == numbers


def test_the_index_fits_a_screen_with_six_columns(out):
    page = soup_of(out / "index.html")
    heads = [th.get_text(" ", strip=True) for th in page.select("#index-table thead th")]
    assert heads == [
        "Rank", "CA", "Bug-time in compliance (of bug-days)", "Since last month",
        "Overdue at month end", "Worst open bug",
    ]  # fmt: skip
    for row in page.select("#index-table tbody tr[data-slug]"):
        assert len(row.find_all("td")) == len(heads)


@pytest.fixture(scope="module")
def snapshot_months(tmp_path_factory) -> Path:
    """February 2026 and October 2024 of the bundled snapshot, as the CLI writes them."""
    root = tmp_path_factory.mktemp("snapshot")
    for month in ("2026-02", "2024-10"):
        result = run_on_snapshot("scorecards", "--month", month, "--out", str(root))
        assert result.exit_code == 0, result.stderr
    return root


def test_snapshot_ranks_read_down_where_the_headline_ties(snapshot_months):
    """February 2026 ended 38, 37, 39, 43, 42, 40, 41 among CAs all at 100%."""
    page = soup_of(snapshot_months / "2026-02" / "index.html")
    ranks = [td.get_text(strip=True) for td in page.select("#index-table td.rank")]
    assert [int(r) for r in ranks] == list(range(1, 44))
    shares = [a.get_text() for a in page.select("#index-table td.compliance a")]
    assert shares[-7:] == ["100%"] * 7  # the tie is there


def test_snapshot_lists_one_line_per_silence(snapshot_months):
    netlock = soup_of(snapshot_months / "2024-10" / "netlock.html")
    overdue = int(netlock.select_one("#overdue-at-end").get_text())
    # one line per silence: as many lines as obligations overdue (were 21 lines beside 5)
    assert overdue >= 1 and overdue == len(netlock.select("#carried-table tbody tr"))
    swisssign = snapshot_months / "2026-02" / "swisssign.md"
    text = swisssign.read_text()
    assert len(text) < 20_000  # was 40 KB, one line of 197 entries
    assert max(len(line) for line in text.splitlines()) < 1_000
    for page in (snapshot_months / "2026-02").glob("*.html"):
        soup = soup_of(page)
        for table in ("#carried-table", "#deadlines-table"):
            silences = [
                (tr.find("a").get_text(), tr.select_one("td.started").get_text())
                for tr in soup.select(f"{table} tr[id]")
                if "update_cadence" in tr["id"]
            ]
            assert len(silences) == len(set(silences)), (page.name, table)
        if soup.select_one("#overdue-at-end"):
            carried = len(soup.select("#carried-table tbody tr"))
            assert carried <= int(soup.select_one("#overdue-at-end").get_text()), page.name


def test_snapshot_started_agrees_with_its_link(snapshot_months, tmp_path):
    """Every "Started" time is the time of the comment it links to."""
    with contextlib.chdir(tmp_path):
        comments = load().comments
    times = comments.set_index(["bug_id", "count"])["time"]
    checked = 0
    for page in (snapshot_months / "2026-02").glob("*.html"):
        for cell in soup_of(page).select("td.started a"):
            bug, count = re.search(r"id=(\d+)#c(\d+)$", cell["href"]).groups()
            assert cell.get_text() == f"{times[(int(bug), int(count))]:%Y-%m-%d %H:%M} UTC", (
                page.name,
                cell["href"],
            )
            checked += 1
    assert checked > 300
