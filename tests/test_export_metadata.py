"""The SQLite export's datasette metadata: every table and column described, from docs/tables.md."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from threadkit import thread

from analyzer.corpus import Corpus
from analyzer.env import ExitStatus
from analyzer.store import Store
from analyzer.table_docs import datasette_metadata, descriptions, parse

DOCS = Path(__file__).resolve().parents[1] / "docs" / "tables.md"
# the keys datasette's metadata format knows at each level (docs.datasette.io, "Metadata")
TOP_KEYS = {
    "title", "description", "description_html", "license", "license_url", "source",
    "source_url", "about", "about_url", "databases", "plugins", "extra_css_urls",
    "extra_js_urls",
}  # fmt: skip
DATABASE_KEYS = TOP_KEYS | {"tables", "queries"}
TABLE_KEYS = TOP_KEYS - {"databases"} | {
    "columns", "sort", "sort_desc", "size", "sortable_columns", "label_column", "facets",
    "fts_table", "fts_pk", "searchmode", "units", "hidden",
}  # fmt: skip

BUG = thread(
    """
    bug 1920 "NetLock: metadata"
    2026-03-01 09:00  ca       files  "Preliminary Incident Report: a typo."
    2026-03-02 10:00  mozilla  says   "Why was it missed?"
    2026-03-03 10:00  mozilla  needinfo ca
    """,
    bug_id=1920,
)


def test_the_packaged_descriptions_are_docs_tables_md_parsed():
    """Edit docs/tables.md, then run ``python -m analyzer.table_docs docs/tables.md``."""
    assert descriptions() == parse(DOCS.read_text("utf-8"))


def test_parse_reads_sections_paragraphs_and_column_rows():
    text = (
        "# Title\n\nIntro.\n\n## alpha (one row per thing)\n\nWhy it exists,\nin two lines.\n\n"
        "| column | type | meaning |\n|---|---|---|\n| a | int | the a |\n| `b` | str | |\n\n"
        "More prose.\n\n## beta: none\n"
    )
    parsed = parse(text)
    assert parsed["alpha"]["description"] == "one row per thing. Why it exists, in two lines."
    assert parsed["alpha"]["columns"] == {"a": "the a [int]", "b": "[str]"}
    assert parsed["beta"] == {"description": "none", "columns": {}}
    assert "Title" not in parsed


def _check_structure(metadata: dict) -> None:
    assert set(metadata) <= TOP_KEYS
    assert isinstance(metadata["databases"], dict)
    for database in metadata["databases"].values():
        assert set(database) <= DATABASE_KEYS
        for table in database["tables"].values():
            assert set(table) <= TABLE_KEYS
            assert isinstance(table["description"], str)
            assert all(
                isinstance(k, str) and isinstance(v, str) for k, v in table["columns"].items()
            )


def test_every_exported_table_and_column_has_a_description(cli, data_dir, tmp_path):
    with Store.open(data_dir) as store:
        store.put_bugs([BUG.raw()])
        store.set_meta(last_sync_time="2026-03-14T00:00:00Z", source="test")
    out = tmp_path / "out"
    result = cli("export", "--data-dir", data_dir, "--out", out, "--format", "sqlite")
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    metadata = json.loads((out / "metadata.json").read_text("utf-8"))
    _check_structure(metadata)
    tables = metadata["databases"]["corpus"]["tables"]
    with sqlite3.connect(out / "corpus.sqlite") as db:
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        assert set(names) == set(Corpus.TABLES) | {"_export"}
        for name in names:
            assert tables[name]["description"].strip(), name
            columns = [r[1] for r in db.execute(f'PRAGMA table_info("{name}")')]
            undescribed = [c for c in columns if not tables[name]["columns"].get(c, "").strip()]
            assert not undescribed, f"{name}: {undescribed} not in docs/tables.md"
            assert not tables[name]["columns"][columns[0]].startswith("["), name


def test_a_column_docs_do_not_describe_gets_no_description():
    docs = {"t": {"description": "about t", "columns": {"a": "the a [int]"}}}
    metadata = datasette_metadata("corpus", {"t": ["a", "new"], "u": ["x"]}, docs)
    _check_structure(metadata)
    tables = metadata["databases"]["corpus"]["tables"]
    assert tables["t"] == {"description": "about t", "columns": {"a": "the a [int]"}}
    assert tables["u"] == {"description": "", "columns": {}}


def test_csv_and_parquet_exports_carry_the_research_tables(cli, data_dir, tmp_path):
    with Store.open(data_dir) as store:
        store.put_bugs([BUG.raw()])
        store.set_meta(last_sync_time="2026-03-14T00:00:00Z", source="test")
    for fmt in ("csv", "parquet"):
        out = tmp_path / fmt
        result = cli("export", "--data-dir", data_dir, "--out", out, "--format", fmt)
        assert result.exit_code == ExitStatus.SUCCESS, result.stderr
        assert {f"{n}.{fmt}" for n in ("silences", "asks", "waiting")} <= {
            p.name for p in out.iterdir()
        }
    asks = (tmp_path / "csv" / "asks.csv").read_text("utf-8").splitlines()
    assert asks[0].startswith("bug_id,ca,kind,count")
    assert len(asks) == 3  # the comment and the needinfo
