"""The store on PostgreSQL (``postgresql://user@host:port/database``), for an
organisation that outgrows one SQLite file, or runs several ingest processes.

The queries are :class:`~nojd.server.store.sql.SqlStore`'s; this module gives them a
connection (``?`` placeholders become psycopg's ``%s``) and the schema.  Writes go
through one connection, reads through a pool of others, so a dashboard reading never
waits for a batch being written, nor the other way round.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from nojd.errors import ConfigError
from nojd.server.store import shown_url
from nojd.server.store.base import Conflict, Cursor
from nojd.server.store.postgres_schema import migrate
from nojd.server.store.sql import SqlStore
from nojd.server.store.sql_accounts import SqlAccounts

#: Connections the dashboard and the API read on at most, at once.
READERS = 4


def _native(sql: str) -> str:
    """SQL with ``?`` placeholders as psycopg writes them (``%s``; a literal % doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


class _Transaction:
    """Statements inside one PostgreSQL transaction, with ``?`` placeholders."""

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self._connection = connection

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> Cursor:
        return self._connection.execute(_native(sql), list(parameters))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]], /) -> object:
        with self._connection.cursor() as cursor:
            cursor.executemany(_native(sql), [list(row) for row in rows])
        return None


class PostgresConnection:
    """One connection for writes, locked, and a pool of connections for reads."""

    def __init__(self, url: str, readers: int = READERS) -> None:
        self._url = url
        try:
            self._write = self._connect()
        except psycopg.Error as exc:
            why = " ".join(str(exc).split())  # libpq's message spans lines: one line here
            raise ConfigError(f"db: cannot connect to {shown_url(url)} ({why})") from None
        self._write_lock = threading.Lock()
        self._pool = ConnectionPool(
            url, min_size=1, max_size=readers, open=True, name="nojd-readers",
            kwargs={"autocommit": True, "application_name": f"nojd-{os.getpid()}-read"},
            check=ConnectionPool.check_connection,  # a cut connection is replaced, not used
        )  # fmt: skip

    def _connect(self) -> psycopg.Connection[Any]:
        # pg_stat_activity names each connection after its process: nojd-PID-write.
        return psycopg.connect(
            self._url, autocommit=True, application_name=f"nojd-{os.getpid()}-write"
        )

    @contextmanager
    def transaction(self) -> Iterator[_Transaction]:
        """One transaction: committed on leaving, rolled back on an error."""
        try:
            with self._write_lock:
                if self._write.broken:  # the server restarted or cut us off: connect anew
                    self._write = self._connect()
                with self._write.transaction():
                    yield _Transaction(self._write)
        except psycopg.errors.UniqueViolation as exc:
            raise Conflict(str(exc).splitlines()[0]) from None

    def rows(self, sql: str, parameters: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        """The rows of one query, each as a dict of column → value."""
        with self._pool.connection() as reader, reader.cursor(row_factory=dict_row) as cursor:
            return cursor.execute(_native(sql), list(parameters or [])).fetchall()

    def close(self) -> None:
        """Close both connections; safe to call twice."""
        with self._write_lock:
            self._write.close()
        self._pool.close()


class PostgresStore(SqlStore):
    """The store on a PostgreSQL database; its schema is migrated on opening."""

    GREATEST = "greatest"

    def __init__(self, url: str, zone: ZoneInfo) -> None:
        connection = PostgresConnection(url)
        super().__init__(connection, SqlAccounts(connection), zone)
        with connection.transaction() as transaction:
            migrate(transaction)
