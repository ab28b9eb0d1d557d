"""Commands that need no tables load no pandas and no spaCy: ``analyzer --help`` stays instant;
commands whose language readings are all cached load no spaCy (about a second of CPU each); and
no module imports a stage after its own (fetch -> parse -> language -> metrics -> ahead -> report).

Checked by what a fresh interpreter has imported, not by timing it (bench/cli_start.py times it).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import json, sys
from analyzer.cli import main
from analyzer.env import Environment
import io
env = Environment(stdout=io.StringIO(), stderr=io.StringIO())
status = main({args!r}, env)
heavy = sorted(m for m in ("pandas", "spacy", "numpy", "requests", "jinja2") if m in sys.modules)
print(json.dumps({{"status": int(status), "heavy": heavy, "out": env.stdout.getvalue()}}))
"""


def probe(args: list[str], **run) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args)],
        capture_output=True,
        text=True,
        check=True,
        **run,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "args",
    [["--help"], ["sync", "--help"], ["metrics", "--help"], ["scorecards", "--help"],
     ["due", "--help"], ["export", "--help"], ["site", "--help"], ["--version"]],
)  # fmt: skip
def test_help_imports_nothing_heavy(args):
    result = probe(args)
    assert result["status"] == 0
    assert result["out"].strip()
    assert result["heavy"] == []


def test_the_package_names_load_without_importing_pandas_first():
    result = subprocess.run(
        [sys.executable, "-c", "import sys, analyzer; print('pandas' in sys.modules); "
         "from analyzer import load, Corpus; print(callable(load), Corpus.__name__)"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert result.stdout.split() == ["False", "True", "Corpus"]


def test_data_commands_with_warm_caches_never_import_spacy(tmp_path):
    """On the bundled snapshot (no data/ in the working directory) with an empty cache: the
    first command reads the comments' texts and so loads spaCy; every later one, its readings
    cached, does not, though it uses the language tables (the due page's report kinds, the
    scorecards' completeness)."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("ANALYZER_DATA_DIR", None)  # the bundled snapshot, whatever the caller's setting
    out = tmp_path / "reports"
    commands = [["due"], ["scorecards", "--month", "2026-02", "--out", str(out)]] * 2
    loaded = []
    for args in commands:
        result = probe(args, cwd=tmp_path, env=env)
        assert result["status"] == 0
        assert "pandas" in result["heavy"]  # it did read the tables
        loaded.append("spacy" in result["heavy"])
    assert loaded == [True, False, False, False]  # only the first read the texts
    assert (out / "2026-02" / "index.html").is_file()


# The pipeline's stages in order; the store (where fetch writes and parse reads) and the other
# shared modules (tables, months, the IRG calendar...) come before them all. Only the modules
# that put the stages together sit above: the corpus, "as known at t", the command line.
STAGES = ("fetch", "parse", "language", "metrics", "ahead", "report")
ON_TOP = ("analyzer", "analyzer.corpus", "analyzer.known_at", "analyzer.cli", "analyzer.__main__")
# the package's own names, loaded lazily from the corpus module (analyzer/__init__.py)
LAZY_NAMES = {"analyzer.load": "analyzer.corpus", "analyzer.Corpus": "analyzer.corpus"}
PACKAGE = Path(__file__).resolve().parent.parent / "analyzer"


def _rank(module: str) -> int:
    """Where a module sits: -1 shared, then each stage, and len(STAGES) on top."""
    if module in ON_TOP or module.startswith("analyzer.cli."):
        return len(STAGES)
    parts = module.split(".")
    return STAGES.index(parts[1]) if len(parts) > 1 and parts[1] in STAGES else -1


def _imports(path: Path, module: str) -> list[tuple[str, int]]:
    """Every analyzer module ``path`` imports, wherever (a function's import too), and where.
    ``from analyzer import corpus`` names the module ``analyzer.corpus``."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((base, node.lineno))
            found += [(f"{base}.{alias.name}", node.lineno) for alias in node.names]
    return [(name, line) for name, line in found if name.split(".")[0] == "analyzer"]


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_no_module_imports_a_stage_after_its_own():
    """A reading that needs the stage after it (as language/read.py once asked
    ahead/completeness.py) is a loop in the pipeline: what it needs moves down."""
    known = {_module(path) for path in PACKAGE.rglob("*.py")}
    up = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module(path)
        for name, line in _imports(path, module):
            name = LAZY_NAMES.get(name, name)
            while name not in known and "." in name:  # ``from a.b import name``: the module
                name = name.rpartition(".")[0]
            # the package itself (its version, say): its own names load only when asked for
            if name != "analyzer" and _rank(name) > _rank(module):
                up.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {name}")
    assert up == []


def test_the_check_of_import_direction_sees_a_late_import(tmp_path):
    """The scan reads imports inside functions and relative ones: what it would have missed."""
    path = tmp_path / "analyzer" / "language" / "read.py"
    path.parent.mkdir(parents=True)
    path.write_text("def f():\n    from ..ahead.completeness import x\n    import analyzer.cli\n")
    names = [name for name, _ in _imports(path, "analyzer.language.read")]
    assert "analyzer.ahead.completeness" in names and "analyzer.cli" in names
    assert _rank("analyzer.ahead.completeness") > _rank("analyzer.language.read")
    assert _rank("analyzer.store") < _rank("analyzer.fetch.sync") < _rank("analyzer.cli.due")
