"""The staff PIN: kept only as a salted PBKDF2-SHA256 hash, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from nojd.errors import ConfigError

PIN_SCHEME = "pbkdf2_sha256"
PIN_ITERATIONS = 200_000
_PIN_PATTERN = re.compile(r"\d{4,8}")


def hash_pin(pin: str, salt: str | None = None) -> str:
    """A salted PBKDF2-SHA256 hash of a 4–8 digit staff PIN, for ``staff.pin_hash``."""
    if not _PIN_PATTERN.fullmatch(pin):
        raise ConfigError(f"PIN: {len(pin)} characters given (expected 4 to 8 digits)")
    salt = salt or secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt.encode(), PIN_ITERATIONS)
    return f"{PIN_SCHEME}${PIN_ITERATIONS}${salt}${digest.hex()}"


def verify_pin(pin: str, pin_hash: str) -> bool:
    """Whether ``pin`` matches ``pin_hash``; no hash means no staff access by PIN."""
    try:
        _, iterations, salt, expected = pin_hash.split("$")
        digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt.encode(), int(iterations))
    except ValueError:
        return False
    return hmac.compare_digest(digest.hex(), expected)
