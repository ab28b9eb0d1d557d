"""A second ``analyzer site`` into the same folder renders only the months whose pages can have
changed, and leaves byte for byte what a fresh site writes (analyzer/report/incremental.py)."""

from __future__ import annotations

import ast
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from threadkit import thread

from analyzer.corpus import load
from analyzer.env import ExitStatus
from analyzer.months import Month
from analyzer.report import context
from analyzer.report.incremental import BUG_COLUMNS, MANIFEST, MonthInputs, salt
from analyzer.report.scorecards import tables_from_corpus, write_scorecards
from analyzer.report.site import write_site
from analyzer.store import Store

OLD = """
    bug 1900 "Alpha CA: OCSP signing key exposure"
    2025-10-01 09:00  ca        files      "Preliminary Incident Report: a key exposed."
    2025-10-08 09:00  ca        says       "Update: key revoked."
    2025-11-20 09:00  mozilla   closes     FIXED
"""
SILENT = """
    bug 1901 "NetLock: OCSP responder outage"
    2025-12-01 09:00  ca        files      "Preliminary Incident Report: an outage."
    2025-12-02 10:00  community says       "Why did the monitoring not alert?"
"""
KEPT = """
    bug 1902 "Alpha CA: CRL late"
    2026-01-05 09:00  ca        files      "Preliminary Incident Report: a late CRL."
    2026-01-09 09:00  ca        says       "Update: fixed the job."
    2026-01-12 09:00  mozilla   closes     FIXED
"""
NEXT_UPDATE = "[ca-compliance] Next update 2026-02-20"
BUGS = {1900: OLD, 1901: SILENT, 1902: KEPT}
MONTHS = ["2025-10", "2025-11", "2025-12", "2026-01", "2026-02"]


def _store(data_dir: Path, texts: dict[int, str], synced: str = "2026-03-10T00:00:00Z") -> None:
    with Store.open(data_dir) as store:
        store.put_bugs([thread(text, bug_id=bug).raw() for bug, text in texts.items()])
        store.set_meta(last_sync_time=synced, source="test", history_known="true")


def _site(data_dir: Path, out: Path, templates: Path | None = None) -> list[str]:
    """The site through the library: the months it rendered."""
    return write_site(load(data_dir), out, templates=templates).rendered


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _inodes(root: Path) -> dict[str, tuple[int, int]]:
    return {
        p.relative_to(root).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file()
    }


def _fresh(cli, data_dir: Path, out: Path) -> dict[str, bytes]:
    result = cli("site", "--data-dir", data_dir, "--out", out)
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    return _files(out)


def test_a_second_site_with_nothing_changed_renders_no_month(cli, data_dir, tmp_path):
    _store(data_dir, BUGS)
    out = tmp_path / "site"
    result = cli("site", "--data-dir", data_dir, "--out", out)
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    assert "5 rendered" in result.stderr
    first = _inodes(out)
    again = cli("site", "--data-dir", data_dir, "--out", out)
    assert again.exit_code == ExitStatus.SUCCESS, again.stderr
    assert "0 rendered" in again.stderr and "(5 months" in again.stderr
    assert _inodes(out) == first  # not a file touched, the manifest included
    assert _site(data_dir, out) == []
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert sorted(manifest["months"]) == MONTHS


CHANGES = {
    # a sync a month later: a CA comment on the open bug, in the month now complete
    "a new comment": (
        {1901: SILENT + '2026-03-15 09:00  ca  says  "Update: the monitoring alerts now."'},
        "2026-04-10T00:00:00Z",
        ["2026-03"],
    ),
    # a closed bug retitled: only the months it was open in show its summary
    "a changed summary of a closed bug": (
        {1902: KEPT.replace("Alpha CA: CRL late", "Alpha CA: CRL published late")},
        "2026-03-10T00:00:00Z",
        ["2026-01"],
    ),
    # the whiteboard set in February (history known): February's update deadline moves
    "a whiteboard change with history": (
        {1901: SILENT + "2026-02-10 09:00  mozilla  whiteboard  " + NEXT_UPDATE},
        "2026-03-10T00:00:00Z",
        ["2026-02"],
    ),
    # a new CA whose name takes Alpha CA's slug ("ALPHA-CA" sorts first): every month
    # Alpha CA shows moves to a new page name, and March is new; NetLock's months stay
    "a new CA": (
        {1903: """
            bug 1903 "ALPHA-CA: unrelated"
            2026-03-12 09:00  ca  files  "Preliminary Incident Report: something else."
        """},
        "2026-04-10T00:00:00Z",
        ["2025-10", "2025-11", "2026-01", "2026-03"],
    ),
}  # fmt: skip


# the pages beside the months that a change with the same sync time reaches: NetLock's next
# update moves its open bug on its history page and on the due page; Alpha CA's page stays
OTHER_PAGES = {
    "a changed summary of a closed bug": set(),
    "a whiteboard change with history": {"ca/netlock.html", "due/index.html"},
}


