#!/bin/sh
# Thin entry for bench/pull.ts (see there); arguments are passed on: --runs N --image REF --no-docker
set -eu
cd "$(dirname "$0")/.."
exec npx vite-node bench/pull.ts -- "$@"
