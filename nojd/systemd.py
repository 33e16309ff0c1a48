"""systemd's side of a service, without extra dependencies: sd_notify and journald levels.

``notify("READY=1")`` tells a ``Type=notify`` unit that start-up is done;
:class:`Watchdog` sends ``WATCHDOG=1`` at half of ``WatchdogSec`` from the loop
that must stay alive, so a hung loop is restarted.  Outside systemd (no
``NOTIFY_SOCKET``) both do nothing.  :func:`configure_logging` writes one line
per event to stderr; under journald each line starts with its syslog priority
(``<4>``), so ``journalctl -p warning`` filters by level.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import time

#: syslog priorities of Python's levels, for journald's SyslogLevelPrefix.
PRIORITIES = {
    logging.CRITICAL: 2,
    logging.ERROR: 3,
    logging.WARNING: 4,
    logging.INFO: 6,
    logging.DEBUG: 7,
}


def notify(message: str) -> bool:
    """Send ``message`` (``READY=1``, ``WATCHDOG=1``, ``STATUS=…``) to systemd, if it listens."""
    address = os.environ.get("NOTIFY_SOCKET", "")
    if not address:
        return False
    if address.startswith("@"):  # an abstract socket
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.sendto(message.encode(), address)
    except OSError:
        return False
    return True


def watchdog_interval() -> float | None:
    """Seconds between ``WATCHDOG=1`` (half of ``WatchdogSec``), or None without a watchdog."""
    usec, pid = os.environ.get("WATCHDOG_USEC", ""), os.environ.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0 or (pid.isdigit() and int(pid) != os.getpid()):
        return None
    return int(usec) / 2_000_000


class Watchdog:
    """Kicks systemd's watchdog from a loop, no more often than needed."""

    def __init__(self) -> None:
        self.interval = watchdog_interval()
        self._last = float("-inf")

    def kick(self) -> None:
        """Say ``WATCHDOG=1`` if half the watchdog time has passed since the last one."""
        now = time.monotonic()
        if self.interval is not None and now - self._last >= self.interval:
            notify("WATCHDOG=1")
            self._last = now

    def wait_limit(self, seconds: float) -> float:
        """``seconds``, shortened so that the loop comes round before the watchdog bites."""
        return seconds if self.interval is None else min(seconds, self.interval)


class _OneLineFormatter(logging.Formatter):
    """A message on one line: line breaks and other control characters that a message
    carries from outside (a field name, a topic) are written as escapes, so that no
    input can forge a log line of its own. Tracebacks keep their lines."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = record.message.translate(_ESCAPES)
        return super().formatMessage(record)


_ESCAPES = {code: f"\\x{code:02x}" for code in [*range(32), 127]} | {10: "\\n", 13: "\\r"}


class _JournalFormatter(_OneLineFormatter):
    def format(self, record: logging.LogRecord) -> str:
        priority = PRIORITIES.get(record.levelno, 6)
        return f"<{priority}>{super().format(record)}"


def configure_logging(level: str | int = "INFO") -> None:
    """One line per event on stderr: ``LEVEL name: message``, with journald's priority prefix
    when stderr is the journal."""
    handler = logging.StreamHandler(sys.stderr)
    text = "%(levelname)s %(name)s: %(message)s"
    handler.setFormatter(
        _JournalFormatter(text) if os.environ.get("JOURNAL_STREAM") else _OneLineFormatter(text)
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper() if isinstance(level, str) else level)
