"""The server store's schema as named migrations, applied once and recorded in the
database (``_sqlite_migrations``, set ``nojd-server-store``).

A migration is never edited once released: a change of schema is a new one at the end,
so that every existing database reaches the same schema.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from nojd.survey.periods import period_keys

migrations = Migrations("nojd-server-store")


@migrations()
def m001_store(db: Database) -> None:
    db.execute(
        """CREATE TABLE responses (
            id TEXT PRIMARY KEY,
            device TEXT NOT NULL,
            seq INTEGER NOT NULL,
            site TEXT NOT NULL,
            survey TEXT NOT NULL,
            lang TEXT NOT NULL,
            at TEXT NOT NULL,
            clock TEXT NOT NULL,
            answers TEXT NOT NULL,
            flags TEXT NOT NULL,
            received_at TEXT NOT NULL,
            UNIQUE (device, seq)
        )"""
    )
    db.execute(
        """CREATE TABLE rollups (
            day TEXT NOT NULL,
            device TEXT NOT NULL,
            site TEXT NOT NULL,
            survey TEXT NOT NULL,
            question TEXT NOT NULL,
            answer TEXT NOT NULL,
            flagged INTEGER NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (day, device, site, survey, question, answer, flagged)
        )"""
    )
    db.execute(
        """CREATE TABLE devices (
            device TEXT PRIMARY KEY,
            site TEXT,
            first_seen TEXT,
            last_seen TEXT,
            highest_seq INTEGER NOT NULL DEFAULT 0,
            received INTEGER NOT NULL DEFAULT 0,
            state TEXT,
            status_at TEXT,
            backlog INTEGER,
            version TEXT
        )"""
    )
    db.execute(
        """CREATE TABLE quarantine (
            id INTEGER PRIMARY KEY,
            received_at TEXT NOT NULL,
            topic TEXT NOT NULL,
            device TEXT,
            size INTEGER NOT NULL,
            payload BLOB NOT NULL,
            reason TEXT NOT NULL
        )"""
    )


@migrations()
def m002_periods(db: Database) -> None:
    # Every local day seen, with the ISO week, month, tertial and year it belongs to,
    # so that figures group by period in SQL; and responses per day (not answers).
    db.execute(
        """CREATE TABLE days (day TEXT PRIMARY KEY, week TEXT NOT NULL, month TEXT NOT NULL,
           tertial TEXT NOT NULL, year TEXT NOT NULL)"""
    )
    for (day,) in db.execute("SELECT DISTINCT day FROM rollups").fetchall():
        db.execute("INSERT INTO days VALUES (?, ?, ?, ?, ?)", period_keys(day))
    db.execute(
        """CREATE TABLE response_rollups (
            day TEXT NOT NULL, device TEXT NOT NULL, site TEXT NOT NULL, survey TEXT NOT NULL,
            flagged INTEGER NOT NULL, n INTEGER NOT NULL,
            PRIMARY KEY (day, device, site, survey, flagged)
        )"""
    )


@migrations()
def m003_tokens(db: Database) -> None:
    # API bearer tokens, stored only as SHA-256 of a random secret.
    db.execute(
        """CREATE TABLE tokens (name TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE,
           created_at TEXT NOT NULL)"""
    )


@migrations()
def m004_months(db: Database) -> None:
    # The same counts per local month: a year by month reads about 14,000 rows
    # instead of 400,000 days' worth.
    db.execute(
        """CREATE TABLE month_rollups (
            month TEXT NOT NULL, device TEXT NOT NULL, site TEXT NOT NULL, survey TEXT NOT NULL,
            question TEXT NOT NULL, answer TEXT NOT NULL, flagged INTEGER NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (month, device, site, survey, question, answer, flagged)
        )"""
    )
    db.execute(
        """INSERT INTO month_rollups SELECT substr(day, 1, 7), device, site, survey, question,
           answer, flagged, sum(n) FROM rollups GROUP BY 1, 2, 3, 4, 5, 6, 7"""
    )
    db.execute(
        """CREATE TABLE month_responses (
            month TEXT NOT NULL, device TEXT NOT NULL, site TEXT NOT NULL, survey TEXT NOT NULL,
            flagged INTEGER NOT NULL, n INTEGER NOT NULL,
            PRIMARY KEY (month, device, site, survey, flagged)
        )"""
    )
    db.execute(
        """INSERT INTO month_responses SELECT substr(day, 1, 7), device, site, survey, flagged,
           sum(n) FROM response_rollups GROUP BY 1, 2, 3, 4, 5"""
    )


@migrations()
def m005_device_indexes(db: Database) -> None:
    # One terminal's figures read its own rows, not every terminal's.
    db.execute("CREATE INDEX rollups_device ON rollups (device, day)")
    db.execute("CREATE INDEX response_rollups_device ON response_rollups (device, day)")
    db.execute("CREATE INDEX month_rollups_device ON month_rollups (device, month)")
    db.execute("CREATE INDEX month_responses_device ON month_responses (device, month)")


@migrations()
def m006_users(db: Database) -> None:
    # Dashboard users (salted scrypt hashes) and their logins (SHA-256 of the cookie),
    # in a table first named after web sessions: m008_logins renames it.
    db.execute(
        """CREATE TABLE users (name TEXT PRIMARY KEY, hash TEXT NOT NULL, role TEXT NOT NULL,
           created_at TEXT NOT NULL)"""
    )
    db.execute(
        """CREATE TABLE sessions (hash TEXT PRIMARY KEY, user TEXT NOT NULL,
           expires_at TEXT NOT NULL)"""
    )


@migrations()
def m007_hours(db: Database) -> None:
    # Counts per local month × weekday × hour, for the heatmap of when service drops.
    # Filling them from stored responses needs the server's time zone: the store does it
    # when it opens (``backfills``).
    db.execute(
        """CREATE TABLE hour_rollups (
            month TEXT NOT NULL, weekday INTEGER NOT NULL, hour INTEGER NOT NULL,
            device TEXT NOT NULL, site TEXT NOT NULL, survey TEXT NOT NULL,
            question TEXT NOT NULL, answer TEXT NOT NULL, flagged INTEGER NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (month, weekday, hour, device, site, survey, question, answer, flagged)
        )"""
    )
    db.execute(
        """CREATE TABLE hour_responses (
            month TEXT NOT NULL, weekday INTEGER NOT NULL, hour INTEGER NOT NULL,
            device TEXT NOT NULL, site TEXT NOT NULL, survey TEXT NOT NULL,
            flagged INTEGER NOT NULL, n INTEGER NOT NULL,
            PRIMARY KEY (month, weekday, hour, device, site, survey, flagged)
        )"""
    )
    db.execute("CREATE TABLE backfills (name TEXT PRIMARY KEY)")
    db.execute("INSERT INTO backfills VALUES ('hours')")


@migrations()
def m008_logins(db: Database) -> None:
    # "Session" is a visitor's way through the survey, on the kiosk; a dashboard sign-in
    # is a login.  The cookie was renamed with it (nojd_session -> nojd_login), so a
    # browser logs in once more after the upgrade; the old rows expire within LOGIN_HOURS.
    db.execute("ALTER TABLE sessions RENAME TO logins")


@migrations()
def m009_quarantine_bounds(db: Database) -> None:
    # A bounded quarantine: read per terminal and expired by age through indexes, and
    # what its cap pushed out counted per terminal.
    db.execute("CREATE INDEX quarantine_device ON quarantine (device, id)")
    db.execute("CREATE INDEX quarantine_received ON quarantine (received_at)")
    db.execute("ALTER TABLE devices ADD COLUMN quarantine_dropped INTEGER NOT NULL DEFAULT 0")


@migrations()
def m010_device_epochs(db: Database) -> None:
    # A terminal replaced with `nojd device add --replace` counts from seq 1 again in a new
    # epoch; its seqs are stored after the old terminal's highest (``base``).
    db.execute(
        """CREATE TABLE device_epochs (device TEXT NOT NULL, epoch INTEGER NOT NULL,
           base INTEGER NOT NULL, started_at TEXT NOT NULL, PRIMARY KEY (device, epoch))"""
    )


@migrations()
def m011_login_idle(db: Database) -> None:
    # A login also ends after a while without a page (the config's idle_minutes).
    db.execute("ALTER TABLE logins ADD COLUMN last_used TEXT")


@migrations()
def m012_central_config(db: Database) -> None:
    # Central configuration (server/central.py): every change (its id is the version),
    # the current config per scope, what was last sent to each terminal, and what each
    # terminal reports it applied or refused.
    db.execute(
        """CREATE TABLE config_changes (id INTEGER PRIMARY KEY, at TEXT NOT NULL,
           who TEXT NOT NULL, scope TEXT NOT NULL, body TEXT)"""
    )
    db.execute(
        "CREATE TABLE central_configs (scope TEXT PRIMARY KEY, body TEXT, version INTEGER NOT NULL)"
    )
    db.execute(
        """CREATE TABLE config_sent (device TEXT PRIMARY KEY, version INTEGER NOT NULL,
           digest TEXT NOT NULL, sent_at TEXT NOT NULL)"""
    )
    for column in ("config_applied INTEGER", "config_refused INTEGER", "config_reason TEXT"):
        db.execute(f"ALTER TABLE devices ADD COLUMN {column}")


@migrations()
def m013_responses_by_time(db: Database) -> None:
    # Data quality reads the responses themselves (partial visits, answered hours) for a
    # range of time: an index keeps that from scanning every response ever stored.
    db.execute("CREATE INDEX responses_at ON responses (at)")


@migrations()
def m014_alerts(db: Database) -> None:
    # Alert episodes (server/store/sql_alerts.py): at most one open per rule and subject,
    # and each message claimed by one process.
    db.execute(
        """CREATE TABLE alerts (id INTEGER PRIMARY KEY, rule TEXT NOT NULL,
           subject TEXT NOT NULL, opened_at TEXT NOT NULL, resolved_at TEXT,
           detail TEXT NOT NULL, opened_sent INTEGER NOT NULL DEFAULT 0,
           resolved_sent INTEGER NOT NULL DEFAULT 0)"""
    )
    db.execute(
        "CREATE UNIQUE INDEX alerts_open ON alerts (rule, subject) WHERE resolved_at IS NULL"
    )


@migrations()
def m015_deliveries(db: Database) -> None:
    # Messages the server sends (alerts by mail and webhook, scheduled reports), each
    # claimed by one process for a while and marked when sent (server/store/sql_deliveries.py);
    # and the backlog every status reports, for the rule that watches it grow.
    db.execute(
        """CREATE TABLE deliveries (key TEXT PRIMARY KEY, created_at TEXT NOT NULL,
           claimed_by TEXT, claimed_until TEXT, sent_at TEXT,
           attempts INTEGER NOT NULL DEFAULT 0, next_try TEXT, error TEXT)"""
    )
    db.execute(
        """CREATE TABLE backlog_samples (device TEXT NOT NULL, at TEXT NOT NULL,
           backlog INTEGER NOT NULL, PRIMARY KEY (device, at))"""
    )
