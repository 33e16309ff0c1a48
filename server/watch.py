"""The server's watch: every ``[alerts] check_seconds`` it checks the alert rules
(:mod:`nojd.server.alerts`), sends the messages of their episodes
(:mod:`nojd.server.notify`) and the scheduled reports that are due
(:mod:`nojd.server.scheduled`). A thread of ``nojd server run``; every process may run
one, since the store decides which of them sends each message.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from nojd.server import alerts, notify, scheduled
from nojd.server.config import ServerConfig
from nojd.server.store import Store

log = logging.getLogger("nojd.server.watch")


def needed(config: ServerConfig) -> bool:
    """Whether the config gives the watch anything to do."""
    return bool(config.alerts.rules or config.scheduled_reports)


def keep_watching(
    store: Store,
    config: ServerConfig,
    stop: threading.Event,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> None:
    """Check, send and report every ``check_seconds`` until ``stop`` is set; a step that
    fails is logged, and the others and the next round still run."""
    survey = next(iter(config.surveys().values()))
    started = clock()
    steps: list[tuple[str, Callable[[datetime], object]]] = [
        ("check the alert rules", lambda now: alerts.check(store, config, survey, now, started)),
        ("send the alerts' messages", lambda now: notify.deliver(store, config, now)),
        ("send the scheduled reports", lambda now: scheduled.send_due(store, survey, config, now)),
    ]
    while True:
        for what, step in steps:
            try:
                step(clock())
            except Exception:  # a store or a server that cannot answer now may at the next round
                log.exception("could not %s", what)
        log.debug("watch: round done")
        if stop.wait(config.alerts.check_seconds):
            return
