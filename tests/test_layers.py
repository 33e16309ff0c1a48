"""The layers as executable contracts: every import of every module, read from its source.

    command line (nojd/cli.py, nojd/demo.py)
    kiosk/  |  server/          never each other
    survey/                     shared by both, knows neither
    infrastructure (nojd/errors.py, tomlconfig.py, mqtt.py, systemd.py)

import-linter cannot see this layout (the folders install as ``nojd.<part>``
through ``package-dir``, which its import graph does not follow), so the
imports are read here with ``ast``, function-level imports included.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"survey": "nojd.survey", "kiosk": "nojd.kiosk", "server": "nojd.server", "nojd": "nojd"}
INFRASTRUCTURE = ("nojd.errors", "nojd.tomlconfig", "nojd.mqtt", "nojd.systemd")
COMMAND_LINE = ("nojd.cli", "nojd.demo", "nojd.__main__")
ABOVE_SURVEY = ("nojd.kiosk", "nojd.server", *COMMAND_LINE)


def modules():
    for folder, package in FOLDERS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            name = ".".join((package, *parts)).removesuffix(".__init__")
            yield name, path


def imports(path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def within(name, packages):
    return any(name == package or name.startswith(package + ".") for package in packages)


def forbidden(name):
    """What module ``name`` must not import."""
    if within(name, INFRASTRUCTURE):
        return ("nojd.survey", *ABOVE_SURVEY)
    if within(name, ("nojd.survey",)):
        return ABOVE_SURVEY
    if within(name, ("nojd.kiosk",)):
        return ("nojd.server", *COMMAND_LINE)
    if within(name, ("nojd.server",)):
        return ("nojd.kiosk", *COMMAND_LINE)
    return ()


ALL = list(modules())


def test_every_part_is_read():
    names = {name for name, _ in ALL}
    for expected in ("nojd.survey.message", "nojd.kiosk.app", "nojd.server.ingest", "nojd.errors"):
        assert expected in names


@pytest.mark.parametrize(("name", "path"), ALL, ids=[name for name, _ in ALL])
def test_imports_point_down(name, path):
    wrong = sorted({found for found in imports(path) if within(found, forbidden(name))})
    assert not wrong, f"{name} imports {wrong}, a layer it must not know"


def test_a_wrong_import_is_caught(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def later():\n    from nojd.kiosk.app import Kiosk\n")
    assert [found for found in imports(bad) if within(found, forbidden("nojd.survey.x"))]
