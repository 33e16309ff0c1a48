#!/usr/bin/env bash
# nojd set-up: installs what the project needs, then runs one role.
#
#   ./setup.sh demo    install, then run broker, server and simulated terminals (nojd demo)
#   ./setup.sh test    install, then lint, type-check and run the whole test suite
#   ./setup.sh install install only: apt packages, .venv, the project
#   ./setup.sh kiosk   a terminal (Raspberry Pi OS Bookworm Lite): packages, user, config, unit
#   ./setup.sh server  the server (Debian 12): Mosquitto, TLS, config, unit, first admin;
#                      its store is SQLite, or with NOJD_DB=postgresql a local PostgreSQL
#                      database, or with NOJD_DB=postgresql://… one elsewhere
#
# Safe to run twice: it installs only what is missing or changed, and never
# overwrites a config, key or password that exists.  With DESTDIR=/some/folder
# the kiosk and server roles write their files under that folder and touch
# nothing else (no apt, no users, no systemctl): to see what they would do.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")"

# What SDL's KMS/DRM driver and evdev input load at run time (dlopen, so ldd does not
# show them): libdrm, GBM, EGL and GLES from Mesa with its DRI drivers (vc4, v3d), udev.
KMSDRM_PACKAGES=(libdrm2 libgbm1 libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri libudev1)
# speech: Debian's espeak-ng voices, played through ALSA's aplay (HDMI, USB or the jack)
SPEECH_PACKAGES=(espeak-ng alsa-utils)
KIOSK_PACKAGES=(python3 python3-venv python3-pip fonts-dejavu-core tzdata "${KMSDRM_PACKAGES[@]}"
    "${SPEECH_PACKAGES[@]}")
# the servicerapport PDF: WeasyPrint lays text out with Pango (and HarfBuzz) from Debian
PDF_PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
# demo and test: everything, so the tests can check the kiosk's libraries too.
# postgresql: the tests start throwaway servers of their own (never the system's instance);
# poppler-utils: pdftotext and pdftoppm read the servicerapport back in the tests
APT_PACKAGES=(python3 python3-venv python3-pip mosquitto fonts-dejavu-core tzdata chromium
    postgresql curl ca-certificates openssl poppler-utils "${KMSDRM_PACKAGES[@]}"
    "${SPEECH_PACKAGES[@]}" "${PDF_PACKAGES[@]}")
SERVER_PACKAGES=(python3 python3-venv python3-pip mosquitto openssl tzdata "${PDF_PACKAGES[@]}")
VENV=${NOJD_VENV:-.venv}  # another venv, for a test of the install itself
STAMP=$VENV/.nojd-installed
APP=$(pwd)
DESTDIR=${DESTDIR:-}
LISTEN=${NOJD_LISTEN:-0.0.0.0:8080}
STORE=${NOJD_DB:-sqlite}
EXTRAS=server,dev,pi

say() { printf 'setup.sh: %s\n' "$*"; }

missing_apt_packages() {
    local package
    for package in "$@"; do
        dpkg-query -W -f='${Status}\n' "$package" 2>/dev/null | grep -q '^install ok installed$' \
            || printf '%s\n' "$package"
    done
}

install_apt() {
    local missing
    mapfile -t missing < <(missing_apt_packages "$@")
    if [ "${#missing[@]}" -eq 0 ]; then
        say "apt packages present: $*"
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
    # PyPI's pygame and pygame-ce both install the package `pygame` over each other;
    # only pygame-ce's SDL has the KMS/DRM console driver.  Keep exactly one: pygame-ce.
    if "$VENV/bin/python" -m pip show pygame >/dev/null 2>&1; then
        say "replacing pygame with pygame-ce in $VENV (pygame's SDL lacks KMS/DRM)"
        "$VENV/bin/python" -m pip uninstall --quiet --yes pygame pygame-ce
        rm -f "$STAMP"
    fi
    fingerprint=$( (cat pyproject.toml setup.sh; echo "$EXTRAS") | sha256sum | cut -d' ' -f1)
    if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$fingerprint" ]; then
        say "nojd already installed in $VENV"
        return
    fi
    say "installing nojd [$EXTRAS] into $VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet --editable ".${EXTRAS:+[$EXTRAS]}"
    echo "$fingerprint" > "$STAMP"
}

