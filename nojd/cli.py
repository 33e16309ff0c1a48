"""The ``nojd`` command: a thin layer over the library, one subcommand per task.

Exit codes: 0 done, 1 the input was refused (a bad message, a broken survey),
2 the command line was wrong.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

from nojd import __version__
from nojd.errors import NojdError
from nojd.kiosk.commands import add_commands as add_kiosk_commands
from nojd.server.broker_commands import add_broker_commands
from nojd.server.commands import add_commands as add_server_commands
from nojd.server.commands import add_report_command
from nojd.server.config_commands import add_config_commands
from nojd.survey import (
    FiguresError,
    Survey,
    decode,
    default_survey,
    load_survey,
    question_figures,
)
from nojd.survey.formatting import figures_lines
from nojd.survey.translations import full_languages

Handler = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``nojd`` with ``argv`` (default: the process's arguments)."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # the usage of the command that was meant, not the top level's
        leaf: argparse.ArgumentParser = getattr(args, "parser", parser)
        leaf.error(f"unrecognized arguments: {' '.join(extra)}")
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return handler(args)
    except NojdError as exc:
        print(f"nojd: {exc}", file=sys.stderr)
        return 1


class Parser(argparse.ArgumentParser):
    """A parser that takes no abbreviation of an option: ``--form`` is not ``--format``.
    Its subcommands' parsers are of this class too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    """The parser of every subcommand; ``nojd --help`` lists them."""
    parser = Parser(
        prog="nojd",
        description="Satisfaction terminals for municipal reception desks.",
    )
    parser.add_argument("--version", action="version", version=f"nojd {__version__}")
    # every parser below is a Parser; the commands' modules take any ArgumentParser
    commands = cast(
        "argparse._SubParsersAction[argparse.ArgumentParser]",
        parser.add_subparsers(title="commands", metavar="COMMAND"),
    )
    _add_survey(commands)
    _add_message(commands)
    _add_figures(commands)
    add_kiosk_commands(commands)
    add_server_commands(commands)
    add_broker_commands(commands)
    add_report_command(commands)
    add_config_commands(commands)
    _add_demo(commands)
    _mark_leaves(parser)
    return parser


