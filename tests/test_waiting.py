"""Waiting on the CA: reviewer asks, re-raises and pointers, silences, the waiting list and the
reminder drafts (SPEC "Waiting on the CA"), on hand-written threads through the real parse stage."""

from __future__ import annotations

import pandas as pd
import pytest
from threadkit import language_of, metrics_of, tables_of, thread

from analyzer.ahead.asks import UNSEEN_POINTERS, asks_from_tables, short_quote
from analyzer.ahead.due import due_bugs, due_from_tables
from analyzer.ahead.pointers import named_counts, own_words, points_to
from analyzer.ahead.silences import silences_from_tables
from analyzer.ahead.waiting import reminder, reminders, waiting_from_tables
from analyzer.env import ExitStatus
from analyzer.store import Store


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


# -- pointers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "counts"),
    [
        ("I did have some questions in Comment 39 that have not been addressed", {39}),
        ("still outstanding from Comment 39.", {39}),
        ("For comment #39: the root cause was a typo.", {39}),
        ("(In reply to Ben Wilson from comment #39)\n> Why?\nBecause.", {39}),
        ("See comments 39 and 41, and comment #44.", {39, 41, 44}),
        ("As c12 said", {12}),
        ("https://bugzilla.mozilla.org/show_bug.cgi?id=1904041#c7 says so", {7}),
        ("https://bugzilla.mozilla.org/show_bug.cgi?id=1111#c7 is another bug", set()),
        ("As in bug 1234 comment 5, we revoked.", set()),
        ("As I wrote in my comment 3 days ago", set()),
        ("> For comment 39: we fixed it.\nThat does not answer it.", set()),
        ("No pointer here at all.", set()),
    ],
)
def test_named_counts(text, counts):
    assert named_counts(text, bug_id=1904041) == counts


def test_a_quote_points_to_the_comment_whose_own_words_it_repeats():
    earlier = {
        1: own_words("Please explain the root cause.\nWhy was the monitoring absent for a week?"),
        2: own_words("> Why was the monitoring absent for a week?\nI asked this too."),
    }
    reply = "> Why was the monitoring absent\n> for a week?\n\nThe monitor was disabled."
    assert points_to(reply, 3, earlier) == {1}  # comment 2 only quoted it
    assert points_to("> ok\nshort quotes identify nothing", 3, earlier) == set()
    assert points_to("For comment 5: later comments are not pointed to", 3, earlier) == set()


def test_short_quote_cuts_at_a_sentence_and_keeps_one_line():
    text = "First sentence here.\nSecond one, longer. " + "word " * 60
    quote = short_quote(text, limit=40)
    assert quote == "First sentence here. Second one, longer."
    long = short_quote("x" * 10 + " " + "y" * 300, limit=40)
    assert long.endswith("\u2026") and len(long) <= 40
    assert "\n" not in short_quote("a\nb\u202ec", limit=40)


# -- asks, re-raised and pointed to -----------------------------------------------------------

SEED = thread(
    """
    bug 1904041 "NETLOCK: OCSP outage"
    2025-09-01 09:00  ca       files   "Preliminary Incident Report: an outage."
    2025-09-02 10:00  mozilla  says 2q "Please explain the root cause. Why was it absent so long?"
    2025-09-03 10:00  ca       says update "We are working on the full report."
    2025-09-12 10:00  mozilla  says 1q "I did have some questions in Comment 1 not yet addressed."
    2025-09-13 10:00  ca       says update "Thank you, we will answer shortly."
    """,
    bug_id=1904041,
)
POINTED = SEED.plus(
    '2025-09-20 10:00  ca  says full "For comment 1: the monitor was disabled by a change."'
)


def asks_of(bug, as_of: str) -> pd.DataFrame:
    tables = tables_of(bug, observed_at=as_of)
    language = language_of(bug)
    return asks_from_tables(
        tables.comments,
        language.comment_language,
        tables.needinfos,
        tables.bugs,
        tables.changes,
        tables.participants,
        utc(as_of),
    )