# mypy over the code (strict, as pyproject.toml says) and over the tests (whose test
# functions need no annotations).  mypy cannot map folders onto packages as setuptools'
# package-dir does (survey/ is nojd.survey), so it reads the code through a tree of
# links shaped like the installed package (kept in the venv, so mypy's cache holds),
# and its messages are mapped back to the repository's paths.
typecheck() {
    local tree status=0
    tree=$(realpath -m "$VENV/.typecheck")
    rm -rf "$tree"
    mkdir -p "$tree/nojd"
    ln -s "$APP"/nojd/*.py "$tree/nojd/"
    for part in survey kiosk server assets; do ln -s "$APP/$part" "$tree/nojd/$part"; done
    say "mypy (code and bench, strict)"
    MYPYPATH=$tree "$VENV/bin/mypy" "$tree/nojd" bench >"$tree/code.txt" 2>&1 || status=1
    _from_tree "$tree" <"$tree/code.txt"
    say "mypy (tests)"
    # Tests change state through calls and then assert it again (screen is THANKS, wait,
    # screen is WELCOME); mypy keeps the first narrowing across the call and would call the
    # second assert unreachable, so those two checks are off for the tests only.
    MYPYPATH=$tree:$APP/tests "$VENV/bin/mypy" --allow-untyped-defs --allow-incomplete-defs \
        --allow-untyped-calls --no-warn-unreachable --no-strict-equality \
        tests >"$tree/tests.txt" 2>&1 || status=1
    _from_tree "$tree" <"$tree/tests.txt"
    return "$status"
}

_from_tree() {
    # mypy names a file by its path relative to here when it lies below, else absolute
    local relative
    relative=$(realpath -m --relative-to=. "$1")
    sed -e "s#^\($1\|$relative\)/nojd/\(survey\|kiosk\|server\|assets\)/#\2/#" \
        -e "s#^\($1\|$relative\)/##"
}

# axe-core, the accessibility checker the browser tests run on every dashboard page: one
# file from the npm registry's tarball (no Node needed), its digest checked against the
# registry's published integrity, kept in the venv.
AXE_VERSION=4.14.1
AXE_INTEGRITY=sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==
install_axe() {
    local target="$VENV/share/axe-core/axe-$AXE_VERSION.min.js" scratch expected actual
    if [ -f "$target" ]; then
        say "axe-core $AXE_VERSION already in $VENV"
        return
    fi
    say "fetching axe-core $AXE_VERSION from the npm registry"
    scratch=$(mktemp -d)
    curl -fsSL --retry 3 -o "$scratch/axe.tgz" \
        "https://registry.npmjs.org/axe-core/-/axe-core-$AXE_VERSION.tgz"
    expected=${AXE_INTEGRITY#sha512-}
    actual=$(openssl dgst -sha512 -binary "$scratch/axe.tgz" | base64 -w0)
    if [ "$actual" != "$expected" ]; then
        say "axe-core's tarball does not match its published integrity; not installed"
        rm -rf "$scratch"
        exit 1
    fi
    tar -xzf "$scratch/axe.tgz" -C "$scratch" package/axe.min.js
    mkdir -p "$(dirname "$target")"
    mv "$scratch/package/axe.min.js" "$target"
    rm -rf "$scratch"
}

install_all() {
    install_apt "${APT_PACKAGES[@]}"
    install_venv
    install_axe
}

# -- the kiosk and server roles ---------------------------------------------------

# Run a command that changes the system, or say it is skipped under DESTDIR.
system() {
    if [ -n "$DESTDIR" ]; then
        say "skipped under DESTDIR: $*"
    else
        "$@"
    fi
}

# systemctl, or as much of it as works where systemd is not running (an SD card image
# being built, a chroot): enabling a unit then only makes its links; the rest waits
# for the first boot.
service_manager() {
    if [ -n "$DESTDIR" ]; then
        say "skipped under DESTDIR: systemctl $*"
    elif ! command -v systemctl >/dev/null; then
        say "systemd is not installed here (a minimal root): skipped systemctl $*"
    elif [ -d /run/systemd/system ]; then
        systemctl "$@"
    elif [ "$1" = enable ]; then
        systemctl "$@"
    else
        say "systemd is not running here (an image or a chroot): skipped systemctl $*"
    fi
}

# Write a file from stdin unless it exists; mode as given.
write_new() {
    local path=$1 mode=$2
    if [ -e "$path" ]; then
        say "kept $path (exists)"
        cat > /dev/null
        return 1
    fi
    mkdir -p "$(dirname "$path")"
    cat > "$path"
    chmod "$mode" "$path"
    say "wrote $path"
}

# Write a file from stdin, replacing an older version (shipped files, units).
write_shipped() {
    local path=$1 mode=$2 new
    new=$(cat)
    mkdir -p "$(dirname "$path")"
    if [ -f "$path" ] && [ "$(cat "$path")" = "$new" ]; then
        say "unchanged $path"
        return
    fi
    printf '%s\n' "$new" > "$path"
    chmod "$mode" "$path"
    say "wrote $path"
}

unit() {
    sed -e "s|@APP@|$APP|g" -e "s|@LISTEN@|$LISTEN|g" -e "s|@GROUPS@|$(kiosk_groups)|g" \
        "firmware_config/systemd/$1"
}

# The device groups of the kiosk: video (/dev/dri/card*), render (/dev/dri/renderD*) and
# input (/dev/input/event*), which the kiosk role makes if missing, and gpio
# (/dev/gpiochip*) where it exists (Raspberry Pi OS): a unit naming a missing group fails.
kiosk_groups() {
    if getent group gpio >/dev/null; then echo "video render input gpio"; else echo "video render input"; fi
}

role_setup() {
    # The role's apt packages and .venv; under DESTDIR the checkout's .venv must exist.
    local packages=("$@")
    if [ -n "$DESTDIR" ]; then
        say "DESTDIR=$DESTDIR: writing files there only"
        [ -x "$VENV/bin/nojd" ] || { say "$VENV/bin/nojd missing: run ./setup.sh install first"; exit 1; }
        return
    fi
    [ "$(id -u)" -eq 0 ] || { say "the $role role changes the system: run it as root"; exit 1; }
    install_apt "${packages[@]}"
    install_venv
}

service_user() {
    local group
    if [ -n "$DESTDIR" ]; then
        say "skipped under DESTDIR: system user nojd"
        return
    fi
    if ! id nojd >/dev/null 2>&1; then
        useradd --system --home-dir /var/lib/nojd --no-create-home --shell /usr/sbin/nologin nojd
        say "added system user nojd"
    fi
    for group in "$@"; do
        if getent group "$group" >/dev/null; then usermod -a -G "$group" nojd; fi
    done
}

# video, render and input are the groups Debian's udev rules give the DRM and input
# devices; a minimal system may not have them yet (gpio is Raspberry Pi OS's own).
device_groups() {
    local group
    for group in video render input; do
        getent group "$group" >/dev/null && continue
        system groupadd --system "$group"
        [ -n "$DESTDIR" ] || say "added system group $group"
    done
}

data_dir() {
    mkdir -p "$DESTDIR/var/lib/nojd"
    chmod 0750 "$DESTDIR/var/lib/nojd"
    [ -n "$DESTDIR" ] || chown -R nojd:nojd /var/lib/nojd
}

kiosk_role() {
    local cmdline found=""
    # gpiozero's pin library lgpio comes from PyPI (the extra "pi"): Debian has no
    # python3-lgpio, only Raspberry Pi's own archive does, and one source serves both.
    EXTRAS=pi
    if [ -z "$DESTDIR" ] && [ -f "$VENV/pyvenv.cfg" ] \
        && grep -q 'include-system-site-packages = true' "$VENV/pyvenv.cfg"; then
        # An older set-up let the venv see apt's Python packages (python3-lgpio, and
        # python3-pygame if installed).  Hide them before installing, so that pip puts
        # lgpio into the venv instead of counting apt's copy.
        sed -i 's/include-system-site-packages = true/include-system-site-packages = false/' "$VENV/pyvenv.cfg"
        rm -f "$STAMP"
        say "$VENV no longer sees apt's Python packages"
    fi
    role_setup "${KIOSK_PACKAGES[@]}"
    device_groups
    service_user video render input gpio
    data_dir
    if write_new "$DESTDIR/etc/nojd/kiosk.toml" 0640 < firmware_config/kiosk.example.toml; then
        found=new
    fi
    [ -n "$DESTDIR" ] || chgrp nojd /etc/nojd/kiosk.toml
    unit nojd-kiosk.service | write_shipped "$DESTDIR/etc/systemd/system/nojd-kiosk.service" 0644
    # The kiosk draws on the console: the console must never blank.
    for cmdline in "$DESTDIR/boot/firmware/cmdline.txt" "$DESTDIR/boot/cmdline.txt"; do
        [ -f "$cmdline" ] || continue
        if grep -qw 'consoleblank=0' "$cmdline"; then
            say "unchanged $cmdline (consoleblank=0)"
        else
            sed -i '1 s/$/ consoleblank=0/' "$cmdline"
            say "added consoleblank=0 to $cmdline (screen blanking off after a reboot)"
        fi
        break
    done
    service_manager daemon-reload
    service_manager enable nojd-kiosk.service
    if [ "$found" = new ]; then
        say "next: set device, site, broker and [uplink] in /etc/nojd/kiosk.toml"
        say "      (nojd device add on the server writes them), a PIN hash from"
        say "      $VENV/bin/nojd kiosk hash-pin, then: systemctl restart nojd-kiosk"
    else
        service_manager restart nojd-kiosk.service
        say "next: journalctl -u nojd-kiosk -f   (the terminal's log)"
    fi
    say "docs/operations.md: wiring, read-only root, NTP, troubleshooting"
}

# The server's store, from NOJD_DB: sets url, for a new server.toml.
store_url() {
    case "$STORE" in
        sqlite) url="sqlite:///var/lib/nojd/server.sqlite" ;;
        # the local socket, with peer authentication: the service user nojd is the role nojd
        postgresql) url="postgresql:///nojd" ;;
        postgresql://* | postgres://*)
            if [[ "$STORE" =~ [[:space:]\"] ]]; then
                say "NOJD_DB: a URL with a space, quote or backslash cannot go into server.toml"
                exit 2
            fi
            url=$STORE
            ;;
        *)
            say "NOJD_DB='$STORE': expected sqlite, postgresql (a local database) or a postgresql:// URL"
            exit 2
            ;;
    esac
}

# A local PostgreSQL: Debian's cluster running, and the role and database nojd, once.
# Sets url to the cluster's socket: its port is 5432 unless another server had that one.
local_postgresql() {
    local cluster port psql
    if [ -n "$DESTDIR" ]; then
        say "skipped under DESTDIR: the PostgreSQL role and database nojd"
        return
    fi
    # the cluster on the lowest port: Debian's first, the one psql itself would use
    read -r cluster port < <(pg_lsclusters --no-header | sort -k3,3n | awk 'NR == 1 {print $1 "/" $2, $3}')
    [ -n "$cluster" ] || { say "PostgreSQL is installed but has no cluster: pg_createcluster 15 main"; exit 1; }
    psql=(runuser -u postgres -- psql --cluster "$cluster" -X -q -t -A -v ON_ERROR_STOP=1 -d postgres)
    if ! "${psql[@]}" -c 'SELECT 1' >/dev/null 2>&1; then
        if [ -d /run/systemd/system ]; then
            systemctl start postgresql.service
        else  # an image or a chroot: start the cluster itself
            pg_ctlcluster "${cluster%/*}" "${cluster#*/}" start
        fi
    fi
    if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = 'nojd'")" = 1 ]; then
        say "kept the PostgreSQL role nojd"
    else
        "${psql[@]}" -c 'CREATE ROLE nojd LOGIN'
        say "made the PostgreSQL role nojd (peer authentication: the system user nojd)"
    fi
    if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = 'nojd'")" = 1 ]; then
        say "kept the PostgreSQL database nojd"
    else
        "${psql[@]}" -c 'CREATE DATABASE nojd OWNER nojd'
        say "made the PostgreSQL database nojd"
    fi
    [ "$port" = 5432 ] || url="postgresql:///nojd?port=$port"
}

