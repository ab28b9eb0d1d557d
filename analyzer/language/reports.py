"""Report kinds from IRG section headings, and which template a report follows.

Headings come in many spellings (``## Root Cause Analysis``, ``**Root cause:**``, ``Timeline:``,
``1. How your CA first became aware ...``); the spellings live in ``language_sections.csv`` and
``language_old_template.csv``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from analyzer.language.pipeline import read_table
from analyzer.language.text import own_lines

FULL_SECTIONS = (
    "Summary",
    "Impact",
    "Timeline",
    "Related Incidents",
    "Root Cause Analysis",
    "Lessons Learned",
    "Action Items",
    "Appendix",
)
MARKERS = ("closure", "preliminary", "full")
MIN_FULL_SECTIONS = 4
MIN_OLD_ITEMS = 4

_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*(.+?)\s*#*\s*$")
_BOLD = re.compile(r"^\s*(?:[-*]\s+)?(?:\d{1,2}[.)]\s*)?(?:\*\*|__)(.+?)(?:\*\*|__)\s*:?\s*(.*)$")
_LABEL = re.compile(
    r"^\s*(?:[-*]\s+)?(?:\d{1,2}[.)]\s*|[A-H][.)]\s+)?([A-Za-z][\w ()/&'-]{1,60}?)\s*:(.*)$"
)
_NUMBERING = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*[.):]?|[a-h][.)]|[ivx]{1,4}[.)]|section \d+)\s+")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_UPDATE_CUE = re.compile(
    r"\b(?:update[sd]?|progress|status|on track|still (?:working|investigating|in progress)|"
    r"working on|we (?:have|'ve) (?:now )?(?:completed|finished|deployed|revoked|implemented|"
    r"published|fixed|replaced|reissued|released|updated|started|begun|identified)|completed|"
    r"remediation|action items?|no (?:further|new) (?:updates?|developments|information)|"
    r"weekly|deployed|revoked|in progress|will (?:provide|post|publish|share)|"
    r"(?:is|are|has been|have been) (?:now )?(?:published|deployed|revoked|completed|done|fixed|"
    r"implemented|released|replaced)|(?:expect|plan|intend) to (?:post|publish|provide|share|"
    r"complete|finish|deploy))\b",
)
_FIRST_WORD = re.compile(
    r"^[\s#*_>\-\u2022\d.():|]*(?:[a-hA-H][.)]\s+|section\s+\d+\S*\s+)?([A-Za-z]+)"
)
_OLD_HINT = re.compile(r"your ca|problematic certificates|how and why the mistakes")
_IRG3_LINES = re.compile(
    r"contributing factor|ccadb unique id|non-compliance (?:start|identified|end) date|"
    r"commitment summary|incident root cause|evaluation criteria|corresponding root cause|"
    r"source of incident disclosure|incident description",
)


_ATTACHMENT = re.compile(r"\A\s*Created attachment \d+\s*\n[ \t]*([^\n]{1,300})")
_FILE_EXTENSION = re.compile(r"\.[a-z0-9]{2,5}$")
_ATTACHMENT_KINDS = (
    (
        "closure",
        re.compile(
            r"\b(?:incident|report) closure\b|\bclosure (?:report|summary)\b|"
            r"\bclosing (?:report|summary)\b|\bincident report closure\b"
        ),
    ),
    ("preliminary", re.compile(r"\b(?:preliminary|initial) (?:incident )?report\b")),
    (
        "full",
        re.compile(
            r"\bincident report\b|\b(?:full|final|detailed) report\b|\broot cause analysis\b|"
            r"\bpost[ -]?mortem\b"
        ),
    ),
)


def attachment_kind(text: str | None) -> str | None:
    """The report kind an attachment's description names, for a comment that posts one
    ("Created attachment N" and the description on the next line, as BMO writes it):
    "Incident Report", "Preliminary Incident Report.pdf", "## Incident Closure"."""
    if not text or "attachment" not in text[:40]:
        return None
    match = _ATTACHMENT.match(text)
    if not match:
        return None
    description = _FILE_EXTENSION.sub("", match.group(1).strip().lower())
    description = _NON_WORD.sub(" ", description.replace("_", " ")).strip()
    for kind, pattern in _ATTACHMENT_KINDS:
        if pattern.search(description):
            return kind
    return None


# What a report says it is (SPEC "Report kinds on partial text"): its title, or a sentence
# stating it is itself preliminary. A cut text shows its title and first sections only.
_SELF_PRELIMINARY = re.compile(
    r"\bthis (?:is|serves as|constitutes) (?:(?:a|an|our|the) )?(?:first |short )?"
    r"(?:preliminary|initial)(?: incident)? report\b"
)
_TITLE_FULL = frozenset(
    {"incident report", "full incident report", "audit incident report", "final incident report"}
)
_TITLE_SEPARATOR = re.compile(r"\s(?:-|\u2013|\u2014|for|on|regarding)\s|:|\(|\[")
_BRACKET = re.compile(r"\(")
_PRELIMINARY_WORD = re.compile(r"\b(?:preliminary|initial)\b")
# BMO's bug-entry form puts these above a report filed as comment 0
_FORM_LINE = re.compile(
    r"^\s*(?:user agent:|(?:steps to reproduce|actual results|expected results):?\s*$|"
    r"created attachment \d+)",
    re.IGNORECASE,
)
TITLE_LINES = 2  # a title is among the first own lines (after BMO's form lines)
# Mozilla's 7-question report: a line that starts with question 1 (numbered or not, bold,
# quoted as a pasted prompt: "1. How your CA first became aware ...", "> 1.", "1-", "**How")
_SEVEN_QUESTIONS = re.compile(
    r"^[\s>#*_=|\u2022-]*(?:(?:\d{1,2}(?:\.\d{1,2})?|[ivx]{1,3})\s*[-.)/:]*[\s-]*)?[*_\s]*"
    r"how (?:your|the|our) ca first became aware",
    re.IGNORECASE,
)
_REPLY = re.compile(r"^\(in reply to\b", re.IGNORECASE | re.MULTILINE)


def declared_kind(lines: list[str], text: str | None = None) -> str | None:
    """The kind a report states for itself: ``preliminary`` ("This is a preliminary report",
    a "Preliminary Incident Report" or "Incident Report (Preliminary)" title), ``full`` (an
    "Incident Report", "Full Incident Report" or "Audit Incident Report" title, or Mozilla's
    7-question form opening with "1. How your CA first became aware"), else None. A mention of
    another report ("we will file an initial report") states nothing."""
    if _SELF_PRELIMINARY.search("\n".join(lines).lower()):
        return "preliminary"
    kinds = [_title_kind(title, heading) for title, heading in _titles(lines)]
    if "preliminary" in kinds:
        return "preliminary"
    if "full" in kinds:
        return "full"
    if any(_SEVEN_QUESTIONS.match(line) for line in _template_lines(lines, text)):
        return "full"
    return None


def _template_lines(lines: list[str], text: str | None) -> list[str]:
    """Where the 7-question form's prompts can be: the commenter's own lines, and '>' lines
    when they are the template's prompts pasted as quotes (not a reply quoting someone)."""
    if text is None or ">" not in text or _REPLY.search(text):
        return lines
    return lines + [line for line in text.splitlines() if line.lstrip().startswith(">")]


