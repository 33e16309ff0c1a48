"""The staff summary: today, this week and this month, from the local outbox.

Figures come from :mod:`nojd.survey.figures` like every other view, so
suppression below ``min_n`` holds here too; the newest response is left out
so that nobody can read the last visitor's answer off the screen.
"""

from __future__ import annotations

import array
import fcntl
import socket
import struct
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from nojd.kiosk.outbox import Outbox, OutboxError
from nojd.survey import Survey, format_number, format_percent, survey_figures
from nojd.survey.figures import Figures
from nojd.survey.translations import text

PERIODS = ("today", "week", "month")
_SIOCGIFADDR = 0x8915


@dataclass(frozen=True)
class StaffSummary:
    """What the staff screen shows."""

    figures: dict[str, dict[str, Figures]] = field(default_factory=dict)
    backlog: int = 0
    last_ack: datetime | None = None
    connection: str = "offline"
    address: str = ""
    error: str = ""


def period_starts(now: datetime, zone: ZoneInfo) -> dict[str, datetime]:
    """Local midnight today, Monday this week and the first of this month, as aware times."""
    local = now.astimezone(zone)
    midnight = datetime.combine(local.date(), datetime.min.time(), zone)
    return {
        "today": midnight,
        "week": midnight - timedelta(days=local.weekday()),
        "month": midnight.replace(day=1),
    }


def summarize(
    survey: Survey, outbox: Outbox, now: datetime, zone: ZoneInfo, connection: str
) -> StaffSummary:
    """Gather the summary once, when the staff screen opens."""
    try:
        figures = {
            period: survey_figures(survey, outbox.counts(survey, start, now))
            for period, start in period_starts(now, zone).items()
        }
        return StaffSummary(
            figures=figures,
            backlog=outbox.backlog(),
            last_ack=outbox.last_ack(),
            connection=connection,
            address=local_address(),
        )
    except OutboxError as exc:
        return StaffSummary(connection=connection, address=local_address(), error=str(exc))


def local_address() -> str:
    """The first IPv4 address of a network interface other than loopback."""
    for _, name in socket.if_nameindex():
        if name == "lo":
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            request = struct.pack("256s", name.encode()[:15])
            try:
                reply = fcntl.ioctl(probe.fileno(), _SIOCGIFADDR, request)
            except OSError:
                continue
        return socket.inet_ntoa(array.array("B", reply[20:24]).tobytes())
    return "–"


def summary_lines(summary: StaffSummary, survey: Survey, lang: str) -> list[str]:
    """The staff summary as plain text, for ``nojd kiosk summary`` over SSH."""
    when = summary.last_ack.isoformat(timespec="minutes") if summary.last_ack else None
    lines = [
        text("staff.backlog", lang, n=summary.backlog),
        text("staff.last_ack", lang, at=when or text("staff.never", lang)),
    ]
    if summary.error:
        return [*lines, text("staff.unavailable", lang, reason=summary.error)]
    for period in PERIODS:
        lines.append(text(f"staff.{period}", lang))
        for question in survey.questions:
            figures = summary.figures[period][question.id]
            lines.append(f"  {question.text[lang]} {_figures_text(figures, question.target, lang)}")
    return lines


def _figures_text(figures: Figures, target: float | None, lang: str) -> str:
    count = text("staff.cell_n", lang, n=figures["n"])
    if figures["suppressed"]:
        return f"{text('figures.too_few_answers', lang)} ({count})"
    if "resolved_share" in figures:
        parts = [
            text("staff.resolved", lang, share=format_percent(figures["resolved_share"], lang))
        ]
    else:
        parts = [text("staff.cell", lang, share=format_percent(figures["satisfied_share"], lang))]
    if target is not None:
        goal = text("staff.target", lang, target=format_percent(target, lang, 0))
        parts.append(f"{'✓' if figures['target_met'] else '✗'} {goal}")
    if "index" in figures:
        parts.append(text("staff.index", lang, index=format_number(figures["index"], lang)))
    return " · ".join([*parts, count])
