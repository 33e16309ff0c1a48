"""The broker's users and rights from the command line: ``nojd broker init`` (once, by
``./setup.sh server``) and ``nojd device add`` (per terminal)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nojd.mqtt import parse_broker_url
from nojd.server.broker_admin import DEFAULT_ADMIN_FILE

DEFAULT_PLUGIN_FILE = Path("/var/lib/mosquitto/nojd-dynsec.json")
#: Where ``nojd device add`` writes terminals' configs (with their passwords).
DEFAULT_OUT = Path("/etc/nojd/terminals")


def add_broker_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Add ``nojd broker …`` and ``nojd device …`` to the ``nojd`` parser."""
    broker = commands.add_parser(
        "broker", help="the broker's users and rights", description="Set up the broker."
    )
    actions = broker.add_subparsers(title="actions", metavar="ACTION", required=True)
    init = actions.add_parser(
        "init",
        help="write the dynamic-security plugin's first file (once)",
        description=(
            "Write the first file of Mosquitto's dynamic-security plugin (the admin nojd-admin, "
            "the server's user from --config, and the terminals of an older --passwd file with "
            "their passwords) and the admin's file. Does nothing if the plugin's file exists. "
            "Run it while Mosquitto does not load the plugin."
        ),
    )
    init.add_argument("--config", type=Path, required=True, help="the server's TOML config")
    init.add_argument(
        "--plugin-file", type=Path, default=DEFAULT_PLUGIN_FILE,
        help=f"the plugin's file (default {DEFAULT_PLUGIN_FILE})",
    )  # fmt: skip
    init.add_argument(
        "--admin", type=Path, default=DEFAULT_ADMIN_FILE,
        help=f"the admin's file to write (default {DEFAULT_ADMIN_FILE})",
    )  # fmt: skip
    init.add_argument("--passwd", type=Path, help="an older Mosquitto password file to carry over")
    init.set_defaults(handler=_init)

    update = actions.add_parser(
        "update",
        help="give existing roles the rights of this version (after an upgrade)",
        description=(
            "Add to the server's role and to every terminal's role the rights this version "
            "of nojd needs and they lack (such as a terminal's own config topic), on the "
            "running broker as the admin of --admin. Rights are only added."
        ),
    )
    update.add_argument(
        "--admin", type=Path, default=DEFAULT_ADMIN_FILE,
        help=f"the broker admin's file (default {DEFAULT_ADMIN_FILE})",
    )  # fmt: skip
    update.set_defaults(handler=_update)
    device = commands.add_parser(
        "device", help="add terminals to the broker", description="Manage terminals."
    )
    device_actions = device.add_subparsers(title="actions", metavar="ACTION", required=True)
    add = device_actions.add_parser(
        "add",
        help="a terminal's broker user and rights, and its kiosk config",
        description=(
            "Create a terminal's broker user and its own rights on the running broker (as the "
            "admin of --admin) and write its kiosk config (mode 0600) to --out/ID.toml. "
            "--rotate gives the same terminal a new password; --replace is for a new terminal "
            "in its place (a new SD card, a reinstall): it starts a new sequence epoch, and "
            "the old credentials stop working at once."
        ),
    )
    add.add_argument("device", metavar="ID", help="the device id, e.g. hbg-kc-desk1")
    add.add_argument("--site", required=True, help="the site it stands at, e.g. kontaktcenter")
    add.add_argument(
        "--broker", required=True,
        help="the broker as the terminal reaches it, e.g. mqtts://nojd.kommun.se:8883",
    )  # fmt: skip
    add.add_argument(
        "--admin", type=Path, default=DEFAULT_ADMIN_FILE,
        help=f"the broker admin's file (default {DEFAULT_ADMIN_FILE})",
    )  # fmt: skip
    add.add_argument(
        "--out", type=Path, default=DEFAULT_OUT,
        help=f"folder for ID.toml, made root's own (0700) if new (default {DEFAULT_OUT})",
    )  # fmt: skip
    add.add_argument("--ca-file", default="/etc/nojd/tls/ca.crt", help="CA the terminal trusts")
    change = add.add_mutually_exclusive_group()
    change.add_argument(
        "--rotate", dest="change", action="store_const", const="rotate",
        help="a new password for the same terminal",
    )  # fmt: skip
    change.add_argument(
        "--replace", dest="change", action="store_const", const="replace",
        help="a new terminal in the place of this one: a new sequence epoch",
    )  # fmt: skip
    add.set_defaults(handler=_device_add, change="")


def _init(args: argparse.Namespace) -> int:
    from nojd.server.broker_file import init_broker
    from nojd.server.config import load_server_config

    config = load_server_config(args.config)
    done = init_broker(
        args.plugin_file, args.admin, config.broker.password, config.prefix, config.broker.url,
        args.passwd, config.broker.username or "nojd-server",
    )  # fmt: skip
    if not done.written:
        print(f"kept {args.plugin_file} (the broker's users and rights)")
        return 0
    print(
        f"wrote {args.plugin_file}: nojd-admin, {config.broker.username or 'nojd-server'}", end=""
    )
    print(f" and {len(done.terminals)} terminal(s) carried over" if done.terminals else "")
    print(f"wrote {args.admin}: the admin's password, for nojd device add")
    return 0


def _update(args: argparse.Namespace) -> int:
    from nojd.server.broker_admin import BrokerAdmin, load_admin

    admin, prefix = load_admin(args.admin)
    with BrokerAdmin(admin) as broker:
        changed = broker.update_roles(prefix)
    print(f"updated {len(changed)} role(s)" + (": " + ", ".join(changed) if changed else ""))
    return 0


def _device_add(args: argparse.Namespace) -> int:
    from nojd.server.broker_admin import load_admin
    from nojd.server.devices import add_device

    admin, prefix = load_admin(args.admin)
    made = add_device(
        args.device, args.site, args.broker, admin, args.out, args.ca_file, args.change, prefix
    )
    done = {"": "added to", "rotate": "has a new password on", "replace": "replaced on"}
    print(f"{made.device}: {done[args.change]} the broker (epoch {made.epoch}); kiosk config "
          f"written to {made.kiosk_config}")  # fmt: skip
    print("next: copy the config to the terminal as /etc/nojd/kiosk.toml; the password is only")
    print(f"in {made.kiosk_config}.")
    host, _, _ = parse_broker_url(args.broker)
    if host in ("localhost", "::1") or host.startswith("127."):
        print(f"note: --broker {args.broker} is this machine: only a terminal running here can "
              "reach it", file=sys.stderr)  # fmt: skip
    return 0