_PRELIMINARY_TITLE = re.compile(r"(?:preliminary|initial)(?: incident)? report(?: .*)?")


def _title_kind(title: str, heading: bool) -> str | None:
    """``title``'s kind. A heading may go on after a separator ("Incident Report - OCSP
    outage"); a plain first line must be the title alone."""
    key = _normalise(title)
    if _PRELIMINARY_TITLE.fullmatch(key) and (heading or key.endswith("report")):
        return "preliminary"
    parts = (_TITLE_SEPARATOR if heading else _BRACKET).split(title, maxsplit=1)
    head, rest = parts[0], parts[1] if len(parts) > 1 else ""
    if _normalise(head) in _TITLE_FULL:
        if _PRELIMINARY_WORD.search(rest.lower()):
            return "preliminary"
        if heading or not rest:
            return "full"
    return None


def _opening(lines: list[str], count: int) -> list[str]:
    """The first ``count`` non-empty own lines, BMO's form lines (and the description line of
    a "Created attachment N") skipped."""
    out: list[str] = []
    skip = False
    for line in lines:
        if len(out) >= count:
            break
        if not line.strip():
            continue
        if skip:
            skip = False
            continue
        if _FORM_LINE.match(line):
            skip = line.lower().lstrip().startswith("created attachment")
            continue
        out.append(line)
    return out