def _mark_leaves(parser: argparse.ArgumentParser) -> None:
    """Let each command's parser name itself in the arguments it parses (``args.parser``)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                child.set_defaults(parser=child)
                _mark_leaves(child)


def _add_survey(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    survey = commands.add_parser(
        "survey", help="show or check a survey definition", description="Show or check surveys."
    )
    actions = survey.add_subparsers(title="actions", metavar="ACTION", required=True)
    show = actions.add_parser(
        "show",
        help="print a survey's questions in one language",
        description="Print the questions, options and targets of a survey.",
    )
    show.add_argument(
        "--survey", type=Path, help="survey TOML file (default: the shipped 'service')"
    )
    show.add_argument("--lang", default="sv", help="language of the texts (default: sv)")
    show.set_defaults(handler=_survey_show)
    check = actions.add_parser(
        "check",
        help="check survey TOML files",
        description="Check survey files; print what is wrong with the first broken one.",
    )
    check.add_argument("files", nargs="+", type=Path, metavar="FILE")
    check.set_defaults(handler=_survey_check)


def _add_message(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    message = commands.add_parser(
        "message", help="check a response message v1", description="Work with wire messages."
    )
    actions = message.add_subparsers(title="actions", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check",
        help="validate a response message from a file or stdin",
        description="Validate one response message v1; print it normalised, or why it is refused.",
    )
    check.add_argument("file", nargs="?", type=Path, help="the message (default: stdin)")
    check.add_argument(
        "--survey", type=Path, help="survey TOML file (default: the shipped 'service')"
    )
    check.add_argument("--topic-device", help="the <device> of the topic it arrived on")
    check.set_defaults(handler=_message_check)


def _add_figures(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    figures = commands.add_parser(
        "figures",
        help="key figures of one question from counts",
        description=(
            "Compute the key figures of one question from its counts, e.g. "
            "'nojd figures 3,4,0,5,7' for grades 1..5, or "
            "'nojd figures --question resolution answered=5,referred=3,unanswered=2'."
        ),
    )
    figures.add_argument("counts", help="c1,c2,c3,c4,c5 or option=count,...")
    figures.add_argument("--question", default="overall", help="question id (default: overall)")
    figures.add_argument(
        "--survey", type=Path, help="survey TOML file (default: the shipped 'service')"
    )
    figures.add_argument("--target", type=float, help="override the question's target (percent)")
    figures.add_argument("--format", choices=("text", "json"), default="text")
    figures.add_argument("--lang", default="sv", choices=full_languages())
    figures.set_defaults(handler=_figures)


def _add_demo(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    demo = commands.add_parser(
        "demo",
        help="broker, server and simulated terminals on this machine",
        description=(
            "Start a Mosquitto on a free port, the server's ingest with embedded SQLite and three "
            "simulated terminals at two sites; print what the server holds when all is delivered."
        ),
    )
    demo.add_argument(
        "--data", type=Path, default=Path("data/demo"), help="folder (default data/demo)"
    )
    demo.add_argument(
        "--visitors", type=int, default=0,
        help="visitors per terminal, then stop (default 0: until Ctrl-C)",
    )  # fmt: skip
    demo.add_argument(
        "--rate", type=float, default=30, help="visitors a minute per terminal (default 30)"
    )
    demo.add_argument("--duration", type=float, help="stop after this many seconds")
    demo.add_argument(
        "--listen", help="dashboard address HOST:PORT (default 127.0.0.1:8080, or a free port)"
    )
    demo.add_argument(
        "--no-window", action="store_true", help="no kiosk window even when a display exists"
    )
    demo.set_defaults(handler=_demo)


def _demo(args: argparse.Namespace) -> int:
    from nojd.demo import run_demo

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.visitors < 0 or args.rate <= 0 or (args.duration is not None and args.duration <= 0):
        from nojd.errors import ConfigError

        raise ConfigError("--visitors must be 0 or more, --rate and --duration above 0")
    return run_demo(
        args.data, args.visitors, args.rate, listen=args.listen, duration=args.duration,
        window=not args.no_window,
    )  # fmt: skip


def _survey(path: Path | None) -> Survey:
    return default_survey() if path is None else load_survey(path)


def _survey_show(args: argparse.Namespace) -> int:
    survey = _survey(args.survey)
    lang = args.lang
    if lang not in survey.languages:
        print(
            f"nojd: --lang: {lang!r} is not one of {', '.join(survey.languages)}", file=sys.stderr
        )
        return 2
    print(f"{survey.id}: {survey.welcome[lang]}")
    for question in survey.questions:
        target = "" if question.target is None else f"  [{question.target:g} %]"
        optional = " (optional)" if question.optional else ""
        print(f"- {question.id} ({question.kind}){optional}: {question.text[lang]}{target}")
        for option in question.options:
            print(f"    {option.id}: {option.text[lang]}")
    return 0


def _survey_check(args: argparse.Namespace) -> int:
    for path in args.files:
        survey = load_survey(path)
        print(f"ok: {path}: survey {survey.id!r}, {len(survey.questions)} questions")
    return 0


def _message_check(args: argparse.Namespace) -> int:
    payload = sys.stdin.buffer.read() if args.file is None else args.file.read_bytes()
    response = decode(payload, _survey(args.survey), topic_device=args.topic_device)
    print(json.dumps(response.as_json(), ensure_ascii=False))
    return 0


def _figures(args: argparse.Namespace) -> int:
    survey = _survey(args.survey)
    question = survey.question(args.question)
    figures = question_figures(survey, question, _parse_counts(args.counts), target=args.target)
    if args.format == "json":
        print(json.dumps(figures, ensure_ascii=False))
    else:
        print("\n".join(figures_lines(question, figures, args.lang)))
    return 0


def _parse_counts(text: str) -> list[int] | dict[str, int]:
    parts = [part.strip() for part in text.split(",")]
    try:
        if all("=" in part for part in parts):
            pairs = (part.split("=", 1) for part in parts)
            return {key.strip(): int(value) for key, value in pairs}
        return [int(part) for part in parts]
    except ValueError:
        raise FiguresError(f"counts: {text!r} is not c1,...,c5 or option=count,...") from None
