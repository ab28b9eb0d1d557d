"""Who speaks for whom in a bug: ``ca``, ``root_program`` or ``community`` (docs/parse.md, "Rules").

Precedence, most specific first:

1. an explicit account of the bug's CA (``ca_accounts.csv``): a person who moved from a root
   program to a CA is CA-side in that CA's bugs;
2. an explicit root program account (Chrome staff on google.com, Mozilla staff on gmail.com)
   while its listing is valid (``valid_from``/``valid_to``: someone who left a root program
   no longer speaks for it);
3. anyone who was ever the bug's assignee (not ``nobody@mozilla.org``, not root program staff:
   not on a root program domain unless listed as a CA's staff);
4. the bug's CA's own mail domains (never a public mail domain);
5. an account listed as ANOTHER CA's staff is ``community``: it speaks for a CA, so its root
   program domain (``certification_authority@apple.com``) does not make it a root program;
6. root program domains (mozilla.com, ccadb.org, apple.com, microsoft.com, ...);
7. everyone else is ``community``.

So a role can depend on when the account spoke: ``of(account, when)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from analyzer.parse.reference import ALWAYS, Period, Reference

NOBODY = "nobody@mozilla.org"


def _in_domains(account: str, domains: frozenset[str]) -> bool:
    """The account's mail domain, or a parent domain of it, is in ``domains``."""
    if not domains:
        return False
    domain = account.rpartition("@")[2]
    while domain:
        if domain in domains:
            return True
        domain = domain.partition(".")[2]
    return False


def _within(periods: tuple[Period, ...], when: object) -> bool:
    """``when`` falls in one of ``periods``; an unknown time takes the listing at its word."""
    if periods == (ALWAYS,) or when is None:
        return True
    try:
        stamp = pd.Timestamp(when)
    except (ValueError, TypeError):
        return True
    if pd.isna(stamp):
        return True
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return any(
        (start is None or stamp >= start) and (end is None or stamp < end) for start, end in periods
    )


class BugRoles:
    """Roles of accounts in one bug about ``ca`` (canonical name, or unknown/empty)."""

    def __init__(self, ca: str, assignees: Iterable[str], reference: Reference) -> None:
        self.reference = reference
        self.ca_accounts = reference.ca_accounts.get(ca, frozenset())
        self.ca_domains = reference.ca_domains.get(ca, frozenset())
        self.assignees = frozenset(a.lower() for a in assignees if a and a.lower() != NOBODY)
        self._cache: dict[str, tuple[str, str]] = {}

    def is_timed(self, account: str | None) -> bool:
        """The account's role here can depend on the time it spoke."""
        if not account:
            return False
        periods = self.reference.root_program_accounts.get(account.lower())
        return periods is not None and periods != (ALWAYS,)

    def of(self, account: str | None, when: object = None) -> tuple[str, str]:
        """``(role, reason)`` for one account at ``when`` (ISO text or Timestamp; ``None``:
        unknown); reasons are the ``participants.reason`` values."""
        if not account:
            return "community", "other"
        if self.is_timed(account):
            return self._resolve(account.lower(), when)
        found = self._cache.get(account)
        if found is None:
            found = self._cache[account] = self._resolve(account.lower(), None)
        return found

    def roles_of(self, accounts: Sequence[str | None], times: Sequence[object]) -> list[str]:
        """The role of each ``accounts[i]`` at ``times[i]`` (the comments' hot path: one lookup
        per account unless its listing is dated)."""
        fixed = {a: self.of(a)[0] for a in set(accounts) if not self.is_timed(a)}
        return [
            fixed[a] if a in fixed else self.of(a, t)[0]
            for a, t in zip(accounts, times, strict=True)
        ]

    def _resolve(self, account: str, when: object) -> tuple[str, str]:
        ref = self.reference
        if account in self.ca_accounts:
            return "ca", "ca_account"
        periods = ref.root_program_accounts.get(account)
        if periods is not None and _within(periods, when):
            return "root_program", "root_program_account"
        other_ca_staff = account in ref.any_ca_accounts
        on_root_domain = _in_domains(account, ref.root_program_domains)
        if account in self.assignees and (other_ca_staff or not on_root_domain):
            return "ca", "assignee"
        if _in_domains(account, self.ca_domains):
            return "ca", "ca_domain"
        if other_ca_staff:
            return "community", "other_ca_account"
        if on_root_domain:
            return "root_program", "root_program_domain"
        return "community", "other"
