"""Commitments: dated promises ("we will post an update by Friday", action-item table rows).

A sentence is a promise when it says who will do what (``we will``, ``we plan to``, ``will be
published``, ``next update``, ``due``) and names a day on or after the comment's own day. Each
row of a Markdown action-item table with a due date is one ``action_item`` commitment carrying
the row's status text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from analyzer.language.action_items import read_action_items
from analyzer.language.dates import EXPLICIT_KINDS, FoundDate, find_dates
from analyzer.language.pipeline import nlp
from analyzer.language.text import Block

if TYPE_CHECKING:
    from spacy.tokens import Doc


@dataclass(frozen=True)
class Commitment:
    text: str
    promised: date
    kind: str  # "update", "report", "revocation", "action_item"
    status: str | None = None
    ambiguous: bool = False  # the date's day and month could be swapped (nearest after taken)


# _PROMISE, _DATE_HINT and _DEADLINE_WORD are lower case: they are matched against lowered text.
_PROMISE = re.compile(
    r"\b(?:we|i)\b(?:\s+\w+){0,3}?\s+(?:will|shall|plan|intend|expect|aim|commit|target|decided to|"
    r"are going to|am going to|are planning|are aiming|hope)\b|\bwe'll\b|\bi'll\b|"
    r"\b(?:will|is going to|are going to) be (?:\w+ly )?(?:published|posted|provided|shared|"
    r"completed|finished|deployed|implemented|released|submitted|updated|available|done|"
    r"revoked|replaced|ready|sent|filed|delivered|fixed|in place|live|rolled out|added|"
    r"attached|closed|uploaded|made)\b|"
    r"\b(?:is|are)\s+(?:now\s+)?(?:expected|scheduled|planned|targeted|due|set)\s+"
    r"(?:to|for|on|by)\b|"
    r"\bnext\s+(?:\w+\s+)?update\b|\bdue\b(?!\s+to\s+(?!be\b))(?:\s+date)?|"
    r"\btarget(?:ed)?\s+(?:date|completion)\b|"
    r"\beta\b|\bexpected\s+(?:completion|date|by|on)\b|\bno later than\b|"
    r"\b(?:and|then|also|but) (?:we )?(?:will|expect to|plan to|intend to|aim to)\b|"
    r"\b(?:will|shall) (?:follow|come|arrive|go live|take place|start|begin|finish|complete)\b|"
    r"\bfollows?\s+(?:on|by|until|no later than)\b",
)
_DATE_HINT = re.compile(
    r"\d|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun|"
    r"today|tomorrow|week|month|quarter|year|end of|days)",
)
_STRONG_BEFORE = re.compile(
    r"(?:\bby|\buntil|\btill|\bbefore|\bno later than|\bnot later than|\bon or before|\bdue|"
    r"\beta|\bon|\bfor|\bat|\bwithin|\bin|\baround|\bthan)[\s:,(]*(?:the\s+)?$",
    re.IGNORECASE,
)
_REPORT = re.compile(
    r"\b(?:(?:full|final|incident|preliminary|closure|detailed|complete|updated|revised)\s+"
    r"(?:incident\s+)?report|report closure|closure summary|root cause analysis|rca|"
    r"post-mortem|postmortem|"
    # "update the report": the report is what is promised, not an update to the thread
    r"(?:update|amend|revise|correct|complete|finali[sz]e|extend|fix)\s+(?:the|our|this)\s+"
    r"(?:incident\s+)?report)\b",
    re.IGNORECASE,
)
_REVOCATION = re.compile(r"\brevo(?:k|cation)", re.IGNORECASE)
# Words that make a date a fact about the past or present ("came to our attention on", "raised
# today", "discovered today"), and words that make it a deadline; lower case.
_PAST = re.compile(
    r"\b(?:was|were|been|came|became|noticed|discovered|detected|found|identified|raised|"
    r"received|reported|learned|learnt|saw|seen|started|began|begun|occurred|happened|"
    r"informed|notified|contacted|alerted|flagged|observed|issued|revoked|fixed|deployed|"
    r"restored|published|posted|sent|opened|filed|completed|finished|realized|realised|had|"
    r"did|got|since|ago)\b"
)
# Past tense no participle shares ("all certificates issued by X will be revoked by DATE" is a
# promise; "all certificates were revoked by DATE" is not).
_PAST_TENSE = re.compile(
    r"\b(?:was|were|had|did|came|became|saw|began|got|happened|occurred|ago)\b"
)
# A promise not to, or not to be able to, is no promise of a thing by that day.
_NEGATION = re.compile(r"\bnot\b(?!\s+later\s+than)|n't\b|\bnever\b|\bunable\b|\bcannot\b")
# A future or modal framing anywhere in the date's clause: the date is what is promised.
_MODAL = re.compile(
    r"\b(?:will|shall|going to|plan|plans|planned|planning|intend|intends|expect|expects|"
    r"expected|aim|aims|scheduled|target|targeted|eta|next|tomorrow|latest|"
    r"committed to|commit to|decided to)\b|'ll\b|\bdue\b(?!\s+to\s+(?!be\b))"
)
# A deadline word right before the date ("by 2025-03-01", "no later than Friday"): a deadline,
# unless its clause tells of the past ("we revoked them by 2025-03-01"). "until" is not one: it
# ends a period ("until 19 August 2025, the intermediate issued ...").
_DEADLINE_BEFORE = re.compile(
    r"(?:\bby|\bbefore|\bno later than|\bnot later than|\bon or before|\bdue(?: on| by)?|"
    r"\beta|\bdeadline|\btarget(?: date)?|\bwithin)[\s:,(]*(?:the\s+)?(?:end of\s+)?$"
)
_CLAUSE_BREAK = re.compile(r"[,;:()]|\b(?:and|but|while|whereas|which|when|after)\b")
# A modal reaches over "and" ("will be replaced and revoked until 05-06-21"), not over a comma or
# a subordinate clause.
_MODAL_BREAK = re.compile(r"[,;:()]|\b(?:while|whereas|which|when|after|because|since)\b")
# A sentence the sentencizer cut after an abbreviation ("max. in 2 weeks") goes on.
_ABBREVIATION_END = re.compile(
    r"\b(?:max|min|approx|appr|ca|resp|incl|e\.g|i\.e|etc|no|vs|est)\.$", re.IGNORECASE
)
_UPDATE = re.compile(
    r"\b(?:(?:an?|next|further|weekly|bi-weekly|status|progress|another|the)\s+update|"
    r"updates?\s+(?:on|to|in)\s+(?:this|the)\s+(?:bug|ticket|thread|issue)|"
    r"update (?:this|the) (?:bug|ticket|thread|issue)|status|progress|answer|respond|reply|"
    r"report (?:back|(?:the |our )?(?:outcome|results?|findings|progress)))\b",
    re.IGNORECASE,
)
_DEADLINE_WORD = re.compile(r"\b(?:by|until|till|before|due|no later than|eta)\b")
_SPACE = re.compile(r"\s+")
_TRAILING_FRAGMENT = 2  # sentences with fewer words are list markers like "1."
MAX_DATES = 12  # dates read per sentence: a real promise names a few; a hostile one thousands
MAX_TEXT = 600  # characters of the sentence kept as the promise's text


def _kind(clause: str) -> str:
    if _REPORT.search(clause):
        return "report"
    if _UPDATE.search(clause):
        return "update"
    if _REVOCATION.search(clause):
        return "revocation"
    return "action_item"


def _clause(text: str, found: FoundDate) -> tuple[str, str]:
    """The lowered words of the clause around a date: before it and after it."""
    start = max(0, found.start - 80)
    before = text[start : found.start].lower()
    breaks = list(_CLAUSE_BREAK.finditer(before))
    if breaks:
        before = before[breaks[-1].end() :]
    after = text[found.end : found.end + 80].lower()
    cut = _CLAUSE_BREAK.search(after)
    if cut:
        after = after[: cut.start()]
    return before, after


def _framing(text: str, found: FoundDate) -> str:
    """How the date's own clause frames it: ``future`` (a modal or future word in the clause,
    or a deadline word right before the date in a clause not in the past tense), ``past`` (the
    clause tells what happened: "came to our attention on 2020-01-20", "we raised today an
    alarm", "were discovered today by scanning"), or ``""`` (neither: the sentence decides)."""
    before, after = _clause(text, found)
    if _NEGATION.search(before):
        return "past"  # "we do not expect to revoke them within the 5-day requirement"
    past = bool(_PAST.search(before) or _PAST.search(after))
    reach = text[max(0, found.start - 120) : found.start].lower()
    breaks = list(_MODAL_BREAK.finditer(reach))
    if breaks:
        reach = reach[breaks[-1].end() :]
    if _MODAL.search(reach) or _MODAL.search(after):
        return "future"
    if _DEADLINE_BEFORE.search(text[max(0, found.start - 40) : found.start].lower()):
        return "past" if _PAST_TENSE.search(before) or _PAST_TENSE.search(after) else "future"
    return "past" if past else ""


def _promises_in_sentence(sentence: str, ref: date, listed: bool = False) -> list[Commitment]:
    """Promises in one sentence; ``listed`` sentences (list items) need no "we will", only a
    deadline word ("1. Revoke all certificates - by 2023-08-31")."""
    text = _SPACE.sub(" ", sentence).strip()
    lowered = text.lower()
    promise = _PROMISE.search(lowered)
    if text.endswith("?") or not (promise or (listed and _DEADLINE_WORD.search(lowered))):
        return []
    found = _prefer_explicit(find_dates(text, ref)[:MAX_DATES])
    if promise and "decided" in promise.group(0) and not _PROMISE.search(lowered, promise.end()):
        # "we have decided to remove it by 2024-07-31" promises that day; "09:40 ... we have
        # decided to revoke within 5 days" is a timeline entry whose day is not the comment's
        found = [f for f in found if f.kind in EXPLICIT_KINDS]
    framing = {f: _framing(text, f) for f in found if f.day >= ref}
    future = [f for f, how in framing.items() if how != "past"]
    if not future:
        return []
    strong = [f for f in future if _STRONG_BEFORE.search(text[max(0, f.start - 40) : f.start])]
    # a list item without a promise word needs a date its clause frames as a deadline (not a
    # period: "Until 19 August 2025, the intermediate ...")
    if not promise and not (listed and any(framing[f] == "future" for f in strong)):
        return []
    strong += [f for f in future if f.kind not in EXPLICIT_KINDS and f not in strong]
    strong.sort(key=lambda f: f.start)
    if any(f.kind in EXPLICIT_KINDS for f in strong):
        strong = [f for f in strong if f.kind != "within"]  # "within 5 days, i.e. on July 8"
    chosen = strong or future[:1]
    shown = text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "\u2026"
    if len(chosen) == 1:
        only = chosen[0]
        return [Commitment(shown, only.day, _kind(text[: only.end]), None, only.ambiguous)]
    commitments = []
    previous_end = 0
    for f in chosen:
        kind = _kind(text[previous_end : f.end] or text)
        commitments.append(Commitment(shown, f.day, kind, None, f.ambiguous))
        previous_end = f.end
    if len({(c.kind, c.promised) for c in commitments}) == 1:
        return commitments[:1]
    return commitments


def _prefer_explicit(found: list[FoundDate]) -> list[FoundDate]:
    """Drop a weekday or relative date right next to an explicit one ("Friday, 4 July")."""
    explicit = [f for f in found if f.kind in EXPLICIT_KINDS]
    kept = []
    for f in found:
        if f.kind not in EXPLICIT_KINDS and any(abs(e.start - f.end) <= 3 for e in explicit):
            continue
        if f.kind not in EXPLICIT_KINDS and any(abs(f.start - e.end) <= 3 for e in explicit):
            continue
        kept.append(f)
    return kept


def is_candidate(block: Block) -> bool:
    """Whether a block can hold a dated promise: a promise or deadline word and a date-like word."""
    if block.kind == "table":
        return False
    text = block.text
    text = text.lower()  # the cue patterns are lower case: faster than IGNORECASE
    cue = _PROMISE.search(text) or (block.kind == "item" and _DEADLINE_WORD.search(text))
    return bool(cue and _DATE_HINT.search(text))


def promised_in(doc: Doc, day: date, listed: bool) -> list[Commitment]:
    """The promises of one block already run through the pipeline."""
    found: list[Commitment] = []
    for sentence in _sentences(doc):
        found.extend(_promises_in_sentence(sentence, day, listed))
    return found


def _sentences(doc: Doc) -> list[str]:
    """The sentences of a block, joined again where the sentencizer cut after an abbreviation
    ("max. in 2 weeks"); list-marker fragments ("1.") dropped."""
    joined: list[str] = []
    carry = ""
    for sent in doc.sents:
        text = sent.text
        if carry:
            text = carry + " " + text
            carry = ""
        if _ABBREVIATION_END.search(text.rstrip()) and len(text) < MAX_TEXT:
            carry = text
            continue
        if len(sent) > _TRAILING_FRAGMENT or len(text) > len(sent.text):
            joined.append(text)
    if carry:
        joined.append(carry)
    return joined


def table_commitments(blocks: Sequence[Block], day: date) -> list[Commitment]:
    """One ``action_item`` per row of an Action Items table that names a due day (the
    language stage's action-items reading; a Related Incidents table's dates are not due)."""
    lines = [block.text if block.kind == "table" else "" for block in blocks]
    if not any(lines):
        return []
    return [
        Commitment(i.row, i.due, "action_item", i.status or None, i.ambiguous)
        for i in read_action_items("\n".join(lines), day)
        if i.due is not None
    ]


def find_commitments(
    comment_blocks: Sequence[Sequence[Block]], days: Sequence[date | None]
) -> list[list[Commitment]]:
    """The dated promises of each comment, in order (tables first, then sentences)."""
    found: list[list[Commitment]] = [
        table_commitments(blocks, day) if day else []
        for blocks, day in zip(comment_blocks, days, strict=True)
    ]

    def candidates() -> Iterable[tuple[str, tuple[int, bool]]]:
        for index, (blocks, day) in enumerate(zip(comment_blocks, days, strict=True)):
            if day is not None:
                for block in blocks:
                    if is_candidate(block):
                        yield block.text, (index, block.kind == "item")

    for doc, (index, listed) in nlp().pipe(candidates(), as_tuples=True, batch_size=512):
        found[index].extend(promised_in(doc, days[index], listed))
    return found
