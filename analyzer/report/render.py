"""The Jinja2 environments: HTML with autoescape, Markdown with its own escaping.

Loaders as in datasette: the user's ``--templates`` directory first, then the built-in
templates, which are also reachable as ``default:NAME`` so an override can still
``{% extends "default:scorecard.html" %}``. Filters are registered here, in one place.
"""

from __future__ import annotations

import re
import traceback
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd
from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
)

from analyzer.bmo import BMO
from analyzer.env import InputError
from analyzer.report.labels import RULE_LABELS
from analyzer.report.layout import lines_by_rule, one_per_silence
from analyzer.report.safety import SHOWN, clean_text
from analyzer.report.svg import headline_svg, trend_svg

BUILTIN = Path(str(resources.files("analyzer.report") / "templates"))

# Characters that make Markup in CommonMark/GFM inline text (and raw HTML): backslash-escaped.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#&])")
_MD_BULLET_START = re.compile(r"^(\s*)([-+])")
# An ordered-list start is escaped after its digits ("1\."): a backslash before a digit is literal.
_MD_ORDERED_START = re.compile(r"^(\s*)(\d+)([.)])")


class MdSafe(str):
    """Markdown we built ourselves (links from bug ids, formatted numbers): not escaped again."""


def md_escape(value: object) -> str:
    """Untrusted text as inert Markdown: no HTML, no links, no emphasis, no table breaks."""
    if isinstance(value, MdSafe):
        return value
    if not isinstance(value, str):  # numbers, None: ours, and nothing to escape
        return str(value)
    text = _MD_SPECIAL.sub(r"\\\1", str(value))
    text = _MD_BULLET_START.sub(r"\1\\\2", text)
    text = _MD_ORDERED_START.sub(r"\1\2\\\3", text)
    # "://", "www." and "@" are where GFM autolinks URLs and e-mail addresses
    return text.replace("://", ":\\/\\/").replace("www.", "www\\.").replace("@", "\\@")


def _loader(user_dir: Path | None) -> BaseLoader:
    builtin = FileSystemLoader(str(BUILTIN))
    loaders: list[BaseLoader] = []
    if user_dir is not None:
        if not Path(user_dir).is_dir():
            raise InputError(f"--templates {user_dir} is not a directory.")
        loaders.append(FileSystemLoader(str(user_dir)))
    loaders += [PrefixLoader({"default": builtin}, delimiter=":"), builtin]
    return ChoiceLoader(loaders)


class TemplateProblem(TemplateError):
    """A user's template that cannot be used: one sentence naming it (exit 2 where the
    commands catch :class:`jinja2.TemplateError`). Never an ``OSError``, which the page
    writers would report as a folder they cannot write."""


class _Template(Template):
    """A template whose failures while rendering name the template and line at fault."""

    def render(self, *args: object, **kwargs: object) -> str:
        try:
            return super().render(*args, **kwargs)
        except TemplateError:
            raise
        except RecursionError:
            raise TemplateProblem(
                f"{self.name} includes or extends itself, directly or through another "
                "template (they would nest without end)"
            ) from None
        except Exception as exc:
            where = _user_line(exc, getattr(self.environment, "user_dir", None))
            if where is None:  # the built-in templates' own failure: a bug, not input
                raise
            raise TemplateProblem(f"{where}: {type(exc).__name__}: {exc}") from None


def _user_line(exc: BaseException, user_dir: Path | None) -> str | None:
    """``name, line N`` of the innermost frame of a template in ``user_dir``, if any (Jinja
    rewrites a template's frames to its file and line)."""
    if user_dir is None:
        return None
    root = Path(user_dir).resolve()
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        path = Path(frame.filename)
        if path.suffix != ".py" and path.resolve().is_relative_to(root):
            return f"{path.relative_to(root) if path.is_absolute() else path}, line {frame.lineno}"
    return None


class _Environment(Environment):
    """Templates from ``--templates`` are anyone's files: a name that is not there (one
    outside the folder, ``../x.html``, is never read), bytes that are not UTF-8 or a file
    that cannot be read are one :class:`TemplateProblem`."""

    template_class = _Template
    user_dir: Path | None = None
    _pinned: dict[tuple[str, str | None], Template] | None = None

    @contextmanager
    def pinned(self) -> Iterator[None]:
        """Meanwhile each template is looked up once: a month's pages include the same
        partials thousands of times, and each lookup checks the file's time again."""
        outer = self._pinned
        if outer is None:
            self._pinned = {}
        try:
            yield
        finally:
            self._pinned = outer

    def get_template(self, name, parent=None, globals=None):  # noqa: ANN001, ANN201, A002
        pinned = self._pinned
        if pinned is None or globals is not None or type(name) is not str:
            return self._looked_up(name, parent, globals)
        found = pinned.get((name, parent))
        if found is None:
            found = pinned[name, parent] = self._looked_up(name, parent, globals)
        return found

    def _looked_up(self, name, parent, globals):  # noqa: ANN001, ANN202, A002
        try:
            return super().get_template(name, parent, globals)
        except TemplateNotFound:  # also an OSError: first
            by = f"{parent} asks for " if parent else ""
            raise TemplateProblem(
                f"{by}template {str(name)[:200]!r}, which is neither in --templates nor "
                "built in (names outside the templates folder are never read)"
            ) from None
        except TemplateSyntaxError as exc:  # named here: not every command's catch names it
            raise TemplateProblem(f"{exc.name or name}, line {exc.lineno}: {exc.message}") from None
        except TemplateError:
            raise
        except UnicodeDecodeError:
            raise TemplateProblem(f"template {name} is not UTF-8 text") from None
        except OSError as exc:
            raise TemplateProblem(f"template {name} cannot be read: {exc.strerror}") from None


