#!/usr/bin/env bash
# Installs every system package minidock and its tests need (Debian 12, as root), and Node 20
# when node is missing or older than package.json's engines (bookworm ships 18: NodeSource's
# apt repository, as in the Vagrantfile). Idempotent: apt runs only for what is missing.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

PACKAGES=(
  iproute2 iptables nftables util-linux procps psmisc kmod
  gcc libc6-dev make
  docker-registry busybox-static apache2-utils openssl attr curl ca-certificates gnupg
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
  echo "installing Node 20 from NodeSource's apt repository"
  install -d -m 0755 /etc/apt/keyrings
  curl -fsSL https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key | gpg --dearmor --yes -o /etc/apt/keyrings/nodesource.gpg
  echo 'deb [signed-by=/etc/apt/keyrings/nodesource.gpg] https://deb.nodesource.com/node_20.x nodistro main' > /etc/apt/sources.list.d/nodesource.list
  apt-get update -qq
  apt-get install -y -qq nodejs >/dev/null
  node_ok || { echo "node $(node --version 2>/dev/null || echo missing) is still older than 20.18" >&2; exit 1; }
fi
echo "system packages and node $(node --version): ok"
