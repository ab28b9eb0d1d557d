"""Whether a comment asks the CA for a reply, and whether it announces the bug's closing.

IRG 3.0 asks CAs to respond "to comments and questions, even if only to acknowledge", so by
default every comment expects a reply. The exceptions are the ones a reviewer would not answer:
a root program's notice that the bug will be closed ("I intend to close this bug on or about
...", "this bug will be closed ... unless", a final call for comments) and bare thanks or
acknowledgement. A closing notice also stops the update cadence (docs/metrics.md, "Update
deadlines").

Only the commenter's own lines count (quotes removed), so a CA quoting "I intend to close this
bug" is not a notice.
"""

from __future__ import annotations

import re

_SPACE = re.compile(r"\s+")
_THREAD = r"(?:bug|incident|issue|ticket|report|matter|case)"

# Lower case: matched against the lowered, space-normalised own text.
_CLOSING = re.compile(
    r"\b(?:i|we)(?:'m| am|'re| are)? (?:\w+ ){0,2}?"
    r"(?:intend|intending|plan|planning|expect|going|propose|proposing|aim) to "
    r"(?:\w+ ){0,2}?close (?:this|the|out this|out the) " + _THREAD + r"|"
    r"\b(?:i|we) (?:will|shall|'ll|would) (?:\w+ ){0,2}?close (?:this|the) " + _THREAD + r"\b"
    r"(?:[^.?!]{0,80}?\b(?:on|by|after|around|unless|if no|if there are no|absent|in the absence)"
    r"\b)|"
    r"\b(?:this|the) " + _THREAD + r" (?:will|shall|should|can|could|may) (?:then )?be "
    r"(?:\w+ ){0,1}?closed\b[^.?!]{0,80}?\b(?:on|by|after|around|unless|if no|if there are no|"
    r"absent|in the absence)\b|"
    r"\b(?:final|last) call for (?:public )?(?:comments?|questions?|feedback|objections)\b|"
    r"\bclos(?:e|ing) (?:this|the) " + _THREAD + r" on or about\b|"
    r"\bon or about [^.?!]{0,40}\bclos",
)
# "Could this bug be closed?" or "please don't close this bug" is not a notice.
_NOT_CLOSING = re.compile(
    r"\b(?:do not|don't|not yet|shouldn't|should not|cannot|can't|won't) (?:be )?close|"
    r"\bbefore (?:we|i) (?:can )?close\b"
)
_CLAUSE_SPLIT = re.compile(r"[.!,;:\n]+|\s[-\u2013\u2014]+\s")
_THANKS = re.compile(
    r"^(?:many |a lot of |big |great,? |ok,? |okay,? )?(?:thanks|thank you|thx|ty)"
    r"(?: (?:very|so) much| a lot| again| all| everyone| both)*"
    r"(?: for (?:\w+ ){0,5}?\w+)?$"
)
_ACK = re.compile(
    r"^(?:acknowledged|ack|noted|understood|received|got it|sounds good|looks good|great|"
    r"perfect|appreciated|much appreciated|ok|okay|"
    r"that (?:answers|addresses|resolves) my (?:question|questions|concern|concerns)|"
    r"that (?:is|was) (?:very |really )?(?:clear|helpful|useful)|"
    r"(?:i have )?no (?:further|more) questions(?: from me)?)$"
)
_SIGN_OFF = re.compile(r"^(?:regards|best regards|kind regards|best|cheers|greetings)$")
_GREETING = re.compile(r"^(?:hi|hello|dear)(?: \S+){0,3}$")
_TURN = re.compile(r"\b(?:but|however|although|though|still|except)\b")


def own_text(lines: list[str]) -> str:
    """The commenter's own lines as one lower-case, single-spaced string."""
    return _SPACE.sub(" ", " ".join(line.strip() for line in lines)).strip().lower()


def is_closing_notice(own: str) -> bool:
    """A notice that the bug will be closed, or a final call for comments (``own``: lowered
    own text)."""
    if "clos" not in own and "call for" not in own:
        return False
    for match in _CLOSING.finditer(own):
        window = own[max(0, match.start() - 40) : match.end()]
        if "?" in own[match.end() : match.end() + 2]:
            continue
        if not _NOT_CLOSING.search(window):
            return True
    return False


def _is_name(clause: str) -> bool:
    """A signature: one to three capitalised words ("Ben", "Ben Wilson", "Mozilla Root Store")."""
    words = clause.split()
    return 0 < len(words) <= 3 and all(w[:1].isupper() or w[:1] in "[(" for w in words)


def is_bare_thanks(lines: list[str]) -> bool:
    """Only thanks or an acknowledgement, with at most a greeting, a sign-off and a name."""
    text = " \n".join(line.strip() for line in lines if line.strip())
    if not text or len(text) > 300 or "?" in text:
        return False
    clauses = [c.strip() for c in _CLAUSE_SPLIT.split(text) if c.strip()]
    said = False
    for clause in clauses:
        lowered = _SPACE.sub(" ", clause.lower())
        if _TURN.search(lowered):
            return False
        if _THANKS.match(lowered) or _ACK.match(lowered):
            said = True
        elif not (_SIGN_OFF.match(lowered) or _GREETING.match(lowered) or _is_name(clause)):
            return False
    return said


def reply_reading(lines: list[str]) -> tuple[bool, bool]:
    """(expects_reply, closing_notice) of one comment's own lines. A comment without text of
    its own expects a reply: what it said is unknown, so the reader decides (with a caveat)."""
    own = own_text(lines)
    if not own:
        return True, False
    closing = is_closing_notice(own)
    return not (closing or is_bare_thanks(lines)), closing
