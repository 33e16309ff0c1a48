"""Central configuration in the server's database: every change with who made it and when
(its id is the config's version), the current config of each scope (``site:ID`` or
``device:ID``), and what was last sent to each terminal. It shares the store's
connection (``store.central``)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from nojd.server.store.base import Connection
from nojd.survey.wire import format_time


class SqlCentral:
    """Central configurations on the store's connection, in SQL both databases read."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def set(self, scope: str, body: dict[str, Any] | None, who: str, at: datetime) -> int:
        """Set (or with None clear) the config of ``scope``, log the change; its version.
        Two changes at the same moment in two processes: one gets :class:`Conflict`."""
        text = None if body is None else json.dumps(body, ensure_ascii=False)  # order kept
        with self._connection.transaction() as conn:
            row = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM config_changes").fetchone()
            version = int(row[0])
            conn.execute(
                "INSERT INTO config_changes (id, at, who, scope, body) VALUES (?, ?, ?, ?, ?)",
                [version, format_time(at), who, scope, text],
            )
            conn.execute(
                """INSERT INTO central_configs (scope, body, version) VALUES (?, ?, ?)
                   ON CONFLICT (scope) DO UPDATE SET body = excluded.body,
                   version = excluded.version""",
                [scope, text, version],
            )
        return version

    def configs(self) -> dict[str, tuple[dict[str, Any] | None, int]]:
        """Every scope ever set: ``(config or None if cleared, version)``."""
        rows = self._connection.rows("SELECT scope, body, version FROM central_configs")
        return {
            row["scope"]: (None if row["body"] is None else json.loads(row["body"]), row["version"])
            for row in rows
        }

    def changes(self, limit: int = 200) -> list[dict[str, Any]]:
        """The latest changes first: version, time, who, scope and the config set."""
        rows = self._connection.rows(
            "SELECT id, at, who, scope, body FROM config_changes ORDER BY id DESC LIMIT ?",
            [limit],
        )
        return [
            {**row, "body": None if row["body"] is None else json.loads(row["body"])}
            for row in rows
        ]

    def sent(self) -> dict[str, tuple[int, str]]:
        """What was last sent to each terminal: ``(version, digest of the message)``."""
        rows = self._connection.rows("SELECT device, version, digest FROM config_sent")
        return {row["device"]: (row["version"], row["digest"]) for row in rows}

    def mark_sent(self, device: str, version: int, digest: str, at: datetime) -> None:
        """Record that the broker took ``device``'s config message."""
        with self._connection.transaction() as conn:
            conn.execute(
                """INSERT INTO config_sent (device, version, digest, sent_at) VALUES (?, ?, ?, ?)
                   ON CONFLICT (device) DO UPDATE SET version = excluded.version,
                   digest = excluded.digest, sent_at = excluded.sent_at""",
                [device, version, digest, format_time(at)],
            )
