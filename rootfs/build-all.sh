#!/bin/sh
# Builds and pushes every test image to the local registry (idempotent: unchanged blobs are
# not re-uploaded, tags are re-pointed). Needs: node, busybox-static, dpkg-deb, apt-get (first
# run only, debs are cached in rootfs/.cache), ldd. Run scripts/registry.sh start first.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$here/.cache"
# one build at a time (parallel test files may all find images missing)
exec 9>"$here/.cache/.lock"
flock -w 300 9
node "$here/build.mjs" --registry "${MINIDOCK_BUILD_REGISTRY:-http://127.0.0.1:5000}" all
