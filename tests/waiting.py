"""The one way a test waits for another thread or process: poll a condition until a deadline.

To show that something does *not* happen, wait for a later thing that must follow it (or
run the kiosk's clock past the moment), then look: "not within half a second" passes on
any regression that is slower.
"""

import threading
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def wait_until(predicate: Callable[[], object], timeout: float = 30.0, every: float = 0.05) -> bool:
    """Poll ``predicate`` until it holds (True) or ``timeout`` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(every)
    return True


def at_once(work: Callable[[T], object], items: Sequence[T], timeout: float = 120.0) -> None:
    """Run ``work(item)`` for every item in a thread of its own, all released together;
    fail if one raised or has not finished within ``timeout`` (a race test whose racers
    crashed, or hang, proves nothing)."""
    start = threading.Barrier(len(items))
    failed: list[BaseException] = []

    def run(item: T) -> None:
        try:
            start.wait(timeout=30)
            work(item)
        except BaseException as exc:  # handed to the test's thread below
            failed.append(exc)

    threads = [threading.Thread(target=run, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    assert not any(thread.is_alive() for thread in threads), f"still running after {timeout} s"
    if failed:
        raise failed[0]