@lru_cache(maxsize=8)
def html_environment(user_dir: Path | None = None) -> _Environment:
    """Built once per templates directory (compiled templates are kept; Jinja still reloads a
    template whose file changed)."""
    env = _Environment(
        loader=_loader(user_dir),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.user_dir = user_dir
    _register_filters(env)
    env.filters["trend_svg"] = trend_svg
    env.filters["headline_svg"] = headline_svg
    env.filters["one_per_silence"] = one_per_silence
    env.filters["lines_by_rule"] = lines_by_rule
    return env


@lru_cache(maxsize=8)
def markdown_environment(user_dir: Path | None = None) -> _Environment:
    """Markdown pages: every ``{{ value }}`` is Markdown-escaped unless we built it."""
    env = _Environment(
        loader=_loader(user_dir),
        autoescape=False,
        finalize=md_escape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.user_dir = user_dir
    _register_filters(env, wrap=MdSafe)
    env.filters["link"] = md_link
    env.filters["one_per_silence"] = one_per_silence
    return env


def md_link(text: object, url: str | None) -> MdSafe:
    """``[text](url)`` with the text escaped; a URL is only one of our BMO links."""
    label = md_escape(text)
    if url and url.startswith(f"{BMO}/") and " " not in url:
        return MdSafe(f"[{label}]({url})")
    return MdSafe(label)


# -- filters ---------------------------------------------------------------------------------


_Timestamp = pd.Timestamp  # NaT is not one: a Timestamp is a time to show


def when(stamp: pd.Timestamp | None) -> str:
    """A UTC time to the minute, or a dash."""
    if type(stamp) is not _Timestamp and (stamp is None or pd.isna(stamp)):
        return "–"
    return _formatted(stamp, getattr(stamp, "tzinfo", None), "%Y-%m-%d %H:%M UTC")


def day(stamp: pd.Timestamp | None) -> str:
    if type(stamp) is not _Timestamp and (stamp is None or pd.isna(stamp)):
        return "–"
    return _formatted(stamp, getattr(stamp, "tzinfo", None), "%Y-%m-%d")


@lru_cache(maxsize=1 << 16)
def _formatted(stamp: pd.Timestamp, tz: object, form: str) -> str:
    """``stamp`` formatted, once per moment (``tz`` in the key: equal moments in two zones
    read differently); a site shows the same deadlines' times on month after month."""
    return format(stamp, form)


def duration(hours: float | None) -> str:
    """Hours as days and hours (``3 d 16 h``); a dash for none."""
    if type(hours) is float:
        if not hours > 0:  # NaN too
            return "–"
    elif hours is None or pd.isna(hours) or hours <= 0:
        return "–"
    whole = int(round(hours))
    days, rest = divmod(whole, 24)
    if days and rest:
        return f"{days} d {rest} h"
    return f"{days} d" if days else f"{rest} h"


def points(change: float | None) -> str:
    """A change of a share in percentage points, signed (``+12 pts``, ``−3 pts``, ``±0``)."""
    if change is None or pd.isna(change):
        return "–"
    whole = round(change * 100)
    if whole == 0:
        return "±0"
    return f"+{whole} pts" if whole > 0 else f"\u2212{-whole} pts"


def clean(value: object) -> str:
    """Bug text on one line, control and direction characters shown as U+FFFD (a value a
    later step did not clean yet is cleaned here; Jinja still escapes it)."""
    return clean_text(value, limit=400)


def clean_lines(value: object) -> str:
    """Bug text kept as written in its lines and spaces (a reminder to copy as it is), with
    control and direction characters shown as U+FFFD."""
    if value is None:
        return ""
    return "".join(
        char
        if char == "\n" or unicodedata.category(char) not in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp")
        else SHOWN
        for char in unicodedata.normalize("NFC", str(value))
    )


def rule_label(rule: str) -> str:
    """A rule's name for people ("Full report (14 days)"); an unknown name as it is."""
    return RULE_LABELS.get(rule, rule)


def pct(rate: float | None) -> str:
    """A share as a whole percentage; a dash when nothing was due (never a fake 0 %)."""
    if rate is None or (rate != rate if type(rate) is float else pd.isna(rate)):
        return "–"
    return f"{rate:.0%}"


def band(rate: float | None) -> str:
    """A CSS class for a rate: good, fair, poor, or none."""
    if rate is None:
        return "none"
    return "good" if rate >= 0.8 else "fair" if rate >= 0.5 else "poor"


def versus(rate: float | None, median: float | None) -> str:
    """The CA beside the median, in words: ``+12 pts``, ``−30 pts``, ``at median``."""
    if rate is None or median is None:
        return "–"
    points = round((rate - median) * 100)
    if points == 0:
        return "at median"
    return f"+{points} pts" if points > 0 else f"\u2212{-points} pts"


def _register_filters(env: Environment, wrap: type | None = None) -> None:
    """The formatting filters; in Markdown their output (from numbers only) is not re-escaped."""
    for name, func in {
        "when": when,
        "day": day,
        "duration": duration,
        "pct": pct,
        "band": band,
        "versus": versus,
        "points": points,
        "rule_label": rule_label,
        "clean": clean,
        "clean_lines": clean_lines,
    }.items():
        if wrap is None:
            env.filters[name] = func
        else:
            env.filters[name] = lambda *args, _f=func, **kw: wrap(_f(*args, **kw))