def test_an_ask_answered_then_re_raised_is_open_again_until_a_ca_comment_points_to_it():
    asks = asks_of(SEED, "2025-09-15").set_index("count")
    first = asks.loc[1]
    assert (first["kind"], first["state"]) == ("question", "reraised")
    assert first["replied_count"] == 2  # answered by the CA's next comment ...
    assert first["reraised_count"] == 3 and first["reraises"] == 1  # ... and raised again
    assert pd.isna(first["pointed_at"])
    assert first["quote"] == "Please explain the root cause. Why was it absent so long?"
    assert asks.loc[3, "state"] == "acknowledged"  # answered by comment 4, never pointed to
    pointed = asks_of(POINTED, "2025-09-21").set_index("count")
    assert pointed.loc[1, "state"] == "addressed"
    assert pointed.loc[1, "pointed_count"] == 5


def test_before_the_re_raise_the_ask_was_acknowledged():
    asks = asks_of(SEED, "2025-09-05").set_index("count")
    assert asks.loc[1, "state"] == "acknowledged"
    assert pd.isna(asks.loc[1, "reraised_at"])
    assert 3 not in asks.index  # not yet asked


def test_a_ca_pointer_before_the_re_raise_does_not_settle_it():
    bug = thread(
        """
        bug 1905 "NetLock: x"
        2025-09-01 09:00  ca       files   "Incident."
        2025-09-02 10:00  mozilla  says 1q "Why was it late?"
        2025-09-03 10:00  ca       says update "Re comment 1: we were busy."
        2025-09-05 10:00  chrome   says 1q "The answer to comment 1 is not an answer. Why?"
        2025-09-06 10:00  ca       says update "We are looking into it."
        """,
        bug_id=1905,
    )
    asks = asks_of(bug, "2025-09-08").set_index("count")
    assert asks.loc[1, "state"] == "reraised"
    assert asks.loc[1, "reraised_count"] == 3


def test_without_text_pointers_are_unseen_and_never_called_acknowledged():
    bug = thread(
        """
        bug 1906 "NetLock: y"
        2025-09-01 09:00  ca       files   "Incident."
        2025-09-02 10:00  mozilla  says notext
        2025-09-03 10:00  ca       says update notext
        2025-09-20 10:00  community says notext
        """,
        bug_id=1906,
    )
    asks = asks_of(bug, "2025-09-25").set_index("count")
    assert asks.loc[1, "kind"] == "comment" and asks.loc[1, "in_force"]
    assert asks.loc[1, "state"] == "answered"
    assert UNSEEN_POINTERS in asks.loc[1, "caveat"]
    assert "comment text missing" in asks.loc[1, "caveat"]
    assert asks.loc[3, "state"] == "open"
    assert asks.loc[3, "quote"] == ""


def test_under_irg_2_a_comment_without_a_question_is_an_ask_not_in_force():
    bug = thread(
        """
        bug 1907 "NetLock: z"
        2024-03-01 09:00  ca       files   "Incident."
        2024-03-02 10:00  mozilla  says "We have noted the report."
        2024-03-03 10:00  mozilla  says 1q "When is the full report due?"
        2024-03-04 10:00  mozilla  says noreply "Thanks."
        2024-03-05 10:00  ca       says update "Soon."
        """,
        bug_id=1907,
    )
    asks = asks_of(bug, "2024-03-10").set_index("count")
    assert list(asks.index) == [1, 2]  # bare thanks asks nothing
    assert (asks.loc[1, "irg_version"], bool(asks.loc[1, "in_force"])) == ("2.0", False)
    assert bool(asks.loc[2, "in_force"]) and asks.loc[2, "due"] == utc("2024-03-10T23:59:59")
    assert asks.loc[2, "reply_hours"] == pytest.approx(48.0)


def test_needinfo_asks_and_a_withdrawn_one():
    bug = thread(
        """
        bug 1908 "NetLock: n"
        2025-09-01 09:00  ca       files   "Incident."
        2025-09-02 10:00  mozilla  needinfo ca
        2025-09-04 10:00  mozilla  clears ca
        2025-09-05 10:00  chrome   needinfo ca
        """,
        bug_id=1908,
    )
    asks = asks_of(bug, "2025-09-20")
    needinfos = asks[asks["kind"] == "needinfo"].sort_values("asked_at")
    assert list(needinfos["state"]) == ["withdrawn", "open"]
    assert list(needinfos["asked_by_role"]) == ["root_program", "root_program"]


