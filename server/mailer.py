"""Mail from the server, over SMTP with STARTTLS: alerts and scheduled reports.

    [mail]
    host = "smtp.example.se"
    port = 587
    sender = "nojd@example.se"
    user = "nojd"                          # optional: log in after STARTTLS
    password_file = "/etc/nojd/smtp-password"
    ca_file = "/etc/nojd/smtp-ca.pem"      # optional: else the system's CAs
    timeout_seconds = 30

The connection is always upgraded with STARTTLS and the server's certificate checked
against its host name before anything else is said: a server that offers no STARTTLS
gets no mail, and no password, in the clear.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from nojd.errors import NojdError
from nojd.tomlconfig import Table, text, whole

#: An address: something@somewhere, without spaces, angle brackets or line breaks.
_ADDRESS_CHARS = set(" <>,;\r\n\t\"'")


class MailError(NojdError):
    """A mail that could not be sent, in one line: what was tried and what went wrong."""


@dataclass(frozen=True)
class MailConfig:
    """How the server reaches its SMTP server."""

    host: str
    sender: str
    port: int = 587
    user: str = ""
    password: str = field(default="", repr=False)
    ca_file: str = ""
    timeout_seconds: int = 30


@dataclass(frozen=True)
class Attachment:
    """A file sent with a mail."""

    name: str
    body: bytes
    mime: str = "application/pdf"


def address(value: object) -> str:
    """A check for one e-mail address (for config keys): ``ValueError`` otherwise."""
    if not isinstance(value, str):
        raise TypeError(value)
    local, at, domain = value.partition("@")
    if not (at and local and "." in domain and len(value) <= 254) or _ADDRESS_CHARS & set(value):
        raise ValueError(value)
    return value


def addresses(value: object) -> tuple[str, ...]:
    """A check for a list of 1..50 e-mail addresses."""
    if not isinstance(value, list) or not 1 <= len(value) <= 50:
        raise TypeError(value)
    return tuple(address(each) for each in value)


def parse_mail(table: Table) -> MailConfig | None:
    """The ``[mail]`` table of a server config; None when it is absent (no mail is sent)."""
    if not table.data:
        return None
    table.only("host", "port", "sender", "user", "password_file", "ca_file",
               "timeout_seconds", required=("host", "sender"))  # fmt: skip
    user = table.get("user", "", text, "a user name")
    password_file = table.get("password_file", "", text, "the path of a file")
    password = ""
    if password_file:
        try:
            password = Path(password_file).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            problem = f"{password_file!r} cannot be read ({exc.__class__.__name__})"
            raise table.fail("password_file", problem) from None
        if not password.isascii():
            raise table.fail("password_file", f"{password_file!r} holds characters outside "
                             "ASCII, which an SMTP login cannot send here")  # fmt: skip
    if bool(user) != bool(password):
        raise table.fail("user" if password else "password_file",
                         "user and password_file go together: give both or neither")  # fmt: skip
    ca_file = table.get("ca_file", "", text, "the path of a PEM file of CA certificates")
    if ca_file and not Path(ca_file).is_file():
        raise table.fail("ca_file", f"{ca_file!r} is not a file")
    return MailConfig(
        host=table.require("host", _host, "a host name"),
        sender=table.require("sender", address, "an address like nojd@example.se"),
        port=table.get("port", 587, whole(1, 65535), "a port 1..65535"),
        user=user,
        password=password,
        ca_file=ca_file,
        timeout_seconds=table.get("timeout_seconds", 30, whole(1, 60), "seconds 1..60"),
    )


def _host(value: object) -> str:
    if not isinstance(value, str) or not value or len(value) > 253 or _ADDRESS_CHARS & set(value):
        raise TypeError(value)
    return value


def send(
    config: MailConfig,
    to: tuple[str, ...],
    subject: str,
    body: str,
    attachments: tuple[Attachment, ...] = (),
) -> list[str]:
    """Send one mail to ``to``; :class:`MailError` when the server cannot be reached, offers
    no STARTTLS, shows a certificate that does not check out, or refuses the mail to every
    address. The mail has gone when some addresses were refused and others taken: those
    refused are returned with the server's words (sending again would double it for the
    others), to be logged."""
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=config.sender.partition("@")[2])
    message.set_content(body)
    for each in attachments:
        kind, _, sub = each.mime.partition("/")
        message.add_attachment(each.body, maintype=kind, subtype=sub, filename=each.name)
    context = ssl.create_default_context(cafile=config.ca_file or None)
    where = f"{config.host}:{config.port}"
    try:
        with smtplib.SMTP(config.host, config.port, timeout=config.timeout_seconds) as smtp:
            smtp.ehlo()
            if not smtp.has_extn("starttls"):
                raise MailError(f"mail: {where} offers no STARTTLS; nothing sent in the clear")
            smtp.starttls(context=context)
            smtp.ehlo()
            if config.user:
                smtp.login(config.user, config.password)
            refused = smtp.send_message(message)
    except MailError:
        raise
    except ssl.SSLError as exc:
        raise MailError(f"mail: TLS with {where} failed: {exc.reason or exc}") from None
    except smtplib.SMTPResponseException as exc:
        said = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) \
            else str(exc.smtp_error)  # fmt: skip
        raise MailError(f"mail: {where} refused: {exc.smtp_code} {said[:200]}") from None
    except smtplib.SMTPRecipientsRefused as exc:
        every = "; ".join(_refusals(exc.recipients))
        raise MailError(f"mail: {where} refused every address: {every}") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"mail: {where}: {exc.__class__.__name__}: {exc}"[:300]) from None
    return [f"{where} refused {each}" for each in _refusals(refused)]


def _refusals(refused: dict[str, tuple[int, bytes]]) -> list[str]:
    """The addresses a server refused, with its words: ``a@b.se: 550 no such mailbox``."""
    return [
        f"{address}: {code} {said.decode('utf-8', 'replace')[:100]}"
        for address, (code, said) in refused.items()
    ]
