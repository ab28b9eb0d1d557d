"""Questions: what counts as asking, and what is someone else's words or not a question."""

from __future__ import annotations

import pytest

from analyzer.language.questions import find_questions
from analyzer.language.text import blocks


def questions(text: str) -> list[str]:
    return find_questions([blocks(text)])[0]


@pytest.mark.parametrize(
    "text",
    [
        "Why was the CRL not published?",
        "Please explain why the CRL was not published.",
        "Could you elaborate on the timeline.",
        "We would like to know who approved the change.",
        "Kindly provide the serial numbers.",
        "Also, has the code been reviewed by a second developer.",
        "So you knew since August?!",
        "It would be helpful to see the zlint output.",
    ],
)
def test_one_question(text):
    assert questions(text) == [text]


@pytest.mark.parametrize(
    "text",
    [
        "Please find attached the list of revoked certificates.",
        "Please let us know if you have any further questions.",
        "See https://crt.sh/?id=123 for the certificate.",
        "The lint says `dNSName contains ?` for this one.",
        'The lint output says "contains ?".',
        "Why does it matter? Because relying parties cannot check revocation.",
        "## What went well?",
        "Thank you for the detailed answer.",
        "```\nSELECT id FROM certificate WHERE issuer = ?;\n```",
    ],
)
def test_no_question(text):
    assert questions(text) == []


def test_quotes_are_someone_elses_words():
    text = (
        "(In reply to Ben from comment #3)\n> Why was the CRL late?\n\n"
        "It was late because of a full disk."
    )
    assert questions(text) == []


def test_numbered_list_counts_each_question():
    text = "A few questions:\n1. When did you learn it?\n2) Who decided?\n(3) Why so late?"
    assert questions(text) == ["When did you learn it?", "Who decided?", "Why so late?"]


def test_hard_wrapped_question_is_one_sentence():
    text = "Could you explain why the monitoring did not\nalert for nine days?"
    assert questions(text) == ["Could you explain why the monitoring did not alert for nine days?"]


def test_url_question_mark_does_not_end_sentence():
    text = "Is https://example.com/?q=1 the page you meant?"
    assert questions(text) == ["Is URL the page you meant?"]


def test_line_after_a_url_starts_a_new_sentence():
    text = "Please provide an incident report, as described here:\nhttps://wiki.example.org/CA\n"
    text += "The report should also be posted to the forum."
    assert questions(text) == ["Please provide an incident report, as described here: URL"]


def test_offer_to_answer_is_not_a_question():
    assert questions("Let me know what questions you have.") == []
    assert questions("Let us know why the CRL was late.") == ["Let us know why the CRL was late."]


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ("Why?!?", "Why?!?"),  # a reviewer's whole question (issue 25: 1904041 comment 4)
        ("Why?", "Why?"),
        ("How?", "How?"),
        ("When?!", "When?!"),
        ("Status?", "Status?"),
        ("Any update?", "Any update?"),
        ("Thanks for the update. Status?", "Status?"),
        ("Really?! That was the second time.", "Really?!"),
        ("WHY???", "WHY???"),
        ("(Why?)", "(Why?)"),
    ],
)
def test_a_short_interrogative_sentence_is_a_question(text, asked):
    assert questions(text) == [asked]


@pytest.mark.parametrize(
    "text",
    [
        "?",
        "5?",
        "See https://crt.sh/?id=5 for details.",
        "Use `a?` there.",
        'The subscriber asked "why?" and we explained the rule.',
        "> Why?\n\nBecause the profile was wrong.",
        "Why? Because nobody reviewed the change.",
    ],
)
def test_a_mark_inside_a_url_code_or_quote_is_no_short_question(text):
    assert questions(text) == []
