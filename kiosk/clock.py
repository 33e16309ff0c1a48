"""The kiosk's clocks: wall time, monotonic time, and whether NTP has set the wall clock.

A Raspberry Pi has no battery clock: until NTP synchronises it, the wall time
may be days off.  Each response records the boot id and the monotonic time
beside its wall time so that the outbox can correct it later.  Tests swap in
a :class:`ManualClock`, as gpiozero tests swap in mock pins.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class Stamp:
    """Where a response was made in time: for correcting clocks later."""

    at: datetime
    clock: str
    boot_id: str
    monotonic: float


class Clock(Protocol):
    """What the kiosk needs of a clock: :class:`SystemClock`, or :class:`ManualClock` in tests."""

    boot_id: str

    def now(self) -> datetime: ...

    def monotonic(self) -> float: ...

    def synced(self) -> bool: ...

    def stamp(self) -> Stamp: ...


BOOT_ID_FILE = Path("/proc/sys/kernel/random/boot_id")
_TIME_ERROR = 5  # adjtimex: the clock is not synchronised


class SystemClock:
    """The real clocks of this machine."""

    def __init__(self) -> None:
        try:
            self.boot_id = BOOT_ID_FILE.read_text().strip()
        except OSError:
            self.boot_id = str(uuid.uuid4())
        self._libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)

    def now(self) -> datetime:
        """Wall time, UTC."""
        return datetime.now(UTC)

    def monotonic(self) -> float:
        """Seconds since an arbitrary point of this boot; never goes back."""
        return time.monotonic()

    def synced(self) -> bool:
        """Whether the kernel says an NTP daemon has synchronised the wall clock."""
        timex = ctypes.create_string_buffer(512)  # struct timex, modes = 0: only read
        try:
            state = self._libc.adjtimex(timex)
        except AttributeError:
            return False
        return state not in (-1, _TIME_ERROR)

    def stamp(self) -> Stamp:
        """Wall time, clock state, boot id and monotonic time, read together."""
        return Stamp(
            self.now(), "synced" if self.synced() else "unsynced", self.boot_id, self.monotonic()
        )


class ManualClock:
    """A clock that moves only when told to; for tests and simulations."""

    def __init__(self, start: datetime, synced: bool = True) -> None:
        self.boot_id = str(uuid.uuid4())
        self._start = start
        self._elapsed = 0.0
        self.is_synced = synced

    def advance(self, seconds: float) -> None:
        """Move both clocks forward."""
        self._elapsed += seconds

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._elapsed)

    def monotonic(self) -> float:
        return self._elapsed

    def synced(self) -> bool:
        return self.is_synced

    def stamp(self) -> Stamp:
        return Stamp(
            self.now(), "synced" if self.synced() else "unsynced", self.boot_id, self.monotonic()
        )
