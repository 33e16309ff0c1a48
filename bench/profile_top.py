"""The top lines of a py-spy profile in collapsed-stack form (``py-spy record --format raw``):
the functions where the samples were (self) and the ones they were under (total).

    .venv/bin/python bench/profile_top.py ingest.prof [--top 15] [--thread NAME]
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<function>.+?) \((?P<file>[^()]*?)(?::\d+)?\)$")


def short(frame: str) -> str:
    found = FRAME.match(frame.strip())
    if not found:
        return frame.strip()
    path = found.group("file")
    for marker in ("site-packages/", "lib/python3.11/", "/nojd/", "/work/main/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{found.group('function')} ({path})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    own: Counter[str] = Counter()
    under: Counter[str] = Counter()
    total = 0
    for line in args.profile.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = [short(frame) for frame in stack.split(";")]
        samples = int(count)
        total += samples
        own[frames[-1]] += samples
        for frame in set(frames):
            under[frame] += samples
    print(f"{total} samples")
    print("self %  | function")
    for frame, samples in own.most_common(args.top):
        print(f"{100 * samples / total:5.1f}  | {frame}")
    print("total % | function")
    for frame, samples in under.most_common(args.top + 10):
        print(f"{100 * samples / total:5.1f}  | {frame}")


if __name__ == "__main__":
    main()
