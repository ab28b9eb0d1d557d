"""The 12-month trend as inline SVG: readable without JavaScript, in print and by a screen reader.

Built with ElementTree, which escapes every text and attribute, so a CA name in the
``<title>`` stays text. Each bar carries its number as a text label; months without any
deadline due show a dash instead of a zero-height bar that would read as "none met".
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Protocol

from markupsafe import Markup

from analyzer.report.pages import TrendPoint

WIDTH, HEIGHT = 960, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 22, 46


def trend_svg(trend: list[TrendPoint], ca: str) -> Markup:
    """Share of judged open bug-time in compliance per month (bars) beside all CAs pooled
    (dots): the headline, as known at each month's end."""
    slot = (WIDTH - LEFT - RIGHT) / max(len(trend), 1)
    plot_h = HEIGHT - TOP - BOTTOM

    def y(rate: float) -> float:
        return TOP + plot_h * (1 - rate)

    svg = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "viewBox": f"0 0 {WIDTH} {HEIGHT}",
            "width": str(WIDTH),
            "height": str(HEIGHT),
            "role": "img",
            "aria-labelledby": "trend-title trend-desc",
            "class": "trend",
        },
    )
    ET.SubElement(
        svg, "title", {"id": "trend-title"}
    ).text = f"{ca}: share of open bug-time in compliance per month, last 12 months"
    ET.SubElement(svg, "desc", {"id": "trend-desc"}).text = "; ".join(
        f"{p.month}: "
        + (
            f"{p.compliance:.0%} of {p.open_days} bug-days in compliance"
            if p.compliance is not None
            else "no judged bug open"
        )
        for p in trend
    )
    _share_grid(svg, y, LEFT, WIDTH - RIGHT, LEFT - 6)
    for i, point in enumerate(trend):
        x = LEFT + i * slot
        centre = x + slot / 2
        month = ET.SubElement(
            svg, "text", {"x": f"{centre:.1f}", "y": str(HEIGHT - BOTTOM + 16), "class": "axis"}
        )
        month.set("text-anchor", "middle")
        month.text = point.month[2:].replace("-", "/")
        count = ET.SubElement(
            svg, "text", {"x": f"{centre:.1f}", "y": str(HEIGHT - BOTTOM + 30), "class": "count"}
        )
        count.set("text-anchor", "middle")
        count.text = f"{point.open_days:g} d" if point.open_days else ""
        if point.compliance is None:
            dash = ET.SubElement(
                svg, "text", {"x": f"{centre:.1f}", "y": f"{y(0) - 4:.1f}", "class": "none"}
            )
            dash.set("text-anchor", "middle")
            dash.text = "–"
        else:
            top = y(point.compliance)
            bar = ET.SubElement(
                svg,
                "rect",
                {"x": f"{x + slot * 0.18:.1f}", "y": f"{top:.1f}", "width": f"{slot * 0.64:.1f}",
                 "height": f"{max(y(0) - top, 1.5):.1f}",
                 "class": "bar " + _band(point.compliance)},
            )  # fmt: skip
            ET.SubElement(
                bar, "title"
            ).text = (
                f"{point.month}: {point.compliance:.0%} of {point.open_days} bug-days in compliance"
            )
            value = ET.SubElement(
                svg, "text", {"x": f"{centre:.1f}", "y": f"{top - 4:.1f}", "class": "value"}
            )
            value.set("text-anchor", "middle")
            value.text = f"{point.compliance:.0%}"
        if point.pooled is not None:
            mark = ET.SubElement(
                svg,
                "circle",
                {"cx": f"{centre + slot * 0.36:.1f}", "cy": f"{y(point.pooled):.1f}",
                 "r": "3.5", "class": "median"},
            )  # fmt: skip
            ET.SubElement(mark, "title").text = f"{point.month}: all CAs pooled {point.pooled:.0%}"
    return Markup(ET.tostring(svg, encoding="unicode"))


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

    svg = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "viewBox": f"0 0 {width} {height}",
            "width": str(width),
            "height": str(height),
            "role": "img",
            "aria-labelledby": "headline-title headline-desc",
            "class": "trend history-chart",
        },
    )
    ET.SubElement(
        svg, "title", {"id": "headline-title"}
    ).text = f"{ca}: share of open bug-time in compliance, month by month"
    ET.SubElement(svg, "desc", {"id": "headline-desc"}).text = "; ".join(
        f"{m.label}: " + ("no judged bug-time" if m.compliance is None else f"{m.compliance:.0%}")
        for m in points
    )
    _share_grid(svg, y, left, width - right, left - 5)
    last_label = -1e9
    for number in range(first, last + 1):
        x = left + (number - first) * slot
        if (number % 12 == 0 or number == first) and x - last_label >= 34:
            if x <= width - right - 28:  # room for "2024"
                last_label = x
                tick = ET.SubElement(
                    svg, "text", {"x": f"{x:.1f}", "y": str(height - bottom + 16), "class": "axis"}
                )
                tick.text = str(number // 12)
    for m in points:
        x = left + (_month_number(m.label) - first) * slot
        if m.compliance is None:
            continue
        bar_top = y(m.compliance)
        bar = ET.SubElement(
            svg,
            "rect",
            {"x": f"{x + slot * 0.1:.1f}", "y": f"{bar_top:.1f}",
             "width": f"{max(slot * 0.8, 1.0):.1f}",
             "height": f"{max(y(0) - bar_top, 1.5):.1f}", "class": "bar " + _band(m.compliance)},
        )  # fmt: skip
        ET.SubElement(
            bar, "title"
        ).text = f"{m.label}: {m.compliance:.0%} of {m.open_days:g} bug-days in compliance"
    return Markup(ET.tostring(svg, encoding="unicode"))


def _month_number(label: str) -> int:
    year, month = label.split("-")[:2]
    return int(year) * 12 + int(month) - 1


def _share_grid(svg: ET.Element, y, x1: float, x2: float, label_x: float) -> None:
    """Grid lines at 0%, 50% and 100% of a share axis, each labelled at its left."""
    for level in (0.0, 0.5, 1.0):
        ET.SubElement(
            svg,
            "line",
            {"x1": str(x1), "x2": str(x2), "y1": f"{y(level):.1f}", "y2": f"{y(level):.1f}",
             "class": "grid"},
        )  # fmt: skip
        label = ET.SubElement(
            svg, "text", {"x": str(label_x), "y": f"{y(level) + 4:.1f}", "class": "axis"}
        )
        label.set("text-anchor", "end")
        label.text = f"{level:.0%}"
