"""The dashboard's listening address (``--listen HOST:PORT``), checked before anything starts:
a port another process holds is one line naming it, not a server that answers for someone
else or uvicorn's errno."""

from __future__ import annotations

import socket

from nojd.errors import ConfigError


def parse_listen(value: str) -> tuple[str, int]:
    """``HOST:PORT`` → ``(host, port)``; :class:`ConfigError` naming ``listen`` if it is not."""
    host, _, port = value.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"listen: {value!r} is not HOST:PORT like 127.0.0.1:8080")
    return host, int(port)


def check_free(host: str, port: int) -> None:
    """:class:`ConfigError` if ``host:port`` cannot be listened on (taken, or not an address
    of this machine)."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    except socket.gaierror as exc:
        raise ConfigError(f"listen: {host!r} is not a known host name ({exc.strerror})") from None
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as exc:
            taken = exc.errno == 98  # EADDRINUSE
            why = "is taken by another process" if taken else f"cannot be used ({exc.strerror})"
            raise ConfigError(f"listen: {host}:{port} {why}; expected a free HOST:PORT") from None
