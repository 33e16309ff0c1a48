"""Messages the server sends, each delivered once by one of any number of server
processes (``store.deliveries``): an alert's mail or webhook call, a scheduled report.

A message has a key that names it for good (``alert|missnöje|kc|2026-11-24T10:00:00Z|
opened|email``). Before sending, a process claims it for a while (a lease): an update
only one process can win, since it requires the message unsent and unclaimed; the claim
carries a token of its own. A message sent is marked, and never claimed again; one that
failed is released, with the error and the time of the next try; both only by the
holder of the claim's token, so a process that comes back late cannot undo another's
claim. A message whose process died while sending is claimed again when its lease runs
out. A message is sent twice only if a send outlasts its lease.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from nojd.server.store.base import Connection
from nojd.survey.wire import format_time


class SqlDeliveries:
    """Delivery claims on the store's connection, in SQL both databases read."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def claim(self, key: str, now: datetime, lease: timedelta) -> str | None:
        """Claim the message ``key`` for sending until ``now + lease``: the claim's token
        for exactly one caller while it is unsent, unclaimed and due for a try; else None."""
        stamp, token = format_time(now), secrets.token_hex(8)
        with self._connection.transaction() as conn:
            conn.execute(
                """INSERT INTO deliveries (key, created_at) VALUES (?, ?)
                   ON CONFLICT (key) DO NOTHING""",
                [key, stamp],
            )
            cursor = conn.execute(
                """UPDATE deliveries SET claimed_by = ?, claimed_until = ?,
                   attempts = attempts + 1
                   WHERE key = ? AND sent_at IS NULL
                   AND (claimed_until IS NULL OR claimed_until < ?)
                   AND (next_try IS NULL OR next_try <= ?)""",
                [token, format_time(now + lease), key, stamp, stamp],
            )
            return token if cursor.rowcount == 1 else None

    def sent(self, key: str, token: str, now: datetime, note: str | None = None) -> bool:
        """Mark the message ``key`` sent (``note``: what is uncertain about it); it is
        never claimed again. Whether ``token`` still held the claim."""
        with self._connection.transaction() as conn:
            cursor = conn.execute(
                """UPDATE deliveries SET sent_at = ?, claimed_by = NULL, claimed_until = NULL,
                   error = ? WHERE key = ? AND claimed_by = ?""",
                [format_time(now), note, key, token],
            )
            return cursor.rowcount == 1

    def failed(self, key: str, token: str, error: str, next_try: datetime) -> bool:
        """Release the message ``key`` after a failed send, to be tried at ``next_try``;
        whether ``token`` still held the claim (if not, another process has it now)."""
        with self._connection.transaction() as conn:
            cursor = conn.execute(
                """UPDATE deliveries SET claimed_by = NULL, claimed_until = NULL, error = ?,
                   next_try = ? WHERE key = ? AND claimed_by = ? AND sent_at IS NULL""",
                [error[:500], format_time(next_try), key, token],
            )
            return cursor.rowcount == 1

    def states(self, prefix: str) -> dict[str, dict[str, Any]]:
        """Every message whose key starts with ``prefix``, by key: when it was first
        claimed, sent, how often tried and the last error."""
        rows = self._connection.rows(
            """SELECT key, created_at, sent_at, attempts, next_try, error FROM deliveries
               WHERE substr(key, 1, ?) = ?""",
            [len(prefix), prefix],
        )
        return {row["key"]: row for row in rows}
