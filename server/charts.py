"""Charts drawn on the server as SVG: no JavaScript, no CDN, readable without colour.

The share is a line with a dot per period and its value written beside it; the
target is a dashed line labelled with its value; periods with too few
answers are gaps, marked "–".
"""

from __future__ import annotations

from html import escape

WIDTH, HEIGHT = 520, 180
LEFT, RIGHT, TOP, BOTTOM = 40, 12, 14, 30


def trend_svg(
    points: list[tuple[str, float | None]],
    target: float | None,
    label: str,
    format_value: callable,  # type: ignore[valid-type]
) -> str:
    """A line of shares (0–100) per period label, with the target as a dashed line."""
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = inner_w / max(1, len(points) - 1) if len(points) > 1 else 0

    def x(index: int) -> float:
        return LEFT + (index * step if len(points) > 1 else inner_w / 2)

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
        parts.append(f'<text x="{WIDTH - RIGHT}" y="{y(target) - 4:.1f}" font-size="11" '
                     f'text-anchor="end">{escape(format_value(target))}</text>')  # fmt: skip
    segment: list[str] = []
    for index, (period, value) in enumerate(points):
        parts.append(f'<text x="{x(index):.1f}" y="{HEIGHT - 8}" font-size="11" '
                     f'text-anchor="middle">{escape(period)}</text>')  # fmt: skip
        if value is None:
            parts.append(_line(segment))
            segment = []
            parts.append(
                f'<text x="{x(index):.1f}" y="{y(50):.1f}" font-size="12" text-anchor="middle">–</text>'
            )
            continue
        segment.append(f"{x(index):.1f},{y(value):.1f}")
        parts.append(f'<circle cx="{x(index):.1f}" cy="{y(value):.1f}" r="3.5" fill="#0072b2"/>')
        parts.append(f'<text x="{x(index):.1f}" y="{y(value) - 7:.1f}" font-size="11" '
                     f'text-anchor="middle">{escape(format_value(value))}</text>')  # fmt: skip
    parts.append(_line(segment))
    parts.append("</svg>")
    return "".join(parts)


def _line(points: list[str]) -> str:
    if len(points) < 2:
        return ""
    return (
        f'<polyline points="{" ".join(points)}" fill="none" stroke="#0072b2" stroke-width="2.5"/>'
    )
