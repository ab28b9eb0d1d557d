"""One truth per month (SPEC): every CA-month of the snapshot reads the same on its scorecard
page, the month's index, ``scorecards.json``, the CA's history page, the site's landing page,
``ca_months`` from ``analyzer.load()`` and from ``analyzer export``; and the history pages
``scorecards --month M`` writes show each earlier month as known at its own end.

The pages are read as a user's browser gets them (BeautifulSoup over the written files), the
tables as a notebook or a spreadsheet gets them.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from bs4 import BeautifulSoup
from conftest import run_on_snapshot

import analyzer
from analyzer.env import ExitStatus
from analyzer.metrics.rulebook import RULES
from analyzer.months import Month
from analyzer.report import context as report_context
from analyzer.report.render import pct
from analyzer.report.safety import slugs_for
from analyzer.report.scorecards import tables_from_corpus, to_json

LABEL = re.compile(r"^\d{4}-\d{2}$")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return analyzer.load(tmp_path_factory.mktemp("corpus") / "data")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "site"
    result = run_on_snapshot("site", "--out", out)
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    return out


@pytest.fixture(scope="module")
def truth(corpus) -> pd.DataFrame:
    """``ca_months`` of ``load()``, keyed by the pages' slug and month, with the numbers every
    page shows of a CA-month."""
    rows = corpus.ca_months.copy()
    slugs = slugs_for(corpus.bugs["ca"].fillna("").astype(str))
    rows["slug"] = rows["ca"].fillna("").astype(str).map(slugs)
    rows["met"] = sum(rows[f"{rule}_met"] for rule in RULES)
    rows["missed"] = sum(rows[f"{rule}_missed"] for rule in RULES)
    return rows.set_index(["slug", "month"])


def _headline(row) -> tuple:  # noqa: ANN001 - a row of ``truth``
    share = None if pd.isna(row["compliance"]) else round(float(row["compliance"]), 4)
    rank = None if pd.isna(row["rank"]) else int(row["rank"])
    return (
        share,
        round(float(row["open_days"]), 1),
        round(float(row["breach_days"]), 1),
        round(float(row["breach_days_caveated"]), 1),
        int(row["overdue_at_end"]),
        rank,
        int(row["met"]),
        int(row["missed"]),
    )


def _months(site) -> list[str]:
    return sorted(p.name for p in site.iterdir() if p.is_dir() and LABEL.match(p.name))


@pytest.fixture(scope="module")
def jsons(corpus) -> dict[str, dict]:
    """Each month's ``scorecards.json`` as ``analyzer scorecards`` writes it (the site writes
    HTML only; the file is checked to be this in the last test)."""
    from analyzer.ahead import report_completeness

    reports = report_completeness(corpus)
    out = {}
    last = Month.last_complete_before(corpus.observed_at)
    for month in Month.span(corpus.bugs["opened"].min(), last.start):
        tables = tables_from_corpus(corpus, month, reports=reports)
        out[month.label] = json.loads(json.dumps(to_json(report_context.build(tables, month))))
    return out


def test_every_ca_month_is_one_truth_on_pages_json_and_tables(site, truth, jsons):
    checked = 0
    assert _months(site) == sorted(jsons)
    for label in _months(site):
        folder = site / label
        data = jsons[label]
        index = BeautifulSoup((folder / "index.html").read_text(), "html.parser")
        rows = {tr["data-slug"]: tr for tr in index.select("#index-table tr[data-slug]")}
        shown = []
        for card in data["cas"]:
            key = (card["slug"], label)
            head, overall = card["headline"], card["overall"]
            got = (
                head["compliance"], head["open_days"], head["breach_days"],
                head["breach_days_caveated"], head["overdue_at_end"], head["rank"],
                overall["met"], overall["missed"],
            )  # fmt: skip
            if key in truth.index:
                assert got == _headline(truth.loc[key]), key
            else:  # no judged bug-time and nothing decided: no ca_months row, nothing shown
                assert got[1:] == (0.0, 0.0, 0.0, 0, None, 0, 0), key
            # the index and the CA's own page show the same numbers
            cells = [td.get_text(" ", strip=True) for td in rows[card["slug"]].select("td")]
            assert any(c.startswith(pct(head["compliance"])) for c in cells[1:]), key
            assert str(head["rank"] or "–") == cells[0], key
            page = (folder / f"{card['slug']}.html").read_text()
            begin = page.index('<section class="headline" id="headline">')
            section = BeautifulSoup(page[begin : page.index("</section>", begin)], "html.parser")
            assert section.select_one("#compliance").get_text(strip=True) == pct(head["compliance"])
            assert section.select_one("#bug-days").get_text(strip=True) == (
                f"{head['open_days']} bug-days"
            )
            assert int(section.select_one("#overdue-at-end").get_text()) == head["overdue_at_end"]
            if head["rank"] is not None:
                shown.append(head["rank"])
            checked += 1
        # the rank shown only ever rises down the index, one CA per rank
        assert shown == list(range(1, len(shown) + 1)), label
        # every CA-month with judged bug-time has its page
        ranked = truth.xs(label, level="month") if label in truth.index.levels[1] else None
        if ranked is not None:
            with_time = set(ranked.index[ranked["open_days"] > 0])
            assert with_time <= {card["slug"] for card in data["cas"]}, label
    assert checked > 3000


def test_every_history_page_shows_each_month_as_its_scorecard_does(site, truth):
    checked = 0
    for page in (site / "ca").glob("*.html"):
        slug = page.stem
        soup = BeautifulSoup(page.read_text(), "html.parser")
        for tr in soup.select("#months-table tr[data-month]"):
            key = (slug, tr["data-month"])
            _, share, days, _, missed_due, overdue = [
                td.get_text(" ", strip=True) for td in tr.select("td")
            ]
            want = _headline(truth.loc[key])
            assert share == pct(want[0]), key
            assert days.startswith(f"{want[1]} ({want[2]}"), key
            assert missed_due == f"{want[7]} / {want[6] + want[7]}", key
            assert int(overdue) == want[4], key
            checked += 1
    assert checked == len(truth)  # every CA-month, the month running at the sync included


def test_the_landing_page_names_each_months_least_in_compliance(site, truth, corpus):
    soup = BeautifulSoup((site / "index.html").read_text(), "html.parser")
    totals = corpus.months().totals.set_index("month")
    rows = soup.select("#months-table tbody tr")
    assert len(rows) == len(_months(site))
    for tr in rows:
        link = tr.select_one("a[href$='/index.html']")
        label = link["href"].split("/")[0]
        cells = [td.get_text(" ", strip=True) for td in tr.select("td")]
        assert pct(totals.at[label, "compliance"]) in cells, label
        worst = tr.select("a")[-1]["href"]  # YYYY-MM/<slug>.html of the CA ranked first
        first = truth.xs(label, level="month")
        first = first[first["rank"] == 1]
        if len(first):
            assert worst == f"{label}/{first.index[0]}.html", label


def test_export_writes_the_same_ca_months(corpus, tmp_path):
    result = run_on_snapshot("export", "--out", tmp_path, "--format", "csv")
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    exported = pd.read_csv(tmp_path / "ca_months.csv", keep_default_na=False, na_values=[""])
    mine = corpus.ca_months
    assert list(exported.columns) == list(mine.columns)
    assert len(exported) == len(mine)
    for column in ("open_days", "breach_days", "compliance", "overdue_at_end", "rank"):
        left = pd.to_numeric(exported[column]).to_numpy(dtype=float)
        right = pd.to_numeric(mine[column]).to_numpy(dtype=float)
        assert ((left == right) | (pd.isna(left) & pd.isna(right))).all(), column


def test_history_written_with_a_months_scorecards_shows_earlier_months_as_known_then(
    tmp_path, truth, jsons
):
    """NetLock, October 2024: bug 1891331 was duped in 2025; the history page written with
    February 2025's scorecards still shows October 2024 as known at its end."""
    result = run_on_snapshot("scorecards", "--month", "2025-02", "--out", tmp_path)
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    soup = BeautifulSoup((tmp_path / "ca" / "netlock.html").read_text(), "html.parser")
    months = {tr["data-month"]: tr for tr in soup.select("#months-table tr[data-month]")}
    assert max(months) == "2025-02"  # nothing after the scorecards' month
    for label, tr in months.items():
        want = _headline(truth.loc[("netlock", label)])
        cells = [td.get_text(" ", strip=True) for td in tr.select("td")]
        assert cells[1] == pct(want[0]) and cells[2].startswith(f"{want[1]} ("), label
    october = _headline(truth.loc[("netlock", "2024-10")])
    assert (october[1], october[7]) == (124.0, 19)  # the scorecard's numbers, not today's
    assert Month.parse("2024-10").label in months
    # the command's scorecards.json is the one every month's was checked as
    written = json.loads((tmp_path / "2025-02" / "scorecards.json").read_text())
    assert written == jsons["2025-02"]


def test_history_pages_from_a_judgement_taken_and_then_let_go(tmp_path):
    """``scorecards`` takes what the history pages read of the month's judgement, then lets
    the judgement go (``forget_judgements``): the pages are those of the judgement kept."""
    from analyzer.report.history import history_pages, judged_at, write_histories

    corpus = analyzer.load(tmp_path / "data")
    month = Month.parse("2025-10")
    kept = write_histories(history_pages(corpus, through=month), tmp_path / "kept")
    judged = judged_at(corpus, month)
    corpus.forget_judgements()
    taken = write_histories(history_pages(corpus, through=month, judged=judged), tmp_path / "taken")
    assert len(kept) > 10
    assert [p.name for p in taken] == [p.name for p in kept]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(taken, kept, strict=True))


def test_the_month_tables_are_freed_once_let_go(tmp_path):
    """Nothing a month's scorecards keep (the promises judged per month) holds every month's
    rows after ``forget_judgements``."""
    import gc
    import weakref

    corpus = analyzer.load(tmp_path / "data")
    tables = tables_from_corpus(corpus, Month.parse("2025-10"))
    months = weakref.ref(tables.months)
    del tables
    corpus.forget_judgements()
    gc.collect()
    assert months() is None
