"""The server's configuration, from a TOML file (``firmware_config/server.example.toml``)."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nojd.errors import ConfigError
from nojd.mqtt import BrokerSettings, parse_broker_url, settings_from_table
from nojd.server.alertrules import AlertsConfig, parse_alerts
from nojd.server.mailer import MailConfig, parse_mail
from nojd.server.plausibility import FUTURE_HOURS, PAST_DAYS
from nojd.server.reportschedule import ScheduledReport, parse_scheduled
from nojd.survey import Survey, default_survey, load_survey
from nojd.survey.topics import PREFIX
from nojd.tomlconfig import Table, number, text, whole


@dataclass(frozen=True)
class IngestConfig:
    """How ingest batches its commits."""

    batch_size: int = 500
    batch_wait: float = 0.05
    group: str = "nojd-ingest"
    #: The plausible times of an answer (:mod:`nojd.server.plausibility`): this far
    #: before it arrives, and after.
    past_days: int = PAST_DAYS
    future_hours: int = FUTURE_HOURS


@dataclass(frozen=True)
class DashboardConfig:
    """How long a dashboard login lasts: at most ``login_hours``, and ends after
    ``idle_minutes`` without a page."""

    login_hours: int = 12
    idle_minutes: int = 60


@dataclass(frozen=True)
class Site:
    """A site (desk, office) with its unit, display name, devices and target overrides."""

    id: str
    name: str
    unit: str = ""
    devices: tuple[str, ...] = ()
    targets: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Organisation:
    """Which device stands at which site, and which unit each site belongs to."""

    sites: dict[str, Site] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    #: The organisation's own name, for the servicerapport's cover ("Exempelstads kommun").
    title: str = ""

    def site_of(self, device: str, claimed: str) -> str:
        """The configured site of a device, or else the site its messages claim."""
        for site in self.sites.values():
            if device in site.devices:
                return site.id
        return claimed

    def unit_of(self, site: str) -> str:
        """The unit of a site; a site without one is its own unit."""
        found = self.sites.get(site)
        return found.unit if found and found.unit else site

    def name(self, by: str, key: str) -> str:
        """A display name for a group key."""
        if by == "site" and key in self.sites:
            return self.sites[key].name
        if by == "unit" and key in self.units:
            return self.units[key]
        return key


@functools.cache
def _survey_tables(files: tuple[Path, ...]) -> dict[str, dict[str, Any]]:
    shipped = resources.files("nojd.survey") / "surveys" / "service.toml"
    found = [tomllib.loads(shipped.read_text(encoding="utf-8"))]
    for path in files:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"surveys: {str(path)!r} cannot be read ({exc})") from None
        if not isinstance(data.get("id"), str):
            raise ConfigError(f"surveys: {str(path)!r} has no survey id")
        found.append(data)
    return {str(data["id"]): data for data in found}


@dataclass(frozen=True)
class ServerConfig:
    """Everything the server needs to know."""

    db: str = "sqlite:///var/lib/nojd/server.sqlite"
    timezone: str = "Europe/Stockholm"
    prefix: str = PREFIX
    survey_files: tuple[Path, ...] = ()
    broker: BrokerSettings = field(default_factory=lambda: BrokerSettings("mqtt://127.0.0.1:1883"))
    ingest: IngestConfig = field(default_factory=IngestConfig)
    dashboard: DashboardConfig = field(default_factory=DashboardConfig)
    organisation: Organisation = field(default_factory=Organisation)
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    #: The SMTP server alerts and scheduled reports are mailed through; None: no mail.
    mail: MailConfig | None = None
    scheduled_reports: tuple[ScheduledReport, ...] = ()

    @property
    def zone(self) -> ZoneInfo:
        """The time zone of days, weeks and months."""
        return ZoneInfo(self.timezone)

    def surveys(self) -> dict[str, Survey]:
        """Every survey the server accepts: the shipped one and the configured files."""
        found = [default_survey(), *(load_survey(path) for path in self.survey_files)]
        return {survey.id: survey for survey in found}

    def survey_tables(self) -> dict[str, dict[str, Any]]:
        """Every survey the server accepts as the data of its TOML file, by id: what a
        central configuration sends a terminal whole, texts and all. Read once per process,
        as :meth:`surveys` is when the server starts: a survey file edited later reaches
        the terminals, and ingest, only when the server starts again."""
        return _survey_tables(self.survey_files)

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
    top.only(
        "db", "timezone", "prefix", "surveys", "broker", "ingest", "dashboard", "listen",
        "organisation", "alerts", "mail", "scheduled_reports",
    )  # fmt: skip
    zone = top.get("timezone", "Europe/Stockholm", text, "a time zone like 'Europe/Stockholm'")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise top.fail("timezone", f"{zone!r} is not a known time zone") from None
    alerts = parse_alerts(top.table("alerts"))
    mail = parse_mail(top.table("mail"))
    scheduled = parse_scheduled(top)
    if mail is None and (alerts.email_to or scheduled):
        name = "alerts.email_to" if alerts.email_to else "scheduled_reports"
        raise top.fail(name, "mail needs a [mail] table with the SMTP server to send it")
    return ServerConfig(
        db=top.get("db", ServerConfig.db, text, "a database URL like sqlite:///path"),
        timezone=zone,
        prefix=top.get("prefix", PREFIX, text, "a topic prefix like 'nojd/v1'"),
        survey_files=tuple(
            Path(p) for p in top.get("surveys", [], _paths, "a list of survey files")
        ),
        broker=settings_from_table(top.table("broker"), "mqtt://127.0.0.1:1883"),
        ingest=_ingest(top.table("ingest")),
        dashboard=_dashboard(top.table("dashboard")),
        organisation=_organisation(top.table("organisation")),
        alerts=alerts,
        mail=mail,
        scheduled_reports=scheduled,
    )


def _organisation(table: Table) -> Organisation:
    table.only("name", "sites", "units")
    title = table.get("name", "", _name, "the organisation's name, at most 120 characters")
    sites = {}
    for index, item in enumerate(
        table.get("sites", [], _tables, "a list of [[organisation.sites]]")
    ):
        site = Table(item, table.label, f"organisation.sites[{index}]")
        site.only("id", "name", "unit", "devices", "targets")
        site_id = site.require("id", text, "a site id like 'kontaktcenter'")
        targets = site.get("targets", {}, _targets, "a table of question = percent")
        sites[site_id] = Site(
            id=site_id,
            name=site.get(
                "name", site_id, _name, "a display name of at most 120 printable characters"
            ),
            unit=site.get("unit", "", text, "a unit id"),
            devices=tuple(site.get("devices", [], _paths, "a list of device ids")),
            targets=targets,
        )
    units = {}
    for index, item in enumerate(
        table.get("units", [], _tables, "a list of [[organisation.units]]")
    ):
        unit = Table(item, table.label, f"organisation.units[{index}]")
        unit.only("id", "name")
        unit_id = unit.require("id", text, "a unit id")
        units[unit_id] = unit.get(
            "name", unit_id, _name, "a display name of at most 120 printable characters"
        )
    return Organisation(sites, units, title)


def _name(value: object) -> str:
    """A name shown to people (in a mail's subject too): printable, no line breaks."""
    if not isinstance(value, str) or len(value) > 120 or not value.isprintable():
        raise TypeError(value)
    return value.strip()


def _tables(value: object) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise TypeError(value)
    return value


def _targets(value: object) -> dict[str, float]:
    if not isinstance(value, dict):
        raise TypeError(value)
    # 85 is 85, not 85.0: a whole target is an integer in every report, as the survey's are
    checked = {str(key): number(0, 100)(target) for key, target in value.items()}
    return {key: int(t) if float(t).is_integer() else t for key, t in checked.items()}


def _paths(value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError(value)
    return value


def _dashboard(table: Table) -> DashboardConfig:
    table.only("login_hours", "idle_minutes")
    return DashboardConfig(
        login_hours=table.get("login_hours", 12, whole(1, 24 * 30), "hours, 1..720"),
        idle_minutes=table.get("idle_minutes", 60, whole(1, 24 * 60), "minutes, 1..1440"),
    )


def _ingest(table: Table) -> IngestConfig:
    table.only("batch_size", "batch_wait", "group", "past_days", "future_hours")
    return IngestConfig(
        batch_size=table.get("batch_size", 500, whole(1, 100_000), "a whole number 1..100000"),
        batch_wait=table.get("batch_wait", 0.05, number(0, 10), "seconds 0..10"),
        group=table.get("group", "nojd-ingest", text, "a shared subscription group name"),
        past_days=table.get(
            "past_days", PAST_DAYS, whole(1, 36_500), "a whole number of days 1..36500"
        ),
        future_hours=table.get(
            "future_hours", FUTURE_HOURS, whole(0, 87_600), "a whole number of hours 0..87600"
        ),
    )
