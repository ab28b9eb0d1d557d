"""Curated reference data (CA aliases and domains, root program staff, tag spellings) as CSVs.

The tables ship in ``analyzer/data/``; a user extends or overrides them by dropping a CSV of the
same name into ``<data-dir>/reference/``. They are data, not code, so a reviewer can read them.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path

import pandas as pd

from analyzer.env import InputError
from analyzer.parse.overrides import Overrides, load_overrides, utc_stamp

# file name -> the columns it must have (further columns, such as `note`, are ignored)
FILES: dict[str, tuple[str, ...]] = {
    "ca_aliases.csv": ("alias", "ca"),
    "ca_domains.csv": ("ca", "domain"),
    "ca_accounts.csv": ("ca", "account"),
    "root_program_domains.csv": ("domain",),
    "root_program_accounts.csv": ("account",),
    "public_mail_domains.csv": ("domain",),
    "whiteboard_tags.csv": ("tag", "normalised"),
    "excluded_resolutions.csv": ("resolution", "reason"),
    "comment_tags.csv": ("tag",),
}
# file name -> columns it may have, read when present (empty cells mean "no bound")
OPTIONAL: dict[str, tuple[str, ...]] = {
    "root_program_accounts.csv": ("valid_from", "valid_to"),
    # role: ``ca`` (or empty) lists CA staff; ``community`` records a reviewed account that is
    # not (or not clearly) the CA's, so the decision and its ``reason`` stay with the data
    "ca_accounts.csv": ("role", "reason"),
}
ACCOUNT_ROLES = ("ca", "community")
# (first moment, first moment after) an account is listed; ``None`` is unbounded
Period = tuple["pd.Timestamp | None", "pd.Timestamp | None"]
ALWAYS: Period = (None, None)
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]|$)")


@dataclass
class Reference:
    """The lookups the parse stage needs; all keys are lower case."""

    aliases: dict[str, str] = field(default_factory=dict)  # alias -> canonical CA name
    ca_domains: dict[str, frozenset[str]] = field(default_factory=dict)  # CA -> mail domains
    ca_accounts: dict[str, frozenset[str]] = field(default_factory=dict)  # CA -> accounts
    root_program_domains: frozenset[str] = frozenset()
    # account -> the periods it speaks for a root program (``ALWAYS`` when the CSV gives none)
    root_program_accounts: dict[str, tuple[Period, ...]] = field(default_factory=dict)
    public_mail_domains: frozenset[str] = frozenset()
    tags: dict[str, str] = field(default_factory=dict)  # tag spelling -> today's tag
    # upper-case resolution -> why a bug so resolved is not judged (parse/exclusion.py)
    excluded_resolutions: dict[str, str] = field(default_factory=dict)
    # (CA, account) -> why a reviewed account is not listed as that CA's staff (role community)
    reviewed_not_ca: dict[tuple[str, str], str] = field(default_factory=dict)
    # comment tags BMO collapses a comment by: such a comment is no update and needs no reply
    collapsing_tags: frozenset[str] = frozenset()
    # what staff know and the store does not (parse/overrides.py)
    overrides: Overrides = field(default_factory=Overrides)

    @property
    def ca_names(self) -> frozenset[str]:
        return frozenset(self.aliases.values())

    @cached_property
    def any_ca_accounts(self) -> frozenset[str]:
        """Accounts listed as some CA's staff: never a root program's voice by domain alone."""
        return frozenset().union(*self.ca_accounts.values())


def normalise_key(text: str) -> str:
    """Lower case with runs of whitespace as one space: how aliases and tags are matched."""
    return " ".join(text.split()).lower()


def _builtin_text(name: str) -> str:
    return (resources.files("analyzer") / "data" / name).read_text(encoding="utf-8")


def _rows(text: str, name: str, origin: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [col for col in FILES[name] if col not in (reader.fieldnames or [])]
    if missing:
        raise InputError(f"{origin} lacks the column(s) {', '.join(missing)}.")
    rows = []
    for row in reader:
        values = {col: (row.get(col) or "").strip() for col in FILES[name]}
        if all(values.values()):
            for col in OPTIONAL.get(name, ()):
                values[col] = (row.get(col) or "").strip()
            role = values.get("role", "").lower()
            if name == "ca_accounts.csv" and role and role not in ACCOUNT_ROLES:
                raise InputError(
                    f"{origin}, line {reader.line_num}: {values['account']} has the role "
                    f"{values['role']!r} (write {' or '.join(ACCOUNT_ROLES)})."
                )
            rows.append(values)
    return rows


def read_table(name: str, extra_dir: Path | None) -> list[dict[str, str]]:
    """Built-in rows of one table followed by the user's rows (later rows win on conflicts)."""
    rows = _rows(_builtin_text(name), name, f"the built-in {name}")
    if extra_dir is not None:
        path = Path(extra_dir) / name
        if path.is_file():
            try:
                text = path.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as exc:
                raise InputError(f"Cannot read {path}: {exc}.") from exc
            rows += _rows(text, name, str(path))
    return rows


