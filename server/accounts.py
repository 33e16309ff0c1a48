"""Dashboard users and logins: salted scrypt password hashes, random login cookies.

Roles: ``admin`` and ``read-only`` (sees everything, changes nothing).  A
login cookie is random; the account store keeps only its SHA-256, as it does
of an API token.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from nojd.errors import ConfigError
from nojd.server.store import Accounts

ROLES = ("admin", "read-only")
#: The dashboard's login cookie.
LOGIN_COOKIE = "nojd_login"
LOGIN_HOURS = 12
IDLE_MINUTES = 60
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str, salt: str | None = None) -> str:
    """``scrypt$<salt>$<hash>`` of a password."""
    salt = salt or secrets.token_hex(16)
    digest = hashlib.scrypt(password.encode(), salt=salt.encode(), **_SCRYPT)
    return f"scrypt${salt}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches the stored hash."""
    try:
        _, salt, expected = stored.split("$")
    except ValueError:
        return False
    return hmac.compare_digest(hash_password(password, salt).split("$")[2], expected)


def add_user(accounts: Accounts, name: str, password: str, role: str = "admin") -> None:
    """Add a user, or set an existing user's password and role."""
    if role not in ROLES:
        raise ConfigError(f"role: {role!r} is not one of {', '.join(ROLES)}")
    if len(password) < 10:
        raise ConfigError(f"password: {len(password)} characters given (expected at least 10)")
    accounts.set_user(name, hash_password(password), role, datetime.now(UTC))


@functools.cache
def _stand_in() -> str:
    """A hash no password matches, checked for an unknown user: as slow as a real check,
    so the time of an answer does not tell which user names exist."""
    return hash_password(secrets.token_hex(16))


def log_in(accounts: Accounts, name: str, password: str, hours: int = LOGIN_HOURS) -> str | None:
    """A new login cookie, for at most ``hours``, for a right name and password, else None."""
    user = accounts.user(name)
    right = check_password(password, user["hash"] if user else _stand_in())
    if user is None or not right:
        return None
    cookie = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    accounts.add_login(_digest(cookie), name, now + timedelta(hours=hours), now)
    return cookie


def login_user(
    accounts: Accounts, cookie: str | None, idle_minutes: int = IDLE_MINUTES
) -> dict[str, str] | None:
    """The user behind a login cookie used within ``idle_minutes``, or None."""
    if not cookie:
        return None
    return accounts.login_user(_digest(cookie), datetime.now(UTC), timedelta(minutes=idle_minutes))


def log_out(accounts: Accounts, cookie: str | None) -> None:
    """End the login behind a cookie, if there is one."""
    if cookie:
        accounts.end_login(_digest(cookie))


def _digest(cookie: str) -> str:
    return hashlib.sha256(cookie.encode()).hexdigest()


def token_hash(token: str) -> str:
    """What the store keeps of an API token."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(accounts: Accounts, name: str) -> str:
    """A new random API token under ``name``; only its hash is stored."""
    if not name or len(name) > 64 or not name.isprintable():
        raise ConfigError(f"token name: {name!r} (expected 1 to 64 printable characters)")
    token = secrets.token_urlsafe(32)
    accounts.add_token(name, token_hash(token), datetime.now(UTC))
    return token
