"""The ``nojd server`` subcommands: run (see :mod:`nojd.server.runtime`), ingest, users, tokens."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from nojd.errors import ConfigError
from nojd.server.config import ServerConfig, load_server_config
from nojd.signals import stop_on
from nojd.survey import default_survey
from nojd.survey.translations import DEFAULT_LANGUAGE, full_languages
from nojd.systemd import configure_logging

if TYPE_CHECKING:  # the server's store is imported only when a command needs it
    from nojd.server.store import Store


#: Where ``setup.sh server`` puts the server's config: the commands that work on a
#: running server's store read it when no ``--config`` is given.
INSTALLED_CONFIG = Path("/etc/nojd/server.toml")


CONFIG_HELP = f"server TOML config (default: {INSTALLED_CONFIG} if it exists)"


def add_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Add ``nojd server …`` to the ``nojd`` parser."""
    server = commands.add_parser(
        "server", help="the server: ingest and store", description="Run the server's parts."
    )
    actions = server.add_subparsers(title="actions", metavar="ACTION", required=True)
    run = actions.add_parser(
        "run",
        help="run the server: ingest and the HTTP API",
        description=(
            "Run the server: ingest from the broker into the store (ack after commit) and "
            "serve the HTTP API (/healthz, /api/v1/figures, /api/v1/heatmap, /api/v1/devices) "
            "and the dashboard."
        ),
    )
    _common(run)
    run.add_argument(
        "--listen", default="127.0.0.1:8080", help="HOST:PORT (default 127.0.0.1:8080)"
    )
    run.set_defaults(handler=_run)
    ingest = actions.add_parser(
        "ingest",
        help="one extra ingest worker",
        description=(
            "Run one ingest worker; several share the load through the shared subscription "
            "$share/nojd-ingest/nojd/v1/+/response."
        ),
    )
    _common(ingest)
    ingest.add_argument("--client-id", help="MQTT client id (default: nojd-ingest-HOST-PID)")
    ingest.set_defaults(handler=_ingest)
    user = actions.add_parser(
        "user", help="dashboard users", description="Manage the dashboard's users."
    )
    user_actions = user.add_subparsers(title="actions", metavar="ACTION", required=True)
    add_user = user_actions.add_parser(
        "add",
        help="add a dashboard user, or set a user's password",
        description=(
            "Add a dashboard user (asks for the password twice, or reads one line from stdin); "
            "an existing user gets the new password and role."
        ),
    )
    add_user.add_argument("name")
    add_user.add_argument("--role", default="admin", choices=("admin", "read-only"))
    add_user.add_argument("--config", type=Path, help=CONFIG_HELP)
    add_user.add_argument("--db", help="database URL (default: the config's)")
    add_user.set_defaults(handler=_user_add)
    passwd = user_actions.add_parser(
        "passwd",
        help="set an existing user's password (their logins end)",
        description=(
            "Set the password of an existing dashboard user, keeping their role (asks twice, "
            "or reads one line from stdin). Every login of the user ends."
        ),
    )
    passwd.add_argument("name")
    passwd.add_argument("--config", type=Path, help=CONFIG_HELP)
    passwd.add_argument("--db", help="database URL (default: the config's)")
    passwd.set_defaults(handler=_user_passwd)
    remove = user_actions.add_parser(
        "remove",
        help="remove a dashboard user (their logins end)",
        description="Remove a dashboard user; every login of the user ends at once.",
    )
    remove.add_argument("name")
    remove.add_argument("--config", type=Path, help=CONFIG_HELP)
    remove.add_argument("--db", help="database URL (default: the config's)")
    remove.set_defaults(handler=_user_remove)
    list_users = user_actions.add_parser(
        "list", help="list dashboard users", description="Print each user's name and role."
    )
    list_users.add_argument("--config", type=Path, help=CONFIG_HELP)
    list_users.add_argument("--db", help="database URL (default: the config's)")
    list_users.set_defaults(handler=_user_list)
    token = actions.add_parser(
        "token", help="API bearer tokens", description="Manage API bearer tokens."
    )
    token_actions = token.add_subparsers(title="actions", metavar="ACTION", required=True)
    create = token_actions.add_parser(
        "create",
        help="make a token for the API (shown once)",
        description="Make a random API token, print it once and store only its hash.",
    )
    create.add_argument("name", help="who or what uses it, e.g. 'excel-rapport'")
    create.add_argument("--config", type=Path, help=CONFIG_HELP)
    create.add_argument("--db", help="database URL (default: the config's)")
    create.set_defaults(handler=_token_create)
    store = actions.add_parser(
        "store", help="the store as a whole", description="Work on the whole store."
    )
    store_actions = store.add_subparsers(title="actions", metavar="ACTION", required=True)
    copy = store_actions.add_parser(
        "copy",
        help="copy the whole store into another, empty one (SQLite to PostgreSQL)",
        description=(
            "Copy every response, rollup, device, quarantined message, user, login and token "
            "of the store (--db, default: the config's) into the empty store at --to, in one "
            "transaction of the target. Stop the server first: a copy does not see what "
            "arrives while it runs."
        ),
    )
    copy.add_argument("--to", required=True, metavar="URL", help="the target store's URL")
    copy.add_argument("--config", type=Path, help=CONFIG_HELP)
    copy.add_argument("--db", help="the source store's URL (default: the config's)")
    copy.set_defaults(handler=_store_copy)
    alerts = actions.add_parser(
        "alerts", help="the alerts' messages", description="Work with the alerts' messages."
    )
    alert_actions = alerts.add_subparsers(title="actions", metavar="ACTION", required=True)
    test = alert_actions.add_parser(
        "test",
        help="send a test message to every recipient of the alerts",
        description=(
            "Send a test message now to [alerts] email_to (through [mail]) and to each of "
            "[alerts] webhooks, and say for each whether it went. Exit 1 if one did not."
        ),
    )
    test.add_argument("--config", type=Path, help=CONFIG_HELP)
    test.set_defaults(handler=_alerts_test)


