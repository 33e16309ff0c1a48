"""The reports the server mails on a schedule, as its config sets them (sent by
:mod:`nojd.server.scheduled`).

    [[scheduled_reports]]
    name = "Månadsrapport"          # optional: in the mail's subject and the key it is kept by
    every = "month"                 # or "tertial"
    email_to = ["chef@example.se", "namnd@example.se"]
    by = "site"                     # the grouping, as nojd report --by
    lang = "sv"
    after_hours = 6                 # hours after the period ends: late answers come in
"""

from __future__ import annotations

from dataclasses import dataclass

from nojd.server.alertrules import staff_language
from nojd.server.groupings import GROUPINGS
from nojd.server.mailer import addresses
from nojd.tomlconfig import Table, one_of, whole

EVERY = ("month", "tertial")


@dataclass(frozen=True)
class ScheduledReport:
    """One report sent every month or tertial."""

    name: str
    every: str
    email_to: tuple[str, ...]
    by: str = "site"
    lang: str = "sv"
    after_hours: int = 6


def parse_scheduled(top: Table) -> tuple[ScheduledReport, ...]:
    """The ``[[scheduled_reports]]`` of a server config."""
    if "scheduled_reports" not in top.data:
        return ()
    found: list[ScheduledReport] = []
    for table in top.tables("scheduled_reports", 1):
        table.only("name", "every", "email_to", "by", "lang", "after_hours",
                   required=("every", "email_to"))  # fmt: skip
        every = table.require("every", one_of(EVERY), " or ".join(EVERY))
        name = table.get("name", every, _name, "a name of 1-60 printable characters, no '|'")
        if name in {each.name for each in found}:
            raise table.fail("name", f"{name!r} is already the name of another report")
        found.append(
            ScheduledReport(
                name=name,
                every=every,
                email_to=table.require("email_to", addresses, "a list of 1-50 e-mail addresses"),
                by=table.get("by", "site", one_of(GROUPINGS), ", ".join(GROUPINGS)),
                lang=table.get("lang", "sv", staff_language, "sv or en"),
                after_hours=table.get("after_hours", 6, whole(0, 240), "hours 0..240"),
            )
        )
    return tuple(found)


def _name(value: object) -> str:
    if not isinstance(value, str) or not 1 <= len(value.strip()) <= 60:
        raise TypeError(value)
    if not value.isprintable() or "|" in value:
        raise ValueError(value)
    return value.strip()
