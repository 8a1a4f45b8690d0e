#!/usr/bin/env bash
# Installs the Docker clients the compatibility suite (test/compat, `npm run compat`) drives,
# from Debian only (Debian 12, as root): dockerd and the docker CLI (docker.io 20.10),
# docker-compose 1.29 and docker-py 5 (python3-docker, run with Debian's /usr/bin/python3).
# The npm clients (dockerode, testcontainers) are dev dependencies installed by `npm ci`.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if ! dpkg -s docker.io docker-compose python3-docker >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends docker.io docker-compose python3-docker >/dev/null
fi
