"""Every command is documented: each subcommand of ``nojd`` appears in README.md."""

import argparse
from pathlib import Path

from nojd.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent


def commands(parser, prefix="nojd"):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield f"{prefix} {name}", sub
                yield from commands(sub, f"{prefix} {name}")


def test_every_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name, _ in commands(build_parser()) if f"`{name}" not in readme]
    assert not missing, f"README.md does not document {missing}"


def test_every_command_has_help():
    for name, sub in commands(build_parser()):
        assert sub.description, name


def test_readme_starts_with_the_two_commands():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    block = lines[lines.index("```sh") + 1 : lines.index("```")]
    assert block == ["./setup.sh demo", "./setup.sh test"]


def test_readme_and_docs_stand_alone():
    # The project's documents must not send a reader outside the project.
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    leaking = [page.name for page in pages if "../shared" in page.read_text(encoding="utf-8")]
    assert not leaking, f"{leaking} point outside the project"
