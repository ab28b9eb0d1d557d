"""The CLI shell: help texts are documentation, usage errors exit 2 without a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.cli import cli
from analyzer.env import ExitStatus

COMMANDS = sorted(cli.commands)
README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_top_level_help(cli):
    result = cli("--help")
    assert result.exit_code == ExitStatus.SUCCESS
    for name in COMMANDS:
        assert name in result.stdout


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example(cli, name):
    result = cli(name, "--help")
    assert result.exit_code == ExitStatus.SUCCESS
    assert "Example" in result.stdout, f"`analyzer {name} --help` shows no example"


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_is_in_the_readme(name):
    assert f"analyzer {name}" in README


def test_unknown_command_is_a_usage_error(cli):
    result = cli("frobnicate")
    assert result.exit_code == ExitStatus.USAGE
    assert "Traceback" not in result.stderr
    assert "No such command" in result.stderr


def test_unknown_option_is_a_usage_error(cli):
    result = cli("--no-such-flag")
    assert result.exit_code == ExitStatus.USAGE
    assert "Traceback" not in result.stderr
