"""Which CA a bug is about: the summary's prefix (``NETLOCK: ...``) through the alias table."""

from __future__ import annotations

import re

from analyzer.parse.reference import Reference, normalise_key

# Prefixes longer than this are a sentence with a colon in it, not a CA name.
_MAX_PREFIX = 80
_SEPARATORS = re.compile(r"\s*/\s*")


def summary_prefix(summary: str) -> str:
    """The text before the summary's first colon (``""`` when there is no CA-like prefix)."""
    head, colon, _ = summary.partition(":")
    head = head.strip()
    if not colon or not head or len(head) > _MAX_PREFIX:
        return ""
    return head


def attribute(summary: str, reference: Reference) -> tuple[str, bool]:
    """``(ca, known)``: canonical CA name, or the unknown prefix itself, or ``""`` without one.

    Order: the whole prefix; the first part of ``A / B`` (a sub-CA customer of A); a known CA
    name at the very start of a summary without a usable prefix (``NETLOCK - ...``).
    """
    prefix = summary_prefix(summary)
    if prefix:
        key = normalise_key(prefix)
        if key in reference.aliases:
            return reference.aliases[key], True
        first = normalise_key(_SEPARATORS.split(prefix, maxsplit=1)[0])
        if first in reference.aliases:
            return reference.aliases[first], True
        return prefix, False
    found = _leading_name(summary, reference)
    return (found, True) if found else ("", False)


def _leading_name(summary: str, reference: Reference) -> str:
    text = normalise_key(summary)
    best = ""
    for alias in reference.aliases:
        if len(alias) > len(best) and text.startswith(alias):
            rest = text[len(alias) : len(alias) + 1]
            if not rest or not rest.isalnum():
                best = alias
    return reference.aliases[best] if best else ""
