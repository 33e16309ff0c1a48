"""Data quality beside the figures, never in them: per terminal, site or unit, the share
of visits left unfinished (saved partial), the rapid-repeat responses (flagged, not
counted), and the messages a terminal sent that were quarantined.

Partial visits are counted in the figures, for the questions they answered; here they
say how often visitors gave up. Quarantined messages are the terminal's, at the time of
asking: the store keeps them for a while, not by the range of the report.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from nojd.server.config import Organisation
from nojd.server.figures import group_of
from nojd.server.store import Store


def quality(
    store: Store, organisation: Organisation, survey: str, first: date, last: date, by: str
) -> list[dict[str, Any]]:
    """One row per group of the grouping ``by``: its key and name, responses, partial
    visits and their share (percent), rapid-repeat responses, and quarantined messages."""
    rows: dict[str, dict[str, Any]] = {}

    def row(group: str) -> dict[str, Any]:
        return rows.setdefault(group, {"key": group, "name": organisation.name(by, group),
                                       "responses": 0, "partial": 0, "repeated": 0,
                                       "quarantined": 0})  # fmt: skip

    for found in store.visit_quality(survey, first.isoformat(), last.isoformat()):
        counted = row(group_of(organisation, by, found["device"], found["site"]))
        for key in ("responses", "partial", "repeated"):
            counted[key] += int(found[key])
    for device in store.devices():
        if device["quarantined"]:
            group = group_of(organisation, by, device["device"], device["site"] or "")
            row(group)["quarantined"] += int(device["quarantined"])
    for counted in rows.values():
        total = counted["responses"]
        counted["partial_share"] = 100 * counted["partial"] / total if total else None
    return sorted(rows.values(), key=lambda counted: counted["name"])
