"""Who speaks for whom in a bug: ``ca``, ``root_program`` or ``community`` (docs/parse.md, "Rules").

Precedence, most specific first:

1. an explicit account of the bug's CA (``ca_accounts.csv``): a person who moved from a root
   program to a CA is CA-side in that CA's bugs;
2. an explicit root program account (Chrome staff on google.com, Mozilla staff on gmail.com);
3. anyone who was ever the bug's assignee (not ``nobody@mozilla.org``, not on a root program
   domain);
4. the bug's CA's own mail domains (never a public mail domain);
5. root program domains (mozilla.com, ccadb.org, apple.com, microsoft.com, ...);
6. everyone else is ``community``.
"""

from __future__ import annotations

from collections.abc import Iterable

from analyzer.parse.reference import Reference

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


class BugRoles:
    """Roles of accounts in one bug about ``ca`` (canonical name, or unknown/empty)."""

    def __init__(self, ca: str, assignees: Iterable[str], reference: Reference) -> None:
        self.reference = reference
        self.ca_accounts = reference.ca_accounts.get(ca, frozenset())
        self.ca_domains = reference.ca_domains.get(ca, frozenset())
        self.assignees = frozenset(a.lower() for a in assignees if a and a.lower() != NOBODY)
        self._cache: dict[str, tuple[str, str]] = {}

    def of(self, account: str | None) -> tuple[str, str]:
        """``(role, reason)`` for one account; reasons are the ``participants.reason`` values."""
        if not account:
            return "community", "other"
        found = self._cache.get(account)
        if found is None:
            found = self._cache[account] = self._resolve(account.lower())
        return found

    def _resolve(self, account: str) -> tuple[str, str]:
        ref = self.reference
        if account in self.ca_accounts:
            return "ca", "ca_account"
        if account in ref.root_program_accounts:
            return "root_program", "root_program_account"
        on_root_domain = _in_domains(account, ref.root_program_domains)
        if account in self.assignees and not on_root_domain:
            return "ca", "assignee"
        if _in_domains(account, self.ca_domains):
            return "ca", "ca_domain"
        if on_root_domain:
            return "root_program", "root_program_domain"
        return "community", "other"