def _grouped(rows: list[dict[str, str]], key: str, value: str) -> dict[str, frozenset[str]]:
    grouped: dict[str, set[str]] = {}
    for row in rows:
        grouped.setdefault(row[key], set()).add(row[value].lower())
    return {k: frozenset(v) for k, v in grouped.items()}


def _day(text: str, name: str, column: str, next_day: bool) -> pd.Timestamp | None:
    if not text:
        return None
    stamp = utc_stamp(text, _ISO_DAY)
    if stamp is None:
        raise InputError(f"{name}: {column} {text!r} is not a date (write YYYY-MM-DD).")
    return stamp.normalize() + pd.Timedelta(days=1) if next_day else stamp


def _periods(rows: list[dict[str, str]]) -> dict[str, tuple[Period, ...]]:
    """account -> its listed periods; ``valid_to`` is the last day listed (inclusive).

    Several rows for one account are several periods (someone who left and came back)."""
    name = "root_program_accounts.csv"
    found: dict[str, list[Period]] = {}
    for row in rows:
        account = row["account"].lower()
        period = (
            _day(row.get("valid_from", ""), name, "valid_from", next_day=False),
            _day(row.get("valid_to", ""), name, "valid_to", next_day=True),
        )
        if period[0] is not None and period[1] is not None and period[1] <= period[0]:
            raise InputError(f"{name}: {account} is valid_to before valid_from.")
        found.setdefault(account, []).append(period)
    return {account: tuple(periods) for account, periods in found.items()}


def _account_roles(
    rows: list[dict[str, str]],
) -> tuple[list[dict[str, str]], dict[tuple[str, str], str]]:
    """``ca_accounts.csv`` split by ``role``: the CA staff rows, and the reviewed accounts a
    person decided are not the CA's (kept with their reason, changing no role). The last row
    for one CA and account wins, so a user's file can overturn a built-in decision."""
    decided: dict[tuple[str, str], dict[str, str]] = {}
    for row in rows:  # roles were checked as the file was read (_rows)
        role = row.get("role", "").lower() or "ca"
        decided[(row["ca"], row["account"].lower())] = {**row, "role": role}
    staff = [row for row in decided.values() if row["role"] == "ca"]
    reviewed = {key: row.get("reason", "") for key, row in decided.items() if row["role"] != "ca"}
    return staff, reviewed


def load_reference(extra_dir: Path | None = None) -> Reference:
    """Built-in reference tables merged with same-named CSVs in ``extra_dir`` when present."""
    public_rows = read_table("public_mail_domains.csv", extra_dir)
    public = frozenset(r["domain"].lower() for r in public_rows)
    aliases = {normalise_key(r["alias"]): r["ca"] for r in read_table("ca_aliases.csv", extra_dir)}
    for canonical in list(aliases.values()):
        aliases.setdefault(normalise_key(canonical), canonical)
    domain_rows = read_table("ca_domains.csv", extra_dir)
    for row in domain_rows:
        if row["domain"].lower() in public:
            raise InputError(
                f"ca_domains.csv gives {row['ca']} the public mail domain {row['domain']}: "
                "list such staff by account in ca_accounts.csv instead."
            )
    staff, reviewed = _account_roles(read_table("ca_accounts.csv", extra_dir))
    return Reference(
        aliases=aliases,
        ca_domains=_grouped(domain_rows, "ca", "domain"),
        ca_accounts=_grouped(staff, "ca", "account"),
        root_program_domains=frozenset(
            r["domain"].lower() for r in read_table("root_program_domains.csv", extra_dir)
        ),
        root_program_accounts=_periods(read_table("root_program_accounts.csv", extra_dir)),
        public_mail_domains=public,
        tags={
            normalise_key(r["tag"]): r["normalised"]
            for r in read_table("whiteboard_tags.csv", extra_dir)
        },
        excluded_resolutions={
            r["resolution"].upper(): r["reason"]
            for r in read_table("excluded_resolutions.csv", extra_dir)
        },
        reviewed_not_ca=reviewed,
        collapsing_tags=frozenset(
            r["tag"].lower() for r in read_table("comment_tags.csv", extra_dir)
        ),
        overrides=load_overrides(extra_dir),
    )
