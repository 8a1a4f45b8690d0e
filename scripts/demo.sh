#!/usr/bin/env bash
# The offline demo: nginx published on the default bridge, then two containers on a
# user-defined network finding each other by name. Cleans up what it created, and stops the
# engine again when it was the one to start it.
set -euo pipefail
cd "$(dirname "$0")/.."
md() { echo "+ minidock $*" >&2; node bin/minidock "$@"; }
# The CLI starts the engine when it is down; if this demo is what starts it, it stops it again
# at the end (containers are removed first; the engine's bridge and nft table stay, as
# docker0 does, for the next start).
sock="${MINIDOCK_HOST:-/run/minidock.sock}"
engine_up() { curl -sf --max-time 2 --unix-socket "$sock" http://engine/_ping >/dev/null 2>&1; }
started_engine=0
engine_up || started_engine=1
remove_demo_objects() {
  # deliberate: these may not exist (first run, or the demo stopped early)
  node bin/minidock rm -f demo-web demo-db >/dev/null 2>&1 || true
  node bin/minidock network rm demo-net >/dev/null 2>&1 || true
}
stop_started_engine() {
  [ "$started_engine" = 1 ] || return 0
  local pid
  pid=$(cat "${MINIDOCK_RUN:-/run/minidock}/minidock.pid" 2>/dev/null) || return 0
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q 'bin/minidock daemon' || return 0
  kill -TERM "$pid"
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  echo "stopped the engine this demo started (pid $pid)" >&2
}
on_exit() { remove_demo_objects; stop_started_engine; }
trap on_exit EXIT
remove_demo_objects

md pull localhost:5000/nginx
md run -d --name demo-web -p 8080:80 localhost:5000/nginx
echo "+ curl -s 127.0.0.1:8080 | head -4" >&2
for _ in $(seq 1 50); do curl -sf 127.0.0.1:8080 >/dev/null && break; sleep 0.1; done
curl -s 127.0.0.1:8080 | head -4
md ps
md port demo-web
md logs demo-web
md inspect -f '{{.NetworkSettings.IPAddress}}' demo-web

md network create demo-net
md run -d --name demo-db --net demo-net --network-alias db localhost:5000/busybox sleep 300
md run --rm --net demo-net localhost:5000/busybox ping -c 2 db
md run --rm --net demo-net localhost:5000/busybox nslookup demo-db
md run --rm localhost:5000/busybox sh -c 'echo "hello from $(hostname) as $(id -un)"; ip -o addr show eth0'
echo "demo done" >&2
