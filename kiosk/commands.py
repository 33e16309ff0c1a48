"""The ``nojd kiosk`` subcommands: run, simulate, summary, check, hash-pin, screenshots."""

from __future__ import annotations

import argparse
import getpass
import logging
import signal
import sys
from pathlib import Path

from nojd.errors import ConfigError
from nojd.kiosk.config import KioskConfig, load_config
from nojd.kiosk.pin import hash_pin
from nojd.signals import stop_on
from nojd.systemd import configure_logging


def add_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Add ``nojd kiosk …`` to the ``nojd`` parser."""
    kiosk = commands.add_parser(
        "kiosk", help="the satisfaction terminal", description="Run or simulate a terminal."
    )
    actions = kiosk.add_subparsers(title="actions", metavar="ACTION", required=True)
    run = actions.add_parser(
        "run",
        help="run the terminal (full screen, buttons, outbox)",
        description="Run the terminal as configured; flags override the config file.",
    )
    _common(run)
    run.add_argument("--window", type=_size, help="a window of WxH instead of full screen")
    run.set_defaults(handler=_run)
    simulate = actions.add_parser(
        "simulate",
        help="the real terminal headless, with simulated visitors",
        description=(
            "Run the terminal headless (SDL dummy driver, gpiozero mock pins) while simulated "
            'visitors press the buttons; prints one JSON line {"seq": …, "id": …} per '
            "committed response."
        ),
    )
    _common(simulate)
    simulate.add_argument("--visitors", type=int, default=10, help="how many visitors (default 10)")
    simulate.add_argument(
        "--rate", type=float, default=20.0, help="visitors per minute (default 20)"
    )
    simulate.add_argument("--seed", type=int, help="random seed, for a repeatable run")
    simulate.add_argument(
        "--send-for", type=float, default=60.0, metavar="SECONDS",
        help="after the visitors, wait at most this long for the server's acks (default 60); "
        "what is not acked by then stays in the outbox, and the exit code is 1",
    )  # fmt: skip
    simulate.set_defaults(handler=_simulate)
    summary = actions.add_parser(
        "summary",
        help="print the staff summary from a terminal's outbox",
        description=(
            "Print what the staff screen shows: today, this week and this month per question, "
            "from the terminal's own outbox, with the same suppression of small numbers."
        ),
    )
    summary.add_argument("--config", type=Path, required=True, help="kiosk TOML config")
    summary.add_argument("--data", type=Path, help="override the data folder (the outbox)")
    summary.add_argument("--lang", default="sv", help="language of the texts (default sv)")
    summary.set_defaults(handler=_summary)
    check = actions.add_parser(
        "check",
        help="check what the terminal needs: SDL with KMSDRM, libraries, devices",
        description=(
            "Check the SDL pygame loads (KMSDRM and evdev compiled in), the libraries SDL loads "
            "at run time, Mesa's drivers, lgpio, and the display, input and GPIO devices with "
            "the right to open them. One line each; exit 1 if any fails."
        ),
    )
    check.add_argument(
        "--software", action="store_true", help="only the software, not the devices (for images)"
    )
    check.set_defaults(handler=_check)
    pin = actions.add_parser(
        "hash-pin",
        help="hash a staff PIN for staff.pin_hash",
        description=(
            "Read a 4–8 digit staff PIN (asked twice, or one line on stdin) and print its hash."
        ),
    )
    pin.set_defaults(handler=_hash_pin)
    shots = actions.add_parser(
        "screenshots",
        help="save a PNG of every screen",
        description=(
            "Draw every kiosk screen in every language and save PNGs, to check wording and layout."
        ),
    )
    shots.add_argument("folder", type=Path)
    shots.add_argument("--config", type=Path, help="kiosk config (default: the example's settings)")
    shots.add_argument(
        "--size",
        type=_panel,
        action="append",
        help=(
            "a panel WxH, or WxH@DEGREES for a panel turned by display.rotate (720x1280@90: "
            "Touch Display 2 lying down); repeatable (default 800x480)"
        ),
    )
    shots.add_argument(
        "--lang",
        action="append",
        help="only this language (repeatable; default: every language of the config, or of "
        "the shipped survey)",
    )
    shots.set_defaults(handler=_screenshots)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, required=True, help="kiosk TOML config")
    parser.add_argument("--device", help="override the config's device id")
    parser.add_argument("--site", help="override the config's site")
    parser.add_argument("--broker", help="override the broker URL (mqtt://host:port)")
    parser.add_argument("--data", type=Path, help="override the data folder (the outbox)")
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING (default INFO)")


def _size(value: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in value.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not WIDTHxHEIGHT like 800x480") from None
    if not (200 <= width <= 10_000 and 200 <= height <= 10_000):
        raise argparse.ArgumentTypeError(f"{value!r}: each side must be 200..10000 pixels")
    return width, height


def _panel(value: str) -> tuple[int, int, int]:
    size, _, rotate = value.partition("@")
    if rotate not in ("", "0", "90", "180", "270"):
        raise argparse.ArgumentTypeError(f"{value!r}: @{rotate} is not @0, @90, @180 or @270")
    return (*_size(size), int(rotate or 0))


def _config(args: argparse.Namespace) -> KioskConfig:
    configure_logging(args.log_level)
    return load_config(args.config).with_overrides(
        device=args.device, site=args.site, broker=args.broker, data_dir=args.data
    )


def _run(args: argparse.Namespace) -> int:
    from nojd.kiosk.display import DisplayError
    from nojd.kiosk.wiring import build_kiosk

    config = _config(args)
    try:
        kiosk = build_kiosk(config, window=args.window)
    except DisplayError as exc:
        # One line for the journal; systemd restarts the kiosk (Restart=always).
        logging.getLogger("nojd.kiosk").error("%s", exc)
        return 1
    stop_on(kiosk.stop, signal.SIGTERM)
    try:
        kiosk.run()
    finally:
        kiosk.close()
    return 0


def _simulate(args: argparse.Namespace) -> int:
    from nojd.kiosk.simulate import simulate

    if args.visitors < 0 or args.rate <= 0 or args.send_for < 0:
        raise ConfigError("--visitors and --send-for must be 0 or more, and --rate above 0")
    return simulate(_config(args), args.visitors, args.rate, args.seed, send_for=args.send_for)


def _summary(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from nojd.kiosk.outbox import Outbox
    from nojd.kiosk.staff import summarize, summary_lines

    config = load_config(args.config).with_overrides(data_dir=args.data)
    survey = config.survey()
    with Outbox(config.data_dir, config.device) as outbox:
        summary = summarize(survey, outbox, datetime.now(UTC), config.zone, "offline")
    print("\n".join(summary_lines(summary, survey, args.lang)))
    return 0


def _check(args: argparse.Namespace) -> int:
    from nojd.kiosk import check

    found = check.software() + ([] if args.software else check.devices())
    for each in found:
        print(each.line())
    return 0 if all(each.ok for each in found) else 1


def _hash_pin(args: argparse.Namespace) -> int:
    if sys.stdin.isatty():
        pin = getpass.getpass("Staff PIN (4-8 digits): ")
        if getpass.getpass("Again: ") != pin:
            raise ConfigError("PIN: the two entries differ")
    else:
        pin = sys.stdin.readline().strip()
    print(hash_pin(pin))
    return 0


def _screenshots(args: argparse.Namespace) -> int:
    from nojd.kiosk.screenshots import save_screenshots

    config = load_config(args.config) if args.config else None
    logging.disable(logging.ERROR)  # the wrong PIN and the broken outbox are staged
    try:
        saved = save_screenshots(args.folder, args.size or [(800, 480, 0)], config, args.lang)
    except ConfigError as exc:
        print(f"nojd: {exc}", file=sys.stderr)
        return 1
    for path in saved:
        print(path)
    return 0
