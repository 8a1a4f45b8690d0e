#!/usr/bin/env bash
# The VM smoke's checks, run inside the guest as root after scripts/demo.sh (the engine, the
# local registry and its images are up): each check prints ok/FAIL, every check runs, and the
# exit status is 1 when any failed. What it creates (two containers) is removed on exit.
#   - `run --rm busybox echo` prints what it was given
#   - a published port answers on the guest's loopback (nginx's page through the port map)
#   - the guest's cgroup hierarchy is the unified v2 one, and a container's memory limit lands
#     in its v2 cgroup's memory.max
set -uo pipefail
cd "$(dirname "$0")/../.."
md() { node bin/minidock "$@"; }
port=18080
failed=0
check() { # name, then the outcome of the check's commands ($?)
  if [ "$2" = 0 ]; then echo "vm smoke: ok   $1"; else echo "vm smoke: FAIL $1"; failed=1; fi
}
cleanup() {
  # deliberate: either may not exist when its check failed early
  md rm -f vm-smoke-web vm-smoke-mem >/dev/null 2>&1 || true
}
trap cleanup EXIT
cleanup

out=$(md run --rm localhost:5000/busybox echo vm-smoke-echo 2>&1)
echo "$out"
[ "$out" = vm-smoke-echo ]
check "run --rm busybox echo" $?

page=$(md run -d --name vm-smoke-web -p "127.0.0.1:$port:80" localhost:5000/nginx >/dev/null \
  && for _ in $(seq 1 100); do curl -sf --max-time 2 "http://127.0.0.1:$port/" && break; sleep 0.2; done)
echo "$page" | head -4
grep -q 'Welcome to nginx' <<<"$page"
check "published port 127.0.0.1:$port -> nginx:80 answers" $?

fs=$(stat -fc %T /sys/fs/cgroup)
echo "/sys/fs/cgroup is $fs"
[ "$fs" = cgroup2fs ]
check "unified cgroup v2 hierarchy" $?

mem=$(md run -d --name vm-smoke-mem -m 64m localhost:5000/busybox sleep 120 >/dev/null \
  && pid=$(md inspect -f '{{.State.Pid}}' vm-smoke-mem) \
  && cg=$(sed -n 's/^0:://p' "/proc/$pid/cgroup") \
  && echo "container pid $pid in cgroup $cg" >&2 \
  && cat "/sys/fs/cgroup$cg/memory.max")
echo "memory.max: $mem"
[ "$mem" = 67108864 ]
check "-m 64m is the container's v2 memory.max" $?

exit "$failed"
