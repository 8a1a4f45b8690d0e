#!/usr/bin/env bash
# Installs minidock.service and minidock.socket (contrib/systemd) for this checkout and this
# node, then enables them so the engine starts at boot (and on the first connection).
#   bash scripts/install-systemd.sh [--unit-dir DIR] [--no-enable]
# --unit-dir writes the units elsewhere (tests use a scratch dir); --no-enable only writes them.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
unit_dir=/etc/systemd/system
enable=1
while [ $# -gt 0 ]; do
  case "$1" in
    --unit-dir) unit_dir="$2"; shift 2 ;;
    --no-enable) enable=0; shift ;;
    *) echo "install-systemd.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done
node="$(command -v node)"
[ -f "$repo/dist/cli/main.js" ] || { echo "install-systemd.sh: build first (npm run build)" >&2; exit 1; }
mkdir -p "$unit_dir"
for u in minidock.service minidock.socket; do
  sed -e "s#@NODE@#$node#g" -e "s#@MINIDOCK@#$repo/bin/minidock#g" -e "s#@REPO@#$repo#g" \
    "$repo/contrib/systemd/$u" > "$unit_dir/$u.tmp"
  mv "$unit_dir/$u.tmp" "$unit_dir/$u"
done
echo "installed minidock.service and minidock.socket in $unit_dir"
if [ "$enable" = 1 ]; then
  if [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    systemctl enable --now minidock.socket minidock.service
  else
    # no running systemd (a chroot, an image being built): enabled for the next boot
    systemctl enable minidock.socket minidock.service
  fi
fi
