"""The one way a test waits for another thread or process: poll a condition until a deadline.

To show that something does *not* happen, wait for a later thing that must follow it (or
run the kiosk's clock past the moment), then look: "not within half a second" passes on
any regression that is slower.
"""

import time
from collections.abc import Callable


def wait_until(predicate: Callable[[], object], timeout: float = 30.0, every: float = 0.05) -> bool:
    """Poll ``predicate`` until it holds (True) or ``timeout`` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(every)
    return True
