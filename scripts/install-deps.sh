#!/usr/bin/env bash
# Installs every system package minidock and its tests need (Debian 12, as root) and checks
# that node is at least package.json's engines. Idempotent: apt runs only for what is missing.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

PACKAGES=(
  iproute2 iptables nftables util-linux procps psmisc kmod
  gcc libc6-dev make
  docker-registry busybox-static apache2-utils openssl attr curl ca-certificates
  libssl3 libpcre2-8-0 zlib1g libcrypt1
  iperf3 tmux
  containernetworking-plugins
  libseccomp-dev golang-github-containers-common
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
# rootfs/build.mjs fetches nginx's .debs with `apt-get download`, which needs the apt lists.
if [ ${#missing[@]} -gt 0 ] || ! compgen -G '/var/lib/apt/lists/*_Packages' >/dev/null; then
  apt-get update -qq
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# node >= 20.18 (package.json "engines")
node_ok() { command -v node >/dev/null && node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 18) ? 0 : 1)'; }
if ! node_ok; then
  # Debian 12 ships node 18; minidock needs the Node 20 line. It is not fetched from outside
  # the distribution here: install it the way your site installs Node, then run this again.
  echo "node >= 20.18 is required (found: $(node --version 2>/dev/null || echo none)); install Node 20 and run this again" >&2
  exit 1
fi

# Seccomp: libseccomp-dev builds the shim's filter (libseccomp.a for the static shim);
# golang-github-containers-common ships podman's profile (/usr/share/containers/seccomp.json).
# The default profile is docker's own (moby profiles/seccomp/default.json). Debian ships it in
# golang-github-docker-docker-dev, whose Go source dependencies (some 260 packages, systemd
# upgrades among them) minidock does not need: the package is downloaded and only that file kept.
if [ ! -f /usr/share/minidock/seccomp/default.json ]; then
  profile=usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # apt-get download writes as the _apt user when it can
  if id _apt >/dev/null 2>&1; then chown _apt "$tmp"; fi
  (cd "$tmp" && apt-get download -qq golang-github-docker-docker-dev >/dev/null)
  dpkg-deb --fsys-tarfile "$tmp"/golang-github-docker-docker-dev_*.deb | tar -x -C "$tmp" "./$profile"
  install -D -m 0644 "$tmp/$profile" /usr/share/minidock/seccomp/default.json
fi
echo "system packages and node $(node --version): ok"
