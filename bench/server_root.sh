#!/usr/bin/env bash
# The server role on a fresh Debian 12, with a local PostgreSQL: builds a minimal Debian 12
# (amd64) root with debootstrap, clones this checkout into /opt/nojd there, and shows
#
#   1. NOJD_DB=postgresql ./setup.sh server installs from Debian and PyPI alone, makes the
#      PostgreSQL role and database nojd, names the cluster's socket in server.toml and
#      makes the first dashboard user as the system user nojd (peer authentication);
#   2. a second run changes nothing and keeps every secret;
#   3. Mosquitto starts with Debian's own mosquitto.conf and the role's conf.d/nojd.conf
#      (its dynamic-security plugin, as user mosquitto), nojd server run (as nojd) answers
#      /healthz, and a simulated terminal made with nojd device add (through the plugin)
#      delivers five answers into PostgreSQL.
#
#   bench/server_root.sh [ROOT]   as root; ROOT defaults to /var/tmp/nojd-server-root and
#                                 is kept between runs (debootstrap is skipped when it exists)
#
# There is no systemd inside: the role says which systemctl steps it skipped, and this
# script starts PostgreSQL, Mosquitto and the server by hand. A PostgreSQL already on this
# machine's port 5432 makes the root's cluster take 5433, which the role then names.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
REPO=$(pwd)
ROOT=${1:-/var/tmp/nojd-server-root}
say() { printf 'server-root: %s\n' "$*"; }
fail() { say "FAILED: $*"; exit 1; }
inside() {
    chroot "$ROOT" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        LANG=C.UTF-8 "$@"
}

[ "$(id -u)" -eq 0 ] || fail "run as root (debootstrap, chroot, mounts)"
command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null
if [ ! -x "$ROOT/usr/bin/python3" ]; then
    say "debootstrap bookworm into $ROOT"
    mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || echo http://deb.debian.org/debian)
    debootstrap --variant=minbase --include=python3,python3-venv,python3-pip,ca-certificates,git,openssl \
        bookworm "$ROOT" "$mirror" > /tmp/nojd-server-root.log 2>&1 || fail "debootstrap: /tmp/nojd-server-root.log"
fi
mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
mountpoint -q "$ROOT/dev" || mount --bind /dev "$ROOT/dev"
for f in /etc/resolv.conf /etc/hosts /etc/pip.conf /etc/ssl/certs/ca-certificates.crt; do
    [ -e "$f" ] && { mkdir -p "$ROOT$(dirname "$f")"; cp -L "$f" "$ROOT$f"; }
done
[ -d /etc/xdg/pip ] && { mkdir -p "$ROOT/etc/xdg"; cp -rL /etc/xdg/pip "$ROOT/etc/xdg/"; }
rm -rf "$ROOT/opt/nojd"
git clone -q "$REPO" "$ROOT/opt/nojd"
say "cloned $(git -C "$REPO" rev-parse --short HEAD) into $ROOT/opt/nojd"

started=$(date +%s)
inside NOJD_DB=postgresql /bin/bash -c 'cd /opt/nojd && ./setup.sh server' > /tmp/nojd-server-root.1 2>&1 \
    || { tail -20 /tmp/nojd-server-root.1; fail "first run"; }
say "first run: $(($(date +%s) - started)) s"
inside NOJD_DB=postgresql /bin/bash -c 'cd /opt/nojd && ./setup.sh server' > /tmp/nojd-server-root.2 2>&1 \
    || { tail -20 /tmp/nojd-server-root.2; fail "second run"; }
grep -q "kept the dashboard users" /tmp/nojd-server-root.2 || fail "the second run made a user again"
grep -q "kept the PostgreSQL database nojd" /tmp/nojd-server-root.2 || fail "the second run made the database again"
grep '^db = ' "$ROOT/etc/nojd/server.toml"

