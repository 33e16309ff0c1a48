"""Charts drawn on the server as SVG: no JavaScript, no CDN, readable without colour.

The share is a line with a dot per period and its value written beside it; the
target is a dashed line labelled with its value; periods with too few
answers are gaps in the line, "–" in its table. Every chart comes with its numbers as a table beside it
(:class:`Values`), for a screen reader, which reads a chart as one picture, and for
anyone who wants the figures rather than the shape.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 520, 190
#: How a chart writes a share: ``(value, target or None) -> text``.
Formatter = Callable[[float, float | None], str]
LEFT, RIGHT, TOP, BOTTOM = 40, 34, 24, 30


@dataclass(frozen=True)
class Values:
    """The words of a chart's table of numbers: what opens it, and its column headings."""

    summary: str
    headings: tuple[str, ...]

    def table(self, rows: Sequence[Sequence[str]]) -> str:
        """The table, in a disclosure that a keyboard opens (Enter on its summary)."""
        head = "".join(f'<th scope="col">{escape(h)}</th>' for h in self.headings)
        body = "".join(
            "<tr>" + f'<th scope="row">{escape(row[0])}</th>'
            + "".join(f"<td>{escape(cell)}</td>" for cell in row[1:]) + "</tr>"
            for row in rows
        )  # fmt: skip
        return (f'<details class="values"><summary>{escape(self.summary)}</summary>'
                f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></details>")  # fmt: skip


def _box(svg: str, label: str, latest: bool = False) -> str:
    """A chart in a box that scrolls sideways where the screen is narrower than the chart
    (its words stay readable on a phone) and that a keyboard can reach to scroll; a box of
    the ``latest`` kind opens scrolled to its right end, where a trend's newest period is."""
    kind = "chartbox latest" if latest else "chartbox"
    return (
        f'<div class="{kind}" tabindex="0" role="region" aria-label="{escape(label)}">{svg}</div>'
    )


def trend_svg(
    points: list[tuple[str, float | None]],
    target: float | None,
    label: str,
    format_value: Formatter,
    values: Values,
    format_goal: Callable[[float], str] | None = None,
) -> str:
    """A line of shares (0–100) per period label, with the target as a dashed line; then
    its table: period, share, target. A share is shown so as never to contradict its
    verdict against the target (``format_value(share, target)``)."""
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    goal_of = format_goal or (lambda goal: format_value(goal, None))
    pad = 26  # room for the first and last labels
    step = (inner_w - 2 * pad) / max(1, len(points) - 1) if len(points) > 1 else 0

    def x(index: int) -> float:
        return LEFT + (pad + index * step if len(points) > 1 else inner_w / 2)

    def y(value: float) -> float:
        return TOP + inner_h * (1 - value / 100)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(label)}" class="chart">',
        f"<title>{escape(label)}</title>",
    ]
    for level in (0, 50, 100):
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(level):.1f}" y2="{y(level):.1f}" '
                     'stroke="#c8ced8" stroke-width="1"/>')  # fmt: skip
        parts.append(
            f'<text x="{LEFT - 4}" y="{y(level) + 4:.1f}" font-size="11" text-anchor="end">{level}</text>'
        )
    if target is not None:
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(target):.1f}" y2="{y(target):.1f}" '
                     'stroke="#14213d" stroke-width="1.5" stroke-dasharray="6 4"/>')  # fmt: skip
        parts.append(f'<text x="{WIDTH - RIGHT + 3}" y="{y(target) + 4:.1f}" font-size="11" '
                     f'text-anchor="start">{escape(goal_of(target))}</text>')  # fmt: skip
    segment: list[str] = []
    # Many periods: every n-th label, and the values only on hover (the report table has them).
    every = max(1, -(-len(points) // 8))
    written = len(points) <= 13
    for index, (period, value) in enumerate(points):
        if index % every == 0:
            parts.append(f'<text x="{x(index):.1f}" y="{HEIGHT - 8}" font-size="11" '
                         f'text-anchor="middle">{escape(period)}</text>')  # fmt: skip
        if value is None:  # a gap in the line; its table says "–" (no marks in the plot:
            parts.append(_line(segment))  # a row of them read as a second target line)
            segment = []
            continue
        segment.append(f"{x(index):.1f},{y(value):.1f}")
        shown = escape(format_value(value, target))
        parts.append(f'<circle cx="{x(index):.1f}" cy="{y(value):.1f}" r="3.5" fill="#0072b2">'
                     f"<title>{escape(period)}: {shown}</title></circle>")  # fmt: skip
        if written:
            parts.append(f'<text x="{x(index):.1f}" y="{y(value) - 7:.1f}" font-size="11" '
                         f'text-anchor="middle">{shown}</text>')  # fmt: skip
    parts.append(_line(segment))
    parts.append("</svg>")
    goal = "–" if target is None else goal_of(target)
    rows = [(period, "–" if value is None else format_value(value, target), goal)
            for period, value in points]  # fmt: skip
    return _box("".join(parts), label, latest=True) + values.table(rows)


def _line(points: list[str]) -> str:
    if len(points) < 2:
        return ""
    return (
        f'<polyline points="{" ".join(points)}" fill="none" stroke="#0072b2" stroke-width="2.5"/>'
    )


def target_bars_svg(
    rows: list[tuple[str, float | None, float | None, str]],
    label: str,
    format_value: Formatter,
    values: Values,
    format_goal: Callable[[float], str] | None = None,
) -> str:
    """Target versus outcome (VP/VB): one horizontal bar per row ``(label, outcome 0–100,
    target, verdict text)``, the target a dark tick, the outcome and verdict written out;
    then its table: year, outcome, target, verdict."""
    row_h, name_w, bar_w, text_w = 28, 70, 220, 250
    goal_of = format_goal or (lambda goal: format_value(goal, None))
    width, height = name_w + bar_w + text_w, row_h * len(rows) + 22
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}" class="chart">',
        f"<title>{escape(label)}</title>",
    ]
    for level in (0, 50, 100):
        x = name_w + bar_w * level / 100
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="0" y2="{height - 18}" stroke="#c8ced8"/>'
        )
        parts.append(f'<text x="{x:.1f}" y="{height - 4}" font-size="11" text-anchor="middle">{level}</text>')  # fmt: skip
    for index, (name, value, target, verdict) in enumerate(rows):
        top = index * row_h + 4
        parts.append(f'<text x="{name_w - 6}" y="{top + 15}" font-size="12" text-anchor="end">{escape(name)}</text>')  # fmt: skip
        if value is not None:
            parts.append(f'<rect x="{name_w}" y="{top + 3}" width="{bar_w * value / 100:.1f}" '
                         'height="16" fill="#0072b2"/>')  # fmt: skip
        if target is not None:
            x = name_w + bar_w * target / 100
            parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + 22}" '
                         'stroke="#14213d" stroke-width="3"/>')  # fmt: skip
        shown = "–" if value is None else format_value(value, target)
        parts.append(f'<text x="{name_w + bar_w + 6}" y="{top + 15}" font-size="12">'
                     f"{escape(shown)} {escape(verdict)}</text>")  # fmt: skip
    parts.append("</svg>")
    table = [
        (name, "–" if value is None else format_value(value, target),
         "–" if target is None else goal_of(target), verdict)
        for name, value, target, verdict in rows
    ]  # fmt: skip
    return _box("".join(parts), label) + values.table(table)


