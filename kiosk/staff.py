"""The staff summary: today, this week and this month, from the local outbox.

Figures come from :mod:`nojd.survey.figures` like every other view, so
suppression below ``min_n`` holds here too; responses are counted in whole
blocks of ``min_n``, so nobody can read the last visitor's answer off the
screen by comparing two openings.
"""

from __future__ import annotations

import array
import fcntl
import socket
import struct
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from nojd.errors import NojdError
from nojd.kiosk.outbox import Outbox
from nojd.survey import Survey, format_number, format_percent, format_share, survey_figures
from nojd.survey.figures import Figures
from nojd.survey.periods import period_start
from nojd.survey.translations import text

PERIODS = ("today", "week", "month")
_SIOCGIFADDR = 0x8915


@dataclass(frozen=True)
class StaffSummary:
    """What the staff screen shows."""

    figures: dict[str, dict[str, Figures]] = field(default_factory=dict)
    backlog: int = 0
    last_ack: datetime | None = None
    flagged: int = 0
    connection: str = "offline"
    address: str = ""
    error: str = ""
    #: Why the terminal last could not save an answer (its "Ur funktion"), for staff.
    fault: str = ""


def summarize(
    survey: Survey, outbox: Outbox, now: datetime, zone: ZoneInfo, connection: str
) -> StaffSummary:
    """Gather the summary once, when the staff screen opens."""
    address = local_address()
    try:
        figures = {}
        for period, kind in zip(PERIODS, ("day", "week", "month"), strict=True):
            counts = outbox.counts(survey, period_start(kind, now, zone), now, block=survey.min_n)
            # answers to questions the survey no longer has are not the survey's figures
            known = {key: value for key, value in counts.items() if key in survey.question_ids}
            figures[period] = survey_figures(survey, known)
        month = period_start("month", now, zone)
        return StaffSummary(
            figures=figures,
            backlog=outbox.backlog(),
            last_ack=outbox.last_ack(),
            flagged=outbox.flagged(month, now),
            connection=connection,
            address=address,
        )
    except NojdError as exc:
        return StaffSummary(connection=connection, address=address, error=str(exc))


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
        text("staff.flagged", lang, n=summary.flagged),
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
        return text("figures.too_few_answers", lang)
    if "resolved_share" in figures:
        parts = [
            text(
                "staff.resolved",
                lang,
                share=format_share(figures["resolved_share"], lang, 1, target),
            )
        ]
    else:
        shown = format_share(figures["satisfied_share"], lang, 1, target)
        parts = [text("staff.cell", lang, share=shown)]
    if target is not None:
        goal = text("staff.target", lang, target=format_percent(target, lang, 0))
        parts.append(f"{'✓' if figures['target_met'] else '✗'} {goal}")
    if "index" in figures:
        parts.append(text("staff.index", lang, index=format_number(figures["index"], lang)))
    return " · ".join([*parts, count])