# nojd as the service user, which is the one that can reach a local PostgreSQL.
as_service() {
    if [ -z "$DESTDIR" ] && [ "$STORE" = postgresql ]; then
        if ! runuser -u nojd -- test -x "$APP/$VENV/bin/nojd"; then
            say "the user nojd cannot run $APP/$VENV/bin/nojd: install nojd in a folder it can read (/opt/nojd)"
            exit 1
        fi
        runuser -u nojd -- "$@"
    else
        "$@"
    fi
}

server_role() {
    local etc=$DESTDIR/etc password tls=$DESTDIR/etc/nojd/tls url configured packages=("${SERVER_PACKAGES[@]}")
    local db=()
    EXTRAS=server
    store_url
    [ "$STORE" = postgresql ] && packages+=(postgresql)
    role_setup "${packages[@]}"
    service_user
    data_dir
    [ "$STORE" = postgresql ] && local_postgresql
    if DB_URL=$url awk '!done && /^db = / { $0 = "db = \"" ENVIRON["DB_URL"] "\""; done = 1 } 1' \
        firmware_config/server.example.toml | write_new "$etc/nojd/server.toml" 0640; then
        say "the store: $(nojd_url_shown "$url")"
    else
        configured=$(sed -n 's/^db = "\([^"]*\)".*/\1/p' "$etc/nojd/server.toml" | head -1)
        if [ -n "${NOJD_DB:-}" ] && [ "$configured" != "$url" ]; then
            say "kept the store of $etc/nojd/server.toml: $(nojd_url_shown "$configured"), not NOJD_DB's;"
            say "      to move it: docs/operations.md, Moving a store (nojd server store copy)"
        fi
    fi
    [ -n "$DESTDIR" ] || chgrp nojd /etc/nojd/server.toml
    # Mosquitto: its users and rights in the dynamic-security plugin (docs/security.md).
    # The plugin's file is written once, before the config that loads it; the terminals of
    # an older install (in nojd.passwd) are carried over with their passwords.
    plugin=$(dpkg -L mosquitto 2>/dev/null | grep '/mosquitto_dynamic_security\.so$' | head -1 || true)
    if [ -z "$plugin" ]; then
        say "Mosquitto's dynamic-security plugin is missing (dpkg -L mosquitto lists no mosquitto_dynamic_security.so)"
        exit 1
    fi
    if grep -q '^password = ""' "$etc/nojd/server.toml"; then
        password=$(openssl rand -hex 24)
        sed -i "0,/^password = \"\"/s//password = \"$password\"/" "$etc/nojd/server.toml"
        say "made a broker password for nojd-server in $etc/nojd/server.toml"
    fi
    install -d "$DESTDIR/var/lib/mosquitto"
    "$VENV/bin/nojd" broker init --config "$etc/nojd/server.toml" \
        --plugin-file "$DESTDIR/var/lib/mosquitto/nojd-dynsec.json" \
        --admin "$etc/nojd/broker-admin.toml" --passwd "$etc/mosquitto/nojd.passwd" | while read -r line; do say "$line"; done
    [ -n "$DESTDIR" ] || chown mosquitto: /var/lib/mosquitto/nojd-dynsec.json
    sed "s|/usr/lib/@MULTIARCH@/mosquitto_dynamic_security.so|$plugin|" firmware_config/mosquitto/nojd.conf |
        write_shipped "$etc/mosquitto/conf.d/nojd.conf" 0644
    for old in nojd.acl nojd.passwd; do
        if [ -f "$etc/mosquitto/$old" ]; then
            mv "$etc/mosquitto/$old" "$etc/mosquitto/$old.unused"
            say "renamed $etc/mosquitto/$old to $old.unused (the plugin holds users and rights now)"
        fi
    done
    # TLS for the terminals' listener: a local CA on first run, unless given.
    if [ -f "$tls/server.crt" ]; then
        say "kept the TLS certificate in $tls"
    elif [ -n "${NOJD_TLS_CERT:-}" ]; then
        install -d -m 0750 "$tls"
        install -m 0644 "$NOJD_TLS_CERT" "$tls/server.crt"
        install -m 0640 "$NOJD_TLS_KEY" "$tls/server.key"
        install -m 0644 "$NOJD_TLS_CA" "$tls/ca.crt"
        say "installed the given certificate, key and CA in $tls"
    else
        make_ca "$tls"
    fi
    [ -n "$DESTDIR" ] || { chgrp mosquitto "$tls" "$tls/server.key"; chmod 0750 "$tls"; }
    unit nojd-server.service | write_shipped "$etc/systemd/system/nojd-server.service" 0644
    # The first admin, once. Under DESTDIR the config names the real /var/lib: the copy's
    # SQLite file is given instead, and a local PostgreSQL is not reached at all.
    if [ -n "$DESTDIR" ] && [ "$STORE" = postgresql ]; then
        say "skipped under DESTDIR: the first dashboard user (in PostgreSQL)"
    else
        [ -n "$DESTDIR" ] && [ "$STORE" = sqlite ] && db=(--db "sqlite://$DESTDIR/var/lib/nojd/server.sqlite")
        if [ -n "$(as_service "$VENV/bin/nojd" server user list --config "$etc/nojd/server.toml" "${db[@]}")" ]; then
            say "kept the dashboard users"
        else
            password=$(openssl rand -base64 12)
            printf '%s\n' "$password" | as_service "$VENV/bin/nojd" server user add admin --config "$etc/nojd/server.toml" "${db[@]}"
            say "dashboard login: admin / $password   (shown only now; change it with"
            say "      $(service_prefix)$VENV/bin/nojd server user add admin --config /etc/nojd/server.toml)"
        fi
    fi
    [ -n "$DESTDIR" ] || chown -R nojd:nojd /var/lib/nojd
    service_manager daemon-reload
    service_manager enable mosquitto.service nojd-server.service
    service_manager restart mosquitto.service
    service_manager restart nojd-server.service
    say "next: the dashboard is at http://$(hostname -f 2>/dev/null || hostname):${LISTEN##*:}/"
    say "      for each terminal: $VENV/bin/nojd device add ID --site SITE --broker mqtts://$(hostname -f 2>/dev/null || hostname):8883 --ca-file /etc/nojd/tls/ca.crt"
    say "      and copy /etc/nojd/tls/ca.crt and the terminal's ID.toml to it (docs/operations.md)"
}

