"""Real servers that alerts and reports are sent to in the tests: an SMTP server
(aiosmtpd) that requires STARTTLS and a login over it, with a certificate from a test CA
(trustme), and an HTTP server that records what is POSTed to it and can be told to fail,
hang, or be down."""

from __future__ import annotations

import json
import ssl
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from processes import free_port

USER, PASSWORD = "nojd", "ett hemligt smtp-losenord"


@dataclass
class Received:
    """A mail as the server got it: the envelope, the message, and whether it came over TLS
    by a logged-in user."""

    sender: str
    to: list[str]
    message: EmailMessage
    tls: bool
    login: str | None


class _Handler:
    def __init__(self, box: MailServer) -> None:
        self.box = box

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address in self.box.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        login = session.auth_data.login.decode() if session.auth_data else None
        tls = session.ssl is not None
        self.box.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), parsed, tls, login)
        )
        self.box.arrived.set()
        return "250 Message accepted"


def _authenticate(server, session, envelope, mechanism, data) -> AuthResult:
    good = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=good, handled=False, auth_data=data)


@dataclass
class MailServer:
    """An SMTP server on a free port of 127.0.0.1 ("localhost" in its certificate)."""

    folder: Path
    starttls: bool = True
    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    arrived: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.port = free_port()
        ca = trustme.CA()
        self.ca_file = self.folder / "smtp-ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_file))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("localhost").configure_cert(context)
        options: dict[str, Any] = {
            "authenticator": _authenticate,
            "auth_require_tls": True,
            "auth_required": True,
        }
        if self.starttls:
            options |= {"tls_context": context, "require_starttls": True}
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port,
                                     server_hostname="localhost", **options)  # fmt: skip

    def start(self) -> MailServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def config(self, ca: bool = True, port: int | None = None, password: str = PASSWORD) -> str:
        """A ``[mail]`` table for this server, with the password in a file."""
        secret = self.folder / "smtp-password"
        secret.write_text(password + "\n", encoding="utf-8")
        ca_line = f'ca_file = "{self.ca_file}"' if ca else ""
        return f"""
[mail]
host = "localhost"
port = {port or self.port}
sender = "nojd@kommun.example"
user = "{USER}"
password_file = "{secret}"
{ca_line}
timeout_seconds = 10
"""


class WebhookServer:
    """An HTTP server on a free port that records every POST (its JSON) and answers
    ``answers`` in turn (then 200), or waits ``hang`` seconds before answering."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.posts: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.keys: list[str | None] = []
        self.answers: list[int] = []
        self.hang = 0.0
        self.posted = threading.Event()
        self.released = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/s3cret-token"

    def start(self) -> WebhookServer:
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                hook.paths.append(self.path)
                hook.keys.append(self.headers.get("Idempotency-Key"))
                hook.posts.append(json.loads(body))
                if hook.hang:  # a receiver that does not answer in time
                    hook.released.wait(hook.hang)
                status = hook.answers.pop(0) if hook.answers else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                hook.posted.set()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.released.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
