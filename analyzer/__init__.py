"""CA incident thread analyzer: fetch, parse, language, metrics and scorecards over the
Mozilla Bugzilla CA compliance corpus.

Researchers start with :func:`load`, which returns a :class:`Corpus` of pandas tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from analyzer.corpus import Corpus, load

__all__ = ["Corpus", "load"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """``analyzer.load`` and ``analyzer.Corpus`` import pandas on first use, not at
    ``import analyzer``: the CLI imports the package for every command, ``--help`` included."""
    if name in __all__:
        from analyzer import corpus

        return getattr(corpus, name)
    raise AttributeError(f"module 'analyzer' has no attribute {name!r}")