@pytest.mark.parametrize("change", CHANGES)
def test_after_a_change_the_site_is_a_fresh_site_and_only_reached_months_render(
    cli, data_dir, tmp_path, change
):
    texts, synced, reached = CHANGES[change]
    _store(data_dir, BUGS)
    out = tmp_path / "site"
    assert len(_site(data_dir, out)) == len(MONTHS)
    before = _files(out)
    _store(data_dir, texts, synced)
    rendered = _site(data_dir, out)
    after = _files(out)
    assert after == _fresh(cli, data_dir, tmp_path / "fresh")  # whole trees, byte for byte
    assert rendered == reached
    changed = {name.split("/")[0] for name in after if after[name] != before.get(name)}
    assert changed & set(MONTHS) <= set(reached)
    pages = {n for n in after if after[n] != before.get(n) and n.split("/")[0] not in MONTHS}
    if change in OTHER_PAGES:  # the sync time unchanged: only what the change reaches moves
        assert pages - {MANIFEST} == OTHER_PAGES[change]


def test_a_page_edited_or_deleted_is_written_again(cli, data_dir, tmp_path):
    _store(data_dir, BUGS)
    out = tmp_path / "site"
    _site(data_dir, out)
    first = _files(out)
    (out / "2025-12" / "index.html").write_text("defaced", encoding="utf-8")
    (out / "2026-01" / "alpha-ca.html").unlink()
    assert _site(data_dir, out) == ["2025-12", "2026-01"]
    assert _files(out) == first


def _tampered(field: str, value: object):
    def tamper(text: str) -> str:
        manifest = json.loads(text)
        for entry in manifest["months"].values():
            if entry["summary"] is not None:
                entry["summary"][field] = value
        return json.dumps(manifest)

    return tamper


CORRUPT = {
    "not JSON": lambda text: "not json {",
    "a list": lambda text: "[]",
    "another format": lambda text: text.replace("analyzer-site-manifest/1", "someone else's"),
    "a month not an object": lambda text: json.dumps(
        {**json.loads(text), "months": {"2025-12": 7}}
    ),
    "not UTF-8": lambda text: "\udcff\udcfe" * 10,
    "a slug that is a path": _tampered("worst_slug", "../../index"),
    "a name with a direction override": _tampered("worst", "Alpha \u202eAC"),
    "a count that is text": _tampered("cas", "3"),
}


@pytest.mark.parametrize("corrupt", CORRUPT)
def test_a_corrupt_or_foreign_manifest_means_render_everything(cli, data_dir, tmp_path, corrupt):
    _store(data_dir, BUGS)
    out = tmp_path / "site"
    _site(data_dir, out)
    first = _files(out)
    text = (out / MANIFEST).read_text(encoding="utf-8")
    (out / MANIFEST).write_bytes(CORRUPT[corrupt](text).encode("utf-8", "surrogateescape"))
    result = cli("site", "--data-dir", data_dir, "--out", out)
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    assert "5 rendered" in result.stderr
    assert _files(out) == first


def test_a_manifest_naming_files_outside_the_site_is_not_read(cli, data_dir, tmp_path):
    """Files the last site wrote and this one does not are removed; a manifest that names a
    file outside the site's own names is not ours, and nothing it names is touched."""
    _store(data_dir, BUGS)
    out = tmp_path / "site"
    _site(data_dir, out)
    outside = tmp_path / "keep.html"
    outside.write_text("mine", encoding="utf-8")
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    sha = hashlib.sha256(b"mine").hexdigest()
    manifest["pages"]["../keep.html"] = sha
    (out / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    assert len(_site(data_dir, out)) == len(MONTHS)
    assert outside.read_text(encoding="utf-8") == "mine"


def test_changed_templates_render_every_month(cli, data_dir, tmp_path):
    _store(data_dir, BUGS)
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "scorecard.html").write_text(
        '{% extends "default:scorecard.html" %}', encoding="utf-8"
    )
    out = tmp_path / "site"
    _site(data_dir, out, templates)
    assert _site(data_dir, out, templates) == []
    (templates / "scorecard.html").write_text(
        '{% extends "default:scorecard.html" %}{% block title %}Ours{% endblock %}',
        encoding="utf-8",
    )
    assert _site(data_dir, out, templates) == MONTHS


def test_a_month_built_from_its_part_of_the_tables_is_the_month_built_from_all(data_dir, tmp_path):
    """What a month is built from (and its digest is of) gives the pages all the tables give."""
    _store(data_dir, {**BUGS, 1903: CHANGES["a new CA"][0][1903]}, "2026-04-10T00:00:00Z")
    corpus = load(data_dir)
    inputs = MonthInputs(salt(None, "../index.html"))
    for label in [*MONTHS, "2026-03"]:
        month = Month.parse(label)
        tables = tables_from_corpus(corpus, month)
        part = inputs.of(tables, month).tables()
        write_scorecards(tables, month, tmp_path / "all", html_only=True)
        write_scorecards(part, month, tmp_path / "part", html_only=True)
    assert _files(tmp_path / "part") == _files(tmp_path / "all")
    assert len(_files(tmp_path / "all")) > 2 * len(MONTHS)
    shutil.rmtree(tmp_path / "all")


def test_the_bug_columns_a_month_reads_are_those_the_context_names(data_dir):
    """A month is built from (and digested over) only :data:`BUG_COLUMNS` of the bugs table: a
    column of the bugs table (and not of a month's view) that the context's code names must be
    among them, or a change to it would leave the month's pages stale."""
    _store(data_dir, BUGS)
    corpus = load(data_dir)
    month = Month.parse("2026-01")
    view = corpus.months().view(month)
    from_views = set(view.bugs.columns) | set(view.deadlines.columns)
    source = Path(context.__file__).read_text(encoding="utf-8")
    named = {
        node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    read = (named & set(corpus.bugs.columns)) - from_views
    assert read and read <= set(BUG_COLUMNS), read - set(BUG_COLUMNS)