def _titles(lines: list[str]) -> list[tuple[str, bool]]:
    """Lines that can be a report's title, each with whether it is marked as a heading:
    Markdown headings and whole bold lines anywhere, and the first short own lines."""
    found: list[tuple[str, bool]] = []
    for line in lines:
        md = _MD_HEADING.match(line)
        bold = _WHOLE_BOLD.fullmatch(line)
        if md:
            found.append((md.group(1).strip(" *_"), True))
        elif bold:
            found.append((bold.group(1).strip(), True))
    for line in _opening(lines, TITLE_LINES):
        stripped = line.strip(" *_#")
        if stripped and len(stripped) <= 80 and not stripped.endswith((".", "?", ",")):
            found.append((stripped, False))  # a short line, not a sentence
    return found


_WHOLE_BOLD = re.compile(r"\s*(?:\*\*|__)(.{3,80}?)(?:\*\*|__)\s*:?\s*")


@dataclass(frozen=True)
class ReportReading:
    kind: str
    sections_present: tuple[str, ...]
    sections_missing: tuple[str, ...]
    template: str | None
    attached: bool = False  # the kind comes from the attachment the comment posts


def _normalise(heading: str) -> str:
    text = heading.lower().replace("\u2019", "'").strip(" *_:#.-")
    text = _NUMBERING.sub("", text)
    text = text.replace("'s", "s")
    return _NON_WORD.sub(" ", text).strip()


@lru_cache(maxsize=1)
def _heading_table() -> dict[str, str]:
    return {_normalise(r["heading"]): r["section"] for r in read_table("language_sections.csv")}


@lru_cache(maxsize=1)
def _old_template() -> list[tuple[int, str, str]]:
    rows = read_table("language_old_template.csv")
    return [(int(r["item"]), r["section"], _normalise(r["phrase"])) for r in rows]


def _may_be_heading(line: str) -> bool:
    """Cheap test before the heading rules: the line's first word starts some heading."""
    first = _FIRST_WORD.match(line)
    return bool(first) and first.group(1).lower() in _first_words()


@lru_cache(maxsize=1)
def _first_words() -> frozenset[str]:
    headings = [*_heading_table(), *(prefix for prefix, _ in _PREFIXES)]
    return frozenset(heading.split()[0] for heading in headings if heading)


def _heading_candidates(line: str) -> list[tuple[str, bool]]:
    """Texts of ``line`` that may name a section, each with whether it is marked as a heading
    (Markdown ``#``, bold, ``Label:``) rather than a short plain line."""
    found = []
    md = _MD_HEADING.match(line)
    if md:
        found.append((md.group(1), True))
        inner = _BOLD.match(md.group(1))
        if inner:
            found.append((inner.group(1), True))
    bold = _BOLD.match(line)
    if bold:
        found.append((bold.group(1), True))
    label = _LABEL.match(line)
    if label:
        found.append((label.group(1), True))
    stripped = line.strip()
    if stripped and len(stripped) <= 60 and not stripped.endswith((".", "?", ",")):
        found.append((stripped, False))
    return found


_PREFIXES = (
    ("root cause", "Root Cause Analysis"),
    ("lessons learn", "Lessons Learned"),
    ("action item", "Action Items"),
    ("timeline", "Timeline"),
    ("impact", "Impact"),
    ("appendix", "Appendix"),
    ("related incident", "Related Incidents"),
    ("preliminary incident report", "preliminary"),
    ("preliminary report", "preliminary"),
    ("report closure summary", "closure"),
    ("incident closure summary", "closure"),
    ("full incident report", "full"),
)


