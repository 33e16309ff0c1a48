"""The embedded store: one SQLite file in WAL mode (``sqlite:///path``), the default.

Its schema is the named migrations of :mod:`.migrations`; its queries are
:class:`~nojd.server.store.sql.SqlStore`'s.
"""

from __future__ import annotations

import fcntl
import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from nojd.server.store.connection import SharedConnection
from nojd.server.store.migrations import migrations
from nojd.server.store.rollups import Tally
from nojd.server.store.sql import SqlStore
from nojd.server.store.sql_accounts import SqlAccounts


class SqliteStore(SqlStore):
    """The embedded store; one connection, guarded by a lock, shared with its accounts."""

    def __init__(self, path: Path, zone: ZoneInfo) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = SharedConnection(path)
        super().__init__(connection, SqlAccounts(connection), zone)
        self.connection: SharedConnection = connection
        self.db = connection.db
        # Several ingest processes may open a new store at once: one migrates at a time.
        with open(path.with_name(path.name + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self.db.execute("PRAGMA journal_mode=WAL")
            migrations.apply(self.db)
            self._backfill()
        self.db.execute("PRAGMA synchronous=FULL")

    def _backfill(self) -> None:
        """Fill rollups added by a migration from the stored responses, once."""
        pending = {row[0] for row in self.db.execute("SELECT name FROM backfills").fetchall()}
        if "hours" not in pending:
            return
        tally = Tally()
        with self.connection.transaction() as conn:
            rows = conn.execute("SELECT device, site, survey, at, answers, flags FROM responses")
            for device, site, survey, at, answers, flags in rows.fetchall():
                local = datetime.fromisoformat(at.replace("Z", "+00:00")).astimezone(self.zone)
                flagged = int("rapid-repeat" in json.loads(flags))
                tally.add((device, site, survey), local, json.loads(answers), flagged)
            # Only the new rollups: the others already hold these responses.
            tally.answers = {"hour_rollups": tally.answers["hour_rollups"]}
            tally.responses = {"hour_responses": tally.responses["hour_responses"]}
            tally.write(conn)
            conn.execute("DELETE FROM backfills WHERE name = 'hours'")
