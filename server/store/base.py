"""What every store offers, whatever database is behind it: the interface ingest,
figures, the API, the dashboard, accounts and devices use, and what ingest hands it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from nojd.errors import NojdError
from nojd.server.store.tables import Table
from nojd.survey import Response


@dataclass(frozen=True)
class Reject:
    """A message ingest cannot accept: it goes to quarantine with the reason."""

    topic: str
    payload: bytes
    reason: str
    device: str | None = None
    #: A well-formed response refused for what it says (a time outside the window):
    #: acked once quarantined, so that its terminal stops sending it.
    seq: int | None = None


@dataclass
class Batch:
    """What ingest hands the store in one transaction."""

    responses: list[tuple[Response, bytes]] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    statuses: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    #: Epochs started by ``nojd device add --replace``: (device, epoch).
    epochs: list[tuple[str, int]] = field(default_factory=list)


class Accounts(Protocol):
    """Users, logins and tokens, as the dashboard and the API check them."""

    def set_user(self, name: str, password_hash: str, role: str, at: datetime) -> None: ...

    def user(self, name: str) -> dict[str, Any] | None: ...

    def users(self) -> list[dict[str, Any]]: ...

    def remove_user(self, name: str) -> bool: ...

    def add_login(
        self, login_hash: str, user: str, expires_at: datetime, now: datetime
    ) -> None: ...

    def login_user(
        self, login_hash: str, now: datetime, idle: timedelta
    ) -> dict[str, Any] | None: ...

    def end_login(self, login_hash: str) -> None: ...

    def add_token(self, name: str, token_hash: str, created_at: datetime) -> None: ...

    def tokens(self) -> list[dict[str, Any]]: ...

    def delete_token(self, name: str) -> bool: ...

    def token_name(self, token_hash: str) -> str | None: ...


class CentralConfigs(Protocol):
    """Central configuration per scope, its change log, and what each terminal was sent."""

    def set(self, scope: str, body: dict[str, Any] | None, who: str, at: datetime) -> int: ...

    def configs(self) -> dict[str, tuple[dict[str, Any] | None, int]]: ...

    def changes(self, limit: int = 200) -> list[dict[str, Any]]: ...

    def sent(self) -> dict[str, tuple[int, str]]: ...

    def mark_sent(self, device: str, version: int, digest: str, at: datetime) -> None: ...


class AlertEpisodes(Protocol):
    """Alert episodes: at most one open per rule and subject, each message claimed once."""

    def open(self, rule: str, subject: str, detail: str, at: datetime) -> bool: ...

    def resolve(self, rule: str, subject: str, at: datetime) -> bool: ...

    def open_ones(self) -> list[dict[str, Any]]: ...

    def history(self, limit: int = 200) -> list[dict[str, Any]]: ...

    def unsent(self) -> list[dict[str, Any]]: ...

    def settle(self, episode: int, message: str, state: int) -> None: ...


class Deliveries(Protocol):
    """Messages the server sends, each claimed by one process and marked when sent."""

    def claim(self, key: str, now: datetime, lease: timedelta) -> str | None: ...

    def sent(self, key: str, token: str, now: datetime, note: str | None = None) -> bool: ...

    def failed(self, key: str, token: str, error: str, next_try: datetime) -> bool: ...

    def states(self, prefix: str) -> dict[str, dict[str, Any]]: ...


class Store(Protocol):
    """Responses, rollups, device state and quarantine; its accounts beside them."""

    @property
    def accounts(self) -> Accounts:
        """Users, logins and tokens, in the same database."""
        ...

    @property
    def central(self) -> CentralConfigs:
        """Central configuration, in the same database."""
        ...

    @property
    def alerts(self) -> AlertEpisodes:
        """Alert episodes, in the same database."""
        ...

    @property
    def deliveries(self) -> Deliveries:
        """Claims on the messages the server sends, in the same database."""
        ...

    def ingest(self, batch: Batch, received_at: datetime) -> dict[str, list[int]]: ...

    def devices(self, today: str | None = None) -> list[dict[str, Any]]: ...

    def expire_quarantine(self, before: datetime) -> int: ...

    def visit_quality(self, survey: str, first: str, last: str) -> list[dict[str, Any]]: ...

    def answered_hours(self, first: str, last: str) -> list[tuple[str, str]]: ...

    def recent_answers(self, survey: str, since: str, until: str) -> list[dict[str, Any]]: ...

    def recent_quarantine(self, since: str) -> dict[str, int]: ...

    def backlog_samples(self, since: str) -> dict[str, list[tuple[str, int]]]: ...

    def counts_by_site(self) -> dict[str, dict[str, dict[str, int]]]: ...

    def month_totals(
        self, survey: str, first: str, last: str, include_flagged: bool, fewer_than: int
    ) -> list[dict[str, Any]]: ...

    def grouped_counts(
        self,
        survey: str,
        first: str,
        last: str,
        period: str,
        include_flagged: bool,
        devices: Sequence[str] = (),
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]: ...

    def hour_counts(
        self,
        survey: str,
        question: str,
        first_month: str,
        last_month: str,
        include_flagged: bool,
        devices: Sequence[str] = (),
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]: ...

    def healthy(self) -> bool: ...

    def response_keys(self) -> list[tuple[str, int, str]]: ...

    def export_table(self, table: Table, batch: int = 5000) -> Iterator[list[tuple[Any, ...]]]: ...

    def import_tables(
        self,
        tables: Iterable[tuple[Table, Iterable[list[tuple[Any, ...]]]]],
        said: Callable[[str, int], None] = ...,
    ) -> dict[str, int]: ...

    def close(self) -> None: ...


class Conflict(NojdError, ValueError):
    """A row that a unique key already holds (a token's name, say)."""


class Cursor(Protocol):
    """What a statement gives back, in every database: rows and how many it changed."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Transaction(Protocol):
    """Statements with ``?`` placeholders inside one transaction."""

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> Cursor: ...

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]], /) -> object: ...


class Connection(Protocol):
    """The door to one database: transactions for writes, :meth:`rows` for reads.

    A unique key that a write would break raises :class:`Conflict`."""

    def transaction(self) -> AbstractContextManager[Transaction]: ...

    def rows(self, sql: str, parameters: Sequence[Any] | None = None) -> list[dict[str, Any]]: ...

    def close(self) -> None: ...
