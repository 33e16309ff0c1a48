"""Data quality beside the figures, never in them: per terminal, site or unit, the share
of visits left unfinished (saved partial), the rapid-repeat responses (flagged, not
counted), the messages a terminal sent that were quarantined, and the hours its desk was
open (by the opening hours set centrally) without a single response.

Partial visits are counted in the figures, for the questions they answered; here they
say how often visitors gave up. Quarantined messages are the terminal's, at the time of
asking: the store keeps them for a while, not by the range of the report.

An open hour is a clock hour of a day in the range, up to the last whole hour before
now, in which the desk is open for at least part of the hour and that is not one of its
closed dates. An hour without a response may be a quiet hour or a dead terminal; many in a
row say which. Terminals without central opening hours have no open hours to count (the
server does not know when their desk is open), and show "–".
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from nojd.server.config import Organisation
from nojd.server.figures import group_of
from nojd.server.store import Store
from nojd.survey.hours import OpeningHours


def quality(
    store: Store,
    organisation: Organisation,
    survey: str,
    first: date,
    last: date,
    by: str,
    hours: Mapping[str, OpeningHours] | None = None,
    now: datetime | None = None,
    *,
    device: str | None = None,
    site: str | None = None,
    unit: str | None = None,
) -> list[dict[str, Any]]:
    """One row per group of the grouping ``by``: its key and name, responses, partial
    visits and their share (percent), rapid-repeat responses, quarantined messages, and,
    where the terminals have central opening ``hours``, the hours open until ``now`` and
    those without a response (None where none of the group's terminals has hours). Only
    the terminals of ``device``, ``site`` and ``unit``, where given, are counted; a
    terminal with hours and no response at all has its row too."""
    rows: dict[str, dict[str, Any]] = {}

    def kept(terminal: str, claimed: str) -> bool:
        at = organisation.site_of(terminal, claimed)
        return ((device is None or terminal == device) and (site is None or at == site)
                and (unit is None or organisation.unit_of(at) == unit))  # fmt: skip

    def row(group: str) -> dict[str, Any]:
        return rows.setdefault(group, {"key": group, "name": organisation.name(by, group),
                                       "responses": 0, "partial": 0, "repeated": 0,
                                       "quarantined": 0, "open_hours": None,
                                       "silent_hours": None})  # fmt: skip

    sites: dict[str, str] = {}
    for found in store.visit_quality(survey, first.isoformat(), last.isoformat()):
        sites.setdefault(found["device"], found["site"])
        if not kept(found["device"], found["site"]):
            continue
        counted = row(group_of(organisation, by, found["device"], found["site"]))
        for key in ("responses", "partial", "repeated"):
            counted[key] += int(found[key])
    for known in store.devices():
        sites.setdefault(known["device"], known["site"] or "")
        if known["quarantined"] and kept(known["device"], known["site"] or ""):
            group = group_of(organisation, by, known["device"], known["site"] or "")
            row(group)["quarantined"] += int(known["quarantined"])
    if hours:
        answered = store.answered_hours(first.isoformat(), last.isoformat())
        until = now or datetime.now(UTC)
        for terminal, opening in sorted(hours.items()):
            if not kept(terminal, sites.get(terminal, "")):
                continue
            open_, silent = open_hours(opening, answered, terminal, first, last, until)
            if open_ == 0:  # nothing open yet (or the desk closed all along): nothing to say
                continue
            counted = row(group_of(organisation, by, terminal, sites.get(terminal, "")))
            counted["open_hours"] = (counted["open_hours"] or 0) + open_
            counted["silent_hours"] = (counted["silent_hours"] or 0) + silent
    for counted in rows.values():
        total = counted["responses"]
        counted["partial_share"] = 100 * counted["partial"] / total if total else None
    return sorted(rows.values(), key=lambda counted: counted["name"])


def open_hours(
    opening: OpeningHours,
    answered: list[tuple[str, str]],
    device: str,
    first: date,
    last: date,
    until: datetime,
) -> tuple[int, int]:
    """How many clock hours ``device``'s desk was open in the days ``first``..``last``
    (those ended before ``until``), and how many of them saw no response. ``answered``
    holds ``(device, UTC hour "YYYY-MM-DDTHH")`` of the hours with a response. The hours
    are stepped in UTC, so a day when the clocks change has 23 or 25 of them."""
    zone = opening.timezone
    seen = {hour for who, hour in answered if who == device}
    week = {weekday: set(opening.hours_of(weekday)) for weekday in range(7)}
    open_ = silent = 0
    day = first
    while day <= last:
        start = datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)
        following = day + timedelta(days=1)
        end = datetime(following.year, following.month, following.day, tzinfo=zone)
        moment = start
        while moment < end.astimezone(UTC) and moment + timedelta(hours=1) <= until:
            local = moment.astimezone(zone)
            if local.hour in week[local.weekday()] and local.date() not in opening.closed_dates:
                open_ += 1
                silent += moment.strftime("%Y-%m-%dT%H") not in seen
            moment += timedelta(hours=1)
        day = following
    return open_, silent
