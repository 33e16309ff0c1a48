"""The terminal's side of central configuration: check what the server sent, keep the last
good one on disk, and hand it to the kiosk, which applies it at its welcome screen.

The file ``central.json`` in the data folder holds the last configuration that passed the
checks. It is written to a partial file, flushed to disk, and renamed over the old one,
so a power cut or a ``kill -9`` while it is written leaves the old one whole. A
configuration that fails the checks is refused with one log line and reported back to
the server in the terminal's status; the terminal keeps what it had.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from nojd.errors import ConfigError
from nojd.kiosk.config import KioskConfig
from nojd.survey import Survey
from nojd.survey.central import check_central

log = logging.getLogger("nojd.kiosk")

FILE = "central.json"


@dataclass(frozen=True)
class Applied:
    """A central configuration checked against this terminal: what the kiosk runs with."""

    version: int
    config: KioskConfig
    survey: Survey
    data: dict[str, Any]


def apply(base: KioskConfig, version: int, data: dict[str, Any]) -> Applied:
    """``base`` (the terminal's own file) with the central ``data`` on top, checked as the
    file is; :class:`ConfigError` naming the key if the result cannot run here."""
    label = f"central config version {version}"
    central = check_central(data, label)
    survey = central.survey if central.survey is not None else base.survey()
    session = replace(
        base.session,
        inactivity_timeout=central.inactivity_timeout or base.session.inactivity_timeout,
        more_time_warning=(
            base.session.more_time_warning
            if central.more_time_warning is None
            else central.more_time_warning
        ),
        response_interval=(
            base.session.response_interval
            if central.response_interval is None
            else central.response_interval
        ),
    )
    config = replace(
        base,
        hours=central.hours if central.hours is not None else base.hours,
        languages=central.languages or base.languages,
        session=session,
    )
    for lang in config.languages:
        if lang not in survey.languages:
            raise ConfigError(f"{label}: languages: {lang!r} is not a language of survey "
                              f"{survey.id!r}")  # fmt: skip
    if config.buttons_question not in {q.id for q in survey.questions if q.kind == "rating"}:
        raise ConfigError(
            f"{label}: survey: it has no rating question {config.buttons_question!r}, which "
            "this terminal's buttons answer (buttons_question)"
        )
    return Applied(version, config, survey, data)


class Keeper:
    """The last good central configuration, on disk in the terminal's data folder."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / FILE

    def load(self, base: KioskConfig) -> Applied | None:
        """The kept configuration applied to ``base``; None if there is none, or if it no
        longer fits this terminal (a new survey file, say): then the file's values hold."""
        try:
            kept = json.loads(self.path.read_text(encoding="utf-8"))
            return apply(base, int(kept["version"]), dict(kept["config"]))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, ConfigError) as exc:
            log.error("the kept central config %s cannot be used (%s); using the config file",
                      self.path, exc)  # fmt: skip
            return None

    def save(self, applied: Applied) -> None:
        """Keep ``applied``: written whole beside the old file, then renamed over it."""
        partial = self.path.with_name(FILE + ".partial")
        text = json.dumps({"version": applied.version, "config": applied.data}, ensure_ascii=False)
        with partial.open("w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, self.path)
        folder = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)  # the rename itself reaches the disk
        finally:
            os.close(folder)
