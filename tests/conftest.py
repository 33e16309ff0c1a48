"""Shared fixtures and the hypothesis profiles (``HYPOTHESIS_PROFILE=ci`` for more examples)."""

import os

from hypothesis import settings

settings.register_profile("dev", max_examples=200, deadline=None)
settings.register_profile("ci", max_examples=1000, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


import pytest  # noqa: E402


@pytest.fixture
def dummy_video(monkeypatch):
    """pygame without a screen, as on CI and in ``nojd kiosk simulate``."""
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")


@pytest.fixture
def rig(tmp_path, dummy_video):
    """Build kiosks on a fresh data folder; every one is closed after the test."""
    from kiosk_helpers import Rig, base_config

    made = []

    def make(start=None, size=(800, 480), **changes):
        data_dir = changes.pop("data_dir", tmp_path / "data")
        config = base_config(data_dir, **changes)
        made.append(Rig(config, size=size) if start is None else Rig(config, start, size))
        return made[-1]

    yield make
    for each in made:
        each.close()
