"""Which earlier comments a comment points to: by quoting them, replying to them, or naming them.

Why: reviewers re-raise a question the CA's reply passed over ("I did have some questions in
Comment 39 that have not been addressed") and the CA settles it by pointing back ("For comment
39: ..."). SPEC "Waiting on the CA": a comment *points to* an earlier one when it quotes it
(``>`` lines that are that comment's own words), replies to it (BMO's ``(In reply to NAME from
comment #N)`` header) or names it (``comment 39``, ``comment #39``, ``comments 39 and 41``,
``c39``, a link to ``#c39`` of the same bug). A comment of another bug (``bug 123 comment 4``,
``show_bug.cgi?id=123#c4``) is not one of this thread's.

Pure text functions: no tables, no language pipeline.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from analyzer.language.text import own_lines

_REPLY = re.compile(
    r"^\s*\(\s*In reply to\b[^)\n]*?\bcomment\s*#?\s*(\d{1,5})\b[^)\n]*\)?", re.I | re.M
)
# "comment 39", "Comment #39", "comments 39 and 41", "comments #39, #41 and #44", "c39"
_NAMED = re.compile(
    r"(?<![\w#/=.-])(?:(?P<word>comments?)\s*(?:no\.?\s*)?#?\s*(?P<first>\d{1,5})"
    r"(?P<more>(?:\s*(?:,|and|&|or)\s*#?\s*\d{1,5}\b)*)|c(?P<short>\d{1,5}))\b",
    re.I,
)
_MORE = re.compile(r"\d{1,5}")
# "my comment 3 days ago" names a time, not comment 3
_TIME_UNIT = re.compile(r"^\s*(?:days?|weeks?|hours?|months?|years?|minutes?|business)\b", re.I)
_OTHER_BUG = re.compile(r"\bbug\s*#?\s*\d+\s*,?\s*(?:'s\s*)?$", re.I)
_LINK = re.compile(r"show_bug\.cgi\?id=(\d+)#c(\d{1,5})\b", re.I)
_QUOTE = re.compile(r"^\s*((?:>\s*)+)(.*)$")
_SQUASH = re.compile(r"[^a-z0-9]+")
MIN_QUOTE = 20  # letters and digits a quoted line needs to identify the comment it came from


def squash(text: str) -> str:
    """Lower-case letters and digits only: how a quote is compared with its source (quoting
    re-wraps lines and drops Markdown)."""
    return _SQUASH.sub("", text.lower())


def own_words(text: str | None) -> str:
    """The commenter's own lines of ``text``, squashed (what a later quote of it would show)."""
    return squash(" ".join(own_lines(text)))


def named_counts(text: str, bug_id: int | None = None) -> set[int]:
    """Comment numbers ``text`` replies to or names (of this thread, not of another bug's).
    Names count in the commenter's own lines only: a quoted "see comment 39" is someone else's
    pointer (a reviewer quoting the CA's "For comment 39:" does not re-raise comment 39)."""
    found = {int(m.group(1)) for m in _REPLY.finditer(text)}
    text = "\n".join(own_lines(text))
    for match in _NAMED.finditer(text):
        before = text[max(0, match.start() - 24) : match.start()]
        if _OTHER_BUG.search(before) or _TIME_UNIT.match(text[match.end() :]):
            continue
        if match.group("short") is not None:
            found.add(int(match.group("short")))
            continue
        found.add(int(match.group("first")))
        found.update(int(n) for n in _MORE.findall(match.group("more") or ""))
    for match in _LINK.finditer(text):
        if bug_id is not None and int(match.group(1)) == bug_id:
            found.add(int(match.group(2)))
    return found


def quoted_lines(text: str) -> list[str]:
    """The squashed ``>`` lines of ``text`` that are long enough to identify their source."""
    out = []
    for line in text.replace("\r\n", "\n").split("\n"):
        match = _QUOTE.match(line)
        if match:
            words = squash(match.group(2))
            if len(words) >= MIN_QUOTE:
                out.append(words)
    return out


def points_to(
    text: str | None, count: int, earlier: Mapping[int, str], bug_id: int | None = None
) -> set[int]:
    """The earlier comments (their ``count``) that comment ``count`` points to.

    ``earlier``: count -> :func:`own_words` of each earlier comment of the thread with text.
    """
    if not text:
        return set()
    found = {n for n in named_counts(text, bug_id) if n < count}
    for quote in quoted_lines(text):
        for n, words in earlier.items():
            if n < count and quote in words:
                found.add(n)
    return found
