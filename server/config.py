"""The server's configuration, from a TOML file (``firmware_config/server.example.toml``)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nojd.mqtt import BrokerSettings, parse_broker_url, settings_from_table
from nojd.survey import Survey, default_survey, load_survey
from nojd.survey.message import PREFIX
from nojd.tomlconfig import Table, number, text, whole


@dataclass(frozen=True)
class IngestConfig:
    """How ingest batches its commits."""

    batch_size: int = 500
    batch_wait: float = 0.05
    group: str = "nojd-ingest"


@dataclass(frozen=True)
class ServerConfig:
    """Everything the server needs to know."""

    db: str = "sqlite:///var/lib/nojd/server.sqlite"
    timezone: str = "Europe/Stockholm"
    prefix: str = PREFIX
    survey_files: tuple[Path, ...] = ()
    broker: BrokerSettings = field(default_factory=lambda: BrokerSettings("mqtt://127.0.0.1:1883"))
    ingest: IngestConfig = field(default_factory=IngestConfig)

    @property
    def zone(self) -> ZoneInfo:
        """The time zone of days, weeks and months."""
        return ZoneInfo(self.timezone)

    def surveys(self) -> dict[str, Survey]:
        """Every survey the server accepts: the shipped one and the configured files."""
        found = [default_survey(), *(load_survey(path) for path in self.survey_files)]
        return {survey.id: survey for survey in found}

    def with_overrides(self, broker: str | None = None, db: str | None = None) -> ServerConfig:
        """The config with command-line flags applied and checked."""
        if broker is not None:
            parse_broker_url(broker)
        return replace(
            self,
            broker=self.broker if broker is None else replace(self.broker, url=broker),
            db=self.db if db is None else db,
        )


def load_server_config(path: str | Path | None) -> ServerConfig:
    """Read and check a server config; ``None`` gives the defaults."""
    if path is None:
        return ServerConfig()
    top = Table.load(path, "server config")
    top.only("db", "timezone", "prefix", "surveys", "broker", "ingest", "listen", "organisation")
    zone = top.get("timezone", "Europe/Stockholm", text, "a time zone like 'Europe/Stockholm'")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise top.fail("timezone", f"{zone!r} is not a known time zone") from None
    return ServerConfig(
        db=top.get("db", ServerConfig.db, text, "a database URL like sqlite:///path"),
        timezone=zone,
        prefix=top.get("prefix", PREFIX, text, "a topic prefix like 'nojd/v1'"),
        survey_files=tuple(
            Path(p) for p in top.get("surveys", [], _paths, "a list of survey files")
        ),
        broker=settings_from_table(top.table("broker"), "mqtt://127.0.0.1:1883"),
        ingest=_ingest(top.table("ingest")),
    )


def _paths(value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError(value)
    return value


def _ingest(table: Table) -> IngestConfig:
    table.only("batch_size", "batch_wait", "group")
    return IngestConfig(
        batch_size=table.get("batch_size", 500, whole(1, 100_000), "a whole number 1..100000"),
        batch_wait=table.get("batch_wait", 0.05, number(0, 10), "seconds 0..10"),
        group=table.get("group", "nojd-ingest", text, "a shared subscription group name"),
    )
