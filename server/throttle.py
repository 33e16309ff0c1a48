"""Login throttling: login attempts counted per client address and per user name, in a
sliding window, in memory that stays bounded whatever the flood.

- An attempt is counted when it starts, before the password is checked, so guesses sent
  all at once are held to the limit too; a right password takes its attempt back.
- Past the limit, a login is answered 429 with ``Retry-After`` (the seconds until the
  oldest attempt leaves the window) without checking the password.
- Nothing is locked for good: that would hand anyone a way to lock the admin out. The
  per-user count does not hold back an address the user has logged in from before, so
  guesses from elsewhere cannot keep a user from their own desk.
- Keys are SHA-256 digests (a 64 KiB user name costs 32 bytes), IPv6 addresses count by
  their /64, a key leaves once its window is empty, and at most :data:`CAPACITY` keys of
  each kind are kept, the least recent dropped first.

The password check itself (scrypt, about 16 MiB each) runs on :data:`CONCURRENT_CHECKS`
threads of its own, so a flood queues instead of taking memory; at most
:data:`MAX_WAITING` checks wait, and a login past them is answered 429 at once, so a flood
does not hold the web server's threads either. Only running fewer checks at once was not
enough: the C library keeps freed memory per thread, and a check on each of the web
server's 40 threads in turn left 16 MiB behind on each (a test saw 78 MB grow to 406 MB).
An unknown user's check takes as long as a known one's (a stand-in hash).
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

#: Failures an address may have in the window before it waits.
PER_ADDRESS = 10
#: Failures a user name may have in the window (from every address together).
PER_USER = 30
WINDOW = 300.0
#: Most keys kept per kind: the least recently failed goes first.
CAPACITY = 10_000
CONCURRENT_CHECKS = 2
#: Password checks that may wait for a thread; a login past them is answered 429 at once.
MAX_WAITING = 20
#: What a login that found the checks busy is told to wait, in seconds.
BUSY_WAIT = 5
T = TypeVar("T")


class Busy(Exception):
    """Too many password checks wait already."""


def _key(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def address_key(address: str) -> str:
    """An IPv4 address as it is; an IPv6 address by its /64 (one subscriber's block)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return _key(address)
    if parsed.version == 6:
        return _key(str(ipaddress.ip_network(f"{parsed}/64", strict=False)))
    return _key(address)


class Window:
    """Attempts per key in the last ``window`` seconds, at most ``limit`` counted, for at
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
        self.attempts: OrderedDict[str, deque[float]] = OrderedDict()

    def wait(self, key: str) -> int:
        """Seconds ``key`` must wait before it may try again; 0 if it may now."""
        now = self.clock()
        times = self._recent(key, now)
        if len(times) < self.limit:
            return 0
        return max(1, int(times[0] + self.window - now + 0.999))

    def take(self, key: str) -> None:
        """Count an attempt of ``key``."""
        now = self.clock()
        times = self.attempts.get(key)
        if times is None:
            times = self.attempts[key] = deque(maxlen=self.limit)
            while len(self.attempts) > self.capacity:
                self.attempts.popitem(last=False)
        times.append(now)
        self.attempts.move_to_end(key)

    def give_back(self, key: str) -> None:
        """Take back ``key``'s newest attempt."""
        times = self.attempts.get(key)
        if times:
            times.pop()
            if not times:
                del self.attempts[key]

    def clear(self, key: str) -> None:
        """Forget ``key``'s attempts."""
        self.attempts.pop(key, None)

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self.attempts.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self.attempts[key]
        return times

    def __len__(self) -> int:
        return len(self.attempts)


class LoginThrottle:
    """The two windows of the login form, the addresses each user logged in from, and
    the threads of the password checks."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.addresses = Window(PER_ADDRESS, clock=clock)
        self.users = Window(PER_USER, clock=clock)
        #: (user, address) that logged in before: the per-user count does not hold them.
        self.trusted: OrderedDict[str, None] = OrderedDict()
        self.lock = threading.Lock()
        #: Where password checks run (:meth:`check`).
        self.checks = ThreadPoolExecutor(CONCURRENT_CHECKS, thread_name_prefix="nojd-login")
        self.waiting = 0

    def attempt(self, address: str, user: str) -> int:
        """Count a login attempt and return 0; or, past a limit, count nothing and return
        the seconds to wait."""
        where, who = address_key(address), _key(user.casefold())
        pair = _key(f"{who}\0{where}")
        with self.lock:
            trusted = pair in self.trusted
            wait = self.addresses.wait(where)
            if not trusted:
                wait = max(wait, self.users.wait(who))
            if wait:
                return wait
            self.addresses.take(where)
            if not trusted:
                self.users.take(who)
            return 0

    def succeeded(self, address: str, user: str) -> None:
        """A right password: the address starts over, the attempt is given back, and the
        user's count no longer holds this address back."""
        where, who = address_key(address), _key(user.casefold())
        pair = _key(f"{who}\0{where}")
        with self.lock:
            self.addresses.clear(where)
            if pair not in self.trusted:  # a trusted pair's attempt was not counted
                self.users.give_back(who)
            self.trusted[pair] = None
            self.trusted.move_to_end(pair)
            while len(self.trusted) > CAPACITY:
                self.trusted.popitem(last=False)

    async def check(self, work: Callable[[], T]) -> T:
        """Run a password check on the checks' threads; :class:`Busy` at once if
        :data:`MAX_WAITING` checks already wait."""
        with self.lock:
            if self.waiting >= MAX_WAITING:
                raise Busy
            self.waiting += 1
        try:
            return await asyncio.wrap_future(self.checks.submit(work))
        finally:
            with self.lock:
                self.waiting -= 1
