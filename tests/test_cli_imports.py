"""Commands that need no tables load no pandas and no spaCy: ``analyzer --help`` stays instant.

Checked by what a fresh interpreter has imported, not by timing it (bench/cli_start.py times it).
"""

from __future__ import annotations

import json
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


def probe(args: list[str]) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args)],
        capture_output=True,
        text=True,
        check=True,
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
