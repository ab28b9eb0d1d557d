"""The language stage: what each comment asks, which report it is, and what the CA promised.

``annotate(comments)`` reads the ``comments`` table (docs/tables.md) and returns
:class:`LanguageTables` with ``comment_language`` (one row per comment) and ``commitments``
(one row per dated promise in a CA comment). Results per comment are cached under ``cache_dir``
so a rerun over an unchanged corpus does no language work.
"""

from __future__ import annotations

from analyzer.language.reports import report_template
from analyzer.language.stage import annotate
from analyzer.tables import LanguageTables

__all__ = ["LanguageTables", "annotate", "report_template"]
