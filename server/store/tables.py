"""Every table a store holds, with its columns and key, and copying a whole store into
another: from the embedded SQLite file to PostgreSQL when an organisation outgrows it
(``nojd server store copy``), or back.

Both schemas have these tables and columns under the same names; a test holds each
backend's schema to this list, so a table added by a migration and not here fails it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nojd.server.store.base import Store


@dataclass(frozen=True)
class Table:
    """A table's name, the columns a copy writes, and the key it is read in order of."""

    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]


_SPANS = {"day": ("day",), "month": ("month",), "hour": ("month", "weekday", "hour")}


def _rollup(name: str, span: str, per_answer: bool) -> Table:
    answer = ("question", "answer") if per_answer else ()
    key = (*_SPANS[span], "device", "site", "survey", *answer, "flagged")
    return Table(name, (*key, "n"), key)


_RESPONSE_COLUMNS = ("id", "device", "seq", "site", "survey", "lang", "at", "clock", "answers",
                     "flags", "received_at")  # fmt: skip
_DEVICE_COLUMNS = ("device", "site", "first_seen", "last_seen", "highest_seq", "received",
                   "state", "status_at", "backlog", "version", "quarantine_dropped",
                   "config_applied", "config_refused", "config_reason")  # fmt: skip
_ALERT_COLUMNS = ("rule", "subject", "opened_at", "resolved_at", "detail", "opened_sent",
                  "resolved_sent")  # fmt: skip
_DELIVERY_COLUMNS = ("key", "created_at", "claimed_by", "claimed_until", "sent_at", "attempts",
                     "next_try", "error")  # fmt: skip
TABLES: tuple[Table, ...] = (
    Table("responses", _RESPONSE_COLUMNS, ("id",)),
    Table("devices", _DEVICE_COLUMNS, ("device",)),
    Table("device_epochs", ("device", "epoch", "base", "started_at"), ("device", "epoch")),
    # The quarantine's id is the store's own: a copy numbers its rows anew, in order.
    Table("quarantine", ("received_at", "topic", "device", "size", "payload", "reason"), ("id",)),
    Table("days", ("day", "week", "month", "tertial", "year"), ("day",)),
    _rollup("rollups", "day", True),
    _rollup("response_rollups", "day", False),
    _rollup("month_rollups", "month", True),
    _rollup("month_responses", "month", False),
    _rollup("hour_rollups", "hour", True),
    _rollup("hour_responses", "hour", False),
    Table("users", ("name", "hash", "role", "created_at"), ("name",)),
    Table("logins", ("hash", "user", "expires_at", "last_used"), ("hash",)),
    Table("tokens", ("name", "hash", "created_at"), ("name",)),
    # Central configuration: a change's id is its version, so it is copied as it is.
    Table("config_changes", ("id", "at", "who", "scope", "body"), ("id",)),
    Table("central_configs", ("scope", "body", "version"), ("scope",)),
    Table("config_sent", ("device", "version", "digest", "sent_at"), ("device",)),
    # Alert episodes: numbered anew by a copy, in order, as the quarantine is.
    Table("alerts", _ALERT_COLUMNS, ("id",)),
    Table("deliveries", _DELIVERY_COLUMNS, ("key",)),
    Table("backlog_samples", ("device", "at", "backlog"), ("device", "at")),
)
#: Tables of one backend only, which a copy leaves out: its migration bookkeeping.
OWN_TABLES = {"backfills", "_sqlite_migrations", "schema_migrations"}


def copy_store(
    source: Store, target: Store, said: Callable[[str, int], None] = lambda table, n: None
) -> dict[str, int]:
    """Copy every table of ``source`` into ``target``, which must be empty, in one
    transaction of the target: a copy that fails leaves it empty. The rows copied per
    table; ``said(table, n)`` hears of each table as it is done."""
    return target.import_tables(((table, source.export_table(table)) for table in TABLES), said)
