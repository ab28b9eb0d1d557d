"""How long ``analyzer site`` takes on the bundled snapshot, beside its floor, and again after a
sync that changed three bugs; each in a fresh process, all in one run (ratios, not seconds, are
what compare on a shared machine).

Usage::

    python bench/site.py

- **site**: ``analyzer site --out A`` on a copy of the snapshot: wall and CPU seconds.
- **floor**: what no site can go below: reading and decoding every bug of the store, then
  rendering every page of A again (the same bytes, at the same sizes) through a minimal Jinja2
  template and writing it. Goal: site CPU within 2.5 times the floor's.
- **second site**: three open bugs get one new CA comment each and the store's sync time
  moves an hour on (as a sync stores them: every sync sets the time, and the CA histories,
  the due page and the landing page show it), then ``analyzer site --out A`` again: its CPU
  beside the first's, how many files it rewrote, and whether A is then byte for byte what a
  fresh site writes.
- **second floor**: what no second site after that sync can go below, on a copy of the same
  data: the imports a site needs; the stored tables read back and brought up to date for the
  three changed bugs (their threads parsed again, their new comments read with spaCy loaded,
  the entries stored: what the first command after a sync pays, whatever it is); every file
  of A read and hashed (what a site must compare to know what to leave alone); and the pages
  that show the sync time (the landing page, the due page, every CA history) rendered again
  at the same sizes through a minimal Jinja2 template and written. The goal (second <= 0.2
  of the first) is judged beside it.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

FLOOR = r"""
import sys, pathlib
from jinja2 import Environment
from analyzer.store import Store
site, out, store = map(pathlib.Path, sys.argv[1:4])
with Store.open_readonly(store) as opened:
    bugs = sum(1 for _ in opened.iter_raw())
template = Environment(autoescape=False).from_string("{{ body }}")
for page in site.rglob("*"):
    if page.is_file():
        target = out / page.relative_to(site)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(template.render(body=page.read_text(errors="replace")))
"""


SECOND_FLOOR = r"""
import hashlib, pathlib, sys
import analyzer.cli.site, analyzer.report.site  # the imports a site needs
from jinja2 import Environment
from analyzer.corpus import load
site, data, out = map(pathlib.Path, sys.argv[1:4])
corpus = load(data, require_store=True)
corpus.tables, corpus.language  # read back; the changed bugs parsed and read again, stored
for page in sorted(site.rglob("*")):
    if page.is_file():
        hashlib.sha256(page.read_bytes()).digest()
template = Environment(autoescape=False).from_string("{{ body }}")
for page in [site / "index.html", site / "due" / "index.html", *sorted(site.glob("ca/*"))]:
    target = out / page.relative_to(site)  # the pages that show the sync time
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(template.render(body=page.read_text(errors="replace")))
"""


def _cpu_of(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=cwd, check=False)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command[:4])} failed: {done.stderr.strip()[-1500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _touch_three_bugs(store_path: Path) -> list[int]:
    """One new CA comment on each of three open bugs, stored as a sync stores a changed bug,
    and the sync time an hour later, as a sync sets it."""
    from analyzer.store import RawBug, Store

    with Store.open(store_path.parent) as store:
        open_bugs = [
            raw
            for raw in store.iter_raw()
            if raw.bug.get("status") not in ("RESOLVED", "VERIFIED", "CLOSED") and raw.comments
        ][-3:]
        changed = []
        for raw in open_bugs:
            last = raw.comments[-1]
            comment = dict(last)
            comment["id"] = int(last.get("id") or 0) + 1
            comment["count"] = len(raw.comments)
            comment["text"] = "Weekly update: work continues; next update next week."
            comment["raw_text"] = comment["text"]
            comment["creator"] = comment["author"] = raw.bug.get("assigned_to") or last["creator"]
            changed.append(RawBug(dict(raw.bug), [*raw.comments, comment], raw.history))
        store.put_bugs(changed)
        synced = datetime.fromisoformat(store.get_meta("last_sync_time")) + timedelta(hours=1)
        store.set_meta(last_sync_time=synced.strftime("%Y-%m-%dT%H:%M:%SZ"))
        return [raw.bug_id for raw in changed]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    from analyzer.store import STORE_FILE, bundled_snapshot_path

    load = os.getloadavg()[0]
    python = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        data = root / "data"
        data.mkdir()
        shutil.copy(bundled_snapshot_path(), data / STORE_FILE)
        env_cache = {"XDG_CACHE_HOME": str(root / "cache")}
        os.environ.update(env_cache)
        site = [python, "-m", "analyzer", "site", "--data-dir", str(data), "--out"]
        _cpu_of([*site, str(root / "warm")], root)  # fills the caches, as a user's runs have
        shutil.rmtree(root / "warm")
        first = _cpu_of([*site, str(root / "a")], root)
        floor = _cpu_of(
            [python, "-c", FLOOR, str(root / "a"), str(root / "floor"), str(data / STORE_FILE)],
            root,
        )
        files = _digests(root / "a")
        bugs = _touch_three_bugs(data / STORE_FILE)
        shutil.copytree(data, root / "data-floor")  # the same store and caches, for the floor
        floor_args = [str(root / name) for name in ("a", "data-floor", "floor-2")]
        second_floor = _cpu_of([python, "-c", SECOND_FLOOR, *floor_args], root)
        second = _cpu_of([*site, str(root / "a")], root)
        after = _digests(root / "a")
        changed = [name for name, digest in after.items() if files.get(name) != digest]
        rewritten = len(changed)
        _cpu_of([*site, str(root / "fresh")], root)
        same = after == _digests(root / "fresh")
    print(f"load average {load:.1f} at start; {len(files)} files in the site")
    print(f"site:        {first[0]:6.1f} s wall {first[1]:6.1f} s CPU")
    print(f"floor:       {floor[0]:6.1f} s wall {floor[1]:6.1f} s CPU   site/floor (CPU) "
          f"{first[1] / floor[1]:.2f}  (goal <= 2.5)")  # fmt: skip
    print(f"second site: {second[0]:6.1f} s wall {second[1]:6.1f} s CPU   second/first (CPU) "
          f"{second[1] / first[1]:.2f}  (goal <= 0.2); after new comments on bugs "
          f"{', '.join(map(str, bugs))} and the sync time an hour on: "
          f"{rewritten} of {len(after)} files rewritten "
          f"({', '.join(changed[:5])}); "
          f"byte for byte a fresh site: {same}")  # fmt: skip
    print(f"second floor:{second_floor[0]:6.1f} s wall {second_floor[1]:6.1f} s CPU   "
          f"second/its floor (CPU) {second[1] / second_floor[1]:.2f}; the floor/first (CPU) "
          f"{second_floor[1] / first[1]:.2f}: the least second/first could be")  # fmt: skip
    print("command: python bench/site.py")


if __name__ == "__main__":
    main()
