#!/usr/bin/env bash
# Runs minidock inside the local Debian 12 VM (Vagrantfile, libvirt, box from build-box.sh), as
# root, and copies the results out to vm-results/. One command from a bare machine of this
# kind: installs vagrant/libvirt/qemu from apt when missing, starts libvirtd when it is not
# running (and stops it again), builds the box when missing, `vagrant up` (provisioning: the
# project's packages, npm ci, build, the local registry and its images), then
#   test   (npm run vm:test):  npm test (unit + integration) inside the guest; the parity
#          suite as well with MINIDOCK_VM_PARITY=1 (installs docker.io in the guest)
#   smoke  (npm run vm:smoke): the demo (busybox runs, nginx on a published port fetched with
#          curl inside the guest) and a check that the guest runs the unified cgroup v2 hierarchy
# and finally `vagrant destroy -f`. A trap destroys the VM whatever happens, and checks with
# virsh that its domain and disk are gone. The VM has no libvirt network or host bridge
# (qemu user-mode networking, ssh on a free 127.0.0.1 port).
#
# usage: scripts/vm/test.sh [test [VITEST ARGS...] | smoke]
#   test with arguments runs only those (e.g. `npm run vm:test -- test/unit
#   test/integration/cli-cgroups.test.ts`); env: MINIDOCK_VM_KEEP=1 keeps the VM for debugging
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

