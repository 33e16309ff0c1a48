"""One SQLite connection shared by the server's threads (ingest, the web, the watchdog).

Every statement runs under one lock and every write in one ``atomic()`` transaction;
the store and the account store both go through it, so they never interleave.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from nojd.server.store.base import Conflict


class SharedConnection:
    """The database file at ``path``, one connection, guarded by a lock."""

    def __init__(self, path: Path) -> None:
        self.db = Database(sqlite3.connect(path, check_same_thread=False, timeout=30))
        self._lock = threading.Lock()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """The connection, for one transaction: committed on leaving, rolled back on an error."""
        try:
            with self._lock, self.db.atomic():
                yield self.db.conn
        except sqlite3.IntegrityError as exc:
            raise Conflict(str(exc)) from None

    def rows(self, sql: str, parameters: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        """The rows of one query, each as a dict of column → value."""
        with self._lock:
            cursor = self.db.execute(sql, list(parameters or []))
            columns = [c[0] for c in cursor.description]
            return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

    def close(self) -> None:
        """Close the file; safe to call twice."""
        with self._lock:
            self.db.close()
