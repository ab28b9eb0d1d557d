"""`analyzer export`: every table, stable columns, UTC times, atomic files."""

from __future__ import annotations

import pandas as pd
import pytest

import analyzer
from analyzer.corpus import Corpus
from analyzer.parse.columns import SCHEMAS
from tests.conftest import run_on_snapshot


@pytest.fixture(scope="module")
def snapshot():
    return analyzer.load("/nonexistent-data-dir")


def test_parquet_round_trips_every_parse_table(cli, data_dir, tmp_path, snapshot):
    out = tmp_path / "out"
    result = run_on_snapshot("export", "--out", out)
    assert result.exit_code == 0, result.stderr
    for name in SCHEMAS:
        back = pd.read_parquet(out / f"{name}.parquet")
        expected = snapshot.table(name)
        assert list(back.columns) == list(expected.columns)
        assert len(back) == len(expected)
        assert f"{name}: {len(expected)} rows" in result.stdout
    bugs = pd.read_parquet(out / "bugs.parquet")
    assert str(bugs["opened"].dt.tz) == "UTC"
    assert bugs["opened"].tolist() == snapshot.bugs["opened"].tolist()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".export-")]


def test_csv_has_iso_utc_times(cli, data_dir, tmp_path, snapshot):
    out = tmp_path / "csv"
    assert run_on_snapshot("export", "--out", out, "--format", "csv").exit_code == 0
    comments = pd.read_csv(out / "comments.csv", dtype=str, keep_default_na=False)
    assert comments["time"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").all()
    first = snapshot.comments["time"].iloc[0].strftime("%Y-%m-%dT%H:%M:%SZ")
    assert comments["time"].iloc[0] == first
    assert list(comments.columns) == list(SCHEMAS["comments"])


def test_every_table_is_written(cli, data_dir, tmp_path):
    out = tmp_path / "out"
    result = run_on_snapshot("export", "--out", out)
    assert result.exit_code == 0, result.stderr
    assert sorted(p.stem for p in out.iterdir()) == sorted(Corpus.TABLES)


def test_out_that_is_a_file_is_bad_input(cli, data_dir, tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    result = run_on_snapshot("export", "--out", target)
    assert result.exit_code == 2
    assert "is a file" in result.stderr and "Traceback" not in result.stderr
