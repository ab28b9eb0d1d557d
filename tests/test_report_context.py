"""The scorecard template context is a contract: its keys, and numbers that match the tables."""

from __future__ import annotations

import dataclasses
import re

import pandas as pd
import pytest
from scorecard_sample import (
    HOSTILE_CA,
    promise_rows,
    sample_bugs,
    sample_ca_months,
    sample_deadlines,
    sample_tables,
    view_of,
)

from analyzer.bmo import trusted_link
from analyzer.env import InputError
from analyzer.months import Month
from analyzer.report import context as report_context
from analyzer.report.pages import Counts, MonthScorecards, Needinfos, ScorecardPage
from analyzer.report.safety import SHOWN, clean_text, slugify

FEB = Month(2026, 2)
CARD_KEYS = {
    "ca", "slug", "ca_known", "month", "counts", "bugs", "deadlines", "carried", "rules",
    "overall", "silence", "needinfos", "trend", "promises", "completeness", "limitations",
    "headline", "excluded", "history", "stalled",
}  # fmt: skip
INDEX_KEYS = {
    "month", "limitations", "history_known", "medians", "pooled", "open_days", "index",
    "rule_labels", "home",
}  # fmt: skip
DEADLINE_KEYS = {
    "anchor", "bug_id", "bug_url", "rule", "irg_version", "start", "due", "met_at", "outcome",
    "overdue_hours", "evidence_start", "evidence_met", "basis", "counted", "caveat", "repeat",
    "gap_start",
}  # fmt: skip


@pytest.fixture(scope="module")
def ctx() -> MonthScorecards:
    return report_context.build(sample_tables(), FEB)


def names(page: object) -> set[str]:
    return {item.name for item in dataclasses.fields(page)}  # type: ignore[arg-type]


def card(ctx: MonthScorecards, ca: str) -> ScorecardPage:
    return next(c for c in ctx.cas if c.raw_ca == ca)


def test_top_level_and_card_keys(ctx):
    assert names(ctx.index) == INDEX_KEYS
    assert ctx.index.month.as_of == pd.Timestamp("2026-03-01T00:00:00Z")  # next month's first
    for item in ctx.cas:
        assert names(item) - {"raw_ca"} == CARD_KEYS
        assert [r.rule for r in item.rules] == list(report_context.RULES)
        assert len(item.trend) == 12
        for row in item.deadlines + item.carried:
            assert names(row) == DEADLINE_KEYS


def test_only_cas_with_a_bug_open_in_the_month(ctx):
    bugs = sample_tables().bugs
    closed = bugs["closed"]
    open_in_feb = bugs[(bugs["opened"] <= FEB.end) & (closed.isna() | (closed >= FEB.start))]
    assert {c.raw_ca for c in ctx.cas} == set(open_in_feb["ca"])
    alpha = card(ctx, "Alpha CA")
    assert [b.bug_id for b in alpha.bugs.open] == [1001, 1002]
    assert [b.bug_id for b in alpha.bugs.opened] == [1002]
    assert [b.bug_id for b in alpha.bugs.closed] == [1002]
    assert alpha.counts == Counts(open=2, opened=1, closed=1, open_at_end=1)


def test_rates_match_the_deadlines_table(ctx):
    deadlines = sample_deadlines(FEB.end)
    due = deadlines[(deadlines["due"] >= FEB.start) & (deadlines["due"] <= FEB.end)]
    for item in ctx.cas:
        mine = due[due["ca"] == item.raw_ca]
        for rule in item.rules:
            rows = mine[mine["rule"] == rule.rule]
            assert rule.due == len(rows)
            assert rule.met == int((rows["outcome"] == "met").sum())
            expected = rule.met / rule.due if rule.due else None
            assert rule.rate == expected
        assert item.overall.due == len(mine)
        assert item.overall.met == int((mine["outcome"] == "met").sum())


def test_median_is_over_cas_with_deadlines_due(ctx):
    rates = [c.overall.rate for c in ctx.cas if c.overall.due]
    assert len(rates) == 2  # Beta Trust had none due in February
    assert ctx.index.medians.overall == pytest.approx(sum(rates) / 2)
    assert all(c.overall.median == ctx.index.medians.overall for c in ctx.cas)


def test_only_what_was_known_at_the_month_end(ctx):
    beta = card(ctx, "Beta Trust")
    assert [b.bug_id for b in beta.bugs.open] == [2001]  # 2002 was filed in March
    # the CA's update of March 5 is not known yet: the silence runs to the month's end
    assert beta.silence.end_kind == "month_end"
    assert beta.silence.end == FEB.next_start
    # the full report and the update due in January are still unmet: carried, not counted again
    carried = {(d.bug_id, d.rule) for d in beta.carried}
    assert carried == {(2001, "full_report"), (2001, "update_cadence")}
    assert beta.overall.due == 0


def test_same_tables_give_the_same_context():
    first = report_context.build(sample_tables(), FEB)
    again = report_context.build(sample_tables(), FEB)
    assert first == again


