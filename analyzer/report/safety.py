"""Untrusted text made safe to show, and file names made safe to write.

Bug summaries, CA names (unknown prefixes come straight from summaries), account names and
comment text are written by anyone with a Bugzilla account. HTML escaping is Jinja's job
(autoescape); this module removes what escaping cannot: invisible or direction-changing
characters that make text read differently from what it is. Links are
:func:`analyzer.bmo.trusted_link`'s.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

SHOWN = "\ufffd"  # stands where an invisible or control character was, so tampering shows

_SLUG_DROP = re.compile(r"[^a-z0-9]+")
_RESERVED_SLUGS = {"index", "scorecards", "con", "nul", "prn", "aux"}


def clean_text(value: object, limit: int = 400) -> str:
    """Text fit to show: control and format characters (RTL overrides, zero-width) made visible.

    Newlines and tabs become spaces, so one field stays one line in a table or a Markdown list.
    """
    if value is None or (isinstance(value, float) and value != value):
        return ""
    text = unicodedata.normalize("NFC", str(value))
    out = []
    for char in text:
        if char in "\n\r\t":
            out.append(" ")
        elif unicodedata.category(char) in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp"):
            out.append(SHOWN)
        else:
            out.append(char)
    cleaned = " ".join("".join(out).split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "\u2026"


_TERMINAL_UNSAFE = re.compile(
    r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]"
)


def terminal_safe(text: str) -> str:
    """A block of output for a terminal: its lines kept, but escape sequences, bidi overrides
    and zero-width characters from bug text shown as U+FFFD instead of acted on."""
    return _TERMINAL_UNSAFE.sub(SHOWN, text)


def slugify(name: str, taken: set[str]) -> str:
    """A file-name-safe, unique slug: ASCII letters, digits and dashes, never a path.

    Names that lose characters (non-Latin scripts, odd Unicode) or clash with another CA's
    slug or with our own files get a short hash of the name, so two CAs never share a page.
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    base = _SLUG_DROP.sub("-", ascii_name.lower()).strip("-")[:60].strip("-")
    lossy = not base or ascii_name != name or not re.fullmatch(r"[A-Za-z0-9 .,&()'-]*", name)
    slug = base or "ca"
    if lossy or slug in taken or slug in _RESERVED_SLUGS:
        digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
        slug = f"{slug}-{digest}"
    while slug in taken:  # a hash clash: practically never, but never overwrite a page
        slug = f"{slug}-x"
    taken.add(slug)
    return slug


def slugs_for(names: Iterable[str]) -> dict[str, str]:
    """One slug per name, the same on every page that links to it: assigned over all names in
    sorted order, so ``NetLock`` and ``Netlock`` get two pages and every link agrees which."""
    taken: set[str] = set()
    return {name: slugify(name or "no-ca", taken) for name in sorted(set(names))}


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A text cell a spreadsheet will not run: one starting ``=``, ``+``, ``-``, ``@``, tab or
    CR gets a leading ``'`` (numbers, times and empty cells are left as they are)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_safe(frame):
    """``frame`` with every text column passed through :func:`csv_cell` (a copy if needed)."""
    columns = [
        name
        for name in frame.columns
        if frame[name].dtype == object or str(frame[name].dtype) in ("string", "str")
    ]
    if not columns:
        return frame
    frame = frame.copy()
    for name in columns:
        frame[name] = frame[name].map(csv_cell, na_action="ignore")
    return frame