mode=${1:-test}
case "$mode" in test|smoke) ;; *) echo "usage: $0 [test [VITEST ARGS...] | smoke]" >&2; exit 2 ;; esac
shift $(($# > 0 ? 1 : 0))
[ "$mode" = test ] || [ $# = 0 ] || { echo "usage: $0 [test [VITEST ARGS...] | smoke]" >&2; exit 2; }
vitest_args=""; [ $# = 0 ] || vitest_args=$(printf " %q" "$@")
[ "$(id -u)" = 0 ] || { echo "vm test: run as root (libvirt system instance, debootstrap)" >&2; exit 1; }

t0=$(date +%s)
stamp() { echo "== vm $mode [$(($(date +%s) - t0))s]: $*" >&2; }
out=$repo/vm-results
mkdir -p "$out"

# --- host tools -------------------------------------------------------------------------------
need=()
for pair in vagrant:vagrant vagrant-libvirt:vagrant-libvirt libvirtd:libvirt-daemon-system \
            qemu-system-x86_64:qemu-system-x86 qemu-img:qemu-utils debootstrap:debootstrap \
            mke2fs:e2fsprogs rsync:rsync; do
  bin=${pair%%:*} pkg=${pair#*:}
  if [ "$bin" = vagrant-libvirt ]; then
    [ "$(dpkg-query -W -f='${Status}' vagrant-libvirt 2>/dev/null)" = "install ok installed" ] || need+=("$pkg")
  else
    command -v "$bin" >/dev/null || need+=("$pkg")
  fi
done
if [ ${#need[@]} -gt 0 ]; then
  stamp "installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# --- this run's VM: its own name, ssh port and vagrant state dir --------------------------------
export MINIDOCK_VM_PREFIX="minidock-vm-$$-"
domain="${MINIDOCK_VM_PREFIX}default"
MINIDOCK_VM_SSH_PORT=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
export MINIDOCK_VM_SSH_PORT
export VAGRANT_DOTFILE_PATH=$repo/.vagrant/minidock-vm-$$
export VAGRANT_DEFAULT_PROVIDER=libvirt
unset MINIDOCK_VM_PUBLIC

started_daemons=()
cleanup() {
  local rc=$? errors=0 vol pidfile pid
  if [ "${MINIDOCK_VM_KEEP:-0}" = 1 ]; then
    echo "vm $mode: kept $domain (VAGRANT_DOTFILE_PATH=$VAGRANT_DOTFILE_PATH MINIDOCK_VM_SSH_PORT=$MINIDOCK_VM_SSH_PORT); vagrant destroy -f removes it" >&2
    exit "$rc"
  fi
  stamp "destroying $domain"
  if [ -d "$VAGRANT_DOTFILE_PATH" ] && virsh -q -c qemu:///system uri >/dev/null 2>&1; then
    vagrant destroy -f >&2 || { echo "vm $mode: vagrant destroy failed" >&2; errors=1; }
  fi
  # whatever vagrant left: only this run's domain and volumes (named after it)
  if virsh -q -c qemu:///system dominfo "$domain" >/dev/null 2>&1; then
    echo "vm $mode: $domain still defined after vagrant destroy, removing it" >&2
    virsh -q -c qemu:///system destroy "$domain" >/dev/null 2>&1 || true # deliberate: may be shut off already
    virsh -q -c qemu:///system undefine "$domain" --remove-all-storage --nvram >&2 || errors=1
  fi
  for vol in $(virsh -q -c qemu:///system vol-list minidock-vm 2>/dev/null | awk '{print $1}' | grep -F "$domain" || true); do
    echo "vm $mode: removing leftover volume $vol" >&2
    virsh -q -c qemu:///system vol-delete --pool minidock-vm "$vol" >&2 || errors=1
  done
  rm -rf "$VAGRANT_DOTFILE_PATH"
  for pidfile in "${started_daemons[@]}"; do
    pid=$(cat "$pidfile" 2>/dev/null) || continue
    kill -TERM "$pid" || errors=1
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$pidfile"
  done
  [ "$errors" = 0 ] || { echo "vm $mode: clean-up incomplete (see above)" >&2; [ "$rc" != 0 ] || rc=1; }
  stamp "finished, exit $rc"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- libvirtd (machines of this kind run no systemd: start it when it is not answering) --------
if ! virsh -q -c qemu:///system uri >/dev/null 2>&1; then
  stamp "starting virtlogd and libvirtd"
  for d in virtlogd libvirtd; do
    pidfile=/run/minidock-vm-$d.pid
    "$d" -d -p "$pidfile"
    started_daemons+=("$pidfile")
  done
  for _ in $(seq 1 50); do virsh -q -c qemu:///system uri >/dev/null 2>&1 && break; sleep 0.2; done
  virsh -q -c qemu:///system uri >/dev/null
fi

# --- the storage pool the Vagrantfile names (kept, like the box: it holds the box's base volume;
# `scripts/vm/build-box.sh --remove` deletes both)
if ! virsh -q -c qemu:///system pool-info minidock-vm >/dev/null 2>&1; then
  stamp "creating libvirt storage pool minidock-vm"
  virsh -q -c qemu:///system pool-define-as minidock-vm dir --target /var/lib/libvirt/minidock-vm >/dev/null
  virsh -q -c qemu:///system pool-build minidock-vm >/dev/null
fi
# (output captured first: `virsh | grep -q` under pipefail exits 141 when grep stops reading early)
pool_running() { local info; info=$(virsh -q -c qemu:///system pool-info minidock-vm) && grep -q '^State:.*running' <<<"$info"; }
# (a libvirtd that just started may still be re-activating it; a pool whose directory was
# removed while libvirtd was down — build-box.sh --remove then — is built again first)
if ! pool_running && ! virsh -q -c qemu:///system pool-start minidock-vm >/dev/null 2>&1 && ! pool_running; then
  stamp "building libvirt storage pool minidock-vm again (its directory is gone)"
  virsh -q -c qemu:///system pool-build minidock-vm >/dev/null
  virsh -q -c qemu:///system pool-start minidock-vm >/dev/null
fi


# --- box ----------------------------------------------------------------------------------------
stamp "box"
bash scripts/vm/build-box.sh
stamp "box ready (accelerator $(cat "${MINIDOCK_VM_CACHE:-/var/cache/minidock-vm}/accel"))"

# --- node_modules: the host's, rsynced with the tree (the Vagrantfile, MINIDOCK_VM_HOST_MODULES) ---
# Same Debian 12 and same Node version as the guest (the provisioner checks the version): the
# guest fetches nothing from the npm registry.
if ! npm ls --all >/dev/null 2>&1; then
  stamp "npm ci on the host (node_modules missing or not this lockfile's)"
  npm ci --no-audit --no-fund >&2
fi
MINIDOCK_VM_HOST_NODE=$(node --version)
export MINIDOCK_VM_HOST_MODULES=1 MINIDOCK_VM_HOST_NODE

# --- up + provision -----------------------------------------------------------------------------
stamp "vagrant up $domain (ssh on 127.0.0.1:$MINIDOCK_VM_SSH_PORT)"
# (vagrant's upload progress bar redraws one line thousands of times: dropped from the log)
vagrant up --provider=libvirt 2>&1 | sed -u 's/\x1b\[K/\n/g' | grep --line-buffered -v '^Progress: ' | tee "$out/$mode-up.log"
stamp "up and provisioned"

guest() { vagrant ssh -c "sudo bash -c $(printf '%q' "$1")" -- -o LogLevel=ERROR; }

# --- the run ------------------------------------------------------------------------------------
rc=0
case "$mode" in
  test)
    stamp "npm test in the guest"
    guest "cd /vagrant && uname -r && stat -fc %T /sys/fs/cgroup && bash scripts/registry.sh start >/dev/null && time npx vitest run --reporter=default --reporter=junit --outputFile.junit=/tmp/vm-junit.xml$vitest_args" \
      2>&1 | tee "$out/test.log" || rc=1
    guest 'cat /tmp/vm-junit.xml' >"$out/test-junit.xml" || rc=1
    if [ "${MINIDOCK_VM_PARITY:-0}" = 1 ]; then
      stamp "parity suite in the guest"
      guest 'cd /vagrant && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >/dev/null && systemctl disable --now docker.service docker.socket containerd.service; npm run parity' \
        2>&1 | tee "$out/parity.log" || rc=1
    fi
    ;;
  smoke)
    stamp "smoke in the guest"
    guest 'set -e; cd /vagrant; echo "kernel $(uname -r), cgroup fs $(stat -fc %T /sys/fs/cgroup)"; [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; bash scripts/demo.sh; bash scripts/vm/smoke.sh' \
      2>&1 | tee "$out/smoke.log" || rc=1
    if [ "$rc" != 0 ]; then
      echo "--- the guest's engine log (/var/log/minidock.log), last 60 lines" >&2
      guest 'tail -n 60 /var/log/minidock.log' 2>&1 | tee "$out/smoke-engine.log" >&2 || true # deliberate: diagnostics only
    fi
    ;;
esac
stamp "$mode in the guest: $([ "$rc" = 0 ] && echo passed || echo FAILED) (logs in vm-results/)"
exit "$rc"
