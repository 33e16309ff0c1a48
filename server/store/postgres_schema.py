"""The PostgreSQL store's schema, as named migrations applied once, in order.

The same scheme as the SQLite store's (:mod:`.migrations`): a migration has a name,
is applied in one transaction, and its name is recorded (here in
``schema_migrations``). PostgreSQL's history starts at the schema SQLite reached with
``m008_logins``, so ``m001_schema`` creates those tables at once; each later change
gets a migration in both modules under the same name. We keep our own few lines
rather than Alembic: the schema is small, its SQL is plain, and the SQLite history
already lives in sqlite-utils' migrations table.
"""

from __future__ import annotations

from nojd.server.store.base import Transaction

#: Any number that no other nojd code uses: the lock that lets one process migrate.
MIGRATION_LOCK = 7_470_301

_ROLLUP_TABLES = [
    ("rollups", "day TEXT NOT NULL", "day", True),
    ("response_rollups", "day TEXT NOT NULL", "day", False),
    ("month_rollups", "month TEXT NOT NULL", "month", True),
    ("month_responses", "month TEXT NOT NULL", "month", False),
    (
        "hour_rollups",
        "month TEXT NOT NULL, weekday INTEGER NOT NULL, hour INTEGER NOT NULL",
        "month, weekday, hour",
        True,
    ),
    (
        "hour_responses",
        "month TEXT NOT NULL, weekday INTEGER NOT NULL, hour INTEGER NOT NULL",
        "month, weekday, hour",
        False,
    ),
]


def _rollup(table: str, span: str, key: str, per_answer: bool) -> str:
    answer = "question TEXT NOT NULL, answer TEXT NOT NULL, " if per_answer else ""
    answer_key = "question, answer, " if per_answer else ""
    return f"""CREATE TABLE {table} ({span}, device TEXT NOT NULL, site TEXT NOT NULL,
        survey TEXT NOT NULL, {answer}flagged INTEGER NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY ({key}, device, site, survey, {answer_key}flagged))"""


M001_SCHEMA = [
    """CREATE TABLE responses (id TEXT PRIMARY KEY, device TEXT NOT NULL, seq BIGINT NOT NULL,
        site TEXT NOT NULL, survey TEXT NOT NULL, lang TEXT NOT NULL, at TEXT NOT NULL,
        clock TEXT NOT NULL, answers TEXT NOT NULL, flags TEXT NOT NULL,
        received_at TEXT NOT NULL, UNIQUE (device, seq))""",
    """CREATE TABLE devices (device TEXT PRIMARY KEY, site TEXT, first_seen TEXT,
        last_seen TEXT, highest_seq BIGINT NOT NULL DEFAULT 0,
        received BIGINT NOT NULL DEFAULT 0, state TEXT, status_at TEXT, backlog BIGINT,
        version TEXT)""",
    """CREATE TABLE quarantine (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        received_at TEXT NOT NULL, topic TEXT NOT NULL, device TEXT, size BIGINT NOT NULL,
        payload BYTEA NOT NULL, reason TEXT NOT NULL)""",
    """CREATE TABLE days (day TEXT PRIMARY KEY, week TEXT NOT NULL, month TEXT NOT NULL,
        tertial TEXT NOT NULL, year TEXT NOT NULL)""",
    *(_rollup(*table) for table in _ROLLUP_TABLES),
    *(
        f"CREATE INDEX {table}_device ON {table} (device, {key.split(',')[0]})"
        for table, _, key, _ in _ROLLUP_TABLES
    ),
    """CREATE TABLE users (name TEXT PRIMARY KEY, hash TEXT NOT NULL, role TEXT NOT NULL,
        created_at TEXT NOT NULL)""",
    """CREATE TABLE logins (hash TEXT PRIMARY KEY, "user" TEXT NOT NULL,
        expires_at TEXT NOT NULL)""",
    """CREATE TABLE tokens (name TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL)""",
]

