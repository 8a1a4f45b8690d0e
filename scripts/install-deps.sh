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

# Seccomp: libseccomp-dev builds the shim's filter (libseccomp.a for the static shim);
# golang-github-containers-common ships podman's profile (/usr/share/containers/seccomp.json).
apt-get install -y -qq --no-install-recommends libseccomp-dev golang-github-containers-common >/dev/null
# The default profile is docker's own (moby profiles/seccomp/default.json). Debian ships it in
# golang-github-docker-docker-dev, whose Go source dependencies (some 260 packages, systemd
# upgrades among them) minidock does not need: the package is downloaded and only that file kept.
profile=usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# apt-get download writes as the _apt user when it can
if id _apt >/dev/null 2>&1; then chown _apt "$tmp"; fi
(cd "$tmp" && apt-get download -qq golang-github-docker-docker-dev >/dev/null)
dpkg-deb --fsys-tarfile "$tmp"/golang-github-docker-docker-dev_*.deb | tar -x -C "$tmp" "./$profile"
install -D -m 0644 "$tmp/$profile" /usr/share/minidock/seccomp/default.json
