"""The language stage: what each comment asks, which report it is, and what the CA promised.

``annotate(comments)`` reads the ``comments`` table (docs/tables.md) and returns
:class:`LanguageTables` with ``comment_language`` (one row per comment), ``commitments`` (one
row per dated promise in a CA comment), ``report_fields`` and ``action_items``. Results per
comment are cached under ``cache_dir`` so a rerun over an unchanged corpus does no language work.

The names below load lazily: the spaCy-free parts (``action_items``, ``fields``, ``dates``,
``replies``) can be imported without loading spaCy.
"""

from __future__ import annotations

from typing import Any

from analyzer.tables import LanguageTables

__all__ = ["LanguageTables", "annotate", "report_template"]


def __getattr__(name: str) -> Any:
    if name == "annotate":
        from analyzer.language.stage import annotate

        return annotate
    if name == "report_template":
        from analyzer.language.reports import report_template

        return report_template
    raise AttributeError(name)