M009_QUARANTINE_BOUNDS = [
    "CREATE INDEX quarantine_device ON quarantine (device, id)",
    "CREATE INDEX quarantine_received ON quarantine (received_at)",
    "ALTER TABLE devices ADD COLUMN quarantine_dropped BIGINT NOT NULL DEFAULT 0",
]

M010_DEVICE_EPOCHS = [
    """CREATE TABLE device_epochs (device TEXT NOT NULL, epoch BIGINT NOT NULL,
        base BIGINT NOT NULL, started_at TEXT NOT NULL, PRIMARY KEY (device, epoch))""",
]

M011_LOGIN_IDLE = ["ALTER TABLE logins ADD COLUMN last_used TEXT"]

M012_CENTRAL_CONFIG = [
    """CREATE TABLE config_changes (id BIGINT PRIMARY KEY, at TEXT NOT NULL,
        who TEXT NOT NULL, scope TEXT NOT NULL, body TEXT)""",
    "CREATE TABLE central_configs (scope TEXT PRIMARY KEY, body TEXT, version BIGINT NOT NULL)",
    """CREATE TABLE config_sent (device TEXT PRIMARY KEY, version BIGINT NOT NULL,
        digest TEXT NOT NULL, sent_at TEXT NOT NULL)""",
    "ALTER TABLE devices ADD COLUMN config_applied BIGINT",
    "ALTER TABLE devices ADD COLUMN config_refused BIGINT",
    "ALTER TABLE devices ADD COLUMN config_reason TEXT",
]

M013_RESPONSES_BY_TIME = ["CREATE INDEX responses_at ON responses (at)"]

M014_ALERTS = [
    """CREATE TABLE alerts (id BIGSERIAL PRIMARY KEY, rule TEXT NOT NULL,
        subject TEXT NOT NULL, opened_at TEXT NOT NULL, resolved_at TEXT,
        detail TEXT NOT NULL, opened_sent BIGINT NOT NULL DEFAULT 0,
        resolved_sent BIGINT NOT NULL DEFAULT 0)""",
    "CREATE UNIQUE INDEX alerts_open ON alerts (rule, subject) WHERE resolved_at IS NULL",
]

M015_DELIVERIES = [
    """CREATE TABLE deliveries (key TEXT PRIMARY KEY, created_at TEXT NOT NULL,
        claimed_by TEXT, claimed_until TEXT, sent_at TEXT,
        attempts BIGINT NOT NULL DEFAULT 0, next_try TEXT, error TEXT)""",
    """CREATE TABLE backlog_samples (device TEXT NOT NULL, at TEXT NOT NULL,
        backlog BIGINT NOT NULL, PRIMARY KEY (device, at))""",
]

MIGRATIONS: list[tuple[str, list[str]]] = [
    ("m001_schema", M001_SCHEMA),
    ("m009_quarantine_bounds", M009_QUARANTINE_BOUNDS),
    ("m010_device_epochs", M010_DEVICE_EPOCHS),
    ("m011_login_idle", M011_LOGIN_IDLE),
    ("m012_central_config", M012_CENTRAL_CONFIG),
    ("m013_responses_by_time", M013_RESPONSES_BY_TIME),
    ("m014_alerts", M014_ALERTS),
    ("m015_deliveries", M015_DELIVERIES),
]


def migrate(transaction: Transaction) -> list[str]:
    """Apply the migrations not yet recorded; the names applied now. Several processes
    opening the store at once wait for each other on an advisory lock."""
    transaction.execute("SELECT pg_advisory_xact_lock(?)", [MIGRATION_LOCK])
    transaction.execute(
        """CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY,
           applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"""
    )
    done = {row[0] for row in transaction.execute("SELECT name FROM schema_migrations").fetchall()}
    applied = []
    for name, statements in MIGRATIONS:
        if name in done:
            continue
        for statement in statements:
            transaction.execute(statement)
        transaction.execute("INSERT INTO schema_migrations (name) VALUES (?)", [name])
        applied.append(name)
    return applied
