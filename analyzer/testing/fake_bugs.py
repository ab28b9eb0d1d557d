"""The fake Bugzilla's data: bugs with their comments and history, in the real API shapes.

A corpus directory holds JSON files exactly as the REST API returns them, and a loader tells
them apart by shape: a search page ``{"bugs": [bug, ...]}``, a ``/comment`` answer
``{"bugs": {"<id>": {"comments": [...]}}}`` and a ``/history`` answer
``{"bugs": [{"id", "alias", "history"}]}``. Files merge by bug id, so a corpus can be split
however is easiest to write.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

CA_PRODUCTS = ("CA Program", "NSS")
CA_COMPONENT = "CA Certificate Compliance"


@dataclass
class FakeBug:
    """One bug as the server knows it: the bug object (without extras), comments, history."""

    bug: dict
    comments: list[dict] = field(default_factory=list)
    history: list[dict] = field(default_factory=list)

    @property
    def bug_id(self) -> int:
        return int(self.bug["id"])


def load_corpus(directory: Path | str) -> dict[int, FakeBug]:
    """Every ``*.json`` file of ``directory`` (recursively), merged by bug id."""
    bugs: dict[int, FakeBug] = {}
    for path in sorted(Path(directory).rglob("*.json")):
        merge_document(bugs, json.loads(path.read_text(encoding="utf-8")))
    return bugs


def merge_document(bugs: dict[int, FakeBug], document: dict) -> None:
    """Add one API response document (search, comment or history shape) to ``bugs``."""
    items = document.get("bugs")
    if isinstance(items, dict):  # /comment shape
        for key, value in items.items():
            _slot(bugs, int(key)).comments = copy.deepcopy(value.get("comments", []))
        return
    for item in items or []:
        bug_id = int(item["id"])
        if set(item) <= {"id", "alias", "history"}:  # /history shape
            _slot(bugs, bug_id).history = copy.deepcopy(item.get("history", []))
            continue
        fake = _slot(bugs, bug_id)
        fake.bug = {
            k: copy.deepcopy(v) for k, v in item.items() if k not in ("comments", "history")
        }
        if "comments" in item:
            fake.comments = copy.deepcopy(item["comments"])
        if "history" in item:
            fake.history = copy.deepcopy(item["history"])


def corpus_from_raw(
    raws: Iterable[tuple[dict, list[dict], list[dict] | None]],
) -> dict[int, FakeBug]:
    """A corpus from ``(bug, comments, history)`` triples, e.g. a store's raw bugs."""
    bugs: dict[int, FakeBug] = {}
    for bug, comments, history in raws:
        fake = FakeBug(copy.deepcopy(bug), copy.deepcopy(comments), copy.deepcopy(history or []))
        bugs[fake.bug_id] = fake
    return bugs


def _slot(bugs: dict[int, FakeBug], bug_id: int) -> FakeBug:
    if bug_id not in bugs:
        bugs[bug_id] = FakeBug({"id": bug_id})
    return bugs[bug_id]