def heatmap_svg(
    days: list[str],
    hours: list[int],
    cells: dict[tuple[int, int], tuple[str, float | None, bool]],
    label: str,
    values: Values,
    flagged: str = "",
) -> str:
    """A weekday × hour grid.  ``cells[(weekday 1–7, hour)]`` is ``(text, shade 0–1, flag)``:
    the text is written in the cell, the shade darkens it, a flagged cell gets a thick
    orange frame (the legend says what the frame means); then its table, a row per day and
    a column per hour, a flagged cell's text followed by ``flagged``."""
    cell_w, cell_h, left, top = 44, 30, 44, 20
    width, height = left + cell_w * len(hours) + 2, top + cell_h * len(days) + 2
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}" class="heatmap" width="{width}" height="{height}">',
        f"<title>{escape(label)}</title>",
    ]
    for column, hour in enumerate(hours):
        x = left + column * cell_w + cell_w / 2
        parts.append(f'<text x="{x:.1f}" y="14" font-size="11" text-anchor="middle">{hour:02d}</text>')  # fmt: skip
    for row, day in enumerate(days):
        y = top + row * cell_h
        parts.append(f'<text x="{left - 6}" y="{y + cell_h / 2 + 4:.1f}" font-size="12" text-anchor="end">{escape(day)}</text>')  # fmt: skip
        for column, hour in enumerate(hours):
            x = left + column * cell_w
            shown, shade, flag = cells.get((row + 1, hour), ("", None, False))
            fill = "#ffffff" if shade is None else _blue(shade)
            ink = "#ffffff" if shade is not None and shade > 0.55 else "#14213d"
            parts.append(f'<rect x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}" '
                         f'fill="{fill}" stroke="{"#d55e00" if flag else "#c8ced8"}" '
                         f'stroke-width="{3 if flag else 1}"/>')  # fmt: skip
            if shown:
                parts.append(f'<text x="{x + cell_w / 2:.1f}" y="{y + cell_h / 2 + 4:.1f}" font-size="11" '
                             f'text-anchor="middle" fill="{ink}">{escape(shown)}</text>')  # fmt: skip
    parts.append("</svg>")
    grid = Values(values.summary, (values.headings[0], *(f"{hour:02d}" for hour in hours)))
    rows = []
    for row, day in enumerate(days):
        written = []
        for hour in hours:
            shown, _, flag = cells.get((row + 1, hour), ("", None, False))
            written.append(f"{shown} {flagged}".strip() if flag else shown)
        rows.append((day, *written))
    return "".join(parts) + grid.table(rows)


def _blue(shade: float) -> str:
    """From a pale to a deep blue (0–1)."""
    shade = min(1.0, max(0.0, shade))
    pale, deep = (222, 235, 247), (8, 69, 148)
    red, green, blue = (round(a + (b - a) * shade) for a, b in zip(pale, deep, strict=True))
    return f"#{red:02x}{green:02x}{blue:02x}"
