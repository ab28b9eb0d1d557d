"""Commands that need no tables load no pandas and no spaCy: ``analyzer --help`` stays instant;
commands whose language readings are all cached load no spaCy (about a second of CPU each).

Checked by what a fresh interpreter has imported, not by timing it (bench/cli_start.py times it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

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
    out = tmp_path / "reports"
    commands = [["due"], ["scorecards", "--month", "2026-02", "--out", str(out)]]
    first = probe(commands[0], cwd=tmp_path, env=env)
    assert first["status"] == 0 and "spacy" in first["heavy"]  # cold: the texts were read
    for _ in range(2):
        for args in commands:
            result = probe(args, cwd=tmp_path, env=env)
            assert result["status"] == 0
            assert "pandas" in result["heavy"]  # it did read the tables
            assert "spacy" not in result["heavy"], args
    assert (out / "2026-02" / "index.html").is_file()