def _alerts_test(args: argparse.Namespace) -> int:
    from nojd.server.notify import try_channels

    args.db = None
    config = _installed_config(args)
    tried = try_channels(config)
    if not tried:
        raise ConfigError("alerts: the config names no recipients ([alerts] email_to or webhooks)")
    for _, line in tried:
        print(line)
    return 0 if all(went for went, _ in tried) else 1


def _user_list(args: argparse.Namespace) -> int:
    with _store(args) as store:
        for user in store.accounts.users():
            print(f"{user['name']}\t{user['role']}")
    return 0


def _new_password(name: str) -> str:
    import getpass

    if sys.stdin.isatty():
        password = getpass.getpass(f"Password for {name}: ")
        if getpass.getpass("Again: ") != password:
            raise ConfigError("password: the two entries differ")
        return password
    return sys.stdin.readline().rstrip("\n")


def _installed_config(args: argparse.Namespace) -> ServerConfig:
    """The config of ``--config``, else the installed server's, with ``--db`` applied."""
    path = args.config
    if path is None and INSTALLED_CONFIG.is_file():
        path = INSTALLED_CONFIG
    return load_server_config(path).with_overrides(db=args.db)


@contextmanager
def _store(args: argparse.Namespace, existing: bool = True) -> Iterator[Store]:
    """The store of ``--config`` / ``--db``, closed afterwards: with ``existing`` never a
    new, empty one."""
    from nojd.server.store import open_store

    config = _installed_config(args)
    store = open_store(config.db, config.zone, existing=existing)
    try:
        yield store
    finally:
        store.close()


def _not_a_user(name: str) -> ConfigError:
    return ConfigError(f"name: {name!r} is not a dashboard user (nojd server user list)")


