"""The tests' PostgreSQL is real, our own, and gives each test an empty database."""

import psycopg


def one(db: psycopg.Connection, sql: str) -> object:
    row = db.execute(sql).fetchone()
    assert row is not None
    return row[0]


def test_a_fresh_database_on_our_own_server(postgres):
    first, second = postgres.database(), postgres.database()
    assert first != second
    with psycopg.connect(first) as db:
        version = str(one(db, "SHOW server_version"))
        port = int(str(one(db, "SHOW port")))
        tables = one(
            db, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        )
    assert int(version.split(".")[0]) >= 15
    assert port == postgres.port != 5432  # not the machine's system instance
    assert tables == 0
    assert (postgres.folder / "data" / "PG_VERSION").exists()
