"""When an answer can have been given: the window that a response's ``at`` must fall in,
and what happens to one outside it (docs/protocol.md, "Plausible times").

A terminal whose clock is set (``synced``, or ``corrected`` after the fact) and that
still stamps an answer outside the window is wrong or lying: the response is
quarantined and acked, so that it is kept for a look and never sent forever. A
terminal without a clock yet (``unsynced``) gives real answers at times it cannot
know: one outside the window is counted when the server received it, flagged
``dated-on-receipt``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from nojd.errors import MessageError
from nojd.survey import Response
from nojd.survey.wire import format_time

#: How long a terminal may keep an answer before it reaches the server (days; the
#: server config's ``[ingest] past_days``): over a year of outage is not an outage.
PAST_DAYS = 400
#: How far ahead of the server's clock a set clock may run (``future_hours``).
FUTURE_HOURS = 1
#: The flag of an unsynced answer dated when it was received.
DATED_ON_RECEIPT = "dated-on-receipt"


def plausible(
    response: Response,
    received: datetime,
    past_days: int = PAST_DAYS,
    future_hours: int = FUTURE_HOURS,
) -> Response:
    """The response as it is stored, or :class:`MessageError` if it must not be."""
    first = received - timedelta(days=past_days)
    last = received + timedelta(hours=future_hours)
    if first <= response.at <= last:
        return response
    if response.clock == "unsynced":
        return replace(response, at=received, flags=(*response.flags, DATED_ON_RECEIPT))
    raise MessageError(
        "at",
        f"{format_time(response.at)} is outside {format_time(first)}..{format_time(last)} "
        f"for a {response.clock} clock",
    )