def _user_add(args: argparse.Namespace) -> int:
    from nojd.server.accounts import add_user
    from nojd.server.store import shown_url

    password = _new_password(args.name)
    with _store(args, existing=False) as store:  # the first user of a new server
        add_user(store.accounts, args.name, password, args.role)
    print(f"user {args.name!r} ({args.role}) can log in to the dashboard of "
          f"{shown_url(_installed_config(args).db)}", file=sys.stderr)  # fmt: skip
    return 0


def _user_passwd(args: argparse.Namespace) -> int:
    from nojd.server.accounts import add_user

    with _store(args) as store:
        user = store.accounts.user(args.name)
        if user is None:
            raise _not_a_user(args.name)
        add_user(store.accounts, args.name, _new_password(args.name), user["role"])
    print(f"user {args.name!r} has a new password; their logins ended", file=sys.stderr)
    return 0


def _user_remove(args: argparse.Namespace) -> int:
    with _store(args) as store:
        if not store.accounts.remove_user(args.name):
            raise _not_a_user(args.name)
    print(f"user {args.name!r} removed; their logins ended", file=sys.stderr)
    return 0


def _token_create(args: argparse.Namespace) -> int:
    from nojd.server.accounts import create_token
    from nojd.server.store import shown_url

    with _store(args) as store:
        token = create_token(store.accounts, args.name)
    print(token)
    print(f"token {args.name!r} made in {shown_url(_installed_config(args).db)}; it is shown "
          "only this once", file=sys.stderr)  # fmt: skip
    return 0


def _store_copy(args: argparse.Namespace) -> int:
    from nojd.server.store import open_store, shown_url
    from nojd.server.store.tables import copy_store

    config = _installed_config(args)
    if args.to == config.db:
        raise ConfigError(f"to: {args.to!r} is the source store itself, expected another one")
    source = open_store(config.db, config.zone, existing=True)
    try:
        target = open_store(args.to, config.zone)
        try:
            copy_store(source, target, lambda table, n: print(f"{table}\t{n}"))
        finally:
            target.close()
    finally:
        source.close()
    print(f"copied the store into {shown_url(args.to)}", file=sys.stderr)
    return 0


