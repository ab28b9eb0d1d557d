"""Random threads for hypothesis properties, written in the thread language (tests/threadkit.py).

Steps are thread-language lines without their time (``ca says full``, ``mozilla closes FIXED``)
or one of these words: ``whiteboard`` (a Next-update date from 3 days before to 20 after),
``meta`` (a ``[meta]`` tag), ``revocation`` (the revocation-delay tag with a date),
``identified`` (a full report stating an identified date 9 days back). Closes and reopens are
kept consistent with the bug's status.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import strategies as st
from threadkit import Thread, thread


@st.composite
def threads(
    draw,
    steps: st.SearchStrategy[str],
    first: datetime,
    filers: tuple[str, ...],
    max_gap_days: int,
    any_history: bool = False,
) -> Thread:
    """A thread of up to 14 steps, each up to ``max_gap_days`` after the one before; with
    ``any_history``, the store may lack its history (drawn last)."""
    lines = [f"{first:%Y-%m-%d %H:%M} {draw(st.sampled_from(filers))} files"]
    moment, is_open = first, True
    for step in draw(st.lists(steps, max_size=14)):
        moment += timedelta(minutes=draw(st.integers(0, 60 * 24 * max_gap_days)))
        stamp = f"{moment:%Y-%m-%d %H:%M}"
        if step in ("whiteboard", "revocation"):
            day = (moment + timedelta(days=draw(st.integers(-3, 20)))).date()
            tag = "[ca-compliance]" if step == "whiteboard" else "[leaf-revocation-delay]"
            lines.append(f"{stamp} mozilla whiteboard {tag} Next update {day}")
        elif step == "meta":
            lines.append(f"{stamp} mozilla whiteboard [ca-compliance] [meta]")
        elif step == "identified":
            lines.append(f"{stamp} ca says full identified={moment - timedelta(days=9):%Y-%m-%d}")
        elif " closes " in step:
            if is_open:
                lines.append(f"{stamp} {step}")
                is_open = False
        elif step.endswith("reopens"):
            if not is_open:
                lines.append(f"{stamp} {step}")
                is_open = True
        else:
            lines.append(f"{stamp} {step}")
    history = draw(st.booleans()) if any_history else True
    return thread("\n".join(lines), history=history)
