"""Kiosk benchmark: idle CPU, peak memory, press-to-frame latency.

    .venv/bin/python bench/kiosk.py [--idle-seconds 30] [--presses 500]
                                    [--panel 800x480] [--rotate 0|90|180|270]

Idle CPU and peak RSS are read from /proc for a real ``nojd kiosk run``
process (SDL dummy driver, gpiozero mock pins) that sits on its welcome
screen.  Latency is measured in-process: from the moment a mock pin is driven
low to the moment the frame that shows the press has been flipped.
Aims (the kiosk issue): idle CPU < 2 % of a core, RSS < 80 MB, p99 < 50 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

CONFIG = """
device = "bench-desk"
site = "bench"
data_dir = "{data}"
[display]
fullscreen = false
rotate = {rotate}
[session]
response_interval = 0.001
settle_time = 0  # press at once: this measures the path from pin to frame
rapid_repeat_limit = 1000000
"""


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def idle(config: Path, seconds: float, panel: str) -> tuple[float, float]:
    nojd = str(Path(sys.executable).with_name("nojd"))
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "GPIOZERO_PIN_FACTORY": "mock"}
    process = subprocess.Popen(
        [nojd, "kiosk", "run", "--config", str(config), "--window", panel],
        env=env, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stderr is not None
        line = "-"
        while line and "ready" not in line:  # "ready": the first frame is drawn
            line = process.stderr.readline()
        if not line:
            raise RuntimeError("nojd kiosk run ended before it was ready")
        start_cpu, start = cpu_seconds(process.pid), time.monotonic()
        time.sleep(seconds)  # the measurement window itself
        used = cpu_seconds(process.pid) - start_cpu
        share = 100 * used / (time.monotonic() - start)
        return share, peak_rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)


def sdl_wait_cost(seconds: float) -> float:
    """CPU share of sleeping in pygame.event.wait(1000) with the dummy driver, for comparison."""
    script = (
        "import os, time; os.environ['SDL_VIDEODRIVER'] = 'dummy'; "
        "os.environ['PYGAME_HIDE_SUPPORT_PROMPT'] = '1'; import pygame; "
        "pygame.display.init(); pygame.display.set_mode((800, 480)); pygame.event.get(); "
        "t, w = time.process_time(), time.monotonic()\n"
        f"while time.monotonic() - w < {seconds}: pygame.event.wait(1000)\n"
        "print(100 * (time.process_time() - t) / (time.monotonic() - w))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    return float(result.stdout)


def latency(config: Path, presses: int, panel: tuple[int, int]) -> list[float]:
    os.environ["SDL_VIDEODRIVER"] = "dummy"
    from gpiozero.pins.mock import MockFactory

    from nojd.kiosk.config import load_config
    from nojd.kiosk.wiring import build_kiosk

    factory = MockFactory()
    kiosk = build_kiosk(load_config(config), pin_factory=factory, window=panel)
    frames: list[float] = []
    frame = threading.Event()

    def on_frame(version: int, at: float) -> None:
        frames.append(at)
        frame.set()

    kiosk.on_frame = on_frame
    pins = [factory.pin(pin) for pin in kiosk.config.gpio.buttons]
    samples: list[float] = []

    def visitor() -> None:
        try:
            for index in range(presses):
                frame.clear()
                question = kiosk.view.question
                choices = len(question.options) if question and question.options else 5
                pin = pins[(index * 3) % choices]
                pressed = time.perf_counter()
                pin.drive_low()
                pin.drive_high()
                if not frame.wait(5):
                    raise RuntimeError("no frame after a press")
                samples.append(frames[-1] - pressed)
                # let the thank-you screen end (response_interval) before the next visitor
                kiosk.wait_for(lambda view: view.screen.value != "thanks", 5)
        finally:
            kiosk.stop()

    thread = threading.Thread(target=visitor)
    thread.start()
    kiosk.run()
    thread.join()
    kiosk.close()
    factory.close()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle-seconds", type=float, default=30)
    parser.add_argument("--presses", type=int, default=500)
    parser.add_argument("--panel", default="800x480", help="the panel's size, WxH")
    parser.add_argument("--rotate", type=int, default=0, choices=(0, 90, 180, 270))
    args = parser.parse_args()
    width, height = (int(side) for side in args.panel.split("x"))
    panel = (width, height)
    with tempfile.TemporaryDirectory() as scratch:
        config = Path(scratch) / "kiosk.toml"
        text = CONFIG.format(data=Path(scratch) / "data", rotate=args.rotate)
        config.write_text(text, encoding="utf-8")
        cpu, rss = idle(config, args.idle_seconds, args.panel)
        sdl = sdl_wait_cost(min(args.idle_seconds, 10))
        samples = sorted(latency(config, args.presses, panel))
    p50 = statistics.median(samples) * 1000
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))] * 1000
    print(f"panel {args.panel}, display.rotate {args.rotate}")
    print(f"idle CPU over {args.idle_seconds:.0f} s: {cpu:.2f} % of a core (aim < 2 %)")
    print(f"for comparison, sleeping in pygame.event.wait(1000): {sdl:.2f} % of a core")
    print(f"peak RSS of nojd kiosk run: {rss:.1f} MB (aim < 80 MB)")
    print(
        f"press-to-frame over {len(samples)} presses: p50 {p50:.2f} ms, p99 {p99:.2f} ms, "
        f"max {samples[-1] * 1000:.2f} ms (aim p99 < 50 ms)"
    )


if __name__ == "__main__":
    main()
