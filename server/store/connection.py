"""One SQLite connection shared by the server's threads (ingest, the web, the watchdog).

Every write runs under one lock, in one ``BEGIN IMMEDIATE`` transaction;
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
    """The database file at ``path``: one connection for writes, guarded by a lock, and
    a read-only connection per reading thread, which WAL lets read while a batch is
    written (a dashboard reading never holds up an ack)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = Database(sqlite3.connect(path, check_same_thread=False, timeout=30))
        self._lock = threading.Lock()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()  # not the write lock: a reader never waits on it

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """The connection, for one transaction: committed on leaving, rolled back on an error.

        ``BEGIN IMMEDIATE`` takes the write lock at once: a transaction that read first
        and wrote later could otherwise find another process's commit in between, and
        SQLite refuses that upgrade at once ("database is locked"), without waiting."""
        with self._lock:
            conn = self.db.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except sqlite3.IntegrityError as exc:
                conn.rollback()
                raise Conflict(str(exc)) from None
            except BaseException:
                if conn.in_transaction:
                    conn.rollback()
                raise
            conn.commit()

    def rows(self, sql: str, parameters: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        """The rows of one query, each as a dict of column → value, read on this thread's
        own connection."""
        cursor = self._reader().execute(sql, list(parameters or []))
        columns = [c[0] for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

    def _reader(self) -> sqlite3.Connection:
        reader: sqlite3.Connection | None = getattr(self._local, "reader", None)
        if reader is None:
            reader = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            reader.execute("PRAGMA query_only = 1")
            with self._readers_lock:
                self._readers.append(reader)
            self._local.reader = reader
        return reader

    def close(self) -> None:
        """Close the file; safe to call twice."""
        with self._lock:
            self.db.close()
        with self._readers_lock:
            for reader in self._readers:
                reader.close()
            self._readers.clear()
