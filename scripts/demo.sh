#!/usr/bin/env bash
# The offline demo: nginx published on the default bridge, then two containers on a
# user-defined network finding each other by name. Cleans up what it created.
set -euo pipefail
cd "$(dirname "$0")/.."
md() { echo "+ minidock $*" >&2; node bin/minidock "$@"; }
cleanup() {
  node bin/minidock rm -f demo-web demo-db >/dev/null 2>&1 || true
  node bin/minidock network rm demo-net >/dev/null 2>&1 || true
}
trap cleanup EXIT
cleanup

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
