"""Generated histories: whiteboard timelines tile time; needinfos are cleared after set."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from parse_raw import change, needinfo_flag, raw_bug, tables

PEOPLE = ["a@netlock.hu", "b@netlock.hu", "rp@mozilla.com", "x@gmail.com", None]
VALUES = ["[ca-compliance]", "[ca-compliance] Next update 2025-03-01", "", "[x] Next update TBD"]
START = pd.Timestamp("2025-01-01T00:00:00Z")


def iso(seconds: int) -> str:
    return (START + pd.Timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def flag(person: str | None) -> str:
    return f"needinfo?({person})" if person else "needinfo?"


@st.composite
def histories(draw):
    """A consistent BMO history: whiteboard edits and needinfo set/clear/retarget/multi-set."""
    steps = draw(st.lists(st.integers(1, 10**6), min_size=0, max_size=25, unique=True))
    times = sorted(steps)
    if draw(st.booleans()) and times:
        times[0] = -times[0]  # an entry stamped before the bug's creation
    whiteboard, open_flags, entries = "[ca-compliance]", [], []
    for seconds in times:
        who = draw(st.sampled_from(PEOPLE[:-1]))
        kind = draw(st.sampled_from(["whiteboard", "set", "clear", "retarget", "multi"]))
        if kind == "whiteboard":
            new = draw(st.sampled_from(VALUES))
            entries.append(change(iso(seconds), who, ("whiteboard", whiteboard, new)))
            whiteboard = new
            continue
        removed, added = [], []
        if kind in ("clear", "retarget") and open_flags:
            removed = [open_flags.pop(draw(st.integers(0, len(open_flags) - 1)))]
        if kind in ("set", "retarget"):
            added = [draw(st.sampled_from(PEOPLE))]
        if kind == "multi":
            added = draw(st.lists(st.sampled_from(PEOPLE), min_size=2, max_size=3, unique=True))
        open_flags += added  # asking someone already asked again is allowed
        text = ", ".join(["review?(r@x.org)"] + [flag(p) for p in added])
        entries.append(
            change(iso(seconds), who, ("flagtypes.name", ", ".join(map(flag, removed)), text))
        )
    bug_flags = draw(
        st.one_of(
            st.none(),
            st.lists(
                st.builds(
                    needinfo_flag,
                    st.sampled_from(PEOPLE),
                    st.just("rp@mozilla.com"),
                    st.integers(0, 10**6).map(iso),
                ),
                max_size=3,
            ),
        )
    )
    return entries, whiteboard, bug_flags


@settings(max_examples=150, deadline=None)
@given(st.lists(histories(), min_size=1, max_size=4))
def test_whiteboard_timelines_tile_and_needinfos_clear_after_set(generated):
    raws = [
        raw_bug(bug_id=i + 1, history=entries, whiteboard=current, flags=flags)
        for i, (entries, current, flags) in enumerate(generated)
    ]
    built = tables(*raws)
    opened = built.bugs.set_index("bug_id")["opened"]
    for bug_id, rows in built.whiteboard.groupby("bug_id"):
        rows = rows.sort_values("seq")
        assert list(rows["seq"]) == list(range(len(rows)))
        assert rows["valid_from"].iloc[0] == opened[bug_id]
        assert pd.isna(rows["valid_to"].iloc[-1])
        ends, starts = rows["valid_to"].iloc[:-1].to_numpy(), rows["valid_from"].iloc[1:].to_numpy()
        assert (ends == starts).all()  # no gap, no overlap
        assert (
            rows["valid_from"].iloc[1:].to_numpy() >= rows["valid_from"].iloc[:-1].to_numpy()
        ).all()
        assert rows["value"].iloc[-1] == generated[bug_id - 1][1]
    needinfos = built.needinfos
    both = needinfos.dropna(subset=["set_at", "cleared_at"])
    assert (both["cleared_at"] > both["set_at"]).all()
    assert needinfos.loc[needinfos["open"], "cleared_at"].isna().all()