def add_report_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Add ``nojd report`` to the ``nojd`` parser."""
    report = commands.add_parser(
        "report",
        help="key figures from the server's store as JSON, CSV, XLSX, Markdown, or PDF",
        description=(
            "Key figures per device, site, unit or all, per period, for local days FROM..TO "
            "(both included) or a --month, --tertial or --year, from the server's rollups; the "
            "same JSON as /api/v1/figures. --format pdf makes the servicerapport."
        ),
    )
    report.add_argument(
        "--config", type=Path,
        help=CONFIG_HELP,
    )  # fmt: skip
    report.add_argument("--db", help="database URL (default: the config's)")
    report.add_argument("--from", dest="first", type=_day, help="first day, YYYY-MM-DD")
    report.add_argument("--to", dest="last", type=_day, help="last day, YYYY-MM-DD")
    report.add_argument("--month", help="a whole month instead of --from/--to: 2026-11")
    report.add_argument("--tertial", help="a whole tertial: 2026-T3 (September–December)")
    report.add_argument("--year", help="a whole year: 2026")
    report.add_argument("--by", default="site", choices=("device", "site", "unit", "all"))
    report.add_argument(
        "--period", default="total", choices=("total", "day", "week", "month", "tertial", "year")
    )
    report.add_argument(
        "--format", default="json", choices=("json", "csv", "md", "xlsx", "pdf"),
        help="pdf: the servicerapport for the nämnd (cover, tables, bars, comparison, a page "
        "per unit, data quality, method); give -o FILE.pdf",
    )  # fmt: skip
    report.add_argument("--survey", help="survey id (default: the survey that ships with nojd)")
    report.add_argument(
        "--lang",
        default=DEFAULT_LANGUAGE,
        choices=full_languages(),
        help="language of CSV, md, xlsx and pdf",
    )
    report.add_argument(
        "--include-flagged", action="store_true", help="count rapid-repeat responses"
    )
    report.add_argument("--device", help="only this terminal")
    report.add_argument("--site", help="only this site")
    report.add_argument("--unit", help="only this unit")
    report.add_argument("-o", "--output", type=Path, help="write to FILE instead of stdout")
    report.set_defaults(handler=_report)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a day like 2026-01-31") from None


def _report(args: argparse.Namespace) -> int:
    from nojd.server import servicerapport
    from nojd.server.exports import to_csv, to_json, to_markdown, to_xlsx
    from nojd.server.figures import check_days, report
    from nojd.server.servicerapport import period_of
    from nojd.server.store import open_store

    chosen_period = period_of(args.month, args.tertial, args.year, args.first, args.last)
    args.first, args.last = chosen_period.first, chosen_period.last
    check_days(args.first, args.last)  # before any store is opened
    if args.format in ("xlsx", "pdf") and not args.output:
        raise ConfigError(f"format: {args.format} is a binary file; give -o FILE.{args.format}")
    config = _installed_config(args)
    surveys = config.surveys()
    chosen = args.survey or default_survey().id
    if chosen not in surveys:
        raise ConfigError(f"survey: {chosen!r} is not one of {', '.join(surveys)}")
    survey = surveys[chosen]
    store = open_store(config.db, config.zone, existing=True)
    try:
        if args.format == "pdf":
            values = servicerapport.context(
                store, survey, config, chosen_period, args.lang, args.by,
                device=args.device, site=args.site, unit=args.unit,
                include_flagged=args.include_flagged,
            )  # fmt: skip
        figures = report(
            store, survey, config.organisation, first=args.first, last=args.last, by=args.by,
            period=args.period, include_flagged=args.include_flagged, device=args.device,
            site=args.site, unit=args.unit,
        )  # fmt: skip
    finally:
        store.close()
    output = {
        "pdf": lambda: servicerapport.render_pdf(values, args.lang),
        "json": lambda: to_json(figures).encode(),
        "csv": lambda: to_csv(figures, survey, args.lang, zone=config.zone),
        "md": lambda: to_markdown(figures, survey, args.lang, zone=config.zone).encode(),
        "xlsx": lambda: to_xlsx(figures, survey, args.lang, zone=config.zone),
    }[args.format]()
    if args.output:
        try:
            args.output.write_bytes(output)
        except OSError as exc:
            raise ConfigError(
                f"output: cannot write {str(args.output)!r} ({exc.strerror}); expected a file "
                "in a folder that exists and may be written"
            ) from None
    else:
        sys.stdout.buffer.write(output)
    return 0


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", type=Path, help="server TOML config (default: built-in defaults)"
    )
    parser.add_argument("--broker", help="override the broker URL (mqtt://host:port)")
    parser.add_argument("--db", help="override the database URL (sqlite:///path)")
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING (default INFO)")


def _config(args: argparse.Namespace) -> ServerConfig:
    configure_logging(args.log_level)
    return load_server_config(args.config).with_overrides(broker=args.broker, db=args.db)


def _run(args: argparse.Namespace) -> int:
    from nojd.listen import check_free, parse_listen
    from nojd.server.runtime import serve

    host, port = parse_listen(args.listen)
    check_free(host, port)
    config = _config(args)
    serve(config, host, port)
    return 0


def _ingest(args: argparse.Namespace) -> int:
    from nojd.server.ingest import Ingest
    from nojd.server.store import open_store

    config = _config(args)
    store = open_store(config.db, config.zone)
    ingest = Ingest(
        store,
        config.surveys(),
        config.broker,
        prefix=config.prefix,
        settings=config.ingest,
        client_id=getattr(args, "client_id", None),
        server=config,
    )
    stop_on(ingest.stop, signal.SIGTERM, signal.SIGINT)
    try:
        ingest.run()
    finally:
        store.close()
    return 0
