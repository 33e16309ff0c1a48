"""``nojd config``: the central configuration of sites and terminals, from the command line
(the dashboard's Konfiguration page does the same). Every change is logged with who made
it; the running server sends it to the terminals within seconds."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path

from nojd.errors import ConfigError


def add_config_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Add ``nojd config …`` to the ``nojd`` parser."""
    from nojd.server.commands import CONFIG_HELP

    config = commands.add_parser(
        "config",
        help="central configuration of sites and terminals",
        description=(
            "Set opening hours, closed dates, the survey, timeouts and languages per site or "
            "per terminal; the running server sends each terminal its site's config with its "
            "own on top, and the terminal applies it at its welcome screen."
        ),
    )
    actions = config.add_subparsers(title="actions", metavar="ACTION", required=True)
    set_ = actions.add_parser(
        "set", help="set a site's or a terminal's config from a TOML file",
        description="Set the config of a site or a terminal from a TOML file (- for stdin); "
        "it replaces what the scope had. Keys: survey, languages, [session] "
        "inactivity_timeout, more_time_warning and response_interval, [hours].",
    )  # fmt: skip
    clear = actions.add_parser(
        "clear", help="remove a site's or a terminal's config",
        description="Remove the config of a site or a terminal (logged as a change); its "
        "terminals keep their own files' values for what it set.",
    )  # fmt: skip
    show = actions.add_parser(
        "show", help="every scope's config, and each terminal's state",
        description="Print each scope's config and version, then each terminal's: the "
        "version sent, the one it applied, and the one it refused with its reason.",
    )  # fmt: skip
    log = actions.add_parser(
        "log", help="who changed what, and when",
        description="Print the latest changes: version, time (UTC), who, scope, config.",
    )  # fmt: skip
    for parser in (set_, clear, show, log):
        parser.add_argument("--config", type=Path, help=CONFIG_HELP)
        parser.add_argument("--db", help="database URL (default: the config's)")
    for parser in (set_, clear):
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--site", help="a site id, e.g. kontaktcenter")
        scope.add_argument("--device", help="a terminal's id, e.g. hbg-kc-desk1")
        parser.add_argument("--as", dest="who", help="who makes the change (default: your login)")
    set_.add_argument("file", help="the TOML file, or - for stdin")
    log.add_argument("--limit", type=int, default=50, help="how many changes (default 50)")
    set_.set_defaults(handler=_set)
    clear.set_defaults(handler=_clear)
    show.set_defaults(handler=_show)
    log.set_defaults(handler=_log)


def _who(args: argparse.Namespace) -> str:
    if args.who:
        return str(args.who)
    name = os.environ.get("SUDO_USER") or getpass.getuser()
    return f"{name} (command line)"


def _read(name: str) -> str:
    """The TOML of ``name`` (``-``: stdin), read no further than one byte past the largest
    config, so that a huge file is refused, not held."""
    from nojd.server.central import MAX_TOML

    if name == "-":
        return sys.stdin.read(MAX_TOML + 1)
    try:
        with Path(name).open(encoding="utf-8") as source:
            return source.read(MAX_TOML + 1)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"file: cannot read {name!r} ({exc})") from None


def _set(args: argparse.Namespace) -> int:
    from nojd.server.central import parse_toml, scope_name, set_config
    from nojd.server.commands import _installed_config, _store

    scope = scope_name(args.site, args.device)
    body = parse_toml(_read(args.file), args.file)
    with _store(args) as store:
        version = set_config(store, _installed_config(args), scope, body, _who(args))
    print(f"{scope}: version {version}; the server sends it to the terminals", file=sys.stderr)
    return 0


def _clear(args: argparse.Namespace) -> int:
    from nojd.server.central import scope_name, set_config
    from nojd.server.commands import _installed_config, _store

    scope = scope_name(args.site, args.device)
    with _store(args) as store:
        if store.central.configs().get(scope, (None, 0))[0] is None:
            raise ConfigError(f"{scope}: has no config to clear")
        version = set_config(store, _installed_config(args), scope, None, _who(args))
    print(f"{scope}: cleared (version {version}); its terminals keep their own files' values",
          file=sys.stderr)  # fmt: skip
    return 0


def _show(args: argparse.Namespace) -> int:
    from nojd.server.central import terminals
    from nojd.server.commands import _installed_config, _store

    config = _installed_config(args)
    with _store(args) as store:
        for scope, (body, version) in sorted(store.central.configs().items()):
            if body is not None:
                print(f"{scope}\tversion {version}\t{json.dumps(body, ensure_ascii=False)}")
        sent = store.central.sent()
        rows = {row["device"]: row for row in store.devices()}
        for device in sorted(terminals(store, config)):
            row = rows.get(device, {})
            last = sent.get(device)
            state = "no config sent" if last is None else f"sent {last[0]}"
            if row.get("config_applied") is not None:
                state += f", applied {row['config_applied']}"
            if row.get("config_refused") is not None:
                state += f", refused {row['config_refused']}: {row.get('config_reason')}"
            print(f"{device}\t{state}")
    return 0


def _log(args: argparse.Namespace) -> int:
    from nojd.server.commands import _store

    with _store(args) as store:
        for change in store.central.changes(args.limit):
            body = (
                "cleared"
                if change["body"] is None
                else json.dumps(change["body"], ensure_ascii=False)
            )
            print(f"{change['id']}\t{change['at']}\t{change['who']}\t{change['scope']}\t{body}")
    return 0
