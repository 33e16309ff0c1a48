#!/usr/bin/env bash
# nojd set-up: installs what the project needs, then runs one role.
#
#   ./setup.sh demo    install, then run broker, server and simulated terminals (nojd demo)
#   ./setup.sh test    install, then lint and run the whole test suite
#   ./setup.sh install install only: apt packages, .venv, the project
#
# Safe to run twice: it installs only what is missing or changed.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")"

APT_PACKAGES=(python3 python3-venv python3-pip mosquitto fonts-dejavu-core tzdata chromium)
VENV=.venv
STAMP=$VENV/.nojd-installed

say() { printf 'setup.sh: %s\n' "$*"; }

missing_apt_packages() {
    local package
    for package in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}\n' "$package" 2>/dev/null | grep -q '^install ok installed$' \
            || printf '%s\n' "$package"
    done
}

install_apt() {
    local missing
    mapfile -t missing < <(missing_apt_packages)
    if [ "${#missing[@]}" -eq 0 ]; then
        say "apt packages present: ${APT_PACKAGES[*]}"
        return
    fi
    if [ "$(id -u)" -ne 0 ]; then
        say "missing apt packages: ${missing[*]}; run this as root (or: sudo apt-get install ${missing[*]})"
        exit 1
    fi
    say "installing apt packages: ${missing[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

system_python() {
    # Debian's own Python, as on a fresh machine and on Raspberry Pi OS.
    if [ -x /usr/bin/python3 ]; then echo /usr/bin/python3; else command -v python3; fi
}

install_venv() {
    local python fingerprint
    python=$(system_python)
    "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || { say "$python is older than 3.11; nojd needs Python 3.11 or newer"; exit 1; }
    if [ ! -x "$VENV/bin/python" ]; then
        say "creating $VENV with $python"
        "$python" -m venv "$VENV"
    fi
    fingerprint=$(cat pyproject.toml setup.sh | sha256sum | cut -d' ' -f1)
    if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$fingerprint" ]; then
        say "nojd already installed in $VENV"
        return
    fi
    say "installing nojd and its test tools into $VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet --editable '.[server,dev]'
    echo "$fingerprint" > "$STAMP"
}

install() {
    install_apt
    install_venv
}

role=${1:-install}
[ $# -gt 0 ] && shift
case "$role" in
    install)
        install
        say "done; next: ./setup.sh demo, or ./setup.sh test"
        ;;
    demo)
        install
        # Broker, server and three simulated terminals; the dashboard joins with the server issue.
        exec "$VENV/bin/nojd" demo "$@"
        ;;
    test)
        install
        if [ -z "${HYPOTHESIS_PROFILE:-}" ] && [ -n "${CI:-}" ]; then
            export HYPOTHESIS_PROFILE=ci
        fi
        say "ruff check"
        "$VENV/bin/ruff" check .
        say "pytest"
        exec "$VENV/bin/python" -m pytest "$@"
        ;;
    *)
        say "unknown role '$role' (expected install, demo or test)"
        exit 2
        ;;
esac
