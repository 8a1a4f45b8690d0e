#!/usr/bin/env bash
# Offline demo set-up: a CNCF registry on 127.0.0.1:5000 seeded with the images rootfs/ builds
# from Debian packages (busybox, nginx, test images).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/registry.sh start
bash rootfs/build-all.sh
