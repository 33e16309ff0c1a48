#!/usr/bin/env bash
# The terminal on arm64: Raspberry Pi OS 64-bit is Debian 12 (Bookworm) arm64, so this builds
# a Debian 12 arm64 root with debootstrap, runs it on this machine through qemu-user, and shows
#
#   1. the kiosk role (./setup.sh kiosk) installs there from PyPI and Debian alone, without
#      Raspberry Pi's archive (lgpio comes from PyPI), leaving pygame-ce and not pygame;
#   2. every library SDL's KMSDRM and evdev drivers load at run time resolves inside the
#      root, the SDL pygame loads there lists KMSDRM, and Mesa's vc4/v3d drivers are there
#      (nojd kiosk check --software, which opens each one with ctypes);
#      and espeak-ng speaks in the root (a prompt rendered and measured in each voice);
#      and its SDL_ttf shapes Arabic (HarfBuzz) with DejaVu Sans;
#   3. nojd kiosk simulate inside the root delivers through a broker on this machine to
#      nojd server ingest on this machine;
#   4. bench/kiosk.py inside the root (idle CPU, memory, press-to-frame), emulated.
#
#   bench/arm64.sh [ROOT]     as root; ROOT defaults to /var/tmp/nojd-arm64 and is kept
#                             between runs (the debootstrap step is skipped when it exists)
#
# It needs this checkout's .venv on the host (./setup.sh install) for the broker side.
# Everything inside runs emulated, 5-20x slower than a Pi: read its times as upper bounds.
# There is no GPU, DRM device, touchscreen or GPIO chip inside: the display is SDL's dummy
# driver and the pins are gpiozero's mock pins.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
REPO=$(pwd)
ROOT=${1:-/var/tmp/nojd-arm64}
VISITORS=${NOJD_ARM64_VISITORS:-20}
say() { printf 'arm64: %s\n' "$*"; }
fail() { say "FAILED: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "run as root (debootstrap, chroot, mounts)"
[ -x "$REPO/.venv/bin/nojd" ] || fail "$REPO/.venv/bin/nojd missing: run ./setup.sh install first"

host_tools() {
    if ! command -v qemu-aarch64-static >/dev/null || ! command -v debootstrap >/dev/null; then
        say "installing qemu-user-static and debootstrap"
        apt-get update -q >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q qemu-user-static debootstrap >/dev/null
    fi
    [ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
    [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] \
        || cat /usr/lib/binfmt.d/qemu-aarch64.conf > /proc/sys/fs/binfmt_misc/register
}

debian_mirror() {
    awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null \
        || awk '/^deb / {print $2; exit}' /etc/apt/sources.list
}

mount_root() {
    mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
    mountpoint -q "$ROOT/dev" || mount --bind /dev "$ROOT/dev"
    # this machine's name service, CA bundle and pip settings, so apt and pip reach their archives
    local file
    for file in /etc/resolv.conf /etc/hosts /etc/ssl/certs/ca-certificates.crt /etc/pip.conf; do
        [ -e "$file" ] && { mkdir -p "$ROOT$(dirname "$file")"; cp -L "$file" "$ROOT$file"; }
    done
    return 0
}

cleanup() {
    set +e  # every step, whatever failed before: the root's /dev must be unmounted
    [ -n "${INGEST_PID:-}" ] && kill "$INGEST_PID" 2>/dev/null
    [ -n "${BROKER_PID:-}" ] && kill "$BROKER_PID" 2>/dev/null
    for m in dev proc; do mountpoint -q "$ROOT/$m" && umount "$ROOT/$m"; done
    rm -rf "${WORK:-}"
}
trap cleanup EXIT
WORK=$(mktemp -d /tmp/nojd-arm64.XXXXXX)

inside() {  # run a command in the root, as a fresh login shell of root would
    chroot "$ROOT" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin /bin/bash -c "$*"
}

seconds_since() { echo $(( $(date +%s) - $1 )); }

# -- 0. the root ----------------------------------------------------------------------------
host_tools
if [ ! -x "$ROOT/usr/bin/python3" ]; then
    say "debootstrap bookworm arm64 into $ROOT (Debian's archive only)"
    started=$(date +%s)
    debootstrap --arch=arm64 --variant=minbase --include=systemd,ca-certificates,git \
        bookworm "$ROOT" "$(debian_mirror)" > "$WORK/debootstrap.log" 2>&1 \
        || { tail -20 "$WORK/debootstrap.log"; fail "debootstrap"; }
    say "root built in $(seconds_since "$started") s"
fi
mount_root
[ "$(inside uname -m)" = aarch64 ] || fail "the root does not run as aarch64"
say "root: $(inside uname -m), $(inside '. /etc/os-release; echo $PRETTY_NAME')"
inside 'grep -rh "^deb\|^URIs" /etc/apt/sources.list /etc/apt/sources.list.d 2>/dev/null' \
    | sed 's/^/arm64:   apt source: /'

# -- 1. the kiosk role from a fresh clone ---------------------------------------------------
rm -rf "$ROOT/opt/nojd"
git clone --quiet "$REPO" "$ROOT/opt/nojd"
say "cloned $(git -C "$REPO" rev-parse --short HEAD) into $ROOT/opt/nojd"
started=$(date +%s)
inside 'cd /opt/nojd && ./setup.sh kiosk' > "$WORK/kiosk-role.log" 2>&1 \
    || { grep -v 'WARNING: Location' "$WORK/kiosk-role.log" | tail -30; fail "./setup.sh kiosk"; }
INSTALL_SECONDS=$(seconds_since "$started")
grep '^setup.sh:' "$WORK/kiosk-role.log" | sed 's/^/arm64:   /'
say "kiosk role installed in $INSTALL_SECONDS s (emulated)"
[ -L "$ROOT/etc/systemd/system/multi-user.target.wants/nojd-kiosk.service" ] \
    || fail "nojd-kiosk.service is not enabled in the root"
say "nojd-kiosk.service enabled; user nojd in: $(inside 'id -nG nojd')"
inside 'apt-cache policy python3-lgpio | grep -q Candidate' \
    && fail "python3-lgpio is in this root's apt sources: this would not prove a PyPI install"
say "apt has no python3-lgpio here; lgpio: $(inside '/opt/nojd/.venv/bin/python -m pip show lgpio 2>/dev/null | grep -E "^(Version|Location)" | tr "\n" " "')"
inside '/opt/nojd/.venv/bin/python - <<EOF
import importlib.metadata as m
names = {d.metadata["Name"].lower() for d in m.distributions()}
assert "pygame-ce" in names and "pygame" not in names, sorted(n for n in names if "pygame" in n)
print("arm64:   pygame distributions installed: pygame-ce only")
EOF' || fail "pygame and pygame-ce"

# -- 2. SDL's KMSDRM and what it loads ------------------------------------------------------
inside '/opt/nojd/.venv/bin/nojd kiosk check --software' > "$WORK/check.txt" || true
sed 's/^/arm64:   /' "$WORK/check.txt"
grep -q '^ok   lgpio' "$WORK/check.txt" || fail "nojd kiosk check --software: no lgpio line"
grep -q '^FAIL' "$WORK/check.txt" && fail "nojd kiosk check --software"
grep -q 'KMSDRM' "$WORK/check.txt" || fail "no KMSDRM in the root's SDL"

# -- 2b. speech: espeak-ng in the root renders a prompt in each voice, measured --------------
inside '/opt/nojd/.venv/bin/python - <<EOF
import io, math, wave
from array import array
from nojd.kiosk.speech import render
from nojd.survey import default_survey
overall = default_survey().question("overall").text
for lang in ("sv", "en", "fi", "ar"):
    words = overall[lang]
    with wave.open(io.BytesIO(render(words, lang))) as sound:
        samples = array("h", sound.readframes(sound.getnframes()))
        seconds = len(samples) / sound.getframerate()
    rms = math.sqrt(sum(s * s for s in samples) / len(samples))
    assert seconds > 1 and rms > 500, (lang, seconds, rms)
    print(f"arm64:   speech {lang}: {seconds:.2f} s, RMS {rms:.0f}")
EOF' || fail "espeak-ng speech in the root"

# -- 2c. Arabic: pygame-ce's SDL_ttf in the root shapes it (HarfBuzz), with DejaVu Sans ------
inside 'SDL_VIDEODRIVER=dummy /opt/nojd/.venv/bin/python - <<EOF
import pygame
pygame.font.init()
from nojd.kiosk.theme import STANDARD
from nojd.survey import default_survey
words = default_survey().welcome["ar"]
shaped = STANDARD.font(40, rtl=True).size(words)[0]
unshaped = STANDARD.font(40).size(words[::-1])[0]
assert shaped < 0.9 * unshaped, (shaped, unshaped)  # joined letters take less room
missing = [c for c in words if not c.isspace() and STANDARD.font(40).metrics(c) == [None]]
assert not missing, missing
print(f"arm64:   Arabic shaped: {shaped} px wide, letters apart {unshaped} px; every letter in DejaVu Sans")
EOF' || fail "Arabic shaping in the root"

# -- 3. a simulated terminal in the root delivers to ingest on this machine -----------------
PORT=$("$REPO/.venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$PORT" > "$WORK/mosquitto.conf"
mosquitto -c "$WORK/mosquitto.conf" > "$WORK/mosquitto.log" 2>&1 &
BROKER_PID=$!
"$REPO/.venv/bin/nojd" server ingest --broker "mqtt://127.0.0.1:$PORT" \
    --db "sqlite:///$WORK/server.sqlite" > "$WORK/ingest.log" 2>&1 &
INGEST_PID=$!
for _ in $(seq 100); do grep -q 'connected' "$WORK/ingest.log" && break; sleep 0.2; done
grep -q 'connected' "$WORK/ingest.log" || { cat "$WORK/ingest.log"; fail "ingest did not connect"; }
say "broker on 127.0.0.1:$PORT and nojd server ingest on this machine"
started=$(date +%s)
inside "cd /opt/nojd && SDL_VIDEODRIVER=dummy GPIOZERO_PIN_FACTORY=mock timeout 900 \
    .venv/bin/nojd kiosk simulate --config firmware_config/demo-kiosk.toml --device arm64-desk \
    --data /var/tmp/arm64-desk --broker mqtt://127.0.0.1:$PORT --visitors $VISITORS --rate 600 \
    --seed 1" > "$WORK/simulate.out" 2> "$WORK/simulate.log" \
    || { tail -20 "$WORK/simulate.log"; fail "nojd kiosk simulate in the root"; }
SIMULATE_SECONDS=$(seconds_since "$started")
committed=$(grep -c '^{"seq"' "$WORK/simulate.out" || true)
stored=$("$REPO/.venv/bin/python" -c "
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(db.execute(\"SELECT count(*) FROM responses WHERE device = 'arm64-desk'\").fetchone()[0])
" "$WORK/server.sqlite")
say "simulate in the root: $committed responses committed, all acknowledged, in $SIMULATE_SECONDS s; the host's store holds $stored from arm64-desk"
[ "$committed" = "$VISITORS" ] && [ "$stored" = "$VISITORS" ] || fail "delivered $stored of $VISITORS"
rm -rf "$ROOT/var/tmp/arm64-desk"

# -- 4. the kiosk benchmark, emulated ------------------------------------------------------
inside 'cd /opt/nojd && .venv/bin/python bench/kiosk.py --idle-seconds 20 --presses 100' \
    > "$WORK/bench.txt" 2>&1 || { cat "$WORK/bench.txt"; fail "bench/kiosk.py in the root"; }
sed 's/^/arm64:   bench\/kiosk.py (emulated): /' "$WORK/bench.txt"

say "all four shown: install $INSTALL_SECONDS s, $stored of $VISITORS visitors delivered"
