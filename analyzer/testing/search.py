"""What the fake Bugzilla answers to ``GET /rest/bug``: the search semantics BMO really has.

Supported: ``id``, ``product``, ``component`` (repeatable), ``last_change_time`` (changed at
or after), boolean charts ``fN/oN/vN`` on ``bug_id`` and ``delta_ts``, ``include_fields`` and
``exclude_fields`` (``_default``, ``_all``, extras ``comments`` and ``history``, explicit
names), ``order`` (``bug_id``, ``changeddate``, with ``DESC``), ``limit`` (silently capped;
0 means the cap) and ``offset`` (ignored without ``limit``, as Bugzilla does).
"""

from __future__ import annotations

from collections.abc import Sequence

from analyzer.testing.fake_bugs import FakeBug

EXTRAS = ("comments", "history")
_ORDER_KEYS = {"bug_id": "id", "changeddate": "last_change_time", "delta_ts": "last_change_time"}
_CHART_FIELDS = {
    "bug_id": "id",
    "delta_ts": "last_change_time",
    "last_change_time": "last_change_time",
}
_CHART_OPS = {
    "equals": lambda a, b: a == b,
    "notequals": lambda a, b: a != b,
    "greaterthan": lambda a, b: a > b,
    "greaterthaneq": lambda a, b: a >= b,
    "lessthan": lambda a, b: a < b,
    "lessthaneq": lambda a, b: a <= b,
}


class SearchError(ValueError):
    """A parameter Bugzilla would refuse; the message is the API's error message."""


def search(
    bugs: Sequence[FakeBug], params: Sequence[tuple[str, str]], max_limit: int, inline_extras: bool
) -> list[dict]:
    """The ``bugs`` list of a search answer (sharing the corpus' objects: serialise it at once)."""
    found = [fake for fake in bugs if _matches(fake.bug, params)]
    found.sort(key=_order_key(_values(params, "order")))
    limit = _int(params, "limit")
    if limit is not None:
        limit = max_limit if limit <= 0 else min(limit, max_limit)
        offset = _int(params, "offset") or 0
        found = found[offset : offset + limit]
    else:
        found = found[:max_limit]
    include = _split(_values(params, "include_fields")) or ["_default"]
    exclude = set(_split(_values(params, "exclude_fields")))
    return [_shape(fake, include, exclude, inline_extras) for fake in found]


def _matches(bug: dict, params: Sequence[tuple[str, str]]) -> bool:
    try:
        ids = {int(v) for v in _split(_values(params, "id"))}
    except ValueError:
        raise SearchError("Invalid bug id in 'id'.") from None
    if ids and bug["id"] not in ids:
        return False
    for name in ("product", "component"):
        wanted = _values(params, name)
        if wanted and bug.get(name) not in wanted:
            return False
    since = _values(params, "last_change_time")
    changed_at = bug.get("last_change_time")
    if since and (changed_at if isinstance(changed_at, str) else "") < since[-1]:
        return False
    return all(_chart(bug, params, n) for n in _chart_numbers(params))


def _chart_numbers(params: Sequence[tuple[str, str]]) -> list[str]:
    return [key[1:] for key, _ in params if key.startswith("f") and key[1:].isdigit()]


def _chart(bug: dict, params: Sequence[tuple[str, str]], n: str) -> bool:
    field_name = _last(params, f"f{n}")
    op = _last(params, f"o{n}")
    value = _last(params, f"v{n}") or ""
    if field_name not in _CHART_FIELDS or op not in _CHART_OPS:
        raise SearchError(
            f"The fake Bugzilla does not support the search f{n}={field_name} o{n}={op}."
        )
    actual = bug.get(_CHART_FIELDS[field_name])
    if field_name == "bug_id":
        if not value.strip().isdigit():
            raise SearchError(f"'{value}' is not a valid bug number.")
        return _CHART_OPS[op](int(actual), int(value))
    return actual is not None and _CHART_OPS[op](str(actual), value)


def _order_key(orders: list[str]):
    keys: list[tuple[str, bool]] = []
    for part in _split(orders) or ["bug_id"]:
        name, _, direction = part.strip().partition(" ")
        if name not in _ORDER_KEYS:
            raise SearchError(f"The fake Bugzilla cannot order by '{name}'.")
        keys.append((_ORDER_KEYS[name], direction.strip().upper() == "DESC"))
    if ("id", False) not in keys and ("id", True) not in keys:
        keys.append(("id", False))  # Bugzilla breaks ties by bug id

    def key(fake: FakeBug) -> tuple:
        out = []
        for name, desc in keys:
            value = fake.bug.get(name)
            if name == "id":
                out.append(-int(value) if desc else int(value))
            else:
                text = str(value or "")
                out.append(tuple(-ord(c) for c in text) if desc else text)
        return tuple(out)

    return key


def _shape(fake: FakeBug, include: list[str], exclude: set[str], inline_extras: bool) -> dict:
    names = set(include)
    if "_default" in names or "_all" in names:
        names |= set(fake.bug)
    names -= exclude
    bug = {k: v for k, v in fake.bug.items() if k in names}
    if inline_extras:
        if "comments" in names:
            bug["comments"] = fake.comments
        if "history" in names:
            bug["history"] = fake.history
    return bug


def _values(params: Sequence[tuple[str, str]], name: str) -> list[str]:
    return [value for key, value in params if key == name]


def _last(params: Sequence[tuple[str, str]], name: str) -> str | None:
    values = _values(params, name)
    return values[-1] if values else None


def _split(values: list[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _int(params: Sequence[tuple[str, str]], name: str) -> int | None:
    value = _last(params, name)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise SearchError(f"Invalid {name} '{value}': it must be an integer.") from None