def test_trend_uses_each_months_own_view():
    tables = sample_tables()
    jan = Month(2026, 1)
    beta = card(report_context.build(tables, FEB), "Beta Trust").trend
    assert [p.month for p in beta] == [m.label for m in FEB.last_twelve()]
    rows = tables.months.view(jan).deadlines
    decided = rows["in_month"] & rows["outcome"].isin(["met", "missed"])
    jan_beta = rows[decided & (rows["ca"] == "Beta Trust")]
    assert beta[-2].due == len(jan_beta) > 0
    assert beta[-2].met == int((jan_beta["outcome"] == "met").sum())
    # a month whose view says otherwise changes only that month's point
    months = tables.months.ca_months
    where = (months["ca"] == "Beta Trust") & (months["month"] == jan.label)
    months.loc[where, "update_cadence_met"] += 1
    tables.months._cells.clear()
    changed = card(report_context.build(tables, FEB), "Beta Trust").trend
    assert changed[-2].met == beta[-2].met + 1
    assert changed[-1] == beta[-1]


def test_a_deadline_due_at_the_last_second_unmet_counts_as_missed():
    feb_rows = sample_deadlines(FEB.next_start)
    extra = feb_rows.iloc[[0]].assign(
        bug_id=1001, ca="Alpha CA", rule="comment_response", start=FEB.start,
        due=FEB.end, met_at=pd.NaT, outcome="missed", overdue_hours=1 / 3600, evidence_met=None,
    )  # fmt: skip
    view = view_of(FEB, pd.concat([feb_rows, extra]), sample_bugs(), sample_ca_months()["2026-02"])
    tables = sample_tables()
    tables.months.views[FEB] = view
    rules = {r.rule: r for r in card(report_context.build(tables, FEB), "Alpha CA").rules}
    assert (rules["comment_response"].due, rules["comment_response"].met) == (1, 0)
    alpha = view.ca_months.set_index("ca").loc["Alpha CA"]
    assert (alpha["comment_response_due"], alpha["comment_response_missed"]) == (1, 1)


def test_needinfos_open_at_month_end_and_unknown_without_history(ctx):
    hostile = card(ctx, HOSTILE_CA)
    assert [n.bug_id for n in hostile.needinfos.open] == [3001]
    assert hostile.needinfos.open[0].set_url is None  # a javascript: link is dropped
    assert card(ctx, "Alpha CA").needinfos.open == []  # cleared on Feb 2
    blind = report_context.build(sample_tables(history_known=False), FEB)
    assert all(c.needinfos == Needinfos(known=False, open=[]) for c in blind.cas)
    assert any("history" in note for note in blind.index.limitations)


def test_untrusted_text_is_cleaned_and_links_are_ours(ctx):
    hostile = card(ctx, HOSTILE_CA)
    for text in [hostile.ca, hostile.bugs.open[0].summary]:
        assert not re.search("[\u202a-\u202e\u2066-\u2069\u200b-\u200f\ufeff]", text)
        assert SHOWN in text
    for row in hostile.deadlines:
        for url in (row.bug_url, row.evidence_start, row.evidence_met):
            assert url is None or url.startswith("https://bugzilla.mozilla.org/show_")
    assert re.fullmatch(r"[a-z0-9-]+", hostile.slug)


def test_promises_are_cleaned():
    tables = sample_tables()
    tables.promises = promise_rows(
        {"bug_id": 1001, "ca": "Alpha CA", "url": "javascript:alert(1)",
         "text": "We\u202e will <b>fix</b>", "promised": pd.Timestamp("2026-02-10", tz="UTC"),
         "status": "broken", "evidence_url": "https://bugzilla.mozilla.org/show_bug.cgi?id=1001#c3"}
    )  # fmt: skip
    alpha = card(report_context.build(tables, FEB), "Alpha CA")
    (promise,) = alpha.promises
    assert promise.url == "https://bugzilla.mozilla.org/show_bug.cgi?id=1001"
    assert "\u202e" not in promise.text
    assert promise.evidence_url.endswith("#c3")


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "index",
        "scorecards",
        "",
        "Ünïcödé CA",
        "\u202eAC liveE",
        "A/B\\C",
        "con",
    ],
)
def test_slugs_are_safe_file_names(name):
    slug = slugify(name, set())
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", slug)
    assert slug not in {"index", "scorecards", "con"}


def test_slugs_never_collide():
    taken: set[str] = set()
    slugs = [slugify(n, taken) for n in ["Acme CA", "ACME CA", "acme-ca", "Acme  CA"]]
    assert len(set(slugs)) == 4


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "https://evil.example/show_bug.cgi?id=1", "data:text/html,x",
     "https://bugzilla.mozilla.org/show_bug.cgi?id=1#c2\" onclick=\"x", None, 12],
)  # fmt: skip
def test_evidence_links_only_from_numbers(url):
    assert trusted_link(url) is None


def test_clean_text_shows_hidden_characters():
    assert clean_text("a\u200bb\u202ec\nd") == f"a{SHOWN}b{SHOWN}c d"


