"""The store keeps raw bugs whole and tells unknown history from empty history."""

from analyzer.store import RawBug, Store, bundled_snapshot_path


def test_put_and_read_back_verbatim(tmp_path):
    store = Store.open(tmp_path)
    bug = {"id": 7, "summary": "X: y", "last_change_time": "2025-01-01T00:00:00Z"}
    comments = [{"id": 1, "count": 0, "text": "héllo <b>", "creator": "a@x.org"}]
    store.put_bugs([RawBug(bug, comments, None), RawBug({"id": 8}, [], [])])
    assert store.get(7) == RawBug(bug, comments, None)
    assert store.get(8).history == []
    assert store.last_change_times() == {7: "2025-01-01T00:00:00Z", 8: None}


def test_newer_version_replaces_older(tmp_path):
    store = Store.open(tmp_path)
    store.put_bugs([RawBug({"id": 7, "summary": "old"}, [], [])])
    store.put_bugs([RawBug({"id": 7, "summary": "new"}, [{"count": 0}], [])])
    assert store.count() == 1
    assert store.get(7).bug["summary"] == "new"


def test_bundled_snapshot_is_the_real_corpus():
    store = Store.open_readonly(bundled_snapshot_path(), immutable=True)
    assert store.count() == 1690
    assert sum(len(raw.comments) for raw in store.iter_raw()) == 21988
    assert store.get_meta("history_known") == "false"


def test_unwritable_data_dir_is_an_input_error(tmp_path):
    import pytest

    from analyzer.env import InputError

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputError, match="Cannot write the store"):
        Store.open(blocker / "data")
