"""Login throttling: failed logins counted per client address and per user name, in a
sliding window, in memory that stays bounded whatever the flood.

Past the limit, a login is answered 429 with ``Retry-After`` (the seconds until the
oldest failure leaves the window) without checking the password. Nothing is locked for
good: that would hand anyone a way to lock the admin out. A success clears its
address's count.

The password check itself (scrypt, about 16 MiB each) runs on :data:`CONCURRENT_CHECKS`
threads of its own, so a flood queues instead of taking memory. Only running fewer checks
at once is not enough: the C library keeps freed memory per thread, and a check on each of
the web server's 40 threads in turn left 16 MiB behind on each (a test saw 78 MB grow to
406 MB). An unknown user's check takes as long as a known one's (a stand-in hash).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

#: Failures an address may have in the window before it waits.
PER_ADDRESS = 10
#: Failures a user name may have in the window (from every address together).
PER_USER = 30
WINDOW = 300.0
#: Most keys kept per kind: the least recently failed goes first.
CAPACITY = 10_000
CONCURRENT_CHECKS = 2


class Window:
    """Failures per key in the last ``window`` seconds, at most ``limit`` counted, for at
    most ``capacity`` keys."""

    def __init__(
        self,
        limit: int,
        window: float = WINDOW,
        capacity: int = CAPACITY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self.capacity = capacity
        self.clock = clock
        self.failures: OrderedDict[str, deque[float]] = OrderedDict()
        self.lock = threading.Lock()

    def wait(self, key: str) -> int:
        """Seconds ``key`` must wait before it may try again; 0 if it may now."""
        with self.lock:
            now = self.clock()
            times = self._recent(key, now)
            if times is None or len(times) < self.limit:
                return 0
            return max(1, int(times[0] + self.window - now + 0.999))

    def failed(self, key: str) -> None:
        """Count a failure of ``key``."""
        with self.lock:
            now = self.clock()
            times = self._recent(key, now)
            if times is None:
                times = deque(maxlen=self.limit)
                self.failures[key] = times
                while len(self.failures) > self.capacity:
                    self.failures.popitem(last=False)
            times.append(now)
            self.failures.move_to_end(key)

    def clear(self, key: str) -> None:
        """Forget ``key``'s failures."""
        with self.lock:
            self.failures.pop(key, None)

    def _recent(self, key: str, now: float) -> deque[float] | None:
        times = self.failures.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def __len__(self) -> int:
        return len(self.failures)


class LoginThrottle:
    """The two windows of the login form, and the gate of the password checks."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.addresses = Window(PER_ADDRESS, clock=clock)
        self.users = Window(PER_USER, clock=clock)
        #: Where password checks run: ``throttle.checks.submit(check, ...).result()``.
        self.checks = ThreadPoolExecutor(CONCURRENT_CHECKS, thread_name_prefix="nojd-login")

    def wait(self, address: str, user: str) -> int:
        """Seconds to wait before this address may try this user; 0 if it may now."""
        return max(self.addresses.wait(address), self.users.wait(user.casefold()))

    def failed(self, address: str, user: str) -> None:
        """Count a failed login."""
        self.addresses.failed(address)
        self.users.failed(user.casefold())

    def succeeded(self, address: str) -> None:
        """A right password from this address: its count starts over."""
        self.addresses.clear(address)
