"""A simple stand-in for the language stage, used when its tables are not available.

Why: the needinfo and question rules need question counts and report kinds. When the language
stage is missing, a plain rule keeps the metrics computable, and the output says which source
was used (``MetricsResult.questions_source``).

- question: a sentence ending in ``?`` outside quoted lines (``>`` lines and ``(In reply to``).
- report kind: from the IRG headings (closure, full, preliminary), else ``update``.
"""

from __future__ import annotations

import re

_QUOTE_LINE = re.compile(r"^\s*(>|\(In reply to\b)", re.IGNORECASE)
_QUESTION_END = re.compile(r"\?+(?=[\s\"')\]]|$)")
_CLOSURE = re.compile(r"(report|incident)\s+closure\s+summary", re.IGNORECASE)
_FULL = re.compile(r"full\s+incident\s+report", re.IGNORECASE)
_PRELIMINARY = re.compile(r"preliminary\s+(incident\s+)?report", re.IGNORECASE)
_SECTION = re.compile(
    r"^[\s#*_]*(summary|impact|timeline|root cause analysis|lessons learned|action items)\b",
    re.IGNORECASE | re.MULTILINE,
)
SECTIONS_FOR_FULL = 4


def unquoted(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not _QUOTE_LINE.match(line))


def count_questions(text: str | None) -> int:
    """Question sentences outside quoted lines (0 when the text is unknown)."""
    if not text:
        return 0
    return len(_QUESTION_END.findall(unquoted(text)))


def report_kind(text: str | None) -> str | None:
    """``closure``, ``full``, ``preliminary`` or ``update``; None when the text is unknown."""
    if text is None:
        return None
    body = unquoted(text)
    if _CLOSURE.search(body):
        return "closure"
    if _FULL.search(body):
        return "full"
    if len({m.lower() for m in _SECTION.findall(body)}) >= SECTIONS_FOR_FULL:
        return "full"
    if _PRELIMINARY.search(body):
        return "preliminary"
    return "update"
