"""Webhooks: an alert POSTed as JSON to a URL (a chat's incoming webhook, a ticket system).

    [alerts]
    webhooks = ["https://chat.example.se/hooks/nojd"]
    webhook_timeout_seconds = 10
    webhook_attempts = 3

Each call has a timeout for connecting and for the answer. A connection that cannot be
made, or an answer 429, 500, 502, 503 or 504, is tried again, up to ``webhook_attempts``
times in all, with a growing pause. A request sent and not answered in time is not:
the receiver may have taken it and be slow to say so, and a second copy is worse than
one never confirmed (:class:`Unanswered`). Redirects are not followed: the URL
configured is the one called. The body carries ``text`` (what chat webhooks show)
beside the alert's fields, and ``Idempotency-Key`` lets a receiver drop a repeat.

urllib3 logs each retry with the request's path, which holds a chat webhook's secret:
its loggers are kept to errors.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from nojd.errors import NojdError

#: Answers worth another try: the receiver is busy or failing, not refusing this body.
RETRY_STATUSES = (429, 500, 502, 503, 504)
logging.getLogger("urllib3").setLevel(logging.ERROR)


class WebhookError(NojdError):
    """A webhook call that failed after every attempt, in one line."""


class Unanswered(WebhookError):
    """A webhook call sent whole and not answered in time: it may have been received."""


def url(value: object) -> str:
    """A check for a webhook URL (for config keys): http or https, with a host."""
    if not isinstance(value, str) or len(value) > 2000:
        raise TypeError(value)
    parts = urlsplit(value)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or any(c in value for c in " \r\n\t")
    ):
        raise ValueError(value)
    return value


def shown(address: str) -> str:
    """A webhook's URL as logs and errors show it: scheme, host and port only (its path
    often holds the secret token)."""
    parts = urlsplit(address)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/…"


def post(address: str, body: dict[str, Any], timeout: float, attempts: int, key: str = "") -> None:
    """POST ``body`` as JSON to ``address`` (with ``key`` as its ``Idempotency-Key``);
    :class:`WebhookError` when no attempt got a 2xx answer, :class:`Unanswered` when the
    last was sent and not answered within ``timeout``."""
    retry = Retry(
        total=attempts - 1,
        connect=attempts - 1,
        read=False,  # a request sent and not answered: never sent again
        other=0,
        status=attempts - 1,
        backoff_factor=0.5,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"POST"}),
        raise_on_status=False,
        respect_retry_after_header=False,
    )
    with requests.Session() as session:
        session.mount("http://", HTTPAdapter(max_retries=retry))
        session.mount("https://", HTTPAdapter(max_retries=retry))
        headers = {"Idempotency-Key": key} if key else {}
        try:
            answer = session.post(address, json=body, timeout=(timeout, timeout),
                                  allow_redirects=False, headers=headers)  # fmt: skip
        except requests.ReadTimeout:
            raise Unanswered(f"webhook {shown(address)}: sent, no answer within {timeout:g} s; "
                             "counted as sent, as it may have arrived") from None  # fmt: skip
        except requests.RequestException as exc:
            reason = exc.__class__.__name__
            raise WebhookError(f"webhook {shown(address)}: {reason} after {attempts} "
                               f"attempt(s)") from None  # fmt: skip
    if not 200 <= answer.status_code < 300:
        raise WebhookError(f"webhook {shown(address)}: answered {answer.status_code} "
                           f"after {attempts} attempt(s)")  # fmt: skip
