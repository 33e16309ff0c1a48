"""A signal that arrives while the main thread holds the lock its handler needs: with
:func:`nojd.signals.stop_on` the process still stops; a handler that takes the lock
itself hangs for good (the terminal that would not stop under load)."""

import subprocess
import sys

SCRIPT = """
import os, signal, threading
from nojd.signals import stop_on
stopped = threading.Event()
lock = threading.Lock()

def stop():
    with lock:
        stopped.set()

if {direct}:
    signal.signal(signal.SIGTERM, lambda *_: stop())
else:
    stop_on(stop, signal.SIGTERM)
with lock:  # the main thread holds the lock when the signal comes
    os.kill(os.getpid(), signal.SIGTERM)
    sum(range(1000))  # a few bytecodes: the handler runs here, inside the lock
print("stopped" if stopped.wait(10) else "not stopped")
"""


def run(direct: bool, patience: float) -> subprocess.CompletedProcess[str] | None:
    try:
        return subprocess.run([sys.executable, "-c", SCRIPT.format(direct=direct)],
                              capture_output=True, text=True, timeout=patience)  # fmt: skip
    except subprocess.TimeoutExpired:
        return None


def test_a_signal_inside_the_lock_still_stops_the_process():
    done = run(direct=False, patience=30)
    assert done is not None and done.stdout.strip() == "stopped", done


def test_a_handler_that_takes_the_lock_itself_hangs():
    assert run(direct=True, patience=5) is None  # what stop_on is for: this one never ends
