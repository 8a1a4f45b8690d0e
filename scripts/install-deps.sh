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
echo "system packages and node $(node --version): ok"
