#!/usr/bin/env bash
# The one command on a fresh Debian 12 machine (as root): system packages and Node 20, npm
# dependencies, the build (TypeScript and the C shim), the local registry on 127.0.0.1:5000
# seeded with the images rootfs/ builds offline, then the demo (skip it with --no-demo).
# Idempotent: run it again and it checks each step and redoes only what is cheap to redo.
# Left running afterwards, by design: the registry (tests and demo pull from it; stop it with
# `bash scripts/registry.sh stop`). The demo stops the engine again if it started it.
set -euo pipefail
cd "$(dirname "$0")/.."

demo=1
case "${1:-}" in
  '') ;;
  --no-demo) demo=0 ;;
  *) echo "usage: $0 [--no-demo]" >&2; exit 2 ;;
esac

step() { echo "== $*" >&2; }
step "system packages"; bash scripts/install-deps.sh
step "npm ci";          npm ci --no-audit --no-fund
step "build";           npm run build
step "registry";        bash scripts/registry.sh start
step "images";          sh rootfs/build-all.sh
if [ "$demo" = 1 ]; then step "demo"; bash scripts/demo.sh; fi
