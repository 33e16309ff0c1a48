"""`./setup.sh install` on a venv that an older nojd filled with PyPI's pygame: afterwards
pygame-ce, and only pygame-ce, provides `import pygame`, with its KMSDRM-capable SDL."""

import base64
import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pygame_wheel(folder: Path) -> Path:
    """A wheel that installs as PyPI's pygame 2.6.1 would, over pygame-ce's own files."""
    files = {
        "pygame/__init__.py": b"raise ImportError('the pygame from PyPI, without KMSDRM')\n",
        "pygame-2.6.1.dist-info/METADATA": b"Metadata-Version: 2.1\nName: pygame\nVersion: 2.6.1\n",
        "pygame-2.6.1.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for name, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append("pygame-2.6.1.dist-info/RECORD,,")
    path = folder / "pygame-2.6.1-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        for name, data in files.items():
            wheel.writestr(name, data)
        wheel.writestr("pygame-2.6.1.dist-info/RECORD", "\n".join(record) + "\n")
    return path


def test_an_older_venv_with_pygame_gets_pygame_ce_in_its_place(tmp_path):
    venv = tmp_path / "venv"
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    # what an older nojd left: pygame-ce's files overwritten by pygame's
    pip = [str(python), "-m", "pip", "install", "--quiet", "--no-deps"]
    subprocess.run([*pip, "pygame-ce>=2.5.8,<2.6"], check=True)
    subprocess.run([*pip, "--no-index", str(pygame_wheel(tmp_path))], check=True)
    broken = subprocess.run([str(python), "-c", "import pygame"], capture_output=True, text=True)
    assert "without KMSDRM" in broken.stderr

    result = subprocess.run(
        [str(ROOT / "setup.sh"), "install"], capture_output=True, text=True, timeout=900,
        env={**os.environ, "NOJD_VENV": str(venv)},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "replacing pygame with pygame-ce" in result.stdout

    check = (
        "import importlib.metadata as m, pygame\n"
        "names = sorted(d.metadata['Name'].lower() for d in m.distributions())\n"
        "print([n for n in names if n.startswith('pygame')], pygame.IS_CE)\n"
        "from nojd.kiosk.display import sdl_video_drivers\n"
        "print('KMSDRM' in sdl_video_drivers())\n"
    )
    after = subprocess.run(
        [str(python), "-c", check], capture_output=True, text=True,
        env={**os.environ, "PYGAME_HIDE_SUPPORT_PROMPT": "1"},
    )  # fmt: skip
    assert after.stdout.splitlines() == ["['pygame-ce'] 1", "True"], after.stderr
