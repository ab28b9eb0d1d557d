"""Questions: sentences that ask something, by a '?' or by a request ("Please explain ...").

Only blocks that contain a '?' or a request cue go through spaCy: a block with neither cannot
hold a question, so the pre-filter changes no result and keeps the pass fast.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from analyzer.language.pipeline import nlp, request_matcher, request_words
from analyzer.language.text import Block

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span

_REQUEST_CUE = re.compile(  # lower case: matched against lowered text
    r"\b(?:please|pls|kindly|(?:can|could|would|will) you|like to|need to|wonder|wondering|"
    r"let (?:us|me) know|it would be|appreciate)\b",
)
_CUE = re.compile(
    r"\?|" + _REQUEST_CUE.pattern + r"|"
    r"(?:^|[.!?:;]\s+)(?:(?:also|and|so|additionally|finally|but|further|secondly|lastly),?\s+)?"
    r"(?:is|are|was|were|has|have|do|does|did|can|could|will|would|should)\s+"
    r"(?:the|this|that|these|those|you|your|it|there|any|all|each|every|other|such|we|our)\b",
)
_LIST_MARKER = re.compile(r"^(?:\(?\d{1,2}[.)]|[a-hA-H][.)]|[-*\u2022])\s+")
_TRAILING = " \t\"'\u201d\u2019)]*_."
_RHETORICAL_ANSWER = re.compile(
    r"^\s*(?:because\b|the answer is\b|in short\b|simply put\b|the short answer\b)", re.IGNORECASE
)
_LEAD_INS = frozenset(
    {
        "also",
        "and",
        "additionally",
        "finally",
        "second",
        "secondly",
        "third",
        "so",
        "further",
        "furthermore",
        "moreover",
        "lastly",
        "then",
        "but",
    }
)
_AUXILIARIES = frozenset(
    {
        "is",
        "are",
        "was",
        "were",
        "has",
        "have",
        "do",
        "does",
        "did",
        "can",
        "could",
        "will",
        "would",
        "should",
    }
)
_SUBJECTS = frozenset(
    {
        "the",
        "this",
        "that",
        "these",
        "those",
        "you",
        "your",
        "it",
        "there",
        "any",
        "all",
        "each",
        "every",
        "other",
        "such",
        "we",
        "our",
    }
)
_WORD = re.compile(r"[A-Za-z]{2,}")
# What text.mask() leaves for a URL, inline code or a long run: never a word someone asked.
_MASKS = frozenset({"URL", "CODE", "LONG"})
_SHORT_QUESTION = re.compile(r"[A-Za-z]+(?:'[a-z]+)?\s?[?!]*\?[?!]*")
# A '?' closed by a quote that opened after the sentence's first words ('He asked "why?"'):
# the question is the quoted one, not the commenter's.
_QUOTED_END = re.compile(
    r"\S.*?[\"\u201c\u2018'][^\"\u201c\u201d\u2018\u2019']*\?[!?]*[\"\u201d\u2019']\W*$"
)
_SPACE = re.compile(r"\s+")


def is_candidate(block: Block) -> bool:
    """Whether a block can hold a question at all (a '?', a request cue, a leading auxiliary)."""
    if block.kind not in ("para", "item", "label"):
        return False
    return "?" in block.text or bool(_CUE.search(block.text.lower()))


def _ends_with_question_mark(text: str) -> bool:
    """Ends in '?' (or '?!', '?!?'), but not a statement ending in a quoted question ('says
    "why?".', 'He asked "why?"')."""
    text = text.rstrip()
    if text.endswith(".") and text.rstrip(_TRAILING) != text.rstrip(".").rstrip():
        return False
    if _QUOTED_END.match(text):
        return False
    stripped = text.rstrip(_TRAILING).rstrip("!")
    return stripped.endswith("?")


def _is_short_question(text: str) -> bool:
    """A sentence of one word and a '?' ("Why?", "When?!", "Status?"): a question whole. A lone
    mark, a number, or a masked URL or code before a '?' is not."""
    words = _WORD.findall(text)
    if len(words) != 1 or words[0] in _MASKS:
        return False
    bare = text.strip(_TRAILING + "(\u201c\u2018[")  # "**Why?**", "(Why?)"
    return bool(_SHORT_QUESTION.fullmatch(bare))


def _inverted_question(sent: Span) -> bool:
    """A yes/no question written without its '?': "Also, has the code been reviewed."."""
    words = [t.lower_ for t in sent if not t.is_punct and not t.is_space]
    while words and words[0] in _LEAD_INS:
        words = words[1:]
    if len(words) < 4 or words[0] not in _AUXILIARIES or words[1] not in _SUBJECTS:
        return False
    return not (words[0] == "should" and words[1] == "you")


def _label(text: str) -> str:
    return re.sub(r"[^a-z' ]", "", text.lower().replace("\u2019", "'")).strip()


def asked_in(doc: Doc) -> list[str]:
    """The question sentences of one block already run through the pipeline."""
    not_questions = request_words().get("not_question", frozenset())
    requests: set[int] = set()
    if _REQUEST_CUE.search(doc.text.lower()):
        requests = {start for _, start, _ in request_matcher()(doc)}
    sentences: list[Span] = list(doc.sents)
    asked: list[str] = []
    for i, sent in enumerate(sentences):
        raw = sent.text
        requested = any(sent.start <= start < sent.end for start in requests)
        if "?" not in raw and not requested and not _CUE.search(raw.lower()):
            continue
        text = _LIST_MARKER.sub("", _SPACE.sub(" ", raw).strip())
        if len(_WORD.findall(text)) < 2 and not _is_short_question(text):
            continue
        if _ends_with_question_mark(text):
            following = sentences[i + 1].text if i + 1 < len(sentences) else ""
            if _RHETORICAL_ANSWER.match(following) or _label(text) in not_questions:
                continue
            asked.append(text)
        elif requested:
            asked.append(text)
        elif _inverted_question(sent):
            asked.append(text)
    return asked


def find_questions(comment_blocks: Sequence[Sequence[Block]]) -> list[list[str]]:
    """The question sentences of each comment, in order."""
    found: list[list[str]] = [[] for _ in comment_blocks]

    def candidates() -> Iterable[tuple[str, int]]:
        for index, blocks in enumerate(comment_blocks):
            for block in blocks:
                if is_candidate(block):
                    yield block.text, index

    for doc, index in nlp().pipe(candidates(), as_tuples=True, batch_size=512):
        found[index].extend(asked_in(doc))
    return found
