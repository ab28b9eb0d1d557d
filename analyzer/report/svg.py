"""The 12-month trend as inline SVG: readable without JavaScript, in print and by a screen reader.

Written as text, one element at a time, escaping every text and attribute as XML requires
(``&``, ``<``, ``>``; in attributes also quotes and line breaks), so a CA name in the
``<title>`` stays text; the output is what ElementTree writes for the same tree, at a fraction
of its cost (a site draws one chart per CA and month). Each bar carries its number as a text
label; months without any deadline due show a dash instead of a zero-height bar that would read
as "none met".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol
from xml.sax.saxutils import escape

from markupsafe import Markup

from analyzer.report.pages import TrendPoint

WIDTH, HEIGHT = 960, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 22, 46


def xml_text(text: str) -> str:
    """Character data as XML text: nothing in it can open or close an element."""
    return escape(text)


# in a double-quoted attribute also the quote, and line breaks and tabs as numbered entities
# (as ElementTree writes them: a parser would otherwise read them as spaces)
_ATTRIBUTE_ENTITIES = {'"': "&quot;", "\r": "&#13;", "\n": "&#10;", "\t": "&#09;"}


def xml_attribute(value: str) -> str:
    """A value inside a double-quoted attribute: it cannot end the attribute or the tag, and
    line breaks and tabs survive."""
    return escape(value, _ATTRIBUTE_ENTITIES)


def element(tag: str, attributes: dict[str, str], text: str = "", inner: str = "") -> str:
    """One element: ``text`` is escaped, ``inner`` is elements already written; empty, it
    closes itself (``<line ... />``)."""
    attrs = "".join(f' {name}="{xml_attribute(value)}"' for name, value in attributes.items())
    if not text and not inner:
        return f"<{tag}{attrs} />"
    return f"<{tag}{attrs}>{xml_text(text)}{inner}</{tag}>"


def _text(attributes: str, text: str) -> str:
    """A ``<text>`` element: ``attributes`` already written, ``text`` escaped."""
    if not text:
        return f"<text{attributes} />"
    return f"<text{attributes}>{xml_text(text)}</text>"


def _svg(attributes: dict[str, str], parts: list[str]) -> Markup:
    return Markup(element("svg", attributes, inner="".join(parts)))


def trend_svg(trend: list[TrendPoint], ca: str) -> Markup:
    """Share of judged open bug-time in compliance per month (bars) beside all CAs pooled
    (dots): the headline, as known at each month's end."""
    slot = (WIDTH - LEFT - RIGHT) / max(len(trend), 1)
    desc = "; ".join(
        f"{p.month}: "
        + (
            f"{p.compliance:.0%} of {p.open_days} bug-days in compliance"
            if p.compliance is not None
            else "no judged bug open"
        )
        for p in trend
    )
    parts = [
        _TREND_OPEN,
        element(
            "title",
            {"id": "trend-title"},
            f"{ca}: share of open bug-time in compliance per month, last 12 months",
        ),
        element("desc", {"id": "trend-desc"}, desc),
        _TREND_GRID,
    ]
    # attributes below are numbers and class names of ours; every text goes through xml_text
    bottom = _trend_y(0)
    for i, point in enumerate(trend):
        x = LEFT + i * slot
        middle = f' x="{x + slot / 2:.1f}" y="'
        parts.append(
            _text(
                f'{middle}{_AXIS_Y}" class="axis" text-anchor="middle"',
                point.month[2:].replace("-", "/"),
            )
        )
        count = f"{point.open_days:g} d" if point.open_days else ""
        parts.append(_text(f'{middle}{_COUNT_Y}" class="count" text-anchor="middle"', count))
        compliance = point.compliance
        if compliance is None:
            parts.append(_text(f'{middle}{_NONE_Y}" class="none" text-anchor="middle"', "–"))
        else:
            top = _trend_y(compliance)
            share = f"{compliance:.0%}"
            title = xml_text(f"{point.month}: {share} of {point.open_days} bug-days in compliance")
            parts.append(
                f'<rect x="{x + slot * 0.18:.1f}" y="{top:.1f}" width="{slot * 0.64:.1f}" '
                f'height="{max(bottom - top, 1.5):.1f}" class="bar {_band(compliance)}">'
                f"<title>{title}</title></rect>"
            )
            parts.append(_text(f'{middle}{top - 4:.1f}" class="value" text-anchor="middle"', share))
        if point.pooled is not None:
            title = xml_text(f"{point.month}: all CAs pooled {point.pooled:.0%}")
            parts.append(
                f'<circle cx="{x + slot / 2 + slot * 0.36:.1f}" cy="{_trend_y(point.pooled):.1f}" '
                f'r="3.5" class="median"><title>{title}</title></circle>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def _trend_y(rate: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - rate)


# The parts of every trend chart that do not depend on its numbers, written once.
_TREND_OPEN = (
    "<svg"
    + "".join(
        f' {name}="{xml_attribute(value)}"'
        for name, value in {
            "xmlns": "http://www.w3.org/2000/svg",
            "viewBox": f"0 0 {WIDTH} {HEIGHT}",
            "width": str(WIDTH),
            "height": str(HEIGHT),
            "role": "img",
            "aria-labelledby": "trend-title trend-desc",
            "class": "trend",
        }.items()
    )
    + ">"
)
_AXIS_Y, _COUNT_Y, _NONE_Y = HEIGHT - BOTTOM + 16, HEIGHT - BOTTOM + 30, f"{_trend_y(0) - 4:.1f}"


def _band(rate: float) -> str:
    return "good" if rate >= 0.8 else "fair" if rate >= 0.5 else "poor"


class MonthHeadline(Protocol):
    label: str  # "2026-02"
    compliance: float | None
    open_days: float


def headline_svg(months: Sequence[MonthHeadline], ca: str) -> Markup:
    """A CA's headline month by month, oldest left (``months`` may come newest first): one
    bar per month with a judged bug open, its height the share of bug-time in compliance,
    a gap for a month without; years marked below. Small enough to sit beside the table."""
    points = sorted(months, key=lambda m: m.label)
    width, height, left, right, top, bottom = 560, 200, 40, 8, 14, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    if points:
        first, last = _month_number(points[0].label), _month_number(points[-1].label)
    else:
        first = last = 0
    span = last - first + 1
    slot = plot_w / max(span, 1)

    def y(rate: float) -> float:
        return top + plot_h * (1 - rate)

    parts = [
        element(
            "title",
            {"id": "headline-title"},
            f"{ca}: share of open bug-time in compliance, month by month",
        ),
        element(
            "desc",
            {"id": "headline-desc"},
            "; ".join(
                f"{m.label}: "
                + ("no judged bug-time" if m.compliance is None else f"{m.compliance:.0%}")
                for m in points
            ),
        ),
    ]
    _share_grid(parts, y, left, width - right, left - 5)
    last_label = -1e9
    for number in range(first, last + 1):
        x = left + (number - first) * slot
        if (number % 12 == 0 or number == first) and x - last_label >= 34:
            if x <= width - right - 28:  # room for "2024"
                last_label = x
                parts.append(
                    element(
                        "text",
                        {"x": f"{x:.1f}", "y": str(height - bottom + 16), "class": "axis"},
                        str(number // 12),
                    )
                )
    for m in points:
        x = left + (_month_number(m.label) - first) * slot
        if m.compliance is None:
            continue
        bar_top = y(m.compliance)
        parts.append(
            element(
                "rect",
                {
                    "x": f"{x + slot * 0.1:.1f}",
                    "y": f"{bar_top:.1f}",
                    "width": f"{max(slot * 0.8, 1.0):.1f}",
                    "height": f"{max(y(0) - bar_top, 1.5):.1f}",
                    "class": "bar " + _band(m.compliance),
                },
                inner=element(
                    "title",
                    {},
                    f"{m.label}: {m.compliance:.0%} of {m.open_days:g} bug-days in compliance",
                ),
            )  # fmt: skip
        )
    return _svg(
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "viewBox": f"0 0 {width} {height}",
            "width": str(width),
            "height": str(height),
            "role": "img",
            "aria-labelledby": "headline-title headline-desc",
            "class": "trend history-chart",
        },
        parts,
    )


def _month_number(label: str) -> int:
    year, month = label.split("-")[:2]
    return int(year) * 12 + int(month) - 1


def _share_grid(parts: list[str], y, x1: float, x2: float, label_x: float) -> None:
    """Grid lines at 0%, 50% and 100% of a share axis, each labelled at its left."""
    parts += _share_grid_parts(y, x1, x2, label_x)


def _share_grid_parts(y, x1: float, x2: float, label_x: float) -> list[str]:  # noqa: ANN001
    """:func:`_share_grid`'s elements."""
    parts: list[str] = []
    for level in (0.0, 0.5, 1.0):
        parts.append(
            element(
                "line",
                {
                    "x1": str(x1),
                    "x2": str(x2),
                    "y1": f"{y(level):.1f}",
                    "y2": f"{y(level):.1f}",
                    "class": "grid",
                },
            )  # fmt: skip
        )
        parts.append(
            element(
                "text",
                {
                    "x": str(label_x),
                    "y": f"{y(level) + 4:.1f}",
                    "class": "axis",
                    "text-anchor": "end",
                },
                f"{level:.0%}",
            )  # fmt: skip
        )
    return parts


_TREND_GRID = "".join(_share_grid_parts(_trend_y, LEFT, WIDTH - RIGHT, LEFT - 6))
