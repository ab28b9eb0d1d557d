"""Random, well-formed JSON in bug, comment and history fields, through the real fake Bugzilla,
``analyzer sync`` and every read command in every format: none ever exits 1 ("unexpected").

A fixed, derandomized budget of examples keeps it to seconds on a 2-core CI machine.
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from analyzer.testing.fake_bugzilla import FakeBugzilla, Faults
from tests.conftest import run_cli
from tests.test_hard_values import OUT_COMMANDS, READ_COMMANDS, SPLICES

BUGS = (1940001, 1940008, 1940050)  # open with history and Next update; resolved; open
BUG_FIELDS = ("summary", "status", "resolution", "creator", "assigned_to", "whiteboard",
              "creation_time", "last_change_time", "flags", "product", "component")  # fmt: skip
COMMENT_FIELDS = ("count", "id", "author", "creator", "creation_time", "time", "text",
                  "raw_text", "is_private")  # fmt: skip
HISTORY_FIELDS = ("when", "who", "changes")
CHANGE_FIELDS = ("field_name", "removed", "added")

NESTED: list = []
for _ in range(200):
    NESTED = [NESTED]

# values a real or a broken Bugzilla sends, beside arbitrary JSON (a SPLICES key is served as
# its raw JSON text: 1e400, 5,000 digits, 100,000 deep)
PLAUSIBLE = st.sampled_from([
    "2025-03-01T10:00:00Z", "2025-02-30T10:00:00Z", "yesterday", "3025-03-10T00:00:00Z",
    "[ca-compliance] Next update 3025-03-10", "Next update 2025-13-45", "RESOLVED", "NEW",
    "needinfo?(ops@harbor-ca.example)", "whiteboard", "status", "flagtypes.name", "false",
    "\ud800", "=cmd|' /C calc'!A0", "CA Program", "CA Certificate Compliance", 1e20, -1, 0,
    # numbers past any size, JSON that SQLite cannot hold, nesting past any sane depth
    float("nan"), float("inf"), 10**25, "Total number of affected certificates: " + "9" * 20,
    "## Impact\n- Total number of certificates: " + "9" * 5000, NESTED, *SPLICES,
])  # fmt: skip
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12) | PLAUSIBLE
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
EDIT = st.tuples(
    st.sampled_from(BUGS),
    st.sampled_from(("bug", "comment", "history", "change")),
    st.integers(min_value=0, max_value=5),
    st.sampled_from(BUG_FIELDS + COMMENT_FIELDS + HISTORY_FIELDS + CHANGE_FIELDS),
    JSON,
)


def apply(bugs: dict, edit: tuple) -> None:
    bug_id, where, index, name, value = edit
    fake = bugs[bug_id]
    if where == "bug":
        if name != "id":  # the fake keys on it (junk ids: test_hard_values.py)
            fake.bug[name] = value
    elif where == "comment" and fake.comments:
        fake.comments[index % len(fake.comments)][name] = value
    elif where == "history" and fake.history:
        fake.history[index % len(fake.history)][name] = value
    elif where == "change" and fake.history:
        entry = fake.history[index % len(fake.history)]
        if isinstance(entry.get("changes"), list) and entry["changes"]:
            change = entry["changes"][0]
            if isinstance(change, dict):
                change[name] = value


@settings(
    max_examples=6,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(edits=st.lists(EDIT, min_size=1, max_size=6))
@example(  # the value classes of issue 23, always among the examples
    edits=[
        (BUGS[0], "bug", 0, "summary", float("nan")),
        (BUGS[0], "comment", 1, "text", "Total number of affected certificates: " + "9" * 20),
        (BUGS[1], "comment", 0, "count", "@digits@"),
        (BUGS[2], "history", 0, "changes", "@deep100k@"),
        (BUGS[2], "bug", 0, "whiteboard", NESTED),
    ]
)
def test_random_server_values_never_make_a_command_fail_unexpectedly(bugzilla_corpus, edits):
    bugs = {i: copy.deepcopy(bugzilla_corpus[i]) for i in BUGS}
    for edit in edits:
        apply(bugs, edit)
    with tempfile.TemporaryDirectory() as root:
        data_dir = Path(root) / "data"
        with FakeBugzilla(bugs, faults=Faults(splice=SPLICES)) as server:
            synced = run_cli("sync", "--base-url", server.url, "--data-dir", data_dir,
                             "--max-rate", "0", "--backoff", "0.001")  # fmt: skip
        assert synced.exit_code == 0, synced.stderr
        for args in READ_COMMANDS:
            out = ("--out", Path(root) / "-".join(args)) if args[0] in OUT_COMMANDS else ()
            result = run_cli(*args, "--data-dir", data_dir, *out)
            assert result.exit_code in (0, 2), (args, edits, result.stderr)
            assert "unexpected" not in result.stderr, (args, edits, result.stderr)