# -- silences ---------------------------------------------------------------------------------

SILENT = thread(
    """
    bug 1909 "NetLock: silent"
    2026-01-01 09:00  ca  files  "Incident."
    2026-02-01 09:00  ca  says update
    """,
    bug_id=1909,
)


def test_silences_collapse_weekly_repeats_into_one_row():
    result = metrics_of(SILENT, as_of="2026-02-20")
    tables = tables_of(SILENT, observed_at="2026-02-20")
    silences = silences_from_tables(result.deadlines, tables.bugs, utc("2026-02-20"))
    rows = silences[["start", "end", "ended_by", "weeks_missed", "running"]].values.tolist()
    assert rows == [
        [utc("2026-01-01T09:00"), utc("2026-02-01T09:00"), "update", 4, False],
        [utc("2026-02-01T09:00"), pd.NaT, "running", 2, True],
    ]
    first = silences.iloc[0]
    assert first["first_due"] == utc("2026-01-08T23:59:59")
    assert first["overdue_hours"] == pytest.approx(
        (utc("2026-02-01T09:00") - first["first_due"]).total_seconds() / 3600, abs=0.01
    )
    assert silences.iloc[1]["silent_days"] == pytest.approx(18.625)
    weekly = result.deadlines[result.deadlines["rule"] == "update_cadence"]
    assert int((weekly["outcome"] == "missed").sum()) == silences["weeks_missed"].sum()


# -- the waiting list and the reminder --------------------------------------------------------


def waiting_of(bug, as_of: str, within=None):
    stamp = utc(as_of)
    tables = tables_of(bug, observed_at=as_of)
    language = language_of(bug)
    result = metrics_of(bug, as_of=as_of, observed_at=as_of)
    every = due_from_tables(result.deadlines, tables.bugs, stamp)
    rows = due_bugs(
        every, tables.bugs, tables.bugs["bug_id"], tables.comments, tables.whiteboard,
        tables.needinfos, stamp, within=within,
    )  # fmt: skip
    asks = asks_of(bug, as_of)
    return waiting_from_tables(rows, every, tables.bugs, asks, None, stamp, within), language


def test_waiting_lists_the_re_raised_ask_and_shows_the_acknowledged_one():
    items, _ = waiting_of(SEED, "2025-09-22")
    asked = items[items["item"].isin(["question", "comment", "needinfo"])].set_index("count")
    assert asked.loc[1, "state"] == "overdue"
    assert asked.loc[1, "due"] == utc("2025-09-19T23:59:59")  # 7 days after the re-raise
    assert asked.loc[1, "reraised_count"] == 3
    assert asked.loc[3, "state"] == "acknowledged" and not asked.loc[3, "in_reminder"]
    assert "respond promptly" in asked.loc[1, "clause"]
    draft = reminder(1904041, items, utc("2025-09-22"))
    lines = draft.splitlines()
    assert any("comment #1" in line and "raised again in comment #3" in line for line in lines)
    assert not any("comment #3 from" in line for line in lines)  # acknowledged: not reminded
    assert any(
        line.startswith("- Weekly update: none since comment #4 of 2025-09-13") for line in lines
    )
    assert "fell due 2025-09-19" in draft and "IRG 3.0" in draft


def test_a_bug_that_owes_nothing_gets_no_draft():
    items, _ = waiting_of(POINTED, "2025-09-21")
    assert reminders(items, [1904041], utc("2025-09-21")) == {}
    assert set(items["state"]) <= {"acknowledged"}


def test_nothing_later_than_as_of_is_listed():
    items, _ = waiting_of(SEED, "2025-09-12T12:00")
    asked = items[items["item"] == "question"].set_index("count")
    assert asked.loc[1, "state"] == "pending"  # re-raised at 09-12: due 09-19
    assert 3 in asked.index and asked.loc[3, "state"] == "pending"  # not answered yet
    assert (items["asked_at"] <= utc("2025-09-12T12:00")).all()


