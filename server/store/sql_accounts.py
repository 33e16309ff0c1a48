"""The dashboard's users, their logins and the API tokens, in the server's database.

Only hashes are stored: salted scrypt of a password, SHA-256 of a login cookie or an
API token (:mod:`nojd.server.accounts` makes them).  It shares the store's connection
and lock (``store.accounts``), so one store object is all a caller passes around.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from nojd.errors import ConfigError
from nojd.server.store.base import Conflict, Connection
from nojd.survey.wire import format_time


class SqlAccounts:
    """Users, logins and tokens on the store's connection, in SQL that SQLite and
    PostgreSQL both read (``"user"`` is quoted: PostgreSQL reserves the word)."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def set_user(self, name: str, password_hash: str, role: str, at: datetime) -> None:
        """Add a dashboard user, or give an existing one a new password and role."""
        with self._connection.transaction() as conn:
            conn.execute(
                """INSERT INTO users (name, hash, role, created_at) VALUES (?, ?, ?, ?)
                   ON CONFLICT (name) DO UPDATE SET hash = excluded.hash, role = excluded.role""",
                [name, password_hash, role, format_time(at)],
            )
            # a new password or role ends every login of the old one
            conn.execute('DELETE FROM logins WHERE "user" = ?', [name])

    def remove_user(self, name: str) -> bool:
        """Remove a dashboard user and end their logins; whether there was one."""
        with self._connection.transaction() as conn:
            conn.execute('DELETE FROM logins WHERE "user" = ?', [name])
            return conn.execute("DELETE FROM users WHERE name = ?", [name]).rowcount > 0

    def user(self, name: str) -> dict[str, Any] | None:
        """A dashboard user, or None."""
        rows = self._connection.rows("SELECT name, hash, role FROM users WHERE name = ?", [name])
        return rows[0] if rows else None

    def users(self) -> list[dict[str, Any]]:
        """Every dashboard user: name, role and when added (no hashes)."""
        return self._connection.rows("SELECT name, role, created_at FROM users ORDER BY name")

    def add_login(self, login_hash: str, user: str, expires_at: datetime, now: datetime) -> None:
        """Keep a new login of ``user`` (the hash of its cookie) until ``expires_at``."""
        with self._connection.transaction() as conn:
            conn.execute(
                'INSERT INTO logins (hash, "user", expires_at, last_used) VALUES (?, ?, ?, ?)',
                [login_hash, user, format_time(expires_at), format_time(now)],
            )

    def login_user(self, login_hash: str, now: datetime, idle: timedelta) -> dict[str, Any] | None:
        """The user of a login that has not expired at ``now`` and was used within
        ``idle``, or None; a use more than a minute after the last one is noted."""
        rows = self._connection.rows(
            """SELECT u.name, u.role, l.last_used FROM logins l JOIN users u ON u.name = l."user"
               WHERE l.hash = ? AND l.expires_at > ?
               AND (l.last_used IS NULL OR l.last_used > ?)""",
            [login_hash, format_time(now), format_time(now - idle)],
        )
        if not rows:
            return None
        last = rows[0]["last_used"]  # None: a login from before idle times were kept
        if last is None or last < format_time(now - timedelta(minutes=1)):
            with self._connection.transaction() as conn:
                conn.execute(
                    "UPDATE logins SET last_used = ? WHERE hash = ?", [format_time(now), login_hash]
                )
        return {"name": rows[0]["name"], "role": rows[0]["role"]}

    def end_login(self, login_hash: str) -> None:
        """Forget a login (logging out)."""
        with self._connection.transaction() as conn:
            conn.execute("DELETE FROM logins WHERE hash = ?", [login_hash])

    def add_token(self, name: str, token_hash: str, created_at: datetime) -> None:
        """Store an API token's hash under a name; an existing name is refused."""
        try:
            with self._connection.transaction() as conn:
                conn.execute(
                    "INSERT INTO tokens (name, hash, created_at) VALUES (?, ?, ?)",
                    [name, token_hash, format_time(created_at)],
                )
        except Conflict:
            raise ConfigError(f"token: {name!r} exists already (choose another name)") from None

    def tokens(self) -> list[dict[str, Any]]:
        """Every API token: name and when made (no hashes)."""
        return self._connection.rows("SELECT name, created_at FROM tokens ORDER BY name")

    def delete_token(self, name: str) -> bool:
        """Revoke a token; whether one had that name."""
        with self._connection.transaction() as conn:
            return conn.execute("DELETE FROM tokens WHERE name = ?", [name]).rowcount == 1

    def token_name(self, token_hash: str) -> str | None:
        """The name of the token with this hash, or None."""
        rows = self._connection.rows("SELECT name FROM tokens WHERE hash = ?", [token_hash])
        return rows[0]["name"] if rows else None
