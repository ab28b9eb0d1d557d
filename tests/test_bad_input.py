"""Bad input of any command: one sentence on stderr and exit 2, never a traceback."""

from __future__ import annotations

import pytest

from analyzer.env import ExitStatus

BAD = [
    ("due", "--within", "99999999999999999999d"),
    ("due", "--as-of", "0001-01-01"),
    ("due", "--as-of", "9999-12-31T23:59:59Z"),
    ("metrics", "--as-of", "not-a-date"),
    ("summary", "--as-of", "0001-01-01"),
    ("scorecards", "--month", "0001-01"),
    ("scorecards", "--month", "2026-13"),
    ("sync", "--base-url", "http://[::1"),
    ("sync", "--base-url", "ftp://example.org"),
    ("sync", "--max-rate", "inf"),
    ("sync", "--max-rate", "nan"),
]


@pytest.mark.parametrize("args", BAD, ids=[" ".join(a) for a in BAD])
def test_bad_input_is_one_sentence_and_exit_2(cli, data_dir, tmp_path, args):
    result = cli(
        *args,
        "--data-dir",
        data_dir,
        *(("--out", tmp_path / "o") if args[0] == "scorecards" else ()),
    )
    assert result.exit_code == ExitStatus.USAGE, result.stderr
    assert "Traceback" not in result.stderr and "unexpected" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines[-1].startswith("Error: ") and len(lines) <= 3  # click's usage hint + sentence


def test_an_api_key_that_cannot_be_a_header_is_bad_input(cli, data_dir):
    key = "abc\u20acdef"
    result = cli("sync", "--data-dir", data_dir, "--base-url", "http://127.0.0.1:9",
                 environ={"BUGZILLA_API_KEY": key})  # fmt: skip
    assert result.exit_code == ExitStatus.USAGE
    assert key not in result.stderr + result.stdout


def test_a_broken_user_template_is_bad_input(cli, tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "scorecard.html").write_text("{{ nosuchvar.attr }}")
    result = cli("scorecards", "--month", "2026-02", "--data-dir", tmp_path / "data",
                 "--out", tmp_path / "out", "--templates", templates)  # fmt: skip
    assert result.exit_code == ExitStatus.USAGE
    assert "template" in result.stderr and "Traceback" not in result.stderr