@pytest.mark.parametrize("text", ["2026-13", "2026-2", "Feb 2026", "", "2026-02-01"])
def test_bad_month_is_an_input_error(text):
    with pytest.raises(InputError):
        Month.parse(text)


def test_month_bounds():
    assert Month(2025, 12).shift(1) == Month(2026, 1)
    assert Month.parse("2024-02").end == pd.Timestamp("2024-02-29T23:59:59Z")
    assert Month.last_complete_before(pd.Timestamp("2026-03-14T06:00:00Z")) == FEB


def test_deadline_anchors_are_unique_even_for_simultaneous_obligations():
    tables = sample_tables()
    view = tables.months.views[FEB]
    feb = view.deadlines
    twin = feb[(feb["bug_id"] == 1002) & (feb["rule"] == "first_response")]
    tables.months.views[FEB] = dataclasses.replace(view, deadlines=pd.concat([feb, twin, twin]))
    alpha = card(report_context.build(tables, FEB), "Alpha CA")
    anchors = [d.anchor for d in alpha.deadlines + alpha.carried]
    assert len(anchors) == len(set(anchors)) == len(alpha.deadlines + alpha.carried)


def test_headline_is_the_share_of_bug_time_in_compliance_with_its_parts(ctx):
    alpha, beta = card(ctx, "Alpha CA").headline, card(ctx, "Beta Trust").headline
    assert (alpha.compliance, alpha.open_days, alpha.breach_days) == (0.8, 50.0, 10.0)
    assert (beta.compliance, beta.breach_days_caveated, beta.overdue_at_end) == (0.0, 28.0, 2)
    pooled = 1 - (10.0 + 28.0 + 5.0) / (50.0 + 28.0 + 18.5)
    assert ctx.index.pooled == pytest.approx(pooled)
    assert alpha.pooled == pytest.approx(pooled)
    assert (beta.rank, alpha.rank, beta.ranked) == (1, 3, 3)


def test_index_ranks_by_the_headline_worst_first(ctx):
    """Beta Trust had nothing fall due in February but was in breach all month: on top."""
    order = [row.ca for row in ctx.index.index]
    assert order[0] == "Beta Trust"
    shares = [row.headline.compliance for row in ctx.index.index]
    assert shares == sorted(shares)


def test_trend_shows_the_headline_of_each_month(ctx):
    beta = {p.month: p for p in card(ctx, "Beta Trust").trend}
    assert beta["2026-01"].compliance == pytest.approx(1 - 8 / 22)
    assert beta["2026-02"].compliance == 0.0
    assert beta["2026-01"].pooled == pytest.approx(1 - 8 / 53)
    assert beta["2025-12"].compliance is None and beta["2025-12"].open_days == 0.0


def test_excluded_bugs_are_listed_with_the_reason_and_counted_nowhere(ctx):
    beta = card(ctx, "Beta Trust")
    assert [(b.bug_id, b.reason) for b in beta.excluded] == [(2003, "meta bug")]
    assert 2003 not in {b.bug_id for b in beta.bugs.open}
    assert beta.counts.open == 1


def test_deadline_rows_come_in_the_order_sort_values_gives():
    """Rows read in any order, with ties and missing times, are listed per CA as
    ``sort_values(["due", "bug_id", "rule", "start"], kind="stable")`` orders them."""
    stamp = pd.Timestamp("2026-02-03T04:05:06Z")
    rows = []
    for k in range(60):
        rows.append(
            {
                "ca": ["Alpha", "Beta", None][k % 3], "bug_id": 100 + (k * 5) % 4,
                "rule": ["update_cadence", "full_report", "needinfo"][(k * 11) % 3],
                "irg_version": f"v{k}", "start": stamp - pd.Timedelta(days=(k * 3) % 4),
                "due": None if k % 13 == 0 else stamp + pd.Timedelta(hours=(k * 7) % 5),
                "met_at": None, "outcome": "pending" if k % 4 == 0 else "missed",
                "overdue_hours": float("nan"), "evidence_start": None, "evidence_met": None,
                "basis": "", "caveat": "", "repeat": 0, "in_month": k % 2 == 0, "gap_start": None,
            }
        )  # fmt: skip
    frame = pd.DataFrame(rows).sample(frac=1.0, random_state=7).reset_index(drop=True)
    for name in ("start", "due", "met_at", "gap_start"):
        frame[name] = pd.to_datetime(frame[name], utc=True)
    expected = frame.sort_values(["due", "bug_id", "rule", "start"], kind="stable")
    expected = expected.assign(ca=expected["ca"].fillna(""))
    by_ca = report_context._deadline_rows(frame)
    assert set(by_ca) == {"Alpha", "Beta", ""}
    for ca, (listed, carried) in by_ca.items():
        mine = expected[expected["ca"] == ca]
        shown = mine["in_month"] | mine["outcome"].eq("pending")
        assert [row.irg_version for row in listed] == mine.loc[shown, "irg_version"].tolist()
        assert [row.irg_version for row in carried] == mine.loc[~shown, "irg_version"].tolist()
