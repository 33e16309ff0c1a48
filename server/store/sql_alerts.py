"""Alert episodes in the server's database, shared by every server process: one open
episode per rule and subject (a unique index on the open ones), and whether each message
of an episode has been delivered (``store.alerts``).

An episode opens when a rule starts to fire for a subject (a terminal, a site) and
resolves when it stops. Two processes checking at once both try to open it; the index
lets one row in. A process that restarts in the middle of an episode finds it open and
opens no other. Each message is sent through ``store.deliveries``, claimed by one
process (:mod:`nojd.server.store.sql_deliveries`); once every channel has it, or one
has refused it for a day, the message is settled here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from nojd.server.store.base import Connection
from nojd.survey.wire import format_time

#: An episode's message: not yet settled, sent on every channel, or given up on.
UNSENT, SENT, GAVE_UP = 0, 1, 2


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

    def settle(self, episode: int, message: str, state: int) -> None:
        """Mark the ``opened`` or ``resolved`` message of ``episode`` settled: ``SENT``
        when every channel has it (or there is none), ``GAVE_UP`` when one never took it."""
        column = {"opened": "opened_sent", "resolved": "resolved_sent"}[message]
        with self._connection.transaction() as conn:
            conn.execute(f"UPDATE alerts SET {column} = ? WHERE id = ?", [state, episode])
