"""The server's own health: its store, and ingest's link to the broker.

``/healthz`` answers 503 when either fails, so a monitor sees a server that is up but
cut off; the terminals page says so too, instead of showing terminals as connected on
the strength of statuses the server can no longer receive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from nojd.server.store import Store

#: ``(connected, since)``: whether ingest holds its broker connection, and since when.
Link = Callable[[], tuple[bool, datetime]]


@dataclass(frozen=True)
class Health:
    """One look at the server's parts."""

    store: bool
    #: None where no ingest runs in this process (a web app on its own).
    broker: bool | None
    since: datetime | None = None

    @property
    def ok(self) -> bool:
        """Whether every part that runs here works."""
        return self.store and self.broker is not False

    def as_json(self) -> dict[str, str]:
        """The parts for ``/healthz``."""
        if self.broker is None:
            broker = "not ingested in this process"
        elif self.broker:
            broker = "connected"
        else:
            broker = "cut off" + (f" since {self.since.isoformat()}" if self.since else "")
        return {
            "status": "ok" if self.ok else "degraded",
            "store": "ok" if self.store else "unreachable",
            "broker": broker,
        }


def check(store: Store, link: Link | None) -> Health:
    """The store's health (a short query) and ingest's broker link, now."""
    try:
        stored = store.healthy()
    except Exception:  # whatever the driver raises: the store does not answer
        stored = False
    if link is None:
        return Health(stored, None)
    connected, since = link()
    return Health(stored, connected, since)
