#!/usr/bin/env bash
# Installs every system package minidock and its tests need (Debian 12, as root).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  iproute2 iptables nftables util-linux procps psmisc kmod \
  gcc libc6-dev make \
  docker-registry busybox-static apache2-utils openssl attr curl ca-certificates \
  libssl3 libpcre2-8-0 zlib1g libcrypt1 \
  iperf3 tmux >/dev/null