# -- the command -------------------------------------------------------------------------------


def store_of(data_dir, *threads, synced):
    with Store.open(data_dir) as store:
        store.put_bugs([t.raw() for t in threads])
        store.set_meta(last_sync_time=synced, source="test")


QUIET = thread(
    """
    bug 1910 "NetLock: all answered"
    2026-03-01 09:00  ca       files  "Preliminary Incident Report: a typo."
    2026-03-10 09:00  ca       says   "Full Incident Report\\n## Summary\\nA typo."
    """,
    bug_id=1910,
)
ASKED = thread(
    """
    bug 1911 "NetLock: asked"
    2026-03-01 09:00  ca       files  "Preliminary Incident Report: an outage."
    2026-03-02 10:00  mozilla  says   "Why did the monitoring not alert? Please explain."
    2026-03-03 10:00  ca       says   "We are investigating and will report."
    2026-03-05 10:00  mozilla  says   "My comment 1 questions are not addressed. When will they be?"
    """,
    bug_id=1911,
)


def test_remind_end_to_end_through_the_real_stages(cli, data_dir):
    store_of(data_dir, QUIET, ASKED, synced="2026-03-14T00:00:00Z")
    result = cli("due", "--data-dir", data_dir, "--remind")
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    out = result.stdout
    assert "== Bug 1911" in out and "== Bug 1910" not in out
    block = out.split("== Bug 1911", 1)[1]
    assert "comment #1" in block and "raised again in comment #3" in block
    assert "Why did the monitoring not alert?" in block
    assert "respond promptly to comments and questions" in block
    data = cli("due", "--data-dir", data_dir, "--format", "json").json()
    bugs = {b["bug_id"]: b for b in data["bugs"]}
    assert bugs[1911]["reminder"] and "comment #1" in bugs[1911]["reminder"]
    assert {w["count"] for w in bugs[1911]["waiting"] if w["item"] != "update"} >= {1, 3}
    early = cli("due", "--data-dir", data_dir, "--remind", "--as-of", "2026-03-02T12:00:00Z")
    assert "raised again" not in early.stdout and "comment #3" not in early.stdout


def test_remind_with_json_is_a_usage_error(cli, data_dir):
    store_of(data_dir, QUIET, synced="2026-03-14T00:00:00Z")
    result = cli("due", "--data-dir", data_dir, "--remind", "--format", "json")
    assert result.exit_code == ExitStatus.USAGE
    assert "Traceback" not in result.stderr


HOSTILE = thread(
    """
    bug 1912 "NetLock: <img src=x onerror=alert(1)>"
    2026-03-01 09:00  ca       files  "Preliminary Incident Report: an outage."
    2026-03-02 10:00  community says  "Why <script>alert(1)</script> \u202e? Please explain."
    """,
    bug_id=1912,
)


def test_the_due_page_escapes_quotes_in_the_waiting_block_and_the_draft(cli, data_dir):
    from bs4 import BeautifulSoup

    store_of(data_dir, HOSTILE, synced="2026-03-14T00:00:00Z")
    result = cli("due", "--data-dir", data_dir, "--format", "html")
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    soup = BeautifulSoup(result.stdout, "html.parser")
    assert soup.find("script") is None and soup.find("img") is None
    block = soup.select_one("#waiting-1912")
    assert block is not None
    asked = block.select_one('li[data-item="question"] q')
    assert asked is not None and "<script>alert(1)</script>" in asked.get_text()
    draft = block.select_one("pre.reminder").get_text()
    assert "comment #1" in draft and "<script>" in draft  # as text, one line per item
    assert all(line.startswith(("As of", "- ", "Please")) for line in draft.splitlines())
    text = cli("due", "--data-dir", data_dir, "--remind").stdout
    assert "\u202e" not in text and "\x1b" not in text


