"""The spaCy pipeline: a blank English tokenizer, the rule sentencizer and a request Matcher.

No model download is needed. The phrase tables are CSV files in ``analyzer/data/`` so a reader can
review and extend them; changing them or the rules must bump ``PIPELINE_VERSION`` (cache key).

spaCy is imported by :func:`nlp`, when a text is first read, not by this module: a command whose
readings are all cached (every command after the first on a store) never loads it (about a
second of CPU; tests/test_cli_imports.py).
"""

from __future__ import annotations

import csv
import hashlib
import io
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.matcher import Matcher

PIPELINE_VERSION = "language-9"


# Modules of analyzer/language/ that only assemble tables from readings, or measure them: a
# change to them changes no reading, so it must not empty the per-comment cache.
ASSEMBLY_MODULES = frozenset({"__init__.py", "cache.py", "eval_sets.py", "stage.py"})
# Modules outside analyzer/language/ that a reading depends on (the IRG calendar: which template
# was in force).
READING_DEPENDENCIES = ("irg.py",)


@lru_cache(maxsize=1)
def readings_version() -> str:
    """``PIPELINE_VERSION`` and a fingerprint of everything a reading depends on: the source
    files that read comments and the data tables they read. A changed rule or table is a new
    cache even when nobody remembered to bump the version; a change to how the stage
    assembles its tables (``ASSEMBLY_MODULES``) is not."""
    digest = hashlib.sha256(PIPELINE_VERSION.encode())
    package = resources.files("analyzer")
    sources = sorted(
        (
            f
            for f in (package / "language").iterdir()
            if f.name.endswith(".py") and f.name not in ASSEMBLY_MODULES
        ),
        key=str,
    )
    sources += [package.joinpath(*name.split("/")) for name in READING_DEPENDENCIES]
    tables = [
        package / "data" / name
        for name in ("irg_calendar.csv", "irg_templates.csv", "language_old_template.csv",
                     "language_requests.csv", "language_sections.csv")
    ]  # fmt: skip
    for resource in [*sources, *tables]:
        try:
            digest.update(resource.read_bytes())
        except OSError:
            continue
    return f"{PIPELINE_VERSION}-{digest.hexdigest()[:12]}"


def read_table(name: str) -> list[dict[str, str]]:
    """Rows of a packaged CSV table; lines starting with '#' are comments."""
    text = (resources.files("analyzer") / "data" / name).read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in io.StringIO(text) if not line.startswith("#"))
    return [{k: (v or "").strip() for k, v in row.items()} for row in rows]


@lru_cache(maxsize=1)
def request_words() -> dict[str, frozenset[str]]:
    """Word lists by kind (request_verb, please_not, filler, know_verb, not_question)."""
    words: dict[str, set[str]] = {}
    for row in read_table("language_requests.csv"):
        words.setdefault(row["kind"], set()).add(row["words"].lower())
    return {kind: frozenset(values) for kind, values in words.items()}


def _request_patterns() -> list[list[dict]]:
    words = request_words()
    verbs = sorted(words["request_verb"])
    fillers = sorted(words["filler"] | {","})
    know = sorted(words["know_verb"])
    wh = ["why", "how", "what", "when", "whether", "which", "where", "who"]
    verb = {"LOWER": {"IN": verbs}}
    anything_asked = {"IS_ALPHA": True, "LOWER": {"NOT_IN": sorted(words["please_not"])}}
    filler = {"LOWER": {"IN": fillers}, "OP": "*"}
    you = [{"LOWER": {"IN": ["can", "could", "would", "will"]}}, {"LOWER": "you"}]
    please_filler = {"LOWER": {"IN": [*fillers, "please"]}, "OP": "*"}
    like = [{"LOWER": {"IN": ["we", "i"]}}, {"LOWER": {"IN": ["would", "'d", "d"]}}]
    return [
        [{"LOWER": {"IN": ["please", "pls", "kindly"]}}, filler, anything_asked],
        [*you, please_filler, verb],
        [*you, please_filler, {"LOWER": "be"}, {"LOWER": "able"}, {"LOWER": "to"}, verb],
        [*like, {"LOWER": {"IN": ["like", "love"]}}, {"LOWER": "to"}, filler,
         {"LOWER": {"IN": know}}],
        [{"LOWER": {"IN": ["we", "i"]}}, {"LOWER": "need"}, {"LOWER": "to"}, filler,
         {"LOWER": {"IN": ["know", "understand", "see"]}}],
        [{"LOWER": {"IN": ["wonder", "wondering"]}}, {"LOWER": {"IN": [*wh, "if"]}}],
        [{"LOWER": "let"}, {"LOWER": {"IN": ["us", "me"]}}, {"LOWER": "know"},
         {"LOWER": {"IN": wh}},
         {"LOWER": {"NOT_IN": ["questions", "question", "else", "other", "further"]}}],
        [{"LOWER": "it"}, {"LOWER": "would"}, {"LOWER": "be"},
         {"LOWER": {"IN": ["helpful", "useful", "good", "great", "appreciated", "nice"]}},
         {"LOWER": {"IN": ["if", "to"]}}, {"LOWER": {"IN": ["you", "the", "see", "understand",
                                                            "know", "have", "get"]}}],
        [{"LOWER": {"IN": ["appreciate", "appreciated"]}}, {"LOWER": "it", "OP": "?"},
         {"LOWER": "if"}, {"LOWER": "you"}],
    ]  # fmt: skip


@lru_cache(maxsize=1)
def nlp() -> Language:
    """The shared pipeline: tokenizer + sentencizer, and the request Matcher alongside."""
    import spacy

    pipeline = spacy.blank("en")
    pipeline.add_pipe("sentencizer")
    return pipeline


@lru_cache(maxsize=1)
def request_matcher() -> Matcher:
    from spacy.matcher import Matcher

    matcher = Matcher(nlp().vocab)
    matcher.add("REQUEST", _request_patterns())
    return matcher
