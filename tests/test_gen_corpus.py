"""The scale benchmark's corpus generator writes API-shaped bugs that grow the real corpus."""

from __future__ import annotations

import importlib.util
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

from analyzer.store import Store, open_for_reading

_GEN_PATH = Path(__file__).resolve().parents[1] / "bench" / "gen_corpus.py"
_spec = importlib.util.spec_from_file_location("gen_corpus", _GEN_PATH)
gen_corpus = importlib.util.module_from_spec(_spec)
sys.modules["gen_corpus"] = gen_corpus  # dataclasses look their module up there
_spec.loader.exec_module(gen_corpus)

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
BUG_KEYS = {"id", "summary", "creation_time", "creator", "status", "resolution", "assigned_to",
            "whiteboard", "flags", "last_change_time"}  # fmt: skip
COMMENT_KEYS = {"id", "bug_id", "count", "creator", "author", "creation_time", "time", "text",
                "is_private"}  # fmt: skip


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Store:
    out = tmp_path_factory.mktemp("gen") / "data"
    gen_corpus.main(["--scale", "0.2", "--out", str(out), "--seed", "7"])
    store = Store.open_readonly(out / "bugzilla.sqlite")
    yield store
    store.close()


def real_templates():
    store = open_for_reading(None)
    try:
        return list(store.iter_raw()), store.get_meta("last_sync_time")
    finally:
        store.close()


def test_meta_says_generated_with_history(sample):
    meta = sample.meta()
    assert meta["source"] == "generated"
    assert meta["history_known"] == "true"
    assert ISO.match(meta["last_sync_time"])


def test_bug_count_follows_the_scale(sample):
    real, _ = real_templates()
    assert sample.count() == round(0.2 * len(real))


def test_bugs_are_api_shaped_and_consistent(sample):
    sync_time = sample.get_meta("last_sync_time")
    comment_ids = set()
    for raw in sample.iter_raw():
        bug = raw.bug
        assert BUG_KEYS <= bug.keys()
        assert ":" in bug["summary"] or bug["summary"]
        counts = [c["count"] for c in raw.comments]
        assert counts == list(range(len(raw.comments)))
        times = [c["time"] for c in raw.comments]
        assert all(ISO.match(t) for t in times)
        assert times == sorted(times) and times[-1] <= sync_time
        assert bug["creation_time"] == times[0] and bug["creator"] == raw.comments[0]["author"]
        for comment in raw.comments:
            assert COMMENT_KEYS <= comment.keys() and comment["bug_id"] == bug["id"]
            assert comment["text"] and comment["id"] not in comment_ids
            comment_ids.add(comment["id"])
        whens = [entry["when"] for entry in raw.history]
        assert whens == sorted(whens)
        assert bug["last_change_time"] == max(whens + times)
        for entry in raw.history:
            assert entry["who"] and entry["changes"]
            assert all({"field_name", "removed", "added"} <= c.keys() for c in entry["changes"])
        for flag in bug["flags"]:
            assert flag["name"] == "needinfo" and flag["status"] == "?" and flag["requestee"]


def _changes(store: Store, field: str) -> list[dict]:
    return [
        change
        for raw in store.iter_raw()
        for entry in raw.history
        for change in entry["changes"]
        if change["field_name"] == field
    ]


def test_needinfos_are_set_cleared_retargeted_and_joined(sample):
    flags = _changes(sample, "flagtypes.name")
    assert any(c["added"].startswith("needinfo?(") and not c["removed"] for c in flags)
    assert any(c["removed"].startswith("needinfo?(") and not c["added"] for c in flags)
    assert any(c["removed"] and c["added"] for c in flags), "no retarget"
    assert any(", needinfo?(" in c["added"] for c in flags), "no joined flags"


def test_whiteboard_edits_use_several_next_update_spellings(sample):
    added = [c["added"] for c in _changes(sample, "whiteboard")]
    iso_dates = [v for v in added if re.search(r"Next update \d{4}-\d\d-\d\d", v)]
    others = [v for v in added if re.search(r"Next update (\d\d?-[A-Z][a-z]{2}-|at |\d\d?-\d)", v)]
    assert iso_dates and others


def test_status_mix_and_ca_prefixes_follow_the_real_corpus():
    real, _ = real_templates()
    pairs = gen_corpus.synthetic_bug_ids(2, len(real), seed=1)
    assert len(pairs) == 2 * len(real) and len(set(pairs)) == len(pairs)
    templates, _ = gen_corpus.load_templates()
    grower = gen_corpus.BugGrower(
        gen_corpus.random.Random(3), gen_corpus.epoch("2026-03-14T00:00:00Z")
    )
    grown = [grower.grow(1 + i, templates[i]) for i in range(0, len(templates), 5)]
    want = Counter((t.status, t.resolution) for t in templates[::5])
    assert Counter((r.bug["status"], r.bug["resolution"]) for r in grown) == want
    assert [len(r.comments) for r in grown] == [len(t.authors) for t in templates[::5]]
    prefixes = [t.summary_prefix for t in templates[::5]]
    for raw, prefix in zip(grown, prefixes, strict=True):
        if prefix is not None:
            assert raw.bug["summary"].startswith(f"{prefix}: ")


def test_same_seed_same_corpus_other_seed_differs(tmp_path):
    dumps = []
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        gen_corpus.generate(tmp_path / name, 0.02, seed=seed)
        with Store.open_readonly(tmp_path / name / "bugzilla.sqlite") as store:
            dumps.append(store.dump())
    assert dumps[0] == dumps[1]
    assert dumps[0] != dumps[2]


def test_existing_store_needs_force(tmp_path, capsys):
    gen_corpus.generate(tmp_path, 0.01, seed=1)
    with pytest.raises(SystemExit) as exc:
        gen_corpus.main(["--scale", "0.01", "--out", str(tmp_path)])
    assert exc.value.code == 2
    assert "--force" in capsys.readouterr().err
    assert gen_corpus.main(["--scale", "0.01", "--out", str(tmp_path), "--force"]) == 0


def test_the_parse_stage_reads_the_shape_it_was_given(sample):
    """Roles, needinfo outcomes and Next-update dates come out of the real parse stage."""
    import analyzer

    tables = analyzer.load(sample.path.parent).tables
    roles = tables.comments["role"].value_counts(normalize=True)
    assert set(roles.index) == {"ca", "root_program", "community"}
    assert 0.4 < roles["ca"] < 0.8  # the real snapshot: 0.60
    assert tables.needinfos["to_ca"].any()
    assert {"cleared", "retargeted", "open"} <= set(tables.needinfos["cleared_how"])
    statuses = set(tables.whiteboard["next_update_status"])
    assert {"parsed", "absent"} <= statuses
    closed = tables.bugs[tables.bugs["closed"].notna()]
    assert not closed["closed_estimated"].any(), "history must say when each bug was closed"
