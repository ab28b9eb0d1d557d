"""CA incident thread analyzer: fetch, parse, language, metrics and scorecards over the
Mozilla Bugzilla CA compliance corpus.

Researchers start with :func:`load`, which returns a :class:`Corpus` of pandas tables.
"""

from analyzer.corpus import Corpus, load

__all__ = ["Corpus", "load"]
__version__ = "0.1.0"
