"""Alert episodes in the server's database, shared by every server process: one open
episode per rule and subject (a unique index on the open ones), and each message of an
episode claimed by exactly one process before it is sent (``store.alerts``).

An episode opens when a rule starts to fire for a subject (a terminal, a site) and
resolves when it stops. Two processes checking at once both try to open it; the index
lets one row in. A process that restarts in the middle of an episode finds it open and
opens no other. Sending is claimed by an update that only one process can win.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from nojd.server.store.base import Connection
from nojd.survey.wire import format_time


class SqlAlerts:
    """Alert episodes on the store's connection, in SQL both databases read."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def open(self, rule: str, subject: str, detail: str, at: datetime) -> bool:
        """Open an episode of ``rule`` for ``subject`` unless one is open; whether this
        call opened it."""
        with self._connection.transaction() as conn:
            cursor = conn.execute(
                """INSERT INTO alerts (rule, subject, opened_at, detail) VALUES (?, ?, ?, ?)
                   ON CONFLICT (rule, subject) WHERE resolved_at IS NULL DO NOTHING""",
                [rule, subject, format_time(at), detail],
            )
            return cursor.rowcount == 1

    def resolve(self, rule: str, subject: str, at: datetime) -> bool:
        """End the open episode of ``rule`` for ``subject``; whether there was one."""
        with self._connection.transaction() as conn:
            cursor = conn.execute(
                """UPDATE alerts SET resolved_at = ? WHERE rule = ? AND subject = ?
                   AND resolved_at IS NULL""",
                [format_time(at), rule, subject],
            )
            return cursor.rowcount == 1

    def open_ones(self) -> list[dict[str, Any]]:
        """The open episodes, oldest first."""
        return self._connection.rows(
            """SELECT id, rule, subject, opened_at, detail FROM alerts
               WHERE resolved_at IS NULL ORDER BY opened_at, id"""
        )

    def history(self, limit: int = 200) -> list[dict[str, Any]]:
        """The latest episodes first, open or resolved."""
        return self._connection.rows(
            """SELECT id, rule, subject, opened_at, resolved_at, detail, opened_sent,
                      resolved_sent FROM alerts ORDER BY opened_at DESC, id DESC LIMIT ?""",
            [limit],
        )

    def unsent(self) -> list[dict[str, Any]]:
        """Episodes whose opening or resolving message has not been claimed yet."""
        return self._connection.rows(
            """SELECT id, rule, subject, opened_at, resolved_at, detail, opened_sent,
                      resolved_sent FROM alerts
               WHERE opened_sent = 0 OR (resolved_at IS NOT NULL AND resolved_sent = 0)
               ORDER BY id"""
        )

    def claim(self, episode: int, message: str) -> bool:
        """Claim the ``opened`` or ``resolved`` message of ``episode`` for sending: True
        for exactly one caller, in any number of processes."""
        column = {"opened": "opened_sent", "resolved": "resolved_sent"}[message]
        with self._connection.transaction() as conn:
            cursor = conn.execute(
                f"UPDATE alerts SET {column} = 1 WHERE id = ? AND {column} = 0", [episode]
            )
            return cursor.rowcount == 1