# How to run nojd by hand against this store: as the user nojd for a local PostgreSQL.
service_prefix() {
    [ "$STORE" = postgresql ] && printf 'runuser -u nojd -- '
    return 0
}

# A URL without its password, for a message.
nojd_url_shown() {
    sed -E 's|^([a-z]+://[^:/@]*):[^@]*@|\1@|' <<< "$1"
}

make_ca() {
    local tls=$1 name ips san
    name=$(hostname -f 2>/dev/null || hostname)
    san="DNS:$name,DNS:localhost,IP:127.0.0.1"
    for ips in $(hostname -I 2>/dev/null); do san="$san,IP:$ips"; done
    install -d -m 0750 "$tls"
    if [ -f "$tls/ca.crt" ] && [ -f "$tls/ca.key" ]; then
        say "kept the local CA in $tls (terminals keep trusting it)"
    else
        openssl req -x509 -newkey rsa:3072 -nodes -days 3650 -subj "/CN=nojd local CA" \
            -keyout "$tls/ca.key" -out "$tls/ca.crt" 2>/dev/null
        say "made a local CA in $tls: copy ca.crt to every terminal"
    fi
    openssl req -newkey rsa:3072 -nodes -subj "/CN=$name" \
        -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
    openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" \
        -CAcreateserial -days 825 -extfile <(printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$san") \
        -out "$tls/server.crt" 2>/dev/null
    rm -f "$tls/server.csr"
    chmod 0600 "$tls/ca.key"
    chmod 0640 "$tls/server.key"
    chmod 0644 "$tls/ca.crt" "$tls/server.crt"
    say "made a server certificate for $san in $tls"
}

role=${1:-install}
[ $# -gt 0 ] && shift
case "$role" in
    install)
        install_all
        say "done; next: ./setup.sh demo, or ./setup.sh test"
        ;;
    demo)
        install_all
        # Broker, server with dashboard, three simulated terminals; Ctrl-C stops it all.
        exec "$VENV/bin/nojd" demo "$@"
        ;;
    kiosk)
        kiosk_role
        ;;
    server)
        server_role
        ;;
    test)
        install_all
        if [ -z "${HYPOTHESIS_PROFILE:-}" ] && [ -n "${CI:-}" ]; then
            export HYPOTHESIS_PROFILE=ci
        fi
        say "ruff check and format"
        "$VENV/bin/ruff" check .
        "$VENV/bin/ruff" format --check .
        typecheck
        # Four workers on any machine: most tests wait on brokers, servers and kiosks
        # rather than compute, so four run well on two cores (docs/architecture.md).
        say "pytest (${NOJD_TEST_WORKERS:-4} workers)"
        exec "$VENV/bin/python" -m pytest -n "${NOJD_TEST_WORKERS:-4}" "$@"
        ;;
    *)
        say "unknown role '$role' (expected install, demo, test, kiosk or server)"
        exit 2
        ;;
esac
