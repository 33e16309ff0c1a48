"""The server's store: one interface (:class:`Store`), and the database behind it.

``sqlite:///path`` is the embedded SQLite store (:mod:`.sqlite`), the default;
``postgresql://…`` is PostgreSQL (:mod:`.postgres`).
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from nojd.errors import ConfigError
from nojd.server.store.base import Accounts, Batch, Reject, Store
from nojd.server.store.sqlite import SqliteStore

__all__ = ["Accounts", "Batch", "Reject", "SqliteStore", "Store", "open_store", "shown_url"]


def open_store(url: str, zone: ZoneInfo, *, existing: bool = False) -> Store:
    """The store at ``url``: ``sqlite:///path/to/file.sqlite`` or
    ``postgresql://user@host:port/database``. With ``existing`` a SQLite file that does
    not exist is an error, not a new empty store (commands that read or change a running
    server's store)."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite://"))
        if existing and not path.is_file():
            raise ConfigError(
                f"db: {url!r} does not exist; expected the store of a server that has run "
                "(give --config with the server's config, or --db URL)"
            )
        return SqliteStore(path, zone)
    if url.startswith(("postgresql://", "postgres://")):
        from nojd.server.store.postgres import PostgresStore  # psycopg only when asked for

        return PostgresStore(url, zone)
    raise ConfigError(
        f"db: {url!r} is not a database URL like sqlite:///var/lib/nojd/server.sqlite "
        "or postgresql://nojd@localhost/nojd"
    )


def shown_url(url: str) -> str:
    """The URL without its password, for a message."""
    head, at, tail = url.rpartition("@")
    if not at:
        return url
    scheme, _, user = head.partition("://")
    return f"{scheme}://{user.split(':')[0]}@{tail}"