# The root shares this machine's network: if a broker here has 1883 already, the root's
# Mosquitto moves to a free port (in its copy of nojd.conf and server.toml only).
port=1883
if python3 -c 'import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(("127.0.0.1", 1883)) != 0)'; then
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    sed -i "s/^listener 1883 127.0.0.1$/listener $port 127.0.0.1/; s/^listener 8883$/listener $((port + 1))/" \
        "$ROOT/etc/mosquitto/conf.d/nojd.conf"
    say "port 1883 is taken on this machine: the root's broker listens on $port"
fi
# The clients' port (a kept root's files name the port of its last run: any is replaced).
sed -i -E "s|^url = \"mqtt://127.0.0.1:[0-9]+\"|url = \"mqtt://127.0.0.1:$port\"|" \
    "$ROOT/etc/nojd/server.toml" "$ROOT/etc/nojd/broker-admin.toml"

cat > "$ROOT/root/try-server.sh" <<'EOF'
set -euo pipefail
cd /opt/nojd
port=$1
cluster=$(pg_lsclusters --no-header | sort -k3,3n | awk 'NR == 1 {print $1 "/" $2}')
pg_ctlcluster "${cluster%/*}" "${cluster#*/}" start 2>/dev/null || true
mkdir -p /run/mosquitto && chown mosquitto: /run/mosquitto
mosquitto -c /etc/mosquitto/mosquitto.conf >/dev/null 2>/tmp/mosquitto.err &
broker=$!
trap 'kill "$broker" 2>/dev/null || true' EXIT  # a failed step must not leave it holding the pipe
for _ in $(seq 50); do
    python3 -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1', $port)) != 0)" && break
    kill -0 "$broker" || { tail -3 /var/log/mosquitto/mosquitto.log; exit 1; }
    sleep 0.2
done
echo "broker: pid $broker on port $port"
# through the plugin's control topic, as nojd-admin: a kept root has desk-1 already
add=(.venv/bin/nojd device add desk-1 --site kontaktcenter --broker "mqtt://127.0.0.1:$port" --out /root/terminals)
"${add[@]}" 2>/dev/null || "${add[@]}" --rotate
runuser -u nojd -- sh -c 'echo $$ > /tmp/server.pid; exec .venv/bin/nojd server run --config /etc/nojd/server.toml --listen 127.0.0.1:18080' > /tmp/server.log 2>&1 &
for _ in $(seq 100); do
    health=$(python3 -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:18080/healthz').read().decode())" 2>/dev/null) && break
    sleep 0.2
done
echo "healthz: ${health:-no answer}"
count() { runuser -u postgres -- psql --cluster "$cluster" -tAc "SELECT count(*) FROM responses" nojd; }
before=$(count)
GPIOZERO_PIN_FACTORY=mock SDL_VIDEODRIVER=dummy .venv/bin/nojd kiosk simulate --config /root/terminals/desk-1.toml \
    --data /tmp/desk-1 --visitors 5 --rate 600 > /dev/null 2>&1
for _ in $(seq 100); do [ "$(count)" -ge $((before + 5)) ] && break; sleep 0.2; done
echo "new responses in PostgreSQL: $(($(count) - before))"
echo "connections: $(runuser -u postgres -- psql --cluster "$cluster" -tAc "SELECT string_agg(application_name || ' as ' || usename, ', ') FROM pg_stat_activity WHERE datname = 'nojd'")"
kill "$(cat /tmp/server.pid)"
kill "$broker"; wait "$broker" || true
pg_ctlcluster "${cluster%/*}" "${cluster#*/}" stop
EOF
inside /bin/bash /root/try-server.sh "$port" | tee /tmp/nojd-server-root.3
grep -q '"status":"ok"' /tmp/nojd-server-root.3 || fail "the server did not answer /healthz"
grep -q "new responses in PostgreSQL: 5" /tmp/nojd-server-root.3 || fail "the answers did not reach PostgreSQL"
say "done"
