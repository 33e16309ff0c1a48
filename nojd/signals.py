"""Stopping on a signal, safely.

A Python signal handler runs on the main thread between two bytecodes, perhaps while
that thread holds the very lock the handler needs (an Event's, a Queue's): a handler
that stops a loop directly can hang the process for good, which is what a terminal
shutting down under load once did. :func:`stop_on` hands the work to a thread of its
own instead, which waits for the lock like any other thread.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

Handler = Callable[[int, FrameType | None], Any] | int | None


def stop_on(stop: Callable[[], object], *signals: signal.Signals) -> dict[int, Handler]:
    """On any of ``signals``, call ``stop`` from a new thread; returns the handlers that
    were in place, to put back with :func:`restore`."""

    def handle(signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=stop, name=f"stop-on-{signum}", daemon=True).start()

    return {int(number): signal.signal(number, handle) for number in signals}


def restore(previous: dict[int, Handler]) -> None:
    """Put back the handlers :func:`stop_on` replaced."""
    for number, handler in previous.items():
        signal.signal(number, handler)