def test_a_broken_promise_not_yet_kept_is_owed_and_a_late_kept_one_is_not():
    items, _ = waiting_of(SEED, "2025-09-22")
    stamp = utc("2025-09-22")
    tables = tables_of(SEED, observed_at="2025-09-22")
    result = metrics_of(SEED, as_of="2025-09-22", observed_at="2025-09-22")
    every = due_from_tables(result.deadlines, tables.bugs, stamp)
    rows = due_bugs(every, tables.bugs, [1904041], tables.comments, tables.whiteboard, None, stamp)
    promises = pd.DataFrame(
        {
            "bug_id": [1904041, 1904041],
            "count": [2, 4],
            "text": ["We will post the full report by 2025-09-10.", "An update by 09-15."],
            "promised": [utc("2025-09-10"), utc("2025-09-15")],
            "made_at": [utc("2025-09-03T10:00"), utc("2025-09-13T10:00")],
            "url": ["https://bugzilla.mozilla.org/show_bug.cgi?id=1904041#c2"] * 2,
            "keeps": ["a full report", "any CA update"],
            "status": ["broken", "broken"],
            "fulfilled_at": [pd.NaT, utc("2025-09-20")],
        }
    )
    asks = asks_of(SEED, "2025-09-22")
    owed = waiting_from_tables(rows, every, tables.bugs, asks, promises, stamp)
    promised = owed[owed["item"] == "promise"]
    assert promised["count"].tolist() == [2]
    line = reminder(1904041, owed, stamp).splitlines()
    assert any(
        x.startswith('- Promised in comment #2: "We will post the full report') for x in line
    )
    assert len(items) < len(owed)


def test_within_adds_obligations_due_in_the_window():
    bug = thread(
        """
        bug 1913 "NetLock: soon"
        2026-03-01 09:00  ca  files  "Preliminary Incident Report: a typo."
        2026-03-10 09:00  ca  says   full "Full Incident Report."
        """,
        bug_id=1913,
    )
    plain, _ = waiting_of(bug, "2026-03-14")
    assert plain.empty  # the next update is due 03-17: not owed yet
    soon, _ = waiting_of(bug, "2026-03-14", within=pd.Timedelta(days=7))
    assert soon[["item", "state"]].values.tolist() == [["update", "pending"]]
    assert soon["due"].tolist() == [utc("2026-03-17T23:59:59")]


def test_the_due_page_lists_owed_items_and_folds_acknowledged_asks_into_one_line():
    from bs4 import BeautifulSoup

    from analyzer.ahead.promises import promise_summary
    from analyzer.report.due import FORMATS, due_page

    stamp = utc("2025-09-22")
    items, _ = waiting_of(SEED, "2025-09-22")
    tables = tables_of(SEED, observed_at="2025-09-22")
    result = metrics_of(SEED, as_of="2025-09-22", observed_at="2025-09-22")
    every = due_from_tables(result.deadlines, tables.bugs, stamp)
    rows = due_bugs(every, tables.bugs, [1904041], tables.comments, tables.whiteboard, None, stamp)
    page = due_page(rows, every, promise_summary(every.iloc[0:0]), stamp, None, None, waiting=items)
    assert [w.count for w in page.bugs[0].waiting if w.state == "acknowledged"] == [3]
    soup = BeautifulSoup(FORMATS["html"](page), "html.parser")
    block = soup.select_one("#waiting-1904041")
    owed = block.select("li[data-item]")
    assert {li["data-item"] for li in owed} >= {"question", "update"}
    assert all(li["data-state"] != "acknowledged" for li in owed)
    folded = block.select_one("li.acknowledged")
    assert folded is not None and "comment #3" in folded.get_text()
    assert block.select_one("pre.reminder").get_text() == page.bugs[0].reminder


def test_drafts_of_many_bugs_are_each_bugs_own():
    items, _ = waiting_of(SEED, "2025-09-22")
    other = items.assign(bug_id=1)
    # the two bugs' items interleaved, as no table orders them
    both = pd.concat([items, other]).sort_values(["count", "bug_id"], kind="stable")
    stamp = utc("2025-09-22")
    drafts = reminders(both, [1, 1904041, 7], stamp)
    assert list(drafts) == [1, 1904041]
    assert drafts[1904041] == reminder(1904041, items, stamp) != ""
    assert drafts[1] == reminder(1, both, stamp) == drafts[1904041]
