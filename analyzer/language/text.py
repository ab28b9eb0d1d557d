"""Comment text as the commenter wrote it: quotes removed, code and URLs masked, cut into blocks.

Everything downstream reads only what this module returns, so a quoted question, a '?' in a URL
or a '?' in code can never count as the commenter's own question or promise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_REPLY_HEADER = re.compile(r"^\s*\(\s*In reply to\b[^)]*\)?\s*$", re.IGNORECASE)
_QUOTE_LINE = re.compile(r"^\s*>")
_FENCE = re.compile(r"^\s*(```|~~~)")
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_URL = re.compile(r"\b(?:https?://|ftp://|www\.)\S+|\b[\w.-]+\.[a-z]{2,}/\S*\?\S+", re.IGNORECASE)
_URL_TAIL = ".,;:!?)]}>\"'*"
LONG_RUN = 120  # longer than any URL a sentence needs read as one; SHA-256 with colons is 95

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s")
_LIST_ITEM = re.compile(
    r"^\s*(?:\d{1,2}[.)](?!\d)|\(\d{1,2}\)|[-*\u2022\u2013]\s|[a-hA-H][.)]\s|Q\d*[:.)]|Q\s)"
)
_TABLE_ROW = re.compile(r"^\s*\|")
_BOLD_LINE = re.compile(r"^\s*(?:\*\*|__)[^*_].*(?:\*\*|__)\s*:?\s*$")
_LABEL_LINE = re.compile(r"^\s*[A-Z][\w ()/&'-]{0,60}:\s*$")


@dataclass(frozen=True)
class Block:
    """A run of the commenter's own text that no sentence crosses: a paragraph, item or heading."""

    kind: str  # "para", "item", "heading", "label" (a short line ending in ':'), "table"
    text: str


def own_lines(text: str | None) -> list[str]:
    """The commenter's own lines: reply headers, '>' quotes and fenced code dropped."""
    if not text:
        return []
    lines: list[str] = []
    in_fence = False
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
            lines.append("")
            continue
        if in_fence or _QUOTE_LINE.match(line) or _REPLY_HEADER.match(line):
            lines.append("")
            continue
        lines.append(line)
    return lines


def _mask_url(match: re.Match[str]) -> str:
    url = match.group(0)
    stripped = url.rstrip(_URL_TAIL)
    return "URL" + url[len(stripped) :]


_LONG_RUN = re.compile(r"\S{" + str(LONG_RUN) + ",}")
_RUN_END = ".,;:!?)"


def _mask_run(match: re.Match[str]) -> str:
    run = match.group(0)
    word = "URL" if "://" in run[:12] or run[:4].lower() == "www." else "LONG"
    return word + (run[-1] if run[-1] in _RUN_END else "")


def mask(line: str) -> str:
    """Replace inline code and URLs, whose '?' and '.' are not sentence punctuation, and runs
    of ``LONG_RUN`` or more non-space characters (a hash, a blob, a hostile "?????"), which
    hold no sentence: cutting them first keeps every later pattern and the tokenizer linear."""
    if len(line) >= LONG_RUN:
        line = _LONG_RUN.sub(_mask_run, line)
    if "`" in line:
        line = _INLINE_CODE.sub("CODE", line)
    if "/" in line or "www." in line:
        line = _URL.sub(_mask_url, line)
    return line


def _line_kind(line: str) -> str | None:
    if _HEADING.match(line):
        return "heading"
    if _TABLE_ROW.match(line):
        return "table"
    if _BOLD_LINE.match(line):
        return "heading"
    if _LABEL_LINE.match(line):
        return "label"
    if _LIST_ITEM.match(line):
        return "item"
    return None


def blocks(text: str | None, lines: list[str] | None = None) -> list[Block]:
    """Cut the commenter's own text into blocks; hard-wrapped lines of a paragraph are joined.
    ``lines`` are its :func:`own_lines` when the caller has them already."""
    result: list[Block] = []
    kind, parts = "", []

    def flush() -> None:
        if parts:
            result.append(Block(kind, " ".join(p.strip() for p in parts)))
            parts.clear()

    for raw in own_lines(text) if lines is None else lines:
        line = mask(raw)
        if not line.strip():
            flush()
            continue
        start = _line_kind(line)
        if start in ("heading", "table", "label"):
            flush()
            result.append(Block(start, line.strip()))
            continue
        if start == "item" or not parts or parts[-1].rstrip().endswith("URL"):
            flush()
            kind = start or "para"
        parts.append(line)
    flush()
    return result