def _lookup(candidate: str, marked: bool) -> str | None:
    key = _normalise(candidate)
    found = _heading_table().get(key)
    if found or not marked:
        return found
    for prefix, section in _PREFIXES:
        if key.startswith(prefix):
            return section
    return None


def _old_items(line: str) -> list[tuple[int, str]]:
    key = _normalise(line[:200])
    return [(item, section) for item, section, phrase in _old_template() if phrase in key]


def _quoted_template_items(text: str | None) -> list[tuple[int, str]]:
    """Old-template prompts a CA pasted as '>' quotes and answered below: the prompts are the
    template's words, not another commenter's, so they still mark the comment as a report."""
    if not text or ">" not in text or not _OLD_HINT.search(text.lower()):
        return []
    quoted = (line.lstrip()[1:] for line in text.splitlines() if line.lstrip().startswith(">"))
    return [found for line in quoted for found in _old_items(line)]


def _irg3_table(line: str) -> bool:
    lowered = line.lower()
    return (
        "|" in line
        and "due" in lowered
        and ("status" in lowered or "evaluation" in lowered or "root cause" in lowered)
    )


def read_report(text: str | None, lines: list[str] | None = None) -> ReportReading:
    """The report kind of one comment by its own headings (the role is applied by the caller).
    ``lines`` are the comment's :func:`own_lines` when the caller has them already."""
    sections: set[str] = set()
    markers: set[str] = set()
    old_items: set[int] = set()
    lines = [line for line in (own_lines(text) if lines is None else lines) if line.strip()]
    own = "\n".join(lines).lower()  # the whole-text patterns are lower case: faster
    old_form = bool(_OLD_HINT.search(own))
    irg3 = bool(_IRG3_LINES.search(own))
    for item, section in _quoted_template_items(text):
        old_items.add(item)
        sections.add(section)
    for line in lines:
        if old_form:
            for item, section in _old_items(line):
                old_items.add(item)
                sections.add(section)
        if not irg3 and "|" in line and _irg3_table(line):
            irg3 = True
        if not _may_be_heading(line):
            continue
        for candidate, marked in _heading_candidates(line):
            found = _lookup(candidate, marked)
            if found in MARKERS:
                markers.add(found)
            elif found:
                sections.add(found)
    present = tuple(s for s in FULL_SECTIONS if s in sections)
    declared = declared_kind(lines, text)
    if "closure" in markers:
        kind = "closure"
    elif "preliminary" in markers or declared == "preliminary":
        kind = "preliminary"
    elif len(present) >= MIN_FULL_SECTIONS or len(old_items) >= MIN_OLD_ITEMS:
        kind = "full"
    elif declared == "full" or ("full" in markers and len(present) >= 2):
        kind = "full"
    elif _UPDATE_CUE.search(own):
        kind = "update"
    else:
        kind = "other"
    attached = attachment_kind(text) if kind in ("update", "other") else None
    kind = attached or kind  # the report is the attachment the comment posts
    missing = tuple(s for s in FULL_SECTIONS if s not in sections)
    if kind not in ("full", "closure") or attached:  # an attachment's sections are unseen
        missing = ()
    template = _template(old_items, present, irg3, markers)
    return ReportReading(kind, present, missing, template, attached is not None)


def _template(
    old_items: set[int], present: tuple[str, ...], irg3: bool, markers: set
) -> str | None:
    if len(old_items) >= 3:
        return "mozilla-7-questions"
    if irg3 or "Related Incidents" in present:
        return "irg-3"
    if len(present) >= 3 or markers & {"preliminary", "full"}:
        return "irg-1-2"
    return None


def report_template(text: str | None) -> str | None:
    """The template a report follows: ``irg-3`` (IRG 3.x: Related Incidents, Action Items with
    Evaluation Criteria and Status), ``irg-1-2`` (IRG 1.0/2.0 headings), ``mozilla-7-questions``
    (the older numbered "1. How your CA first became aware ..." form), or None for no report.
    """
    return read_report(text).template
